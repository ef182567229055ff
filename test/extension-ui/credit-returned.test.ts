/**
 * Prepaid credit that came back at a close stops counting against the site's budget (issue 14):
 * the background hears the wallet's "channel closed" event and gives the budget back what the
 * channel's approvals held beyond what the site was paid, once per channel, and only what the
 * current period counted: a channel opened in it, or the credit one carried into it (an earlier
 * period's budget counted the rest). Through
 * `registerPaywall`'s real event wiring and budget code; the store is the in-memory one.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BudgetService } from '../../src/extension/background/paywall/budget.ts';
import { MemoryPaywallStore } from '../../src/extension/background/paywall/store.ts';
import type { PaywallHandle } from '../../src/extension/background/paywall/index.ts';
import type { SitePolicyView } from '../../src/extension/shared/paywall-views.ts';
import type { BackgroundEvent, ChannelSummary } from '../../src/extension/shared/types.ts';
import { channelSummary } from './channel-fixture.ts';
import { inertBrowser, loadRegisterPaywall, WALLET } from './paywall-node.ts';

const SITE = 'https://news.example';
const ENDPOINT = `${SITE}/paychan/v1`;
const NOW = Date.UTC(2026, 11, 2, 12);
const clock = { now: () => NOW };

describe('credit that came back at a close', () => {
  const store = new MemoryPaywallStore();
  const budget = new BudgetService(store, clock);
  let emit: (e: BackgroundEvent) => void = () => undefined;
  const closed = async (c: Partial<ChannelSummary>) => {
    emit({ type: 'channel', data: channelSummary({ endpoint: ENDPOINT, state: 'closed', ...c }) });
    await new Promise((r) => setTimeout(r, 20));
    return (await budget.policy(SITE))!.spent;
  };

  before(async () => {
    const registerPaywall = await loadRegisterPaywall();
    registerPaywall({
      browser: inertBrowser(),
      store,
      clock,
      wallet: WALLET,
      events: {
        subscribe(listener) {
          emit = listener;
          return () => undefined;
        },
      },
    });
    // This period the site got a channel: 1,400 sat approved (1,200 served, 200 prepaid), a 459 sat
    // funding fee and a 300 sat refund fee set aside: 2,159 counted.
    await budget.setPolicy(SITE, { mode: 'auto', maxPrice: '10', budget: '3000', periodDays: 1 }, ENDPOINT);
    const r = await budget.reserve(SITE, 2159n, 2159n);
    assert.ok(r.ok);
    await budget.commit(SITE, r.id, 2159n);
  });

  it('settled for what was served: the unused 200 sat no longer count; reported again, nothing more', async () => {
    const opened = { id: 'regtest/1', approved: '1400', signed: '1400', spent: '1200', settled: '1200', outcome: 'settled' as const, createdAt: NOW - 3_600_000 };
    assert.equal(await closed(opened), 1959n);
    assert.equal(await closed(opened), 1959n, 'the same close reported twice gives back once');
  });

  it('a channel opened in an earlier period gives nothing back to this one', async () => {
    assert.equal(await closed({ id: 'regtest/old', approved: '5000', settled: '1000', outcome: 'settled', createdAt: NOW - 3 * 86_400_000 }), 1959n);
  });

  it('refunded: the site took nothing, every approval comes back (its fees stay counted)', async () => {
    assert.equal(await closed({ id: 'regtest/2', approved: '500', signed: '500', spent: '0', outcome: 'refunded', createdAt: NOW - 60_000 }), 1459n);
  });

  it('still closing, or a settlement not yet read from the chain: nothing yet', async () => {
    assert.equal(await closed({ id: 'regtest/3', state: 'closing', approved: '900', outcome: 'settled', settled: '100', createdAt: NOW - 60_000 }), 1459n);
    assert.equal(await closed({ id: 'regtest/4', approved: '900', outcome: 'settled', settled: null, closeAmount: null, createdAt: NOW - 60_000 }), 1459n);
  });
});

/**
 * Credit an earlier period left unused counts against the new period (issue 14), and the Sites
 * view of the real background still adds up: what the budget counts = spent (items served + fees)
 * + prepaid, with nothing "held". Through registerPaywall's handlers and event wiring, its budget
 * reading the wallet's channels.
 */
