/**
 * The one typed message map between the UI, content scripts and the background. Every request
 * is `{ type, payload }`; every answer is the Envelope, so callers handle one shape of error.
 */
import type { NetworkName } from '../../core/network.ts';
import type { ClientErrorCode, ErrorInfo } from '../../client/views.ts';
import type {
  Balances,
  ChannelBackupFile,
  ChannelRestoreResult,
  ChannelSummary,
  FeeRates,
  PayResult,
  PaymentSummary,
  SatString,
  SendResult,
  Settings,
  SiteAllowance,
  TxSummary,
  WalletStatus,
} from './types.ts';

export interface MessageMap {
  'wallet.status': { req: void; res: WalletStatus };
  /** Makes a new mnemonic and holds it until `wallet.create` confirms it; nothing is stored yet. */
  'wallet.generate': { req: void; res: { mnemonic: string } };
  /** Stores the generated mnemonic once the user has typed it back (the confirmation). */
  'wallet.create': { req: { mnemonic: string; password: string; network: NetworkName }; res: WalletStatus };
  'wallet.restore': { req: { mnemonic: string; password: string; network: NetworkName }; res: WalletStatus };
  'wallet.unlock': { req: { password: string }; res: WalletStatus };
  'wallet.lock': { req: void; res: WalletStatus };
  'settings.get': { req: void; res: Settings };
  'settings.set': { req: Partial<Settings>; res: Settings };
  /** Re-scans addresses (gap limit) and answers fresh balances. */
  'wallet.sync': { req: void; res: Balances };
  'wallet.balances': { req: void; res: Balances };
  'wallet.receiveAddress': { req: void; res: { address: string } };
  'wallet.feeRates': { req: void; res: FeeRates };
  'wallet.send': { req: { address: string; amount: SatString; feeRateKvb: SatString }; res: SendResult };
  /** Replaces an unconfirmed send with the same payment at a higher fee rate (BIP125). */
  'wallet.bumpFee': { req: { txid: string; feeRateKvb: SatString }; res: SendResult };
  'wallet.history': { req: void; res: TxSummary[] };
  'channels.list': { req: void; res: ChannelSummary[] };
  'channels.close': { req: { id: string }; res: ChannelSummary };
  /** Resumes, re-sends, refunds and notices closes; the alarm runs the same check. */
  'channels.check': { req: void; res: ChannelSummary[] };
  /**
   * An encrypted backup of every channel not yet final on the wallet's network (what a refund or a
   * resume needs, which the seed cannot give). Unlocked wallet, and the password entered again.
   */
  'channels.backup': { req: { password: string }; res: ChannelBackupFile };
  /**
   * Adds the channels of a backup file the wallet does not have yet, all or none: WRONG_PASSWORD,
   * INVALID_BACKUP (unreadable, damaged or malformed), WRONG_NETWORK or OTHER_WALLET store nothing.
   */
  'channels.restoreBackup': { req: { contents: string; password: string }; res: ChannelRestoreResult };
  'payments.history': { req: { channel?: string }; res: PaymentSummary[] };
  'sites.list': { req: void; res: SiteAllowance[] };
  'sites.allow': { req: { endpoint: string; allowance: SatString }; res: SiteAllowance };
  'sites.revoke': { req: { endpoint: string }; res: null };
  /**
   * Called by 402 detection: makes sure a channel with `endpoint` holds credit for the price in
   * the challenge (opening or topping up within the site's allowance) and answers the header to
   * retry the request with.
   */
  /** `limit` and `maxNewDeposit` (sats) are the paywall's bounds: see channel-service `pay`. */
  pay: { req: { url: string; challenge: string; limit?: SatString; maxNewDeposit?: SatString }; res: PayResult };
  /**
   * The paywall's background top-up (trusted callers only): keeps `price × items` of credit ahead
   * on the endpoint's newest open channel, raising its approval by at most `limit`; signs and
   * stores, and sends when `send`. `credential` carries the payment inline while unacknowledged.
   */
  'channels.topUp': {
    req: { endpoint: string; price: SatString; items: number; limit: SatString; send: boolean };
    res: { approved: SatString; channel: ChannelSummary | null; credential: string | null };
  };
  /**
   * Reports a `Paychan-Receipt` header, so the background's view of credit stays exact. Trusted
   * callers only: the paywall, which sees receipts through webRequest.
   */
  /** `url` is the response that carried the receipt: only the channel's own site is believed. */
  'pay.receipt': { req: { receipt: string; url: string }; res: ChannelSummary | null };
  // --- paywall (issue 6): handled by background/paywall, wired through registerPaywall(). ---
  /** From the page's fetch/XHR wrapper (content script): pay for the 402 the browser just saw for `url` in this tab. */
  'paywall.request': { req: { url: string; method: string }; res: { outcome: import('./paywall-views.ts').PageOutcome } };
  /** Pending approvals and what the given tab paid, for the popup's header. */
  'paywall.state': { req: { tabId?: number }; res: import('./paywall-views.ts').PaywallStateView };
  'paywall.sites': { req: void; res: import('./paywall-views.ts').SitePolicyView[] };
  'paywall.site.set': { req: { site: string; patch: import('./paywall-views.ts').SitePolicyPatch }; res: import('./paywall-views.ts').SitePolicyView };
  /** Forgets a site: its policy, its spend records and its credential rule. */
  'paywall.site.remove': { req: { site: string }; res: null };
  /** Items paid for, newest first. */
  'paywall.history': { req: { site?: string; limit?: number }; res: import('./paywall-views.ts').PaidItemView[] };
  /** What each site was paid per day, newest first: `limit` groups (at most 1,000) of days from `since` and before `before`. */
  'paywall.history.days': { req: { before?: number; since?: number; limit?: number }; res: import('./paywall-views.ts').DayTotalView[] };
  /** One site's items of one day (its local midnight), newest first, at most `limit` (at most 200). */
  'paywall.history.day': { req: { site: string; day: number; limit?: number }; res: import('./paywall-views.ts').PaidItemView[] };
  /** The approval window reads its request and answers it. */
  'paywall.approval.get': { req: { id: string }; res: import('./paywall-views.ts').ApprovalView | null };
  'paywall.approval.decide': { req: { id: string; choice: import('./paywall-views.ts').ApprovalChoice }; res: null };
  /** More time for the reader (at least `leftMs` from now, within a bound); answers the deadline in force, null when the request is gone. */
  'paywall.approval.extend': { req: { id: string; leftMs: number }; res: number | null };
}

