import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Approvals } from '../../src/extension/background/paywall/approvals.ts';
import { BudgetService } from '../../src/extension/background/paywall/budget.ts';
import { detectChallenge } from '../../src/extension/background/paywall/challenge.ts';
import { CredentialRules, FakeDnr } from '../../src/extension/background/paywall/credentials.ts';
import { PaywallService, suggestPolicy, type OpenFees, type PayOutcome, type WalletPort } from '../../src/extension/background/paywall/service.ts';
import type { SitePolicy } from '../../src/extension/background/paywall/policy.ts';
import { MemoryPaywallStore } from '../../src/extension/background/paywall/store.ts';
import type { ApprovalChoice, ApprovalView } from '../../src/extension/shared/paywall-views.ts';
import { DEFAULT_SETTINGS } from '../../src/client/session/settings.ts';
import type { ChannelSummary, Settings } from '../../src/extension/shared/types.ts';

const SITE = 'https://news.example';
const ENDPOINT = 'https://news.example/paychan/v1';
const challenge = (price: number, endpoint = ENDPOINT, network = 'regtest') =>
  `Paychan realm="paychan", version="1", network="${network}", price="${price}", endpoint="${endpoint}", min_deposit="10000", max_deposit="5000000", min_expiry="144", max_expiry="4032", min_first_payment="1000"`;

/** A wallet that opens one channel on first pay and approves what the paywall lets it. */
function fakeWallet(state: 'unlocked' | 'locked' | 'none' = 'unlocked', opts: { network?: Settings['network']; openFees?: OpenFees } = {}) {
  const settings: Settings = { ...DEFAULT_SETTINGS, network: opts.network ?? 'regtest' };
  const channels: ChannelSummary[] = [];
  const pays: { limit: bigint; maxNewDeposit?: bigint }[] = [];
  const w: { state: typeof state; channels: ChannelSummary[]; pays: { limit: bigint; maxNewDeposit?: bigint }[]; port: WalletPort } = {
    state,
    channels,
    pays,
    port: {
      status: async () => ({ state: w.state, network: 'regtest' as const, autoLockMinutes: 15 }),
      settings: async () => settings,
      channels: async () => structuredClone(channels),
      receipt: async () => true,
      ...(opts.openFees !== undefined ? { openFees: async () => opts.openFees! } : {}),
      async pay({ price, limit, maxNewDeposit }: { price: bigint; limit: bigint; maxNewDeposit: bigint }): Promise<PayOutcome> {
        pays.push({ limit, maxNewDeposit });
        await new Promise((r) => setTimeout(r, 5));
        let c = channels[0];
        let opened = false;
        if (!c) {
          opened = true;
          c = { id: 'regtest/0', channelId: 'aa:0', endpoint: ENDPOINT, network: 'regtest', state: 'open', capacity: '50000', expiry: 2000, approved: '0', signed: '0', acknowledged: '0', spent: '0', credit: '0', closingTxid: null, createdAt: 1, updatedAt: 1 };
          channels.push(c);
        }
        const approved = BigInt(c.approved) + limit;
        if (approved - BigInt(c.spent) < price) return { ok: false, error: { code: 'APPROVAL_REQUIRED', message: 'needs more' }, committed: limit };
        c.approved = String(approved);
        c.spent = String(BigInt(c.spent) + price);
        return { ok: true, result: { authorization: 'Paychan channel="aa:0", token="t"', channelId: 'aa:0', price: String(price), credit: '0', opened, approved: String(limit), fees: '0' }, committed: limit };
      },
    },
  };
  return w;
}