describe('credit carried into a new period, as the Sites view shows it', () => {
  const DAY = 86_400_000;
  let now = Date.UTC(2026, 11, 1, 12);
  const clockNow = { now: () => now };
  const store = new MemoryPaywallStore();
  const channels: ChannelSummary[] = [];
  const wallet = { ...WALLET, channels: async () => structuredClone(channels) };
  /** The payments' side of the budget: the same store and channels the background reads. */
  const budget = new BudgetService(store, clockNow, wallet.channels);
  let handle: PaywallHandle;
  let emit: (e: BackgroundEvent) => void = () => undefined;
  const view = async () => {
    const all = (await (handle.handlers['paywall.sites'] as (p: unknown, s: object) => Promise<SitePolicyView[]>)(undefined, {}));
    return all.find((v) => v.site === SITE)!;
  };
  /** What the card's "Budget: X counted = spent + prepaid + held" shows, as numbers. */
  const figures = (v: SitePolicyView) => {
    const counted = BigInt(v.spent) + BigInt(v.reserved);
    const spent = BigInt(v.charged) + BigInt(v.fees);
    return { counted, spent, prepaid: BigInt(v.prepaid), held: counted - spent - BigInt(v.prepaid) };
  };
  /** Items served today from the channel's credit: the wallet's books and the paywall's items. */
  const serve = async (n: number) => {
    // The payment reserves before the wallet pays (service.ts), which starts the period in the store.
    const r = await budget.reserve(SITE, 0n, 0n);
    assert.ok(r.ok);
    const c = channels[0]!;
    c.spent = String(BigInt(c.spent) + BigInt(n) * 10n);
    c.credit = String(BigInt(c.signed) - BigInt(c.spent));
    await store.addItems(Array.from({ length: n }, (_, i) => ({ site: SITE, url: `${SITE}/today/${c.spent}/${i}`, amount: 10n, channel: 'aa:0', tabId: 1, at: now })));
    await budget.commit(SITE, r.id, 0n);
  };

  before(async () => {
    const registerPaywall = await loadRegisterPaywall();
    handle = registerPaywall({
      browser: inertBrowser(),
      store,
      clock: clockNow,
      wallet,
      events: {
        subscribe(listener) {
          emit = listener;
          return () => undefined;
        },
      },
    });
    // Yesterday: budget 1,000 a day; the channel was approved 1,200 sat and served 1,000 of them.
    await budget.setPolicy(SITE, { mode: 'auto', maxPrice: '10', budget: '1000', periodDays: 1 }, ENDPOINT);
    channels.push(channelSummary({ id: 'regtest/7', endpoint: ENDPOINT, approved: '1200', signed: '1200', acknowledged: '1200', spent: '1000', credit: '200', createdAt: now }));
    const r = await budget.reserve(SITE, 1200n, 1200n, true);
    assert.ok(r.ok);
    await budget.commit(SITE, r.id, 1200n);
    now += DAY;
  });

  it('after the reset the 200 sat of credit left count: 200 of 1,000 = 0 spent + 200 prepaid', async () => {
    assert.deepEqual(figures(await view()), { counted: 200n, spent: 0n, prepaid: 200n, held: 0n });
    assert.equal((await budget.reserve(SITE, 801n, 801n)).ok, false, 'no more than 800 sat of new approvals');
  });

  it('used, it counts once, as spent: 200 = 100 spent + 100 prepaid', async () => {
    await serve(10);
    assert.deepEqual(figures(await view()), { counted: 200n, spent: 100n, prepaid: 100n, held: 0n });
  });

  it('the close returns the 100 sat left: they stop counting, 100 = 100 spent', async () => {
    emit({ type: 'channel', data: { ...channels[0]!, state: 'closed', outcome: 'settled', settled: '1100' } });
    channels[0] = { ...channels[0]!, state: 'closed', outcome: 'settled', settled: '1100' };
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(figures(await view()), { counted: 100n, spent: 100n, prepaid: 0n, held: 0n });
  });
});
