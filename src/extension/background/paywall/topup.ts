/**
 * Keeping prepaid credit warm in the background, within the reader's auto-pay budget. This is
 * the only top-up after a receipt: the wallet records the receipt and tops up nothing by itself,
 * because the site's budget, which the reader set, lives here.
 *
 * After every receipt: when the credit the client has paid ahead (signed − spent) covers fewer
 * than LOW_WATER_ITEMS items at the price just charged, and the site's policy is auto-pay with
 * budget left, the budget reserves the approval the top-up needs (one atomic update, so however
 * many tabs receive receipts the budget is never overshot), the wallet raises the channel's
 * approval by at most that, signs and stores the new cumulative payment, and the credential rule
 * is changed to carry it inline (§6.2), so the very next request pays the top-up on the way. Only
 * then is it sent with POST …/payments; once the server has acknowledged it the rule drops the
 * payment again, to keep the header small. What the reservation did not use is released.
 *
 * Runs under the paywall's per-site lock, so it never interleaves with a 402 payment for the site.
 *
 * Only the site's own traffic tops up: a receipt for a request another site initiated (its
 * frames, images, forms, fetch), or one in a tab showing another site, or naming a channel of
 * another site, starts nothing. Such a request cannot carry the credential anyway (see
 * credentials.ts) unless the reader approved it by hand, and then only once.
 */
import { parseCredential } from '../../../core/http-binding.ts';
import { sameSite } from '../../../core/site.ts';
import type { ChannelSummary, Settings } from '../../shared/types.ts';
import type { KeyedMutex } from '../../../client/lib/mutex.ts';
import type { BudgetService } from './budget.ts';
import type { DetectedReceipt, ResourceKind } from './challenge.ts';
import type { CredentialRules } from './credentials.ts';

/** Top up when the credit paid ahead covers fewer items than this. */
export const LOW_WATER_ITEMS = 3n;
/** After a top-up the credit covers at least this many items (more when the prepaid target says so). */
export const AHEAD_ITEMS = 6n;

export interface TopUpInput {
  endpoint: string;
  price: bigint;
  items: bigint;
  /** At most this much more may be approved to the channel. */
  limit: bigint;
  /** Also send (POST …/payments) what is signed and not yet acknowledged. */
  send: boolean;
}

export interface TopUpAnswer {
  /** How much the channel's approval grew. */
  approved: bigint;
  channel: ChannelSummary | null;
  /** The credential to attach: with the newest payment inline while unacknowledged. */
  credential: string | null;
}

/** What the background top-up needs from the wallet (see wallet-port.ts). */
export interface TopUpPort {
  /** Records a `Paychan-Receipt` header seen on a response from `url`; false when not accepted. */
  receipt(header: string, url: string): Promise<boolean>;
  channels(): Promise<ChannelSummary[]>;
  settings(): Promise<Settings>;
  topUp(input: TopUpInput): Promise<TopUpAnswer>;
}

export interface TopUpDeps {
  wallet: TopUpPort;
  budget: BudgetService;
  credentials: CredentialRules;
  /** The paywall service's per-site lock. */
  mutex: KeyedMutex;
  /** The URL a tab shows at the top (null when unknown or gone); without it the tab is not checked. */
  topUrl?(tabId: number): Promise<string | null>;
}

export type TopUpOutcome = 'none' | 'topped-up' | 'within-approval' | 'sent' | 'skipped' | 'third-party';

export interface ReceiptSeen {
  /** The `Paychan-Receipt` header as received. */
  header: string;
  site: string;
  /** The response that carried it. */
  url: string;
  /** Where the request came from: its tab (-1: none), what it loaded, the origin that initiated it (null: the reader, for a navigation). */
  tabId: number;
  kind: ResourceKind;
  initiator: string | null;
  /** `<txid>:<vout>` of the channel the receipt names. */
  channel: string;
  charged: bigint;
  /** The server's cumulative paid and spent after this item, when the receipt said so. */
  paid?: bigint;
  spent?: bigint;
}

/** What the top-up needs from a receipt the browser saw, and the request it came with. */
export function receiptSeen(d: DetectedReceipt, from: { tabId: number; kind: ResourceKind; initiator: string | null }): ReceiptSeen {
  return { header: d.header, site: d.site, url: d.url, ...from, channel: d.channel, charged: d.receipt.charged, paid: d.receipt.paid, spent: d.receipt.spent };
}

export class BackgroundTopUp {
  constructor(private readonly d: TopUpDeps) {}

  /** Has the wallet record the receipt, then tops up. Never throws. */
  async onReceipt(r: ReceiptSeen): Promise<TopUpOutcome> {
    try {
      if (!(await this.d.wallet.receipt(r.header, r.url))) return 'skipped';
    } catch {
      return 'skipped';
    }
    return this.afterReceipt(r);
  }

