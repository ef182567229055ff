/**
 * The paywall's decisions: a Paychan 402 arrives (from webRequest or the page's fetch wrapper),
 * the site's policy says pay, ask or refuse, the budget reserves the money, the wallet pays, the
 * credential is installed for later requests. Browser APIs come in through small interfaces so
 * the whole flow runs in Node tests.
 */
import type { ErrorInfo } from '../../shared/messages.ts';
import type { ChannelSummary, PayResult, Settings, WalletStatus } from '../../shared/types.ts';
import { checkTermsAcceptable, chooseChannelShape } from '../../../core/terms.ts';
import { checkChallengeEndpoint, sameSite, SiteRefused } from '../../../core/site.ts';
import { KeyedMutex } from '../../../client/lib/mutex.ts';
import { clientPolicy } from '../../../client/session/settings.ts';
import type { Approvals } from './approvals.ts';
import type { BudgetService, Clock } from './budget.ts';
import type { Detected, ResourceKind } from './challenge.ts';
import type { CredentialRules } from './credentials.ts';
import { channelBooks, LOCKING_STATES } from './books.ts';
import { DAY_MS, depositLimitOf, evaluate, remaining, reservedTotal, type SitePolicy, type Verdict } from './policy.ts';
import type { ApprovalChoice, ApprovalView, PageOutcome, PeriodBooks } from '../../shared/paywall-views.ts';

/** What the paywall needs from the wallet (issue 5's background); see wallet-port.ts for an adapter. */
export interface WalletPort {
  status(): Promise<WalletStatus>;
  settings(): Promise<Settings>;
  channels(): Promise<ChannelSummary[]>;
  /**
   * Pays for the item behind `challenge`, approving at most `limit` more sats to the site than
   * already approved. Answers what it really approved (`committed`) even when it fails, so the
   * budget records exactly what left. `channels` is the caller's fresh `channels()`, so the wallet
   * is not listed again.
   */
  pay(input: { url: string; challenge: string; endpoint: string; price: bigint; limit: bigint; maxNewDeposit: bigint; channels?: ChannelSummary[] }): Promise<PayOutcome>;
  /** Records a receipt seen on a response from `url`; false when the wallet did not accept it. */
  receipt(header: string, url: string): Promise<boolean>;
  /** What opening a channel is expected to cost in on-chain fees at the current rate; unknown when absent. */
  openFees?(): Promise<OpenFees>;
}

/**
 * Expected on-chain fees of a new channel: the funding transaction, and the refund the wallet
 * signs with it (paid out of the deposit only if the site vanishes). Both count against the
 * budget; the prompt shows them apart. `rateKvb` is the rate they were estimated at (sat/kvB).
 */
export interface OpenFees {
  rateKvb: bigint;
  funding: bigint;
  refund: bigint;
}

export type PayOutcome = { ok: true; result: PayResult; committed: bigint } | { ok: false; error: ErrorInfo; committed: bigint };

export interface PaywallEffects {
  /** Reload a tab whose navigation was paywalled, now that a credential goes with it. */
  reload(tabId: number): Promise<void>;
  /** Ask the tab's content script to load images/media from `url` again. */
  retryResource(tabId: number, url: string): Promise<void>;
  notify(id: string, title: string, message: string): Promise<void>;
  /** The URL the tab shows at the top (null when unknown): a paid site's frame inside another site's page is that site's doing. */
  topUrl?(tabId: number): Promise<string | null>;
}

export interface PayRequest {
  tabId: number;
  url: string;
  kind: ResourceKind;
  /** Origin of the page that made the request; null for a typed navigation. */
  initiator: string | null;
  detected: Detected;
}

/** Blocks in an average day, to turn an expiry into a date the user understands. */
const BLOCKS_PER_DAY = 144;
/** A paywalled navigation is reloaded at most this often, so a server that keeps refusing cannot loop. */
const RELOAD_GUARD_MS = 20_000;
/**
 * A URL paid for in a tab waits this long for its receipt; a new 402 for it before then is a
 * retry that went out without the credential (or a server that keeps refusing): paying again
 * would pay twice for one item, so it is refused instead.
 */
export const DELIVERY_WAIT_MS = 60_000;

