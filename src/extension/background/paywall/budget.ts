/**
 * Budgets with reservations: money is reserved before a payment starts and committed (or
 * released) when it ends. Each step is one atomic read-modify-write of the site's policy, so
 * however many tabs pay at once, the sum of what is committed and in flight never exceeds the
 * budget. Alby debits after paying, which lets parallel payments overshoot; this does not.
 */
import { MAX_PERIOD_DAYS, defaultPolicy, periodOver, remaining, rollPeriod, settleStale, type SitePolicy } from './policy.ts';
import { carriedCredit, NOTHING_CARRIED, returnedAtClose } from './books.ts';
import { sameSite } from '../../../core/site.ts';
import type { PaywallStore } from './store.ts';
import type { SitePolicyPatch } from '../../shared/paywall-views.ts';
import type { ChannelSummary } from '../../shared/types.ts';

export interface Clock {
  now(): number;
}

export type ReserveResult = { ok: true; id: string; amount: bigint } | { ok: false; remaining: bigint };

const SATS = /^(0|[1-9][0-9]{0,15})$/;

export class BudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetError';
  }
}

export class BudgetService {
  private counter = 0;

  /**
   * `channels` lists the wallet's channels: when a period resets, the credit the site's channels
   * carry over counts against the new period (policy.ts `rollPeriod`). Without it nothing carries
   * over, as for a site that has no channel.
   */
  constructor(
    private readonly store: PaywallStore,
    private readonly clock: Clock,
    private readonly channels: () => Promise<ChannelSummary[]> = async () => [],
    private readonly newId: () => string = () => `${Date.now().toString(36)}-${(this.counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
  ) {}

  /** The policy as of now: period rolled forward, stale reservations settled (not stored). */
  async policy(site: string): Promise<SitePolicy | undefined> {
    const p = await this.store.getPolicy(site);
    return p && this.current(p, await this.channelsIfDue([p]));
  }

  /**
   * The policy that governs a payment at `site` through `endpoint`: the site's own, or, when it
   * has none, the policy of the same-site origin whose channel API this is (img.news.example's
   * items are paid under www.news.example's budget, not asked about as a new site).
   */
  async policyFor(site: string, endpoint: string): Promise<SitePolicy | undefined> {
    const own = await this.policy(site);
    if (own) return own;
    return (await this.policies()).find((p) => p.endpoint === endpoint && sameSite(p.site, site));
  }

  async policies(): Promise<SitePolicy[]> {
    const all = await this.store.policies();
    const channels = await this.channelsIfDue(all);
    return all.map((p) => this.current(p, channels));
  }

  /**
   * Reserves between `min` and `preferred` sats: as much of `preferred` as the budget has left,
   * or nothing if not even `min` fits. `force` skips the budget (the user approved this payment
   * by hand) but still records it, so it counts against the period like any other spend.
   */
  async reserve(site: string, min: bigint, preferred: bigint, force = false): Promise<ReserveResult> {
    if (min < 0n || preferred < min) throw new BudgetError('reservation bounds out of order');
    const now = this.clock.now();
    const channels = await this.channels();
    return this.store.update(site, (stored) => {
      const p = this.current(stored ?? defaultPolicy(site, now), channels);
      const left = remaining(p);
      if (!force && left < min) return { policy: stored ? p : undefined, result: { ok: false, remaining: left } as ReserveResult };
      const amount = force || left >= preferred ? preferred : left;
      const id = this.newId();
      const next: SitePolicy = { ...p, reservations: { ...p.reservations, [id]: { amount, at: now } }, updatedAt: now };
      return { policy: next, result: { ok: true, id, amount } };
    });
  }

  /**
   * Turns a reservation into spend. `actual` may be below the reservation (the rest is freed)
   * or, when the wallet had to commit more than foreseen, above it: it is recorded as it is,
   * because the books must show what really left.
   */
  async commit(site: string, id: string, actual: bigint): Promise<void> {
    const now = this.clock.now();
    const channels = await this.channelsIfDue([await this.store.getPolicy(site)]);
    return this.store.update(site, (stored) => {
      if (!stored) return { policy: undefined, result: undefined };
      const p = this.current(stored, channels);
      const { [id]: held, ...rest } = p.reservations;
      // A reservation already settled as stale was counted in full; count nothing twice.
      if (!held) return { policy: p, result: undefined };
      return { policy: { ...p, spent: p.spent + actual, reservations: rest, updatedAt: now }, result: undefined };
    });
  }

  release(site: string, id: string): Promise<void> {
    return this.commit(site, id, 0n);
  }

  /** Creates or changes a site's policy; validates what the UI sent. */
  async setPolicy(site: string, patch: SitePolicyPatch, endpoint?: string | null): Promise<SitePolicy> {
    const now = this.clock.now();
    const maxPrice = patch.maxPrice === undefined ? undefined : parseAmount(patch.maxPrice, 'maxPrice');
    const budget = patch.budget === undefined ? undefined : parseAmount(patch.budget, 'budget');
    const depositLimit = patch.depositLimit === undefined ? undefined : parseAmount(patch.depositLimit, 'depositLimit');
    if (patch.periodDays !== undefined && (!Number.isInteger(patch.periodDays) || patch.periodDays < 1 || patch.periodDays > MAX_PERIOD_DAYS)) {
      throw new BudgetError(`periodDays must be a whole number from 1 to ${MAX_PERIOD_DAYS}`);
    }
    if (patch.mode !== undefined && patch.mode !== 'ask' && patch.mode !== 'auto') throw new BudgetError('mode must be ask or auto');
    const channels = await this.channels();
    return this.store.update(site, (stored) => {
      let p = this.current(stored ?? defaultPolicy(site, now), channels);
      // A new period length keeps the current period's start and what it spent, so shortening
      // "per 7 days" to "per day" cannot be used to forget this week's spend mid-period.
      if (patch.periodDays !== undefined) p = rollPeriod({ ...p, periodDays: patch.periodDays }, now, carriedCredit(channels, site));
      const next: SitePolicy = {
        ...p,
        ...(patch.mode !== undefined ? { mode: patch.mode } : {}),
        ...(patch.blocked !== undefined ? { blocked: patch.blocked } : {}),
        ...(maxPrice !== undefined ? { maxPrice } : {}),
        ...(budget !== undefined ? { budget } : {}),
        ...(depositLimit !== undefined ? { depositLimit } : {}),
        ...(endpoint ? { endpoint } : {}),
        updatedAt: now,
      };
      return { policy: next, result: next };
    });
  }

  /**
   * Remembers the channel API a payment went through, without creating a policy the reader never
   * set. `replace` only after the reader approved a change (the prompt showed both): a site's
   * known channel API is never swapped in silence.
   */
  async noteEndpoint(site: string, endpoint: string, replace = false): Promise<void> {
    await this.store.update(site, (stored) => {
      if (!stored || stored.endpoint === endpoint || (stored.endpoint !== null && !replace)) return { policy: stored, result: undefined };
      return { policy: { ...stored, endpoint }, result: undefined };
    });
  }

  /** A channel was opened with the site: counts against the period's one unasked channel. */
  async noteOpened(site: string): Promise<void> {
    const now = this.clock.now();
    const channels = await this.channelsIfDue([await this.store.getPolicy(site)]);
    await this.store.update(site, (stored) => {
      if (!stored) return { policy: undefined, result: undefined };
      const p = this.current(stored, channels);
      return { policy: { ...p, channelsOpened: (p.channelsOpened ?? 0) + 1, updatedAt: now }, result: undefined };
    });
  }

  /**
   * Credit counted this period came back when `c` closed: the budget stops counting it. For a
   * channel opened in the current period (`createdAt` ≥ its start) that is its approvals less what
   * the site was paid; for one that carried credit into the period, less also what its items had
   * used before the period began (`returnedAtClose`). Nothing for another channel of an earlier
   * period: the current period never counted it. Once per channel however often its close is
   * reported.
   */
  async creditReturned(site: string, c: ChannelSummary): Promise<boolean> {
    const now = this.clock.now();
    const channels = await this.channelsIfDue([await this.store.getPolicy(site)]);
    return this.store.update(site, (stored) => {
      if (!stored) return { policy: undefined, result: false };
      const p = this.current(stored, channels);
      const usedBefore = p.carried?.[c.id] ?? (c.createdAt >= p.periodStart ? 0n : null);
      const amount = usedBefore === null ? 0n : returnedAtClose(c, usedBefore);
      if (amount <= 0n || (p.returned ?? []).includes(c.id)) return { policy: stored, result: false };
      const spent = p.spent > amount ? p.spent - amount : 0n;
      return { policy: { ...p, spent, returned: [...(p.returned ?? []), c.id], updatedAt: now }, result: true };
    });
  }

  /** Forgets a site; reservations in flight are committed into nothing (their payment may still finish). */
  async remove(site: string): Promise<void> {
    await this.store.update(site, () => ({ policy: undefined, result: undefined }));
  }

  /** The policy as of now, given the wallet's channels (for the credit a new period carries over). */
  private current(p: SitePolicy, channels: readonly ChannelSummary[]): SitePolicy {
    const now = this.clock.now();
    const settled = settleStale(p, now);
    return rollPeriod(settled, now, periodOver(settled, now) ? carriedCredit(channels, p.site) : NOTHING_CARRIED);
  }

  /** The wallet's channels when one of `policies` starts a new period now; none needed otherwise. */
  private async channelsIfDue(policies: readonly (SitePolicy | undefined)[]): Promise<ChannelSummary[]> {
    const now = this.clock.now();
    return policies.some((p) => p !== undefined && periodOver(p, now)) ? this.channels() : [];
  }
}

function parseAmount(v: string, field: string): bigint {
  if (typeof v !== 'string' || !SATS.test(v)) throw new BudgetError(`${field} must be a whole number of sats`);
  return BigInt(v);
}