function setup(answer: (v: ApprovalView) => ApprovalChoice | null, wallet = fakeWallet()) {
  const clock = { now: () => Date.UTC(2025, 0, 10, 12) };
  const store = new MemoryPaywallStore();
  // The budget reads the wallet's channels as the background wires it: a new period counts their unused credit.
  const budget = new BudgetService(store, clock, wallet.port.channels);
  const dnr = new FakeDnr();
  const shown: ApprovalView[] = [];
  const approvals: Approvals = new Approvals(
    {
      async open(id) {
        const v = approvals.get(id)!;
        shown.push(v);
        const a = answer(v);
        if (a) setTimeout(() => approvals.decide(id, a), 1);
        return 1;
      },
      async close() {},
    },
    clock.now,
    200,
  );
  const effects = { reloads: [] as number[], retries: [] as string[], notes: [] as string[], messages: [] as string[], tops: new Map<number, string>() };
  const credentials = new CredentialRules(dnr);
  // The reader's tab 1 shows the site: its own subresources carry the credential there.
  void credentials.tabsOpen([{ id: 1, url: `${SITE}/` }]);
  const service = new PaywallService({
    wallet: wallet.port,
    budget,
    approvals,
    credentials,
    clock,
    served: (site, since) => store.served(site, since),
    effects: {
      reload: async (t) => void effects.reloads.push(t),
      retryResource: async (_t, url) => void effects.retries.push(url),
      notify: async (_id, title, message) => void (effects.notes.push(title), effects.messages.push(message)),
      topUrl: async (tabId) => effects.tops.get(tabId) ?? null,
    },
  });
  const req = (price: number, kind: 'navigation' | 'fetch' | 'media' = 'fetch', initiator: string | null = SITE, tabId = 1) => ({
    tabId,
    url: `${SITE}/item/${Math.random()}`,
    kind,
    initiator,
    detected: detectChallenge(402, `${SITE}/x`, [{ name: 'WWW-Authenticate', value: challenge(price) }])!,
  });
  return { service, budget, store, dnr, shown, effects, wallet, req, clock };
}