export interface PaywallServiceDeps {
  wallet: WalletPort;
  budget: BudgetService;
  approvals: Approvals;
  credentials: CredentialRules;
  effects: PaywallEffects;
  clock: Clock;
  /** Per-site lock, shared with the background top-up (topup.ts). */
  mutex?: KeyedMutex;
  /** Items a site served since a time (the paywall store's `served`): the prompt shows the period's real spend. */
  served?: (site: string, since: number) => Promise<{ items: number; charged: bigint }>;
}

export class PaywallService {
  private readonly mutex: KeyedMutex;
  private readonly reloaded = new Map<string, number>();
  /** `${tabId} ${url}` paid and not yet delivered, with when it was paid. */
  private readonly awaiting = new Map<string, number>();

  constructor(private readonly d: PaywallServiceDeps) {
    this.mutex = d.mutex ?? new KeyedMutex();
  }

  /** Handles one priced request; never throws (a failure is an outcome the page can fall back on). */
  async handle(req: PayRequest): Promise<PageOutcome> {
    try {
      // One payment per site at a time: the second tab finds the credit the first one bought.
      const outcome = await this.mutex.run(req.detected.site, () => this.handleLocked(req));
      if (outcome === 'paid') await this.afterPaid(req);
      return outcome;
    } catch (err) {
      await this.d.effects.notify(`fail-${req.detected.site}`, 'Payment failed', `${req.detected.site}: ${(err as Error).message}`).catch(() => undefined);
      return 'failed';
    }
  }

  /** A receipt came for `url` in `tabId`: the item paid for there was delivered. */
  delivered(tabId: number, url: string): void {
    this.awaiting.delete(deliveryKey(tabId, url));
  }

  /** Whether the request comes from another site: its initiator, or the page the tab shows. */
  private async thirdParty(req: PayRequest): Promise<string | null> {
    const { site } = req.detected;
    if (req.initiator !== null && !sameSite(req.initiator, site)) return req.initiator;
    if (req.kind === 'navigation' || !this.d.effects.topUrl) return null;
    const top = await this.d.effects.topUrl(req.tabId).catch(() => null);
    if (top && !sameSite(top, site)) return new URL(top).origin;
    return null;
  }