  /** The top-up once the wallet has recorded the receipt; waits for the site's lock. Never throws. */
  async afterReceipt(r: ReceiptSeen): Promise<TopUpOutcome> {
    if (!(await this.ownTraffic(r))) return 'third-party';
    try {
      return await this.d.mutex.run(r.site, () => this.onReceiptLocked(r));
    } catch {
      return 'skipped';
    }
  }

  /** A navigation the reader made, or a request the site made in a tab showing the site. */
  private async ownTraffic(r: ReceiptSeen): Promise<boolean> {
    if (r.tabId < 0) return false;
    if (r.kind === 'navigation') return true;
    if (r.initiator === null || !sameSite(r.initiator, r.url)) return false;
    if (!this.d.topUrl) return true;
    const top = await this.d.topUrl(r.tabId).catch(() => null);
    return top !== null && sameSite(top, r.url);
  }

  private async onReceiptLocked(r: ReceiptSeen): Promise<TopUpOutcome> {
    const { site, charged: price } = r;
    if (price <= 0n) return 'none';
    // Only sites whose credential the paywall installed: nothing is paid for a site the reader
    // has not paid through the paywall.
    const current = await this.d.credentials.current(r.url);
    if (current === null) return 'none';
    // Most receipts leave plenty of credit: answer those without reading the wallet, so a warm
    // page load costs the service worker one rule read. A payment still waiting to be
    // acknowledged shows up as an inline credential, and is handled below.
    if (r.paid !== undefined && r.spent !== undefined && r.paid - r.spent >= price * LOW_WATER_ITEMS && !hasInlinePayment(current)) {
      return 'none';
    }
    const c = (await this.d.wallet.channels()).find((x) => x.channelId === r.channel && x.state === 'open');
    if (!c) return 'none';
    // A receipt names a channel; only that channel's own site may make us top it up.
    if (!sameSite(c.endpoint, r.url)) return 'skipped';
    const policy = await this.d.budget.policyFor(site, c.endpoint);
    const key = policy?.site ?? site;
    if (policy?.endpoint && policy.endpoint !== c.endpoint) return 'skipped';
    const spent = BigInt(c.spent);
    const signed = BigInt(c.signed);
    const approved = BigInt(c.approved);
    const capacity = BigInt(c.capacity);

    let outcome: TopUpOutcome = 'none';
    let pending = signed > BigInt(c.acknowledged);
    if (signed - spent < price * LOW_WATER_ITEMS) {
      const settings = await this.d.wallet.settings();
      const target = BigInt(settings.policy.prepaidTarget);
      let items = (target + price - 1n) / price + 1n;
      if (items < AHEAD_ITEMS) items = AHEAD_ITEMS;
      let wanted = spent + price * items;
      if (wanted > capacity) wanted = capacity;
      const raise = wanted > approved ? wanted - approved : 0n;
      let reservation: { id: string; amount: bigint } | null = null;
      const auto = policy !== undefined && policy.mode === 'auto' && !policy.blocked && price <= policy.maxPrice;
      if (raise > 0n && auto) {
        const res = await this.d.budget.reserve(key, raise < price ? raise : price, raise);
        if (res.ok && res.amount > 0n) reservation = res;
        else if (res.ok) await this.d.budget.release(key, res.id);
      }
      const limit = reservation?.amount ?? 0n;
      let answer: TopUpAnswer;
      try {
        answer = await this.d.wallet.topUp({ endpoint: c.endpoint, price, items, limit, send: false });
      } catch (err) {
        // Unknown after a failure: count what the approval really grew.
        if (reservation) await this.d.budget.commit(key, reservation.id, await this.grewSince(c, limit));
        throw err;
      }
      if (reservation) await this.d.budget.commit(key, reservation.id, answer.approved);
      if (answer.channel && BigInt(answer.channel.signed) > signed) {
        outcome = answer.approved > 0n ? 'topped-up' : 'within-approval';
        pending = true;
        // The next request carries the payment inline, before the POST below has even left.
        if (answer.credential) await this.d.credentials.update(r.url, answer.credential);
      }
    }
    // Send what is signed and unacknowledged, and drop an inline payment once acknowledged.
    if (pending || hasInlinePayment(current)) {
      const sent = await this.d.wallet.topUp({ endpoint: c.endpoint, price, items: 1n, limit: 0n, send: true });
      if (sent.credential) await this.d.credentials.update(r.url, sent.credential);
      if (outcome === 'none') outcome = 'sent';
    }
    return outcome;
  }

  private async grewSince(before: ChannelSummary, fallback: bigint): Promise<bigint> {
    const now = await this.d.wallet.channels().catch(() => null);
    const after = now?.find((x) => x.id === before.id);
    if (!after) return fallback;
    const grew = BigInt(after.approved) - BigInt(before.approved);
    return grew > 0n ? grew : 0n;
  }
}

function hasInlinePayment(credential: string): boolean {
  try {
    return parseCredential(credential)?.payment !== undefined;
  } catch {
    return false;
  }
}
