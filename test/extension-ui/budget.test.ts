import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BudgetService } from '../../src/extension/background/paywall/budget.ts';
import { DAY_MS, STALE_RESERVATION_MS, evaluate, remaining, startOfDay } from '../../src/extension/background/paywall/policy.ts';
import { sameSite } from '../../src/core/site.ts';
import { MemoryPaywallStore, openPaywallStore, type PaywallStore } from '../../src/extension/background/paywall/store.ts';
import type { ChannelSummary } from '../../src/extension/shared/types.ts';
import { channelSummary } from './channel-fixture.ts';

const SITE = 'https://news.example';
const T0 = Date.UTC(2025, 0, 10, 12);

function setup(store: PaywallStore = new MemoryPaywallStore(), channels: ChannelSummary[] = []) {
  const clock = { t: T0, now() { return this.t; } };
  let reads = 0;
  const list = async () => (reads++, structuredClone(channels));
  return { clock, budget: new BudgetService(store, clock, list), store, reads: () => reads };
}

for (const [name, make] of [
  ['memory store', async () => new MemoryPaywallStore()],
  ['IndexedDB store', async () => openPaywallStore(`paywall-test-${Math.random()}`)],
] as const) {
  describe(`budget reservations (${name})`, () => {
    it('reserves, commits and releases', async () => {
      const { budget } = setup(await make());
      await budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '1000', periodDays: 1 });
      const r = await budget.reserve(SITE, 100n, 300n);
      assert.ok(r.ok);
      assert.equal(r.amount, 300n);
      let p = (await budget.policy(SITE))!;
      assert.equal(remaining(p), 700n);
      await budget.commit(SITE, r.id, 120n);
      p = (await budget.policy(SITE))!;
      assert.equal(p.spent, 120n);
      assert.equal(remaining(p), 880n);
      const r2 = await budget.reserve(SITE, 10n, 10n);
      assert.ok(r2.ok);
      await budget.release(SITE, r2.id);
      assert.equal(remaining((await budget.policy(SITE))!), 880n);
      // Committing twice counts once.
      await budget.commit(SITE, r.id, 120n);
      assert.equal((await budget.policy(SITE))!.spent, 120n);
    });

    it('shrinks a reservation to what is left, refuses below the minimum', async () => {
      const { budget } = setup(await make());
      await budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '250', periodDays: 1 });
      const a = await budget.reserve(SITE, 100n, 200n);
      assert.deepEqual(a.ok && a.amount, 200n);
      const b = await budget.reserve(SITE, 10n, 200n);
      assert.deepEqual(b.ok && b.amount, 50n);
      const c = await budget.reserve(SITE, 1n, 1n);
      assert.deepEqual(c, { ok: false, remaining: 0n });
    });

    it('never lets parallel payments from many tabs overshoot the budget', async () => {
      const { budget } = setup(await make());
      await budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '1000', periodDays: 1 });
      const results = await Promise.all(Array.from({ length: 40 }, () => budget.reserve(SITE, 30n, 30n)));
      const granted = results.filter((r) => r.ok);
      assert.equal(granted.length, 33); // 33 × 30 = 990 ≤ 1000 < 34 × 30
      await Promise.all(granted.map((r) => r.ok && budget.commit(SITE, r.id, 30n)));
      const p = (await budget.policy(SITE))!;
      assert.equal(p.spent, 990n);
      assert.ok(p.spent <= p.budget);
    });

    it('resets each period, per N days', async () => {
      const { budget, clock } = setup(await make());
      await budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '100', periodDays: 3 });
      const r = await budget.reserve(SITE, 100n, 100n);
      assert.ok(r.ok);
      await budget.commit(SITE, r.id, 100n);
      assert.equal((await budget.reserve(SITE, 1n, 1n)).ok, false);
      clock.t = startOfDay(T0) + 2 * DAY_MS + 1; // still inside the 3-day period
      assert.equal((await budget.reserve(SITE, 1n, 1n)).ok, false);
      clock.t = startOfDay(T0) + 3 * DAY_MS; // the next period
      const p = (await budget.policy(SITE))!;
      assert.equal(p.spent, 0n);
      assert.equal(p.periodStart, startOfDay(T0) + 3 * DAY_MS);
      assert.equal((await budget.reserve(SITE, 100n, 100n)).ok, true);
    });

    it('a new period starts counting the credit its open channels carry over, stored with the period (issue 14)', async () => {
      const ENDPOINT = `${SITE}/paychan/v1`;
      const channels = [
        // This site's open channel: 1,200 approved, 1,000 used, 200 left.
        channelSummary({ id: 'regtest/1', endpoint: ENDPOINT, approved: '1200', signed: '1200', spent: '1000', credit: '200' }),
        // Closed: its credit came back. Another site's channel: another budget.
        channelSummary({ id: 'regtest/2', endpoint: ENDPOINT, state: 'closed', outcome: 'settled', approved: '900', spent: '100', credit: '800' }),
        channelSummary({ id: 'regtest/3', endpoint: 'https://other.example/paychan/v1', approved: '700', spent: '0', credit: '700' }),
      ];
      const { budget, clock, reads } = setup(await make(), channels);
      await budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '1000', periodDays: 1 });
      const before = reads();
      await budget.policy(SITE);
      assert.equal(reads(), before, 'no channel is read while the period runs');
      clock.t = startOfDay(T0) + DAY_MS;
      const r = await budget.reserve(SITE, 800n, 801n);
      assert.ok(r.ok);
      assert.equal(r.amount, 800n, '1,000 less the 200 sat carried over');
      await budget.release(SITE, r.id);
      // The items use the credit afterwards: the period stored what it carried, it counts it once.
      channels[0]!.spent = '1200';
      channels[0]!.credit = '0';
      const p = (await budget.policy(SITE))!;
      assert.equal(p.spent, 200n);
      assert.deepEqual(p.carried, { 'regtest/1': 1000n });
      assert.equal(remaining(p), 800n);
    });

    it('counts reservations of a dead worker as spent once stale', async () => {
      const { budget, clock } = setup(await make());
      await budget.setPolicy(SITE, { mode: 'auto', maxPrice: '50', budget: '100', periodDays: 1 });
      const r = await budget.reserve(SITE, 60n, 60n);
      assert.ok(r.ok);
      clock.t += STALE_RESERVATION_MS + 1;
      const p = (await budget.policy(SITE))!;
      assert.equal(p.spent, 60n);
      assert.deepEqual(p.reservations, {});
      // A late commit of the same reservation does not count it twice.
      await budget.commit(SITE, r.id, 60n);
      assert.equal((await budget.policy(SITE))!.spent, 60n);
    });

    it('forced reservations (pay once) ignore the budget but count', async () => {
      const { budget } = setup(await make());
      const r = await budget.reserve(SITE, 500n, 500n, true);
      assert.ok(r.ok);
      await budget.commit(SITE, r.id, 500n);
      const p = (await budget.policy(SITE))!;
      assert.equal(p.mode, 'ask');
      assert.equal(p.spent, 500n);
    });

    it('validates policy input', async () => {
      const { budget } = setup(await make());
      await assert.rejects(budget.setPolicy(SITE, { budget: '-1' }), /budget/);
      await assert.rejects(budget.setPolicy(SITE, { budget: '1.5' }), /budget/);
      await assert.rejects(budget.setPolicy(SITE, { periodDays: 0 }), /periodDays/);
      await assert.rejects(budget.setPolicy(SITE, { periodDays: 1.5 }), /periodDays/);
      await budget.remove(SITE);
      assert.equal(await budget.policy(SITE), undefined);
    });
  });
}

