/**
 * What the background tells the popup and content scripts. These values cross
 * `runtime.sendMessage`, which Chrome serialises as JSON, so satoshi amounts travel as decimal
 * strings (never numbers: they would lose precision; never bigints: JSON cannot carry them).
 */
import type { NetworkName } from '../../core/network.ts';

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

export interface SiteAllowance {
  endpoint: string;
  /**
   * The most one channel with this endpoint may be approved to pay (cumulative), without asking
   * again. An exhausted channel asks (APPROVAL_REQUIRED) rather than opening another; a new
   * channel is opened only when the old one is full, expiring or closed. Budgets over time and
   * across channels belong to the paywall (background/paywall), which sets this per payment.
   */
  allowance: SatString;
  updatedAt: number;
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

/** Pushed over the popup Port while it is open. */
export type BackgroundEvent =
  | { type: 'status'; data: WalletStatus }
  | { type: 'balances'; data: Balances }
  | { type: 'channel'; data: ChannelSummary }
  | { type: 'payment'; data: PaymentSummary };