  private async handleLocked(req: PayRequest): Promise<PageOutcome> {
    const { challenge, header } = req.detected;
    // A same-site host without a policy of its own pays under the policy of the origin whose
    // channel API this is.
    const governing = await this.d.budget.policyFor(req.detected.site, challenge.endpoint);
    const site = governing?.site ?? req.detected.site;
    const price = challenge.price;
    const status = await this.d.wallet.status();
    if (status.state === 'none') {
      await this.d.effects.notify('no-wallet', 'Paychan', `${site} asks ${price} sat per item. Open Paychan to create a wallet.`);
      return 'failed';
    }
    const settings = await this.d.wallet.settings();
    if (challenge.terms.network !== settings.network) return 'failed';
    // A channel API on another site, or plain http where money is real: refused before anything
    // else, and the reader is told (the page keeps its 402).
    try {
      checkChallengeEndpoint(req.url, challenge.endpoint, settings.network);
    } catch (err) {
      if (!(err instanceof SiteRefused)) throw err;
      await this.d.effects.notify(`refused-${site}`, 'Payment refused', err.message);
      return 'denied';
    }
    // Terms the wallet refuses anyway (a deposit, lock time or price beyond the user's limits)
    // are refused here, before the user is asked to approve what can never be paid.
    try {
      checkTermsAcceptable(challenge.terms, price, clientPolicy(settings.network, settings.policy));
    } catch (err) {
      await this.d.effects.notify(`refused-${site}`, 'Payment refused', `${site}: ${(err as Error).message}`);
      return 'denied';
    }
    const key = deliveryKey(req.tabId, req.url);
    const paidAt = this.awaiting.get(key);
    if (paidAt !== undefined && this.d.clock.now() - paidAt < DELIVERY_WAIT_MS) {
      await this.d.effects.notify(`loop-${site}`, 'Payment not repeated', `${site} asked again for an item just paid (${req.url}); it is not paid twice.`);
      return 'failed';
    }
    const channels = await this.d.wallet.channels();
    const fees = (await this.d.wallet.openFees?.().catch(() => null)) ?? null;
    const shape = this.need(channels, challenge.endpoint, price, challenge.terms.minFirstPayment, settings, fees ? fees.funding + fees.refund : 0n);
    const third = await this.thirdParty(req);
    const policy = await this.d.budget.policy(site);
    const endpointChanged = policy?.endpoint != null && policy.endpoint !== challenge.endpoint;
    const openDeposits = this.openDeposits(channels, site, settings);
    const deposit = this.proposedDeposit(challenge, settings);
    const verdict: Verdict = evaluate(policy, price, shape.min, {
      sameSite: third === null,
      endpointChanged,
      newChannel: shape.channel === null ? { deposit, openDeposits } : null,
    });
    if (verdict.pay === 'blocked') return 'denied';

    let reservation: { id: string; amount: bigint } | null = null;
    // The list read above, while it is fresh; after waiting for the user the wallet reads its own.
    let listed: ChannelSummary[] | undefined = channels;
    // Auto-pay may open the period's one unasked channel, within the site's deposit limit.
    const room = depositLimitOf(policy) - openDeposits;
    let maxNewDeposit = (policy?.channelsOpened ?? 0) < 1 && room > 0n ? room : 0n;
    let asked = false;
    if (verdict.pay === 'auto' && status.state === 'unlocked') {
      const r = await this.d.budget.reserve(site, shape.min, shape.preferred);
      if (r.ok) reservation = r;
    }
    if (!reservation) {
      // Auto-pay that could not reserve: either the wallet is locked (it cannot sign until the
      // prompt unlocks it) or parallel payments used the budget up since the verdict.
      const reason = verdict.pay === 'ask' ? verdict.reason : status.state === 'locked' ? 'locked' : 'budget-exhausted';
      listed = undefined;
      // Read again: the prompt shows what the period has spent now, not before a failed reservation.
      const current = await this.d.budget.policy(site);
      const books = current ? await this.periodBooks(site, current, channels) : null;
      const view = this.approvalView(req, shape, settings, reason, current, { third, openDeposits, deposit, fees, books });
      const choice = await this.d.approvals.request(view);
      const r = await this.apply(site, choice, shape, challenge.endpoint);
      if (!r) return 'denied';
      reservation = r;
      asked = true;
      // The reader saw the deposit a new channel locks and approved it: that much, no more.
      maxNewDeposit = deposit;
    }

    const out = await this.d.wallet.pay({ url: req.url, challenge: header, endpoint: challenge.endpoint, price, limit: reservation.amount, maxNewDeposit, channels: listed });
    await this.d.budget.commit(site, reservation.id, out.committed);
    if ((out.ok && out.result.opened) || (!out.ok && shape.channel === null && out.committed > 0n)) await this.d.budget.noteOpened(site);
    if (!out.ok) {
      const why = out.error.code === 'NEW_CHANNEL_APPROVAL' ? `${out.error.message}. The next item will ask you.` : out.error.message;
      if (out.error.code === 'NEW_CHANNEL_APPROVAL' && !asked) await this.d.budget.noteOpened(site);
      await this.d.effects.notify(`fail-${site}`, 'Payment failed', `${site}: ${why}`);
      return 'failed';
    }
    await this.d.budget.noteEndpoint(site, challenge.endpoint, asked);
    // The credential serves the site's own requests; a request another site made, which the
    // reader approved by hand, gets it for that one request only.
    await this.d.credentials.set(req.url, out.result.authorization);
    if (third !== null) await this.d.credentials.grantOnce(req.url, third, req.tabId, out.result.authorization);
    this.awaiting.set(key, this.d.clock.now());
    if (out.result.opened) {
      await this.d.effects.notify(`open-${out.result.channelId}`, 'Channel opened', `A channel with ${site} is open; items are now paid from it.`);
    }
    return 'paid';
  }

  /** What the site really cost this period (items served, fees) and the credit it holds, from the books. */
  private async periodBooks(site: string, policy: SitePolicy, channels: ChannelSummary[]): Promise<PeriodBooks | null> {
    const served = await this.d.served?.(site, policy.periodStart).catch(() => null);
    if (!served) return null;
    const { fees, prepaid } = channelBooks(channels, site, policy.periodStart);
    return { items: served.items, charged: String(served.charged), fees: String(fees), prepaid: String(prepaid) };
  }