describe('paywall decisions', () => {
  it('asks for a new site; "pay once" pays exactly the first payment and attaches the credential', async () => {
    const t = setup(() => ({ kind: 'once' }));
    assert.equal(await t.service.handle(t.req(10)), 'paid');
    assert.equal(t.shown.length, 1);
    const v = t.shown[0]!;
    assert.equal(v.reason, 'new-site');
    assert.equal(v.price, '10');
    assert.equal(v.commitment, '1000');
    assert.equal(v.deposit, '50000');
    assert.equal(v.expiryBlocks, 1008);
    assert.deepEqual(v.suggested, { maxPrice: '10', budget: '1000', periodDays: 1 });
    assert.equal(v.period, null);
    assert.deepEqual(t.wallet.pays, [{ limit: 1000n, maxNewDeposit: 50000n }], 'the deposit the window showed, no more');
    const p = (await t.budget.policy(SITE))!;
    assert.equal(p.mode, 'ask');
    assert.equal(p.spent, 1000n);
    assert.equal(t.dnr.rules.length, 2);
    assert.ok(t.effects.notes.includes('Channel opened'));
  });

  it('"allow" saves an auto-pay policy; later items pay without asking, within the budget', async () => {
    const t = setup(() => ({ kind: 'allow', maxPrice: '20', budget: '1500', periodDays: 1 }));
    assert.equal(await t.service.handle(t.req(10)), 'paid');
    assert.equal(t.shown.length, 1);
    const p = (await t.budget.policy(SITE))!;
    assert.equal(p.mode, 'auto');
    assert.equal(p.endpoint, ENDPOINT);
    // The open channel has approved headroom: no new approval, no prompt.
    assert.equal(await t.service.handle(t.req(10)), 'paid');
    assert.equal(t.shown.length, 1);
    // Price above the limit: ask again.
    t.shown.length = 0;
    assert.equal(await t.service.handle(t.req(30)), 'paid');
    assert.equal(t.shown[0]?.reason, 'price-above-limit');
  });

  it('parallel tabs never overshoot the budget', async () => {
    const t = setup(() => null);
    await t.budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '1500', periodDays: 1 });
    // Open the channel first (first payment 1000 + prepaid 200 of a 1500 budget).
    assert.equal(await t.service.handle(t.req(50)), 'paid');
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => t.service.handle(t.req(50, 'fetch', SITE, i + 2))));
    const p = (await t.budget.policy(SITE))!;
    assert.ok(p.spent <= 1500n, `spent ${p.spent}`);
    assert.ok(outcomes.includes('paid'));
    assert.ok(outcomes.includes('denied')); // past the budget it asked, nobody answered, so no
  });

  it('budget exhausted: asks, showing what is left', async () => {
    const t = setup(() => ({ kind: 'deny' }));
    await t.budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '500', periodDays: 1 });
    assert.equal(await t.service.handle(t.req(10)), 'denied');
    assert.equal(t.shown[0]?.reason, 'budget-exhausted');
    assert.equal(t.shown[0]?.remaining, '500');
    assert.equal(t.wallet.pays.length, 0);
  });

  it('deny with block blocks the site; blocked sites are refused silently', async () => {
    const t = setup(() => ({ kind: 'deny', block: true }));
    assert.equal(await t.service.handle(t.req(10)), 'denied');
    assert.equal((await t.budget.policy(SITE))!.blocked, true);
    assert.equal(await t.service.handle(t.req(10)), 'denied');
    assert.equal(t.shown.length, 1);
  });

  it('a page of another site cannot use auto-pay', async () => {
    const t = setup(() => ({ kind: 'deny' }));
    await t.budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '5000', periodDays: 1 });
    assert.equal(await t.service.handle(t.req(10, 'media', 'https://evil.example')), 'denied');
    assert.equal(t.shown[0]?.reason, 'third-party');
    assert.equal(t.shown[0]?.initiator, 'https://evil.example');
  });

  it('an unanswered prompt times out as a no', async () => {
    const t = setup(() => null);
    assert.equal(await t.service.handle(t.req(10)), 'denied');
  });

  it('reloads a paid navigation once and never pays it twice before it is delivered; retries paid media (finding 4)', async () => {
    const t = setup(() => null);
    await t.budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '5000', periodDays: 1 });
    const nav = t.req(10, 'navigation', null, 9);
    assert.equal(await t.service.handle(nav), 'paid');
    // The reload came back 402 again (no credential went with it): a retry loop, not a new item.
    assert.equal(await t.service.handle(nav), 'failed');
    assert.equal(t.wallet.pays.length, 1, 'paid once');
    assert.ok(t.effects.notes.includes('Payment not repeated'));
    assert.deepEqual(t.effects.reloads, [9]);
    // Once delivered (its receipt seen), the same URL is a new item and may be paid again.
    t.service.delivered(9, nav.url);
    assert.equal(await t.service.handle(nav), 'paid');
    assert.equal(t.wallet.pays.length, 2);
    const img = t.req(10, 'media');
    await t.service.handle(img);
    assert.deepEqual(t.effects.retries, [img.url]);
  });

  it('without a wallet nothing is paid and the user is told', async () => {
    const t = setup(() => ({ kind: 'once' }), fakeWallet('none'));
    assert.equal(await t.service.handle(t.req(10)), 'failed');
    assert.equal(t.shown.length, 0);
    assert.equal(t.wallet.pays.length, 0);
  });

  it('a locked wallet with auto-pay still asks (the prompt can unlock), saying why', async () => {
    const t = setup(() => ({ kind: 'deny' }), fakeWallet('locked'));
    await t.budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '5000', periodDays: 1 });
    assert.equal(await t.service.handle(t.req(10)), 'denied');
    assert.equal(t.shown.length, 1);
    // Not "budget used up": 5,000 sat are left, the wallet just cannot sign while locked.
    assert.equal(t.shown[0]?.reason, 'locked');
    assert.equal(t.shown[0]?.remaining, null);
  });

  /** A site whose 1,000 sat budget (per 7 days, up to 50 sat an item) is spent, over a channel with no approved headroom left. */
  async function exhausted(answer: (v: ApprovalView) => ApprovalChoice | null) {
    const wallet = fakeWallet();
    wallet.channels.push({ id: 'regtest/0', channelId: 'aa:0', endpoint: ENDPOINT, network: 'regtest', state: 'open', capacity: '50000', expiry: 2000, approved: '1000', signed: '1000', acknowledged: '1000', spent: '1000', credit: '0', closingTxid: null, createdAt: 1, updatedAt: 1 });
    const t = setup(answer, wallet);
    await t.budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '1000', periodDays: 7 });
    const r = await t.budget.reserve(SITE, 1000n, 1000n);
    assert.ok(r.ok);
    await t.budget.commit(SITE, r.id, 1000n);
    return t;
  }

  it('budget used up: "Allow" as suggested keeps the site\'s limits, covers what the period spent, and pays', async () => {
    const t = await exhausted((v) => ({ kind: 'allow', ...v.suggested }));
    assert.equal(await t.service.handle(t.req(2)), 'paid');
    const v = t.shown[0]!;
    assert.equal(v.reason, 'budget-exhausted');
    assert.equal(v.remaining, '0');
    assert.deepEqual(v.period, { spent: '1000', budget: '1000', periodDays: 7, mode: 'auto', books: { items: 0, charged: '0', fees: '0', prepaid: '0' } });
    // Twice the old budget (well above the 1,000 spent + 202 this payment reserves), and the
    // site's 50 sat limit rather than this 2 sat item's price, so a 10 sat article does not ask again.
    assert.deepEqual(v.suggested, { maxPrice: '50', budget: '2000', periodDays: 7 });
    const p = (await t.budget.policy(SITE))!;
    assert.equal(p.maxPrice, 50n);
    assert.equal(p.budget, 2000n);
    assert.equal(p.spent, 1202n);
    t.shown.length = 0;
    assert.equal(await t.service.handle(t.req(10)), 'paid');
    assert.equal(t.shown.length, 0);
  });

  it('"Allow" with a budget that cannot hold the payment tells the reader instead of denying in silence', async () => {
    const t = await exhausted(() => ({ kind: 'allow', maxPrice: '50', budget: '1001', periodDays: 7 }));
    assert.equal(await t.service.handle(t.req(2)), 'denied');
    assert.equal(t.wallet.pays.length, 0);
    assert.ok(t.effects.notes.includes('Payment not made'), JSON.stringify(t.effects.notes));
  });
});

