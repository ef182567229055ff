/**
 * What the background tells the popup and content scripts. The summaries are the client engine's
 * (src/client/views.ts): the extension depends on the client, never the reverse. These values
 * cross `runtime.sendMessage`, which Chrome serialises as JSON, so satoshi amounts travel as
 * decimal strings.
 */
import type { ClientEvent, SatString } from '../../client/views.ts';

export type {
  Balances,
  ChannelBackupFile,
  ChannelRestoreResult,
  ChannelSummary,
  ChannelSummaryState,
  FeeRates,
  PayResult,
  PaymentSummary,
  PolicySettings,
  SatString,
  SendResult,
  Settings,
  TxKind,
  TxSummary,
  WalletState,
  WalletStatus,
} from '../../client/views.ts';

/** Pushed over the popup Port while it is open: the engine's events as they are. */
export type BackgroundEvent = ClientEvent;

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
