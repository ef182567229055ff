/**
 * What the client engine answers: the summaries of wallet, channels and payments, its events and
 * its error codes. They are plain JSON values because they leave the engine as JSON (the
 * extension's `runtime.sendMessage`, the CLI's output), so satoshi amounts travel as decimal
 * strings (never numbers: they would lose precision; never bigints: JSON cannot carry them).
 * The extension re-exports them (src/extension/shared/types.ts, messages.ts): it depends on the
 * client, never the reverse.
 */
import type { NetworkName } from '../core/network.ts';

/** Satoshis as a canonical decimal string. */
export type SatString = string;

export type WalletState = 'none' | 'locked' | 'unlocked';

export interface WalletStatus {
  state: WalletState;
  network: NetworkName;
  /** Minutes of inactivity after which the wallet locks itself. */
  autoLockMinutes: number;
}

export interface Settings {
  network: NetworkName;
  /** Per-network Esplora base URL overrides; missing entries use the public defaults. */
  esploraUrls: Partial<Record<NetworkName, string>>;
  autoLockMinutes: number;
  /**
   * Open channels with no payment for this many days are closed by the wallet, so their unused
   * credit comes back before the site settles at expiry (0: never).
   */
  closeIdleChannelsAfterDays: number;
  policy: PolicySettings;
}

/** The user's limits for channels; the background never lets a server talk it past them. */
export interface PolicySettings {
  maxDeposit: SatString;
  preferredDeposit: SatString;
  maxExpiryBlocks: number;
  preferredExpiryBlocks: number;
  maxPrice: SatString;
  /** Credit kept prepaid at a server beyond the item being bought, so most items cost no round trip. */
  prepaidTarget: SatString;
}

/** A channel backup, ready to save as a file. */
export interface ChannelBackupFile {
  /** `paychan-channels-YYYY-MM-DD.json` (the wallet's local date). */
  filename: string;
  /** The encrypted backup: a JSON document to save as is. */
  contents: string;
  /** How many channels it holds. */
  channels: number;
  network: NetworkName;
}

export interface ChannelRestoreResult {
  /** Channels the backup added; the watcher now looks after them. */
  added: ChannelSummary[];
  /** Channels in the backup the wallet had already, left as they were. */
  skipped: number;
}

export interface Balances {
  network: NetworkName;
  confirmed: SatString;
  unconfirmed: SatString;
  /** Our part of channel deposits: what comes back to the wallet when the channels close. */
  inChannels: SatString;
  /** Signed to servers but not yet spent on items. */
  prepaid: SatString;
}

export interface FeeRates {
  /** Sat/kvB (1 sat/vB is 1000), as decimal strings; shown as sat/vB with up to 3 decimals. */
  fast: SatString;
  normal: SatString;
  slow: SatString;
  /** The backend's minimum fee, sat/kvB: no send may pay less. */
  minimum: SatString;
  /** How old the estimate is; a stale one (the server not answering) is shown with its age. */
  ageSeconds: number;
}

export interface SendResult {
  txid: string;
  fee: SatString;
  vsize: number;
}

export type TxKind = 'receive' | 'send' | 'self' | 'channel-funding' | 'channel-refund' | 'channel-settlement';

export interface TxSummary {
  txid: string;
  kind: TxKind;
  /** Net effect on the wallet's coins, may be negative ("-1200"). */
  delta: string;
  fee: SatString;
  confirmed: boolean;
  height: number | null;
  time: number | null;
  /** Set when a later transaction replaced this one (RBF). */
  replacedBy: string | null;
}

export type ChannelSummaryState = 'opening' | 'open' | 'closing' | 'refunding' | 'closed';

