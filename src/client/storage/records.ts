/** What the background keeps in IndexedDB. Amounts are bigints: structured clone keeps them exact. */
import type { ClientChannel } from '../../core/client-channel.ts';
import type { Outpoint } from '../../core/channel.ts';
import type { NetworkName } from '../../core/network.ts';

export interface AddressRecord {
  network: NetworkName;
  /** BIP84 chain: 0 receive, 1 change. */
  chain: 0 | 1;
  index: number;
  address: string;
  used: boolean;
}

/** A coin spent by a transaction this wallet built, with where its key lives. */
export interface SpentCoin extends Outpoint {
  value: bigint;
  chain: 0 | 1;
  index: number;
}

/** A send this wallet made, kept so it can be replaced by fee (RBF) with the same coins. */
export interface SentRecord {
  txid: string;
  network: NetworkName;
  hex: string;
  coins: SpentCoin[];
  outputs: { script: Uint8Array; value: bigint }[];
  changeScript: Uint8Array;
  /** Sat/kvB (schema v3; v1–v2 records had `feeRate` in whole sat/vB, converted by the v3 migration). */
  feeRateKvb: bigint;
  fee: bigint;
  createdAt: number;
  replacedBy: string | null;
}

export interface ChannelRecord {
  /** `${network}/${clientKeyIndex}`: stable from the first step, before the channel has an outpoint. */
  id: string;
  network: NetworkName;
  endpoint: string;
  channel: ClientChannel;
  /** Wallet coins the funding transaction spends: not spendable elsewhere while it may confirm. */
  fundingInputs: SpentCoin[];
  zeroConfLimit: bigint;
  /**
   * The server's settlement margin (its /terms at open): from `expiry − settleMarginBlocks` it
   * takes no payment and settles at the newest one, so the wallet closes before then. Absent for
   * channels opened or restored without it.
   */
  settleMarginBlocks?: number;
  fundingConfirmed: boolean;
  /** Given up before the server accepted the funding; watched in case the funding appears anyway. */
  abandoned: boolean;
  /**
   * The refund, signed when the funding was built: after expiry it can be broadcast even while
   * the wallet is locked or the browser was restarted without unlocking.
   */
  refund: { txid: string; hex: string; feeRateKvb: bigint } | null;
  createdAt: number;
  updatedAt: number;
  lastError: string | null;
  /**
   * What the site's settlement paid it, read from the chain once the settlement is seen (absent or
   * null before, or when the channel closed otherwise). Above `channel.spent`: credit the site kept.
   */
  settled?: bigint | null;
}

export interface PaymentRecord {
  seq?: number;
  channel: string;
  endpoint: string;
  amount: bigint;
  increment: bigint;
  signature: Uint8Array;
  at: number;
  acknowledged: boolean;
}

export interface SiteRecord {
  endpoint: string;
  allowance: bigint;
  updatedAt: number;
}