  /** What the site's channels not yet closed lock in deposits now. */
  private openDeposits(channels: ChannelSummary[], site: string, settings: Settings): bigint {
    let sum = 0n;
    for (const c of channels) if (c.network === settings.network && LOCKING_STATES.includes(c.state) && sameSite(c.endpoint, site)) sum += BigInt(c.capacity);
    return sum;
  }

  /** The deposit the wallet would lock in a new channel on these terms (as its `open` chooses). */
  private proposedDeposit(challenge: Detected['challenge'], settings: Settings): bigint {
    return chooseChannelShape(challenge.terms, clientPolicy(settings.network, settings.policy), 0).capacity;
  }

  /** Turns the user's choice into a reservation, or null for no. */
  private async apply(site: string, choice: ApprovalChoice, shape: Need, endpoint: string): Promise<{ id: string; amount: bigint } | null> {
    if (choice.kind === 'deny') {
      if (choice.block) await this.d.budget.setPolicy(site, { blocked: true });
      return null;
    }
    if (choice.kind === 'once') {
      // The user approved exactly this payment: no budget applies, but it is recorded as spend.
      const r = await this.d.budget.reserve(site, shape.min, shape.min, true);
      return r.ok ? r : null;
    }
    await this.d.budget.setPolicy(site, { mode: 'auto', blocked: false, maxPrice: choice.maxPrice, budget: choice.budget, periodDays: choice.periodDays }, endpoint);
    const r = await this.d.budget.reserve(site, shape.min, shape.preferred);
    if (r.ok) return r;
    // The user said yes, but the budget they set (after what this period already spent, or what
    // other tabs reserved meanwhile) cannot hold this payment: say so, never deny in silence.
    await this.d.effects.notify(
      `budget-${site}`,
      'Payment not made',
      `${site}: the budget you set has ${r.remaining} sat left this period; this item needs ${shape.min} sat. Raise the budget in Paychan → Sites.`,
    );
    return null;
  }

  private async afterPaid(req: PayRequest): Promise<void> {
    this.pruneAwaiting();
    if (req.kind === 'navigation') {
      const key = `${req.tabId} ${req.url}`;
      const last = this.reloaded.get(key);
      const now = this.d.clock.now();
      if (last !== undefined && now - last < RELOAD_GUARD_MS) return;
      this.reloaded.set(key, now);
      await this.d.effects.reload(req.tabId).catch(() => undefined);
    } else if (req.kind === 'media' || req.kind === 'frame') {
      await this.d.effects.retryResource(req.tabId, req.url).catch(() => undefined);
    }
  }

  private pruneAwaiting(): void {
    const now = this.d.clock.now();
    for (const [k, at] of this.awaiting) if (now - at >= DELIVERY_WAIT_MS) this.awaiting.delete(k);
  }

  /**
   * How much more must be approved to the site for this item: `min` to buy it at all, `preferred`
   * to also keep the prepaid credit the user configured. An open channel with room left costs
   * only the top-up; a new channel costs its first payment (at least the server's minimum).
   */
  need(all: ChannelSummary[], endpoint: string, price: bigint, minFirstPayment: bigint, settings: Settings, openFees = 0n): Need {
    const target = BigInt(settings.policy.prepaidTarget);
    const channels = all
      .filter((c) => c.endpoint === endpoint && c.network === settings.network && (c.state === 'open' || c.state === 'opening'))
      .sort((a, b) => b.createdAt - a.createdAt);
    for (const c of channels) {
      const capacity = BigInt(c.capacity);
      const spent = BigInt(c.spent);
      const approved = BigInt(c.approved);
      if (capacity - spent < price) continue;
      const min = max0(spent + price - approved);
      const room = capacity - approved;
      // Approved headroom already counted against the budget when it was approved: use it first.
      if (min === 0n) return { min, preferred: 0n, channel: c };
      const preferred = min + target > room ? (min > room ? min : room) : min + target;
      return { min, preferred, channel: c };
    }
    // A new channel also costs its funding and refund fees: they count against the budget.
    const first = minFirstPayment > price ? minFirstPayment : price;
    const preferred = minFirstPayment > price + target ? minFirstPayment : price + target;
    return { min: first + openFees, preferred: preferred + openFees, channel: null };
  }

