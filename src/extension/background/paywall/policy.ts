/**
 * Per-site policy and budget periods: pure functions, no storage, no browser. A policy is kept per
 * origin (`https://news.example`), because that is what the reader sees; whether two URLs are the
 * same site (for credentials, initiators and channel APIs) is core/site.ts's `sameSite`, by the
 * Public Suffix List.
 */
import { NOTHING_CARRIED, type CarriedCredit, type SiteBooks } from './books.ts';
import type { AskReason, SitePolicyView } from '../../shared/paywall-views.ts';

export const DAY_MS = 86_400_000;
/** Periods longer than this are a typo, not a budget. */
export const MAX_PERIOD_DAYS = 365;

export interface SitePolicy {
  site: string;
  mode: 'ask' | 'auto';
  blocked: boolean;
  maxPrice: bigint;
  budget: bigint;
  periodDays: number;
  /** Start of the current period (ms since epoch); periods follow each other back to back. */
  periodStart: number;
  /**
   * What the budget counts in the current period: every sat committed to the site (signed,
   * prepaid credit included, and fees), from the period's start the credit earlier periods left
   * unused on channels not yet closed (books.ts `carriedCredit`). Not what the reader spent
   * (books.ts): signed credit is money at risk if the site vanishes, so the cap holds it until it
   * is used (then it is spent, counted once) or comes back at a close.
   */
  spent: bigint;
  /** Held by payments in flight, by reservation id. Counted against the budget until settled. */
  reservations: Record<string, Reservation>;
  endpoint: string | null;
  /**
   * The most the site's channels not yet closed may lock in deposits together; absent in
   * policies stored before it existed, which get DEFAULT_DEPOSIT_LIMIT.
   */
  depositLimit?: bigint;
  /** Channels opened with the site in the current period (auto-pay opens at most one unasked). */
  channelsOpened?: number;
  /** Channels (local ids) whose returned credit this period's `spent` no longer counts (budget.ts `creditReturned`). */
  returned?: string[];
  /**
   * Channels (local ids) that carried credit into the current period, each with what its items had
   * used when the period began: a close gives back only what this period counted (budget.ts
   * `creditReturned`). Absent in policies stored before it existed: nothing carried.
   */
  carried?: Record<string, bigint>;
  createdAt: number;
  updatedAt: number;
}

/** A site's open deposits together, unless the reader set otherwise: two default-sized channels. */
export const DEFAULT_DEPOSIT_LIMIT = 100_000n;
/** Auto-pay opens at most this many channels with a site per period without asking. */
export const AUTO_CHANNELS_PER_PERIOD = 1;

export function depositLimitOf(p: SitePolicy | undefined): bigint {
  return p?.depositLimit ?? DEFAULT_DEPOSIT_LIMIT;
}

export interface Reservation {
  amount: bigint;
  at: number;
}

