/**
 * Per-site policy and budget periods: pure functions, no storage, no browser. A site is an origin
 * (`https://news.example`), because that is what the user sees and what a credential is sent to.
 */
import type { SitePolicyView } from './views.ts';

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
  /** Committed in the current period. */
  spent: bigint;
  /** Held by payments in flight, by reservation id. Counted against the budget until settled. */
  reservations: Record<string, Reservation>;
  endpoint: string | null;
  createdAt: number;
  updatedAt: number;
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

/**
 * Moves the period forward to the one containing `now`, resetting what was spent. Reservations
 * carry over: their money is still in flight and will be committed into the new period.
 */
export function rollPeriod(p: SitePolicy, now: number): SitePolicy {
  const len = p.periodDays * DAY_MS;
  if (now < p.periodStart + len) return p;
  const periods = Math.floor((now - p.periodStart) / len);
  return { ...p, periodStart: p.periodStart + periods * len, spent: 0n };
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

export type Verdict =
  | { pay: 'auto' }
  | { pay: 'blocked' }
  | { pay: 'ask'; reason: 'new-site' | 'ask' | 'price-above-limit' | 'budget-exhausted' | 'third-party'; remaining: bigint | null };

/**
 * Whether a payment of `price` (committing at least `need` sats) may go ahead without asking.
 * `sameSite` is false when a page of another site triggered the request: auto-pay then asks,
 * so a page cannot spend the user's budget at sites it merely embeds.
 */
export function evaluate(p: SitePolicy | undefined, price: bigint, need: bigint, sameSite: boolean): Verdict {
  if (p?.blocked) return { pay: 'blocked' };
  if (!p || p.mode !== 'auto') return { pay: 'ask', reason: p ? 'ask' : 'new-site', remaining: null };
  if (!sameSite) return { pay: 'ask', reason: 'third-party', remaining: null };
  if (price > p.maxPrice) return { pay: 'ask', reason: 'price-above-limit', remaining: null };
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

/** Same-site test on origins: equal hosts or one a subdomain of the other's registrable part. */
export function sameSite(a: string, b: string): boolean {
  let ha: string;
  let hb: string;
  try {
    ha = new URL(a).hostname;
    hb = new URL(b).hostname;
  } catch {
    return false;
  }
  if (ha === hb) return true;
  // Without a public-suffix list, compare the last two labels and only for names with a dot;
  // IP addresses and localhost must match exactly.
  const isIp = (h: string) => /^[0-9.]+$/.test(h) || h.includes(':');
  if (isIp(ha) || isIp(hb) || !ha.includes('.') || !hb.includes('.')) return false;
  const base = (h: string) => h.split('.').slice(-2).join('.');
  return base(ha) === base(hb);
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

export function policyView(p: SitePolicy, now: number, charged: { items: number; charged: bigint }): SitePolicyView {
  const cur = rollPeriod(p, now);
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
    items: charged.items,
    charged: String(charged.charged),
    updatedAt: cur.updatedAt,
  };
}