  approvalView(
    req: PayRequest,
    shape: Need,
    settings: Settings,
    reason: ApprovalView['reason'],
    policy: SitePolicy | undefined,
    extra: { third: string | null; openDeposits: bigint; deposit: bigint; fees?: OpenFees | null; books?: PeriodBooks | null } = { third: null, openDeposits: 0n, deposit: 0n },
  ): Omit<ApprovalView, 'id' | 'createdAt' | 'deadline'> {
    const { challenge, site } = req.detected;
    const t = challenge.terms;
    // The same choice the wallet makes when it opens the channel, so the window shows what happens.
    const proposed = shape.channel === null ? chooseChannelShape(t, clientPolicy(settings.network, settings.policy), 0) : null;
    const deposit = proposed ? proposed.capacity : null;
    const blocks = proposed ? proposed.expiry : null;
    const price = challenge.price;
    // A new channel's fees are part of `shape.min`; what is left after them and the price is credit.
    const fees = proposed && extra.fees ? extra.fees : null;
    const feeTotal = fees ? fees.funding + fees.refund : 0n;
    return {
      site,
      url: req.url,
      price: String(price),
      network: t.network,
      endpoint: challenge.endpoint,
      previousEndpoint: policy?.endpoint && policy.endpoint !== challenge.endpoint ? policy.endpoint : null,
      openDeposits: String(extra.openDeposits),
      depositLimit: String(depositLimitOf(policy)),
      deposit: deposit === null ? null : String(deposit),
      expiryBlocks: blocks,
      expiryEstimate: blocks === null ? null : this.d.clock.now() + Math.round((blocks / BLOCKS_PER_DAY) * DAY_MS),
      commitment: String(shape.min),
      prepaid: String(max0(shape.min - feeTotal - price)),
      fees: fees ? { rateKvb: String(fees.rateKvb), funding: String(fees.funding), refund: String(fees.refund) } : null,
      suggested: suggestPolicy(price, shape, policy),
      reason,
      remaining: reason === 'budget-exhausted' && policy ? String(remaining(policy)) : null,
      period: policy
        ? { spent: String(policy.spent + reservedTotal(policy)), budget: String(policy.budget), periodDays: policy.periodDays, mode: policy.mode, ...(extra.books ? { books: extra.books } : {}) }
        : null,
      initiator: extra.third,
    };
  }
}

/** A new site's suggested daily budget buys this many items at its price (more if opening a channel needs it). */
export const SUGGESTED_ITEMS_PER_DAY = 20n;

/**
 * What "Allow" is prefilled with. A new site: twenty items a day at this price, or what this
 * payment reserves (a new channel's first payment and its fees) when that is more: modest, so a
 * window clicked without reading commits little beyond the item itself. A site with a policy: "Allow" replaces the policy but keeps its
 * period and what the period spent, so the suggestion keeps the site's own limits and raises
 * them only as far as this payment needs. A price limit lowered to this item would make the next
 * pricier item ask again; a budget at or below what is already spent reserves nothing.
 */
export function suggestPolicy(price: bigint, shape: Need, policy: SitePolicy | undefined): ApprovalView['suggested'] {
  const fresh = maxOf(price * SUGGESTED_ITEMS_PER_DAY, shape.preferred);
  if (!policy) return { maxPrice: String(price), budget: String(fresh), periodDays: 1 };
  const used = policy.spent + reservedTotal(policy);
  let budget = policy.budget === 0n ? fresh : policy.budget;
  if (budget - used < shape.min) {
    // Used up: double it (or add a day's items), and in any case cover what is spent plus this payment.
    if (policy.budget > 0n) budget = policy.budget + maxOf(policy.budget, price * SUGGESTED_ITEMS_PER_DAY);
    budget = maxOf(budget, used + shape.preferred);
  }
  return { maxPrice: String(maxOf(policy.maxPrice, price)), budget: String(budget), periodDays: policy.periodDays };
}

export interface Need {
  min: bigint;
  preferred: bigint;
  /** The open channel that would pay, or null when a new one must be opened. */
  channel: ChannelSummary | null;
}

function deliveryKey(tabId: number, url: string): string {
  const i = url.indexOf('#');
  return `${tabId} ${i < 0 ? url : url.slice(0, i)}`;
}

function max0(v: bigint): bigint {
  return v > 0n ? v : 0n;
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