describe('wallet safety (issue 11)', () => {
  const EVIL = 'https://evil.example';
  /** A 402 received at `page` naming `endpoint`'s channel API. */
  const at = (page: string, endpoint: string, opts: { initiator?: string | null; kind?: 'navigation' | 'fetch' | 'media'; tabId?: number; network?: string } = {}) => ({
    tabId: opts.tabId ?? 1,
    url: page,
    kind: opts.kind ?? ('fetch' as const),
    initiator: opts.initiator === undefined ? new URL(page).origin : opts.initiator,
    detected: detectChallenge(402, page, [{ name: 'WWW-Authenticate', value: challenge(10, endpoint, opts.network) }])!,
  });
  const auto = (t: ReturnType<typeof setup>, budget = '5000') => t.budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget, periodDays: 1 }, ENDPOINT);

  it('finding 1: a 402 on another site naming this site\'s channel API is refused with a message; nothing paid, no credential', async () => {
    const t = setup(() => ({ kind: 'once' }));
    await auto(t);
    assert.equal(await t.service.handle(at(`${EVIL}/paid`, ENDPOINT)), 'denied');
    assert.equal(t.wallet.pays.length, 0);
    assert.equal(t.shown.length, 0, 'not even asked');
    assert.deepEqual(t.dnr.rules, []);
    assert.ok(t.effects.messages.some((m) => m.includes('https://evil.example') && m.includes('another site')), t.effects.messages.join('|'));
  });

  it('finding 1: a changed channel API for a known site asks, showing both; denied, the old one stays', async () => {
    const t = setup(() => ({ kind: 'deny' }));
    await auto(t);
    const other = 'https://pay.news.example/v2';
    assert.equal(await t.service.handle(at(`${SITE}/a`, other)), 'denied');
    assert.equal(t.shown[0]?.reason, 'endpoint-changed');
    assert.equal(t.shown[0]?.previousEndpoint, ENDPOINT);
    assert.equal(t.shown[0]?.endpoint, other);
    assert.equal(t.wallet.pays.length, 0);
    assert.equal((await t.budget.policy(SITE))!.endpoint, ENDPOINT);
  });

  it('finding 1: approved, the new channel API replaces the old one', async () => {
    const t = setup(() => ({ kind: 'once' }));
    await auto(t);
    const other = 'https://pay.news.example/v2';
    assert.equal(await t.service.handle(at(`${SITE}/a`, other)), 'paid');
    assert.equal((await t.budget.policy(SITE))!.endpoint, other);
  });

  it('finding 6: plain http is refused on mainnet for the site and its channel API, loopback excepted', async () => {
    const t = setup(() => ({ kind: 'once' }), fakeWallet('unlocked', { network: 'mainnet' }));
    assert.equal(await t.service.handle(at('http://news.example/a', 'http://news.example/paychan/v1', { network: 'mainnet' })), 'denied');
    assert.equal(await t.service.handle(at('https://news.example/a', 'http://news.example/paychan/v1', { network: 'mainnet' })), 'denied');
    assert.equal(t.wallet.pays.length, 0);
    assert.ok(t.effects.messages.every((m) => /not https/.test(m)), t.effects.messages.join('|'));
    assert.equal(await t.service.handle(at('http://127.0.0.1:8080/a', 'http://127.0.0.1:8080/paychan/v1', { network: 'mainnet' })), 'paid');
  });

  it('finding 2: auto-pay does not pay for the site\'s frame inside another site\'s page: it asks, naming both', async () => {
    const t = setup(() => ({ kind: 'deny' }));
    await auto(t);
    // A hidden news.example frame on evil.example loads a paid item: the initiator is news.example itself.
    t.effects.tops.set(4, `${EVIL}/innocent`);
    assert.equal(await t.service.handle(at(`${SITE}/a`, ENDPOINT, { kind: 'media', tabId: 4 })), 'denied');
    assert.equal(t.shown[0]?.reason, 'third-party');
    assert.equal(t.shown[0]?.initiator, EVIL);
    assert.equal(t.shown[0]?.site, SITE);
    assert.equal(t.wallet.pays.length, 0);
    // The reader's own tab on the site, and a same-site host, pay with no prompt.
    t.effects.tops.set(5, 'https://www.news.example/');
    assert.equal(await t.service.handle(at(`${SITE}/b`, ENDPOINT, { kind: 'media', tabId: 5, initiator: 'https://img.news.example' })), 'paid');
    assert.equal(t.shown.length, 1);
  });

  it('finding 4: a same-site host (img.news.example) pays under the site\'s policy, with no prompt, and its credential covers the site', async () => {
    const t = setup(() => ({ kind: 'deny' }));
    await auto(t);
    t.effects.tops.set(2, `${SITE}/gallery`);
    assert.equal(await t.service.handle(at('https://img.news.example/p/1.png', ENDPOINT, { kind: 'media', tabId: 2, initiator: SITE })), 'paid');
    assert.equal(t.shown.length, 0);
    assert.equal(await t.budget.policy('https://img.news.example'), undefined, 'no second policy');
    assert.ok((await t.budget.policy(SITE))!.spent > 0n);
    assert.deepEqual([...new Set(t.dnr.rules.map((r) => r.condition.requestDomains?.[0]))], ['news.example']);
  });

  it('a third-party prompt never joins a first-party one, nor one naming another channel API: each answer covers what its window showed', async () => {
    const a = new Approvals({ open: async () => 1, close: async () => {} }, Date.now, 1000);
    const base = { site: SITE, url: SITE, price: '1', network: 'regtest', endpoint: ENDPOINT, previousEndpoint: null, openDeposits: '0', depositLimit: '100000', deposit: null, expiryBlocks: null, expiryEstimate: null, commitment: '1', prepaid: '0', fees: null, suggested: { maxPrice: '1', budget: '1', periodDays: 1 }, reason: 'ask' as const, remaining: null, period: null, initiator: null };
    void a.request(base);
    void a.request({ ...base, url: `${SITE}/2` });
    assert.equal(a.count, 1, 'the same page\'s items share one window');
    void a.request({ ...base, initiator: EVIL });
    void a.request({ ...base, endpoint: 'https://pay.news.example/v2' });
    assert.equal(a.count, 3);
  });

  it('finding 3: "Pay once" on a third-party prompt grants that request only, not the initiator', async () => {
    const t = setup(() => ({ kind: 'once' }));
    await auto(t);
    assert.equal(await t.service.handle(at(`${SITE}/a/1`, ENDPOINT, { kind: 'media', initiator: EVIL, tabId: 6 })), 'paid');
    const lasting = t.dnr.rules.filter((r) => r.priority === 1);
    assert.equal(lasting.length, 2);
    for (const r of lasting) assert.ok(!(r.condition.initiatorDomains ?? []).includes('evil.example'), JSON.stringify(r.condition));
    for (const r of lasting) assert.ok(!(r.condition.tabIds ?? []).includes(6), 'the third party\'s tab gets no lasting credential');
    const once = t.dnr.rules.filter((r) => r.priority === 2);
    assert.deepEqual(once.map((r) => [r.condition.urlFilter, r.condition.initiatorDomains, r.condition.tabIds]), [[`|${SITE}/a/1|`, ['evil.example'], [6]]]);
  });

  it('finding 5: a new channel\'s fees count against the budget, and auto-pay opens one channel per period', async () => {
    const t = setup(() => ({ kind: 'deny' }), fakeWallet('unlocked', { openFees: { rateKvb: 1000n, funding: 200n, refund: 100n } }));
    await auto(t);
    assert.equal(await t.service.handle(t.req(10)), 'paid');
    // The first payment (1000) and the expected fees (300) were reserved and handed to the wallet as its limit.
    assert.equal(t.wallet.pays[0]!.limit, 1300n);
    assert.equal((await t.budget.policy(SITE))!.channelsOpened, 1);
    // The merchant closed that channel: a second one this period asks first.
    t.wallet.channels[0]!.state = 'closed';
    assert.equal(await t.service.handle(t.req(10)), 'denied');
    assert.equal(t.shown[0]?.reason, 'new-channel');
    assert.equal(t.wallet.pays.length, 1);
  });

  it('finding 5: a new channel beyond the site\'s deposit limit asks, showing the deposits and the limit', async () => {
    const t = setup(() => ({ kind: 'deny' }));
    await auto(t);
    await t.budget.setPolicy(SITE, { depositLimit: '40000' });
    assert.equal(await t.service.handle(t.req(10)), 'denied');
    assert.equal(t.shown[0]?.reason, 'deposit-limit');
    assert.equal(t.shown[0]?.depositLimit, '40000');
    assert.equal(t.shown[0]?.deposit, '50000');
    assert.equal(t.wallet.pays.length, 0);
  });

  it('finding 5: auto-pay tells the wallet it may not open a second channel in the period', async () => {
    const t = setup(() => null);
    await auto(t);
    assert.equal(await t.service.handle(t.req(10)), 'paid');
    assert.equal(t.wallet.pays[0]!.maxNewDeposit, 100_000n, 'the first: up to the deposit limit');
    assert.equal(await t.service.handle(t.req(10)), 'paid');
    assert.equal(t.wallet.pays[1]!.maxNewDeposit, 0n, 'an open channel pays; the wallet may not open another unasked');
  });
});

