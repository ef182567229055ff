/**
 * History reads day groups, not every item (issue 14): the paywall store keeps running totals per
 * local day and site beside the items, pages them newest first, and reads one group's items on
 * demand. Both stores keep the same contract; the IndexedDB one also builds the totals of items
 * stored before the totals existed.
 */
import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDB } from 'idb';
import { dayOf, MemoryPaywallStore, openPaywallStore, PAYWALL_MIGRATIONS, type PaidItem, type PaywallStore } from '../../src/extension/background/paywall/store.ts';

const HOUR = 3_600_000;
const T0 = new Date(2026, 10, 20, 9).getTime();
const SITES = ['https://a.example', 'https://b.example', 'https://c.example'];

/** 10 days × 3 sites, site i paying (i + 1) sat per item, a varying number of items a day. */
function seed(): PaidItem[] {
  const out: PaidItem[] = [];
  for (let d = 0; d < 10; d++)
    for (let s = 0; s < SITES.length; s++)
      for (let k = 0; k < 1 + ((d + s) % 4); k++) out.push({ site: SITES[s]!, url: `${SITES[s]}/i/${d}/${k}`, amount: BigInt(s + 1), channel: 'aa:0', tabId: 1, at: T0 + d * 24 * HOUR + k * HOUR });
  return out;
}

/** The totals per day and site, from the items themselves. */
function expected(items: PaidItem[]): Map<string, { items: number; amount: bigint }> {
  const m = new Map<string, { items: number; amount: bigint }>();
  for (const i of items) {
    const k = `${dayOf(i.at)} ${i.site}`;
    const t = m.get(k) ?? { items: 0, amount: 0n };
    t.items += 1;
    t.amount += i.amount;
    m.set(k, t);
  }
  return m;
}

const stores: [string, () => Promise<PaywallStore>][] = [
  ['memory store', async () => new MemoryPaywallStore()],
  ['IndexedDB store', async () => openPaywallStore(`history-test-${Math.random()}`)],
];

for (const [name, make] of stores) {
  describe(`history by day (${name})`, () => {
    it('day totals add up to the items stored, newest day first, paged by day', async () => {
      const store = await make();
      const items = seed();
      // Two batches, so totals are added to, not only created.
      await store.addItems(items.slice(0, 20));
      await store.addItems(items.slice(20));
      const want = expected(items);
      const first = await store.days({ limit: 7 });
      assert.ok(first.length >= 7 && first.length < 7 + SITES.length, 'the limit, and the rest of the last day');
      assert.equal(new Set(first.map((t) => t.day)).size, Math.ceil(first.length / SITES.length));
      const second = await store.days({ before: first.at(-1)!.day, limit: 100 });
      const all = [...first, ...second];
      // Paging by day: a day cut by the limit comes back whole on the next page.
      const seen = new Map(all.map((t) => [`${t.day} ${t.site}`, { items: t.items, amount: t.amount }]));
      assert.equal(seen.size, want.size);
      for (const [k, t] of want) assert.deepEqual(seen.get(k), t, k);
      for (let i = 1; i < first.length; i++) assert.ok(first[i]!.day <= first[i - 1]!.day, 'newest day first');
      assert.equal(
        all.filter((t, i) => all.findIndex((u) => u.day === t.day && u.site === t.site) === i).reduce((s, t) => s + t.amount, 0n),
        items.reduce((s, i) => s + i.amount, 0n),
      );
    });

    it('a group opens to exactly its site\'s items of that day, newest first, bounded', async () => {
      const store = await make();
      const items = seed();
      await store.addItems(items);
      const day = dayOf(T0 + 3 * 24 * HOUR);
      const got = await store.dayItems(SITES[1]!, day, 100);
      const want = items.filter((i) => i.site === SITES[1] && dayOf(i.at) === day);
      assert.deepEqual(got.map((i) => i.url), want.map((i) => i.url).reverse());
      assert.equal((await store.dayItems(SITES[1]!, day, 1)).length, 1);
    });

    it('a week: only the days from `since` on', async () => {
      const store = await make();
      const items = seed();
      await store.addItems(items);
      const since = dayOf(T0 + 7 * 24 * HOUR);
      const got = await store.days({ since, limit: 1000 });
      assert.equal(got.length, 3 * SITES.length);
      assert.equal(got.reduce((s, t) => s + t.amount, 0n), items.filter((i) => i.at >= since).reduce((s, i) => s + i.amount, 0n));
    });

    it('forgetting a site drops its day totals too', async () => {
      const store = await make();
      await store.addItems(seed());
      await store.deleteItems(SITES[0]!);
      assert.ok((await store.days({ limit: 100 })).every((t) => t.site !== SITES[0]));
    });
  });
}

describe('history by day: an older database', () => {
  it('items stored before the day totals existed are totalled when the database is upgraded', async () => {
    const name = `history-upgrade-${Math.random()}`;
    const v1 = await openDB(name, 1, { upgrade: (db, _o, _n, tx) => PAYWALL_MIGRATIONS[0]!(db as never, tx as never) });
    const items = seed();
    for (const i of items) await v1.add('items', i);
    v1.close();
    const store = await openPaywallStore(name);
    const got = await store.days({ limit: 100 });
    assert.deepEqual(new Map(got.map((t) => [`${t.day} ${t.site}`, { items: t.items, amount: t.amount }])), expected(items));
  });
});