export type MessageType = keyof MessageMap;
export type RequestOf<T extends MessageType> = MessageMap[T]['req'];
export type ResponseOf<T extends MessageType> = MessageMap[T]['res'];

export type Message<T extends MessageType = MessageType> = T extends MessageType ? { type: T; payload: RequestOf<T> } : never;

/** Codes the UI branches on: the client engine's (src/client/views.ts). */
export type BackgroundErrorCode = ClientErrorCode;
export type { ErrorInfo };

export type Envelope<T> = { ok: true; data: T } | { ok: false; error: ErrorInfo };

/** Port name the popup connects with to receive BackgroundEvents. */
export const POPUP_PORT = 'paychan-popup';

/**
 * Messages content scripts may send; everything else needs an extension page (popup, prompt).
 * Receipts are not among them: the background sees every receipt itself (webRequest), and a page
 * must not be able to tell the wallet what it spent.
 */
export const CONTENT_ALLOWED: ReadonlySet<MessageType> = new Set<MessageType>(['wallet.status']);

/** Typed sender for UI code: one call, one envelope. */
export async function sendMessage<T extends MessageType>(
  send: (message: unknown) => Promise<unknown>,
  type: T,
  payload: RequestOf<T>,
): Promise<Envelope<ResponseOf<T>>> {
  return (await send({ type, payload })) as Envelope<ResponseOf<T>>;
}
