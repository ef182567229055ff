/**
 * JSON-safe shapes the paywall hands to the popup, the prompt window and content scripts. Types
 * only, so UI bundles can import them without pulling background code in. Amounts are decimal
 * strings (SatString), as everywhere across runtime messages.
 */
import type { SatString } from './types.ts';

/** Why the paywall asks the reader before paying (paywall/policy.ts decides it). */
export type AskReason = 'new-site' | 'ask' | 'price-above-limit' | 'budget-exhausted' | 'third-party' | 'endpoint-changed' | 'new-channel' | 'deposit-limit';

export type PolicyMode = 'ask' | 'auto';

/** What the user decided for one site (an origin such as `https://news.example`). */
export interface SitePolicyView {
  site: string;
  mode: PolicyMode;
  blocked: boolean;
  /** Highest price per item auto-pay accepts. */
  maxPrice: SatString;
  /** Sats auto-pay may commit to this site per period. */
  budget: SatString;
  periodDays: number;
  /**
   * What the budget counts in the current period: committed (signed, prepaid credit included, and
   * fees) and still reserved by payments in flight. Not what the reader spent: see `charged`,
   * `fees` and `prepaid`.
   */
  spent: SatString;
  reserved: SatString;
  /** When the current period ends (ms since epoch). */
  periodEnds: number;
  /** Channel API of the site, once seen. */
  endpoint: string | null;
  /** The most the site's channels not yet closed may lock together, and what they lock now. */
  depositLimit: SatString;
  openDeposits: SatString;
  /** Items and sats charged on this site in the current period (from receipts). */
  items: number;
  charged: SatString;
  /** Network fees of the site's channels opened in the current period: spent, like the items. */
  fees: SatString;
  /** Credit signed to the site and not yet used, on channels not yet closed: not spent, comes back at close. */
  prepaid: SatString;
  updatedAt: number;
}

export interface SitePolicyPatch {
  mode?: PolicyMode;
  blocked?: boolean;
  maxPrice?: SatString;
  budget?: SatString;
  periodDays?: number;
  depositLimit?: SatString;
}

/** One item the browser received and paid for, from its `Paychan-Receipt`. */
export interface PaidItemView {
  id: number;
  site: string;
  url: string;
  amount: SatString;
  channel: string;
  at: number;
}

/** What one site was paid on one local day (`day` is its midnight, ms since epoch). */
export interface DayTotalView {
  day: number;
  site: string;
  items: number;
  amount: SatString;
}

export type ApprovalChoice =
  | { kind: 'once' }
  | { kind: 'allow'; maxPrice: SatString; budget: SatString; periodDays: number }
  | { kind: 'deny'; block?: boolean };

/** Everything the approval window shows; the prompt never sees a credential. */
export interface ApprovalView {
  id: string;
  site: string;
  url: string;
  price: SatString;
  network: string;
  /** The channel API the payment goes through (full URL, scheme included). */
  endpoint: string;
  /** The channel API the site used until now, when this 402 names another one. */
  previousEndpoint: string | null;
  /** A new channel: what the site's channels not yet closed lock already, and the site's limit. */
  openDeposits: SatString;
  depositLimit: SatString;
  /** A new channel: the deposit it locks and for how long; null when an open channel pays. */
  deposit: SatString | null;
  expiryBlocks: number | null;
  /** Roughly when the deposit comes back at the latest if the site vanishes (ms since epoch). */
  expiryEstimate: number | null;
  /**
   * Sats counted against the budget if approved once: the price, `prepaid` credit, and for a new
   * channel its estimated `fees` (funding and refund). They add up to this.
   */
  commitment: SatString;
  /** Credit paid ahead of the items that use it; what is not used comes back when the channel closes. */
  prepaid: SatString;
  /**
   * A new channel's on-chain fees estimated at the current rate (sat/kvB): the funding
   * transaction's, and the refund's, paid from the deposit only if the site vanishes. Null when an
   * open channel pays or no rate is known.
   */
  fees: { rateKvb: SatString; funding: SatString; refund: SatString } | null;
  /** What auto-pay would allow if the user picks "Allow": prefilled, editable. */
  suggested: { maxPrice: SatString; budget: SatString; periodDays: number };
  /**
   * Why we ask: no policy yet, price above the limit, budget used up, a third-party page, or a
   * locked wallet (auto-pay cannot sign until it is unlocked).
   */
  reason: AskReason | 'locked';
  /** With budget-exhausted: what the current period still has. */
  remaining: SatString | null;
  /**
   * Where the site's current budget period stands, when the site has a policy: "Allow" keeps
   * the period, so a new budget must cover what it has already spent (committed and in flight)
   * plus this payment's `commitment`, or nothing can be reserved. `spent` is what the budget
   * counts; `books`, when known, what the reader really spent (items served and fees) and the
   * prepaid credit not yet used, which the budget counts but which comes back at close.
   */
  period: { spent: SatString; budget: SatString; periodDays: number; mode: PolicyMode; books?: PeriodBooks } | null;
  /** The page that triggered the request, when it is another site. */
  initiator: string | null;
  createdAt: number;
  /** When the request gives up and the page gets its original 402 (ms since epoch). */
  deadline: number;
}

/** A site's books in the current period, as the prompt shows them. */
export interface PeriodBooks {
  items: number;
  charged: SatString;
  fees: SatString;
  prepaid: SatString;
}

/** What the popup shows about the paywall in the active tab. */
export interface PaywallStateView {
  pending: number;
  tab: { site: string | null; items: number; charged: SatString } | null;
}

/** The page wrapper's question and its answer. */
export type PageOutcome = 'paid' | 'denied' | 'failed' | 'not-priced';