describe('the suggested auto-pay policy', () => {
  const need = (min: bigint, preferred: bigint) => ({ min, preferred, channel: null });
  const policy = (over: Partial<SitePolicy>): SitePolicy => ({
    site: SITE,
    mode: 'auto',
    blocked: false,
    maxPrice: 20n,
    budget: 5000n,
    periodDays: 1,
    periodStart: 0,
    spent: 0n,
    reservations: {},
    endpoint: null,
    createdAt: 0,
    updatedAt: 0,
    ...over,
  });

  it('a new site: twenty items at this price, at least what this payment reserves (finding 10: modest)', () => {
    assert.deepEqual(suggestPolicy(10n, need(1000n, 1000n), undefined), { maxPrice: '10', budget: '1000', periodDays: 1 });
    assert.deepEqual(suggestPolicy(2n, need(1000n, 1000n), undefined), { maxPrice: '2', budget: '1000', periodDays: 1 });
    // Not a hundred items a day (10,000 sat at 100 sat an item).
    assert.deepEqual(suggestPolicy(100n, need(1300n, 1500n), undefined), { maxPrice: '100', budget: '2000', periodDays: 1 });
  });

  it('a pricier item on a site with budget left: raises only the price limit', () => {
    assert.deepEqual(suggestPolicy(30n, need(30n, 230n), policy({ spent: 1000n })), { maxPrice: '30', budget: '5000', periodDays: 1 });
  });

  it('a cheaper item never lowers the site\'s price limit', () => {
    assert.equal(suggestPolicy(2n, need(2n, 202n), policy({ spent: 5000n })).maxPrice, '20');
  });

  it('spend in flight counts as spent', () => {
    const s = suggestPolicy(2n, need(2n, 202n), policy({ budget: 1000n, spent: 500n, reservations: { r: { amount: 500n, at: 0 } } }));
    assert.equal(s.budget, '2000');
  });

  it('a budget far below the spend (lowered mid-period) still covers spend + this payment', () => {
    assert.equal(suggestPolicy(2n, need(2n, 202n), policy({ budget: 100n, spent: 4000n })).budget, '4202');
  });

  it('an ask-every-time site with "pay once" spend: the budget starts above that spend', () => {
    const s = suggestPolicy(10n, need(10n, 210n), policy({ mode: 'ask', maxPrice: 0n, budget: 0n, spent: 1000n }));
    assert.deepEqual(s, { maxPrice: '10', budget: '1210', periodDays: 1 });
  });
});

