/**
 * Prepaid credit that came back at a close stops counting against the site's budget (issue 14):
 * the background hears the wallet's "channel closed" event and gives the budget back what the
 * channel's approvals held beyond what the site was paid, once per channel, and only for a channel
 * opened in the current period (an earlier period's budget counted the earlier one). Through
 * `registerPaywall`'s real event wiring and budget code; the store is the in-memory one.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BudgetService } from '../../src/extension/background/paywall/budget.ts';
import { MemoryPaywallStore } from '../../src/extension/background/paywall/store.ts';
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