describe('policy verdicts', () => {
  const base = { site: SITE, mode: 'auto' as const, blocked: false, maxPrice: 50n, budget: 1000n, periodDays: 1, periodStart: T0, spent: 0n, reservations: {}, endpoint: null, createdAt: T0, updatedAt: T0 };
  it('auto within limits, ask otherwise, blocked wins', () => {
    assert.deepEqual(evaluate(base, 10n, 100n, { sameSite: true }), { pay: 'auto' });
    assert.deepEqual(evaluate(undefined, 10n, 100n, { sameSite: true }), { pay: 'ask', reason: 'new-site', remaining: null });
    assert.deepEqual(evaluate({ ...base, mode: 'ask' }, 10n, 100n, { sameSite: true }), { pay: 'ask', reason: 'ask', remaining: null });
    assert.deepEqual(evaluate(base, 51n, 100n, { sameSite: true }), { pay: 'ask', reason: 'price-above-limit', remaining: null });
    assert.deepEqual(evaluate({ ...base, spent: 950n }, 10n, 100n, { sameSite: true }), { pay: 'ask', reason: 'budget-exhausted', remaining: 50n });
    assert.deepEqual(evaluate(base, 10n, 100n, { sameSite: false }), { pay: 'ask', reason: 'third-party', remaining: null });
    assert.deepEqual(evaluate({ ...base, blocked: true }, 10n, 100n, { sameSite: true }), { pay: 'blocked' });
  });
  it('same-site compares hosts and registrable parts', () => {
    assert.equal(sameSite('https://news.example', 'https://news.example:443'), true);
    assert.equal(sameSite('https://www.news.example', 'https://cdn.news.example'), true);
    assert.equal(sameSite('https://evil.example', 'https://news.example'), false);
    assert.equal(sameSite('http://127.0.0.1:3000', 'http://127.0.0.1:4000'), true);
    assert.equal(sameSite('http://127.0.0.2', 'http://127.0.0.1'), false);
  });
  it('same-site follows the Public Suffix List, not the last two labels (finding 4)', () => {
    assert.equal(sameSite('https://evil.co.uk', 'https://news.co.uk'), false);
    assert.equal(sameSite('https://a.github.io', 'https://b.github.io'), false);
    assert.equal(sameSite('https://img.news.co.uk', 'https://www.news.co.uk'), true);
    assert.equal(sameSite('http://img.news.test:8080', 'http://news.test:9090'), true);
    assert.equal(sameSite('http://localhost:3000', 'http://localhost:4000'), true);
    assert.equal(sameSite('http://a.localhost', 'http://b.localhost'), false);
  });
  it('auto-pay opens one channel per period unasked, within the deposit limit (finding 5)', () => {
    const facts = (openDeposits: bigint, deposit = 50_000n) => ({ sameSite: true, newChannel: { deposit, openDeposits } });
    assert.deepEqual(evaluate(base, 10n, 100n, facts(0n)), { pay: 'auto' });
    assert.deepEqual(evaluate({ ...base, channelsOpened: 1 }, 10n, 100n, facts(0n)), { pay: 'ask', reason: 'new-channel', remaining: null });
    assert.deepEqual(evaluate(base, 10n, 100n, facts(60_000n)), { pay: 'ask', reason: 'deposit-limit', remaining: null });
    assert.deepEqual(evaluate({ ...base, depositLimit: 200_000n }, 10n, 100n, facts(60_000n)), { pay: 'auto' });
    // An open channel pays: neither rule applies.
    assert.deepEqual(evaluate({ ...base, channelsOpened: 3 }, 10n, 100n, { sameSite: true, newChannel: null }), { pay: 'auto' });
    assert.deepEqual(evaluate(base, 10n, 100n, { sameSite: true, endpointChanged: true }), { pay: 'ask', reason: 'endpoint-changed', remaining: null });
  });
});
