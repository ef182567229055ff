/**
 * A year of browsing does not make the popup read a year of items (issue 14): History's first
 * page, one opened group, and Home's last 7 days read the paywall's day totals and a bounded page
 * of items, through the real message handlers and the real IndexedDB store code (on
 * fake-indexeddb, which lets the test count every record a cursor or getAll visits). Reading the
 * whole items store anywhere on those paths fails it.
 */
import 'fake-indexeddb/auto';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { PaywallHandle } from '../../src/extension/background/paywall/index.ts';
import { openPaywallStore, type PaidItem, type PaywallStore } from '../../src/extension/background/paywall/store.ts';
import { inertBrowser, loadRegisterPaywall, WALLET } from './paywall-node.ts';

const DAY = 86_400_000;
const SITES = Array.from({ length: 120 }, (_, i) => `https://site${i}.example`);
const DAYS = 200;
const PER_DAY = 100;
const NOW = new Date(2026, 10, 30, 18).getTime();

/** Records visited per object store name, by cursors and getAll. */
const visits = new Map<string, number>();
function countVisits(): void {
  const add = (name: string, n: number) => visits.set(name, (visits.get(name) ?? 0) + n);
  const storeName = (source: IDBObjectStore | IDBIndex) => ('objectStore' in source ? source.objectStore.name : source.name);
  for (const proto of [IDBObjectStore.prototype, IDBIndex.prototype] as (IDBObjectStore | IDBIndex)[]) {
    const openCursor = proto.openCursor;
    proto.openCursor = function (this: IDBObjectStore | IDBIndex, ...args: Parameters<IDBObjectStore['openCursor']>) {
      const req = openCursor.apply(this, args);
      const name = storeName(this);
      req.addEventListener('success', () => req.result && add(name, 1));
      return req;
    } as typeof openCursor;
    const getAll = proto.getAll;
    proto.getAll = function (this: IDBObjectStore | IDBIndex, ...args: Parameters<IDBObjectStore['getAll']>) {
      const req = getAll.apply(this, args);
      const name = storeName(this);
      req.addEventListener('success', () => add(name, req.result.length));
      return req;
    } as typeof getAll;
  }
}

/** 200 days of 100 items each over 120 sites, about 10 sites a day. */
function year(): PaidItem[] {
  const out: PaidItem[] = [];
  for (let d = 0; d < DAYS; d++)
    for (let k = 0; k < PER_DAY; k++) {
      const site = SITES[(d * 7 + (k % 10) * 13) % SITES.length]!;
      out.push({ site, url: `${site}/a/${d}/${k}`, amount: 2n, channel: 'aa:0', tabId: 1, at: NOW - d * DAY - k * 60_000 });
    }
  return out;
}

describe('history and Home read bounded pages of a year of browsing', () => {
  let handle: PaywallHandle;
  let store: PaywallStore;
  const send = async <T,>(type: keyof PaywallHandle['handlers'], payload: unknown) => {
    visits.clear();
    return (await (handle.handlers[type] as (p: unknown, s: object) => Promise<unknown>)(payload, {})) as T;
  };

  before(async () => {
    const registerPaywall = await loadRegisterPaywall();
    store = await openPaywallStore(`history-bounded-${Math.random()}`);
    await store.addItems(year());
    handle = registerPaywall({
      browser: inertBrowser(),
      store,
      clock: { now: () => NOW },
      wallet: WALLET,
    });
    countVisits();
  });

  it('History\'s first page reads about 30 day totals and no item', async () => {
    const page = await send<{ day: number; site: string; items: number }[]>('paywall.history.days', { limit: 30 });
    assert.ok(page.length >= 30 && page.length <= 30 + 10, `a page of day groups, got ${page.length}`);
    assert.equal(visits.get('items') ?? 0, 0, 'no item is read for the day groups');
    assert.ok((visits.get('days') ?? 0) <= page.length + 1, `day totals visited: ${visits.get('days')}`);
  });

  it('an opened group reads that site\'s items of that day, at most a page', async () => {
    const [first] = await send<{ day: number; site: string; items: number }[]>('paywall.history.days', { limit: 1 });
    const items = await send<unknown[]>('paywall.history.day', { site: first!.site, day: first!.day });
    assert.equal(items.length, first!.items);
    assert.ok((visits.get('items') ?? 0) <= first!.items + 1, `items visited: ${visits.get('items')} for a group of ${first!.items}`);
  });

  it('Home\'s last 7 days reads the day totals of 7 days, not the items', async () => {
    const since = new Date(NOW - 6 * DAY).setHours(0, 0, 0, 0);
    const week = await send<{ day: number }[]>('paywall.history.days', { since });
    assert.ok(week.length > 0 && week.every((d) => d.day >= since));
    assert.equal(visits.get('items') ?? 0, 0);
    assert.ok((visits.get('days') ?? 0) <= week.length + 1, `day totals visited: ${visits.get('days')} for ${week.length}`);
  });

  it('Home\'s week of a reader of many sites (200 a day, 1,400 day totals) is read whole, not cut at a page', async () => {
    const busy = await openPaywallStore(`history-busy-${Math.random()}`);
    const items: PaidItem[] = [];
    for (let d = 0; d < 7; d++) for (let k = 0; k < 200; k++) items.push({ site: `https://busy${k}.example`, url: `https://busy${k}.example/${d}`, amount: 3n, channel: 'aa:0', tabId: 1, at: NOW - d * DAY });
    await busy.addItems(items);
    const registerPaywall = await loadRegisterPaywall();
    const h = registerPaywall({ browser: inertBrowser(), store: busy, clock: { now: () => NOW }, wallet: WALLET });
    const since = new Date(NOW - 6 * DAY).setHours(0, 0, 0, 0);
    visits.clear();
    const week = (await h.handlers['paywall.history.days']({ since }, {} as never)) as { amount: string }[];
    assert.equal(week.length, 1400, 'every site of every day of the week');
    assert.equal(week.reduce((sum, d) => sum + BigInt(d.amount), 0n), 3n * 1400n);
    assert.equal(visits.get('items') ?? 0, 0);
  });

  it('the items store really holds the year (the bounds above are not trivially met)', async () => {
    const all = await send<unknown[]>('paywall.history', {});
    assert.equal(all.length, DAYS * PER_DAY);
    assert.ok((visits.get('items') ?? 0) >= DAYS * PER_DAY);
  });
});