describe('approvals', () => {
  it('joins requests for the same site, denies when the window is closed', async () => {
    let opened = 0;
    const a = new Approvals({ open: async () => ++opened, close: async () => {} }, Date.now, 1000);
    const base = { site: SITE, url: SITE, price: '1', network: 'regtest', endpoint: ENDPOINT, previousEndpoint: null, openDeposits: '0', depositLimit: '100000', deposit: null, expiryBlocks: null, expiryEstimate: null, commitment: '1', prepaid: '0', fees: null, suggested: { maxPrice: '1', budget: '1', periodDays: 1 }, reason: 'ask' as const, remaining: null, period: null, initiator: null };
    const p1 = a.request(base);
    const p2 = a.request(base);
    assert.equal(a.count, 1);
    await new Promise((r) => setTimeout(r, 5));
    a.windowClosed(1);
    assert.deepEqual(await p1, { kind: 'deny' });
    assert.deepEqual(await p2, { kind: 'deny' });
    assert.equal(a.count, 0);
    assert.equal(a.decide('nope', { kind: 'once' }), false);
  });
  it('leaves the prompt window to close itself when the answer came from it, closes it otherwise', async () => {
    const ids: string[] = [];
    const closed: number[] = [];
    const a = new Approvals({ open: async (id) => (ids.push(id), 100 + ids.length), close: async (h) => void closed.push(h) }, Date.now, 60_000);
    const base = { site: SITE, url: SITE, price: '1', network: 'regtest', endpoint: ENDPOINT, previousEndpoint: null, openDeposits: '0', depositLimit: '100000', deposit: null, expiryBlocks: null, expiryEstimate: null, commitment: '1', prepaid: '0', fees: null, suggested: { maxPrice: '1', budget: '1', periodDays: 1 }, reason: 'ask' as const, remaining: null, period: null, initiator: null };
    const fromPrompt = a.request(base);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(a.decide(ids[0]!, { kind: 'deny' }, 101), true);
    assert.deepEqual(await fromPrompt, { kind: 'deny' });
    const fromElsewhere = a.request({ ...base, site: 'https://other.example', url: 'https://other.example' });
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(a.decide(ids[1]!, { kind: 'deny' }, 55), true);
    assert.deepEqual(await fromElsewhere, { kind: 'deny' });
    assert.deepEqual(closed, [102]);
  });
  it('denies at once when no window can be opened', async () => {
    const a = new Approvals({ open: async () => Promise.reject(new Error('no windows')), close: async () => {} }, Date.now, 60_000);
    const base = { site: SITE, url: SITE, price: '1', network: 'regtest', endpoint: ENDPOINT, previousEndpoint: null, openDeposits: '0', depositLimit: '100000', deposit: null, expiryBlocks: null, expiryEstimate: null, commitment: '1', prepaid: '0', fees: null, suggested: { maxPrice: '1', budget: '1', periodDays: 1 }, reason: 'ask' as const, remaining: null, period: null, initiator: null };
    assert.deepEqual(await a.request(base), { kind: 'deny' });
  });
});