export interface ChannelSummary {
  /** Local id (stable from the first step, before there is a funding outpoint). */
  id: string;
  /** `<txid>:<vout>` once funded. */
  channelId: string | null;
  endpoint: string;
  network: NetworkName;
  state: ChannelSummaryState;
  capacity: SatString;
  expiry: number;
  approved: SatString;
  signed: SatString;
  acknowledged: SatString;
  spent: SatString;
  /** signed − spent: paid to the server and not yet used. */
  credit: SatString;
  closingTxid: string | null;
  /** What the wallet's cooperative close signed for (what the site delivered); null before a close. */
  closeAmount?: SatString | null;
  /** What the site's settlement paid it, read from the chain; null until seen. */
  settled?: SatString | null;
  /** Settled above what was delivered: credit the site kept that the reader never used; null if none. */
  keptCredit?: SatString | null;
  /** The funding transaction's network fee, paid by the wallet; null when unknown (e.g. a restored channel). */
  fundingFee?: SatString | null;
  /** The signed refund's network fee, taken out of the deposit if it is ever broadcast; null without one. */
  refundFee?: SatString | null;
  /**
   * How a closing or closed channel ends: `settled` (the site's settlement pays it `signed` and
   * returns capacity − signed), `refunded` (the whole capacity comes back after expiry), or
   * `abandoned` (it never opened, nothing was locked); null while it is opening or open.
   * Optional (read as null) so that summaries made by hand, as test fakes do, stay valid.
   */
  outcome?: 'settled' | 'refunded' | 'abandoned' | null;
  /** What went wrong last time the wallet worked on this channel (e.g. a funding the site refused). */
  lastError?: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface PaymentSummary {
  seq: number;
  channel: string;
  endpoint: string;
  /** Cumulative amount signed. */
  amount: SatString;
  /** What this signature added to the previous one. */
  increment: SatString;
  at: number;
  acknowledged: boolean;
}

/** What `pay` hands back: the header to retry the priced request with. */
export interface PayResult {
  /** Value for `Authorization` (or `Paychan-Credential`). */
  authorization: string;
  channelId: string;
  price: SatString;
  /** Credit the server should hold before this item is debited. */
  credit: SatString;
  /** True when a channel was opened for this payment. */
  opened: boolean;
  /** How much this payment raised the approvals of the endpoint's channels (what the paywall counts against the budget). */
  approved: SatString;
  /** On-chain fees of a channel this payment opened (funding, and the refund it holds signed); counted against the budget too. */
  fees: SatString;
}

/** What the engine tells its listeners (the extension pushes them over the popup's Port). */
export type ClientEvent =
  | { type: 'status'; data: WalletStatus }
  | { type: 'balances'; data: Balances }
  | { type: 'channel'; data: ChannelSummary }
  | { type: 'payment'; data: PaymentSummary };

/** Codes a caller branches on. Protocol error codes from the server pass through unchanged. */
export type ClientErrorCode =
  | 'NO_WALLET'
  | 'WALLET_EXISTS'
  | 'LOCKED'
  | 'WRONG_PASSWORD'
  | 'INVALID_MNEMONIC'
  | 'NOT_CONFIRMED'
  | 'INVALID_REQUEST'
  | 'FORBIDDEN'
  | 'INSUFFICIENT_FUNDS'
  | 'APPROVAL_REQUIRED'
  | 'POLICY_REFUSED'
  | 'NOT_FOUND'
  | 'UNREACHABLE'
  | 'CHAIN_ERROR'
  /** The chain server did not answer (rate limit, outage): nothing is known, try again. */
  | 'CHAIN_UNAVAILABLE'
  /** The chain server serves another network's chain. */
  | 'WRONG_CHAIN'
  | 'INVALID_BACKUP'
  | 'WRONG_NETWORK'
  | 'OTHER_WALLET'
  | 'INTERNAL'
  | (string & {});

export interface ErrorInfo {
  code: ClientErrorCode;
  message: string;
  /** Machine-readable context, e.g. the allowance needed for APPROVAL_REQUIRED. */
  details?: Record<string, string | number>;
}