/** A site the user has never decided about: ask each time, nothing spent. */
export function defaultPolicy(site: string, now: number): SitePolicy {
  return {
    site,
    mode: 'ask',
    blocked: false,
    maxPrice: 0n,
    budget: 0n,
    periodDays: 1,
    periodStart: startOfDay(now),
    spent: 0n,
    reservations: {},
    endpoint: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** Midnight UTC: periods line up with days, so "per day" means a calendar day, not a sliding 24 h. */
export function startOfDay(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

/** Whether `now` is past the policy's period, so `rollPeriod` would start a new one. */
export function periodOver(p: SitePolicy, now: number): boolean {
  return now >= p.periodStart + p.periodDays * DAY_MS;
}

/**
 * Moves the period forward to the one containing `now`. What it counts starts from the credit the
 * site's channels carry over (`carry`, unused approvals the site can still take): a reset must not
 * let the site take a whole budget of new signatures on top of credit it already holds.
 * Reservations carry over too: their money is still in flight and will be committed into the new
 * period.
 */
export function rollPeriod(p: SitePolicy, now: number, carry: CarriedCredit = NOTHING_CARRIED): SitePolicy {
  if (!periodOver(p, now)) return p;
  const len = p.periodDays * DAY_MS;
  const periods = Math.floor((now - p.periodStart) / len);
  return { ...p, periodStart: p.periodStart + periods * len, spent: carry.total, channelsOpened: 0, returned: [], carried: carry.used };
}

export function reservedTotal(p: SitePolicy): bigint {
  let sum = 0n;
  for (const r of Object.values(p.reservations)) sum += r.amount;
  return sum;
}

/** What the budget still allows in this period, after committed and in-flight spend. */
export function remaining(p: SitePolicy): bigint {
  const left = p.budget - p.spent - reservedTotal(p);
  return left > 0n ? left : 0n;
}

export type { AskReason };

export type Verdict = { pay: 'auto' } | { pay: 'blocked' } | { pay: 'ask'; reason: AskReason; remaining: bigint | null };

/** What a payment would do beyond spending: the facts `evaluate` weighs besides the price. */
export interface PaymentFacts {
  /** False when a page of another site (or a tab showing another site) triggered the request. */
  sameSite: boolean;
  /** The 402 names another channel API than the one the site used so far. */
  endpointChanged?: boolean;
  /** No open channel can pay: the payment opens one, locking `deposit`. */
  newChannel?: { deposit: bigint; openDeposits: bigint } | null;
}

/**
 * Whether a payment of `price` (committing at least `need` sats) may go ahead without asking.
 * Auto-pay asks when another site's page triggered the request (a page cannot spend the reader's
 * budget at sites it merely embeds), when the site's channel API changed, when it would open a
 * second channel in one period or lock more than the site's deposit limit, and when the price or
 * the budget says so.
 */
export function evaluate(p: SitePolicy | undefined, price: bigint, need: bigint, facts: PaymentFacts): Verdict {
  if (p?.blocked) return { pay: 'blocked' };
  if (!p || p.mode !== 'auto') return { pay: 'ask', reason: facts.endpointChanged ? 'endpoint-changed' : p ? 'ask' : 'new-site', remaining: null };
  if (!facts.sameSite) return { pay: 'ask', reason: 'third-party', remaining: null };
  if (facts.endpointChanged) return { pay: 'ask', reason: 'endpoint-changed', remaining: null };
  if (price > p.maxPrice) return { pay: 'ask', reason: 'price-above-limit', remaining: null };
  if (facts.newChannel) {
    if ((p.channelsOpened ?? 0) >= AUTO_CHANNELS_PER_PERIOD) return { pay: 'ask', reason: 'new-channel', remaining: null };
    if (facts.newChannel.openDeposits + facts.newChannel.deposit > depositLimitOf(p)) return { pay: 'ask', reason: 'deposit-limit', remaining: null };
  }
  const left = remaining(p);
  if (left < need) return { pay: 'ask', reason: 'budget-exhausted', remaining: left };
  return { pay: 'auto' };
}

/** Reservations older than this belong to a payment whose worker died mid-way. */
export const STALE_RESERVATION_MS = 10 * 60_000;

/**
 * Settles reservations left by a service worker that was stopped mid-payment. Their outcome is
 * unknown, so they are committed in full: counting money that may not have left is safe,
 * forgetting money that did is an overshoot.
 */
export function settleStale(p: SitePolicy, now: number): SitePolicy {
  let spent = p.spent;
  const kept: Record<string, Reservation> = {};
  let changed = false;
  for (const [id, r] of Object.entries(p.reservations)) {
    if (now - r.at > STALE_RESERVATION_MS) {
      spent += r.amount;
      changed = true;
    } else kept[id] = r;
  }
  return changed ? { ...p, spent, reservations: kept } : p;
}

export function siteOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    return u.origin;
  } catch {
    return null;
  }
}

/**
 * The popup's view of a policy as of now (`BudgetService.policy`: its period rolled with the
 * credit carried over), with the site's books of the period (books.ts).
 */
export function policyView(cur: SitePolicy, books: SiteBooks): SitePolicyView {
  return {
    site: cur.site,
    mode: cur.mode,
    blocked: cur.blocked,
    maxPrice: String(cur.maxPrice),
    budget: String(cur.budget),
    periodDays: cur.periodDays,
    spent: String(cur.spent),
    reserved: String(reservedTotal(cur)),
    periodEnds: cur.periodStart + cur.periodDays * DAY_MS,
    endpoint: cur.endpoint,
    depositLimit: String(depositLimitOf(cur)),
    openDeposits: String(books.locked),
    items: books.items,
    charged: String(books.charged),
    fees: String(books.fees),
    prepaid: String(books.prepaid),
    updatedAt: cur.updatedAt,
  };
}