describe('what an item really costs (issue 14)', () => {
  it('a new channel\'s prompt shows the funding and refund fees apart, the prepaid credit, and they add up to what is counted', async () => {
    const t = setup(() => ({ kind: 'once' }), fakeWallet('unlocked', { openFees: { rateKvb: 2500n, funding: 600n, refund: 350n } }));
    assert.equal(await t.service.handle(t.req(10)), 'paid');
    const v = t.shown[0]!;
    assert.deepEqual(v.fees, { rateKvb: '2500', funding: '600', refund: '350' });
    assert.equal(v.prepaid, '990', 'the first payment of 1,000 sat buys the 10 sat item and 990 sat of credit');
    assert.equal(v.commitment, '1950');
    assert.equal(BigInt(v.price) + BigInt(v.prepaid) + BigInt(v.fees!.funding) + BigInt(v.fees!.refund), BigInt(v.commitment));
    assert.equal(t.wallet.pays[0]!.limit, 1950n, 'the wallet may spend what the window showed, no more');
  });

  it('the prompt shows the period\'s books: items served and fees as spent, prepaid credit apart (budget counts both)', async () => {
    const t = setup(() => ({ kind: 'once' }), fakeWallet('unlocked', { openFees: { rateKvb: 2500n, funding: 600n, refund: 350n } }));
    assert.equal(await t.service.handle(t.req(10)), 'paid');
    const c = t.wallet.channels[0]!;
    // The books after the first payment: the channel's funding cost 590 sat, 3 items of 10 sat
    // were served, and 970 sat signed is credit not yet used.
    Object.assign(c, { createdAt: t.clock.now(), fundingFee: '590', approved: '1000', signed: '1000', spent: '30', credit: '970' });
    const at = t.clock.now();
    await t.store.addItems([0, 1, 2].map((i) => ({ site: SITE, url: `${SITE}/a/${i}`, amount: 10n, channel: 'aa:0', tabId: 1, at: at - i })));
    assert.equal(await t.service.handle(t.req(20)), 'paid');
    const period = t.shown[1]!.period!;
    assert.deepEqual(period.books, { items: 3, charged: '30', fees: '590', prepaid: '970' });
    assert.equal(period.spent, '1950', 'the budget counts what was committed: price, credit and the estimated fees');
  });

  it('an open channel pays: no opening fees, no new credit', async () => {
    const t = setup(() => ({ kind: 'once' }), fakeWallet('unlocked', { openFees: { rateKvb: 2500n, funding: 600n, refund: 350n } }));
    assert.equal(await t.service.handle(t.req(10)), 'paid');
    t.wallet.channels[0]!.approved = t.wallet.channels[0]!.spent;
    assert.equal(await t.service.handle(t.req(10)), 'paid');
    const v = t.shown[1]!;
    assert.equal(v.deposit, null);
    assert.equal(v.fees, null);
    assert.equal(v.prepaid, '0');
  });
});

describe('credit carried into a new period (issue 14)', () => {
  /**
   * Yesterday the site got 1,200 sat of approvals on a channel that served 1,000: 200 sat of
   * prepaid credit is left, unused, on the open channel. Today's period starts with it counted.
   */
  async function carried(budgetSats = '1000') {
    const t = setup(() => null);
    await t.budget.setPolicy(SITE, { mode: 'auto', maxPrice: '10', budget: budgetSats, periodDays: 1 }, ENDPOINT);
    const yesterday = t.clock.now();
    t.wallet.channels.push({ id: 'regtest/0', channelId: 'aa:0', endpoint: ENDPOINT, network: 'regtest', state: 'open', capacity: '50000', expiry: 2000, approved: '1200', signed: '1200', acknowledged: '1200', spent: '1000', credit: '200', closingTxid: null, createdAt: yesterday, updatedAt: yesterday });
    const r = await t.budget.reserve(SITE, 1200n, 1200n, true);
    assert.ok(r.ok);
    await t.budget.commit(SITE, r.id, 1200n);
    t.clock.now = () => yesterday + 86_400_000;
    return t;
  }
  const newApprovals = (t: ReturnType<typeof setup>) => t.wallet.pays.reduce((sum, p) => sum + p.limit, 0n);

  it('a reset with 200 sat of credit left and a 1,000 sat budget lets the site take at most 800 sat of new signatures', async () => {
    const t = await carried();
    let paid = 0;
    while ((await t.service.handle(t.req(10))) === 'paid') paid++;
    assert.equal(t.shown.at(-1)!.reason, 'budget-exhausted');
    assert.ok(newApprovals(t) <= 800n, `new approvals ${newApprovals(t)} sat exceed the budget left after the carried credit`);
    assert.equal(BigInt(paid) * 10n, 200n + newApprovals(t), 'every item was paid from the carried credit or a new approval');
    assert.ok((await t.budget.policy(SITE))!.spent <= 1000n);
    // The window shows the period as counted, carried credit included; its suggestion covers that and this payment.
    const v = t.shown.at(-1)!;
    assert.equal(BigInt(v.period!.spent), 200n + newApprovals(t));
    assert.ok(BigInt(v.suggested.budget) >= BigInt(v.period!.spent) + BigInt(v.commitment));
  });

  it('using the carried credit does not count it twice', async () => {
    const t = await carried();
    for (let i = 0; i < 20; i++) assert.equal(await t.service.handle(t.req(10)), 'paid');
    assert.equal(newApprovals(t), 0n, 'the 20 items were paid from the credit, nothing new signed');
    const p = (await t.budget.policy(SITE))!;
    assert.equal(p.spent, 200n, 'the used credit counts once, as spent');
    const r = await t.budget.reserve(SITE, 800n, 800n);
    assert.ok(r.ok, 'the other 800 sat of the budget are still there');
  });

  it('a close that returns the carried credit frees it; what was used before the period stays out of it', async () => {
    const t = await carried();
    assert.equal(await t.service.handle(t.req(10)), 'paid', 'one item today, paid from the carried credit');
    assert.equal((await t.budget.policy(SITE))!.spent, 200n);
    const c = { ...t.wallet.channels[0]!, state: 'closed' as const, outcome: 'settled' as const, settled: '1010' };
    t.wallet.channels[0] = c;
    assert.equal(await t.budget.creditReturned(SITE, c), true);
    assert.equal((await t.budget.policy(SITE))!.spent, 10n, 'the 190 sat left came back; the item served today stays counted');
    assert.equal(await t.budget.creditReturned(SITE, c), false, 'reported again, nothing more');
    assert.equal((await t.budget.policy(SITE))!.spent, 10n);
  });

  it('a refund after the reset gives back the carried credit only, not what earlier items used', async () => {
    const t = await carried();
    const r = await t.budget.reserve(SITE, 300n, 300n);
    assert.ok(r.ok);
    await t.budget.commit(SITE, r.id, 300n);
    assert.equal((await t.budget.policy(SITE))!.spent, 500n);
    const c = { ...t.wallet.channels[0]!, approved: '1500', state: 'closed' as const, outcome: 'refunded' as const };
    t.wallet.channels[0] = c;
    assert.equal(await t.budget.creditReturned(SITE, c), true);
    assert.equal((await t.budget.policy(SITE))!.spent, 0n, '200 carried + 300 approved today came back; the 1,000 used yesterday were never counted today');
  });
});
