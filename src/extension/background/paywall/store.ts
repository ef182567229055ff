/**
 * Where the paywall keeps site policies and the items paid for. The wallet's own database
 * (storage/db.ts) belongs to the wallet code; rather than interleave migrations in a file two
 * people edit, the paywall has its own small IndexedDB database, `paychan-paywall`, with its own
 * numbered versions. Nothing in it is secret: no keys, no credentials.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { SitePolicy } from './policy.ts';

export interface PaidItem {
  id?: number;
  site: string;
  url: string;
  amount: bigint;
  channel: string;
  tabId: number;
  at: number;
}

export interface PaywallStore {
  getPolicy(site: string): Promise<SitePolicy | undefined>;
  policies(): Promise<SitePolicy[]>;
  /**
   * Read-modify-write of one site's policy, atomic against every other update: `fn` is
   * synchronous and runs inside one IndexedDB transaction, so two tabs can never both read the
   * same remaining budget. Returning `policy: undefined` deletes it.
   */
  update<T>(site: string, fn: (current: SitePolicy | undefined) => { policy: SitePolicy | undefined; result: T }): Promise<T>;
  /** Adds paid items in one transaction (ids are assigned by the store). */
  addItems(items: PaidItem[]): Promise<void>;
  /** Newest first. */
  items(opts?: { site?: string; since?: number; limit?: number }): Promise<PaidItem[]>;
  /**
   * What each site was paid per local day, newest day first, `limit` groups (more only to finish
   * the last day, so paging with `before` = its day loses none) of days before `before`: kept as
   * running totals beside the items, so history never reads every item. `since` keeps days from then on.
   */
  days(opts: { before?: number; since?: number; limit: number }): Promise<DayTotal[]>;
  /** One site's items of one local day (its midnight, `dayOf`), newest first, at most `limit`. */
  dayItems(site: string, day: number, limit: number): Promise<PaidItem[]>;
  deleteItems(site: string): Promise<void>;
  /** How many items `site` served since `since` (ms) and what they were charged, by the site's own index. */
  served(site: string, since: number): Promise<{ items: number; charged: bigint }>;
}

/** What one site was paid on one local day. */
export interface DayTotal {
  day: number;
  site: string;
  items: number;
  amount: bigint;
}

/** The local midnight (ms since epoch) of the day `at` falls on: history groups by it. */
export function dayOf(at: number): number {
  return new Date(at).setHours(0, 0, 0, 0);
}

/** A page of day totals ends at `limit`, but never inside a day: the next page starts before it. */
function pageFull(page: DayTotal[], next: DayTotal, limit: number): boolean {
  return page.length >= limit && page.at(-1)!.day !== next.day;
}

interface PaywallDB extends DBSchema {
  policies: { key: string; value: SitePolicy };
  items: { key: number; value: PaidItem; indexes: { site: string; at: number; siteAt: [string, number] } };
  days: { key: [number, string]; value: DayTotal };
}

type Migration = (db: IDBPDatabase<PaywallDB>, tx: IDBPTransaction<PaywallDB, ('policies' | 'items' | 'days')[], 'versionchange'>) => void;

/** Adds items' amounts to the day totals kept in `days`. */
function totalsOf(items: PaidItem[]): Map<string, DayTotal> {
  const out = new Map<string, DayTotal>();
  for (const i of items) {
    const day = dayOf(i.at);
    const key = `${day} ${i.site}`;
    const t = out.get(key) ?? { day, site: i.site, items: 0, amount: 0n };
    t.items += 1;
    t.amount += i.amount;
    out.set(key, t);
  }
  return out;
}

/** Never edit a shipped migration; add the next one. */
export const PAYWALL_MIGRATIONS: readonly Migration[] = [
  // v1: site policies (with their budget state) and the items paid for.
  (db) => {
    db.createObjectStore('policies', { keyPath: 'site' });
    const items = db.createObjectStore('items', { keyPath: 'id', autoIncrement: true });
    items.createIndex('site', 'site');
    items.createIndex('at', 'at');
  },
  // v2: running totals per local day and site, and an index to read one site's day, so history
  // pages by day instead of reading every item. The totals of items already stored are built once here.
  (db, tx) => {
    db.createObjectStore('days', { keyPath: ['day', 'site'] });
    const items = tx.objectStore('items');
    items.createIndex('siteAt', ['site', 'at']);
    const days = tx.objectStore('days');
    void (async () => {
      const all: PaidItem[] = [];
      for (let c = await items.openCursor(); c; c = await c.continue()) all.push(c.value);
      for (const t of totalsOf(all).values()) await days.put(t);
    })();
  },
];

export const PAYWALL_DB_NAME = 'paychan-paywall';

/** Opens (and migrates) the paywall database; tests use fake-indexeddb's globals. */
export async function openPaywallStore(name = PAYWALL_DB_NAME): Promise<PaywallStore> {
  const db = await openDB<PaywallDB>(name, PAYWALL_MIGRATIONS.length, {
    upgrade(d, oldVersion, _newVersion, tx) {
      for (let v = oldVersion; v < PAYWALL_MIGRATIONS.length; v++) PAYWALL_MIGRATIONS[v]!(d, tx);
    },
  });
  return new IdbPaywallStore(db);
}

class IdbPaywallStore implements PaywallStore {
  constructor(private readonly db: IDBPDatabase<PaywallDB>) {}

  getPolicy(site: string) {
    return this.db.get('policies', site);
  }

  policies() {
    return this.db.getAll('policies');
  }

  async update<T>(site: string, fn: (current: SitePolicy | undefined) => { policy: SitePolicy | undefined; result: T }): Promise<T> {
    const tx = this.db.transaction('policies', 'readwrite');
    const { policy, result } = fn(await tx.store.get(site));
    if (policy) await tx.store.put(policy);
    else await tx.store.delete(site);
    await tx.done;
    return result;
  }

  async addItems(items: PaidItem[]): Promise<void> {
    if (items.length === 0) return;
    const tx = this.db.transaction(['items', 'days'], 'readwrite');
    for (const { id: _drop, ...rest } of items) void tx.objectStore('items').add(rest as PaidItem);
    const days = tx.objectStore('days');
    for (const t of totalsOf(items).values()) {
      const cur = await days.get([t.day, t.site]);
      await days.put(cur ? { ...t, items: cur.items + t.items, amount: cur.amount + t.amount } : t);
    }
    await tx.done;
  }

  async days(opts: { before?: number; since?: number; limit: number }): Promise<DayTotal[]> {
    const out: DayTotal[] = [];
    const { before, since } = opts;
    const range =
      before !== undefined && since !== undefined ? IDBKeyRange.bound([since], [before], false, true)
      : before !== undefined ? IDBKeyRange.upperBound([before], true)
      : since !== undefined ? IDBKeyRange.lowerBound([since])
      : null;
    for (let c = await this.db.transaction('days').store.openCursor(range, 'prev'); c && !pageFull(out, c.value, opts.limit); c = await c.continue()) out.push(c.value);
    return out;
  }

  async dayItems(site: string, day: number, limit: number): Promise<PaidItem[]> {
    const out: PaidItem[] = [];
    const range = IDBKeyRange.bound([site, day], [site, dayOf(day + 36 * 3_600_000)], false, true);
    for (let c = await this.db.transaction('items').store.index('siteAt').openCursor(range, 'prev'); c && out.length < limit; c = await c.continue()) out.push(c.value);
    return out;
  }

  async items(opts: { site?: string; since?: number; limit?: number } = {}): Promise<PaidItem[]> {
    const out: PaidItem[] = [];
    const limit = opts.limit ?? Infinity;
    let cursor = await this.db.transaction('items').store.index('at').openCursor(opts.since === undefined ? null : IDBKeyRange.lowerBound(opts.since), 'prev');
    while (cursor && out.length < limit) {
      if (opts.site === undefined || cursor.value.site === opts.site) out.push(cursor.value);
      cursor = await cursor.continue();
    }
    return out;
  }

  async served(site: string, since: number): Promise<{ items: number; charged: bigint }> {
    let items = 0;
    let charged = 0n;
    const range = IDBKeyRange.bound([site, since], [site, Infinity]);
    for (let c = await this.db.transaction('items').store.index('siteAt').openCursor(range); c; c = await c.continue()) {
      items += 1;
      charged += c.value.amount;
    }
    return { items, charged };
  }

  async deleteItems(site: string): Promise<void> {
    const tx = this.db.transaction('items', 'readwrite');
    let cursor = await tx.store.index('site').openCursor(site);
    while (cursor) {
      await cursor.delete();
      cursor = await cursor.continue();
    }
    await tx.done;
    const dtx = this.db.transaction('days', 'readwrite');
    for (let c = await dtx.store.openCursor(); c; c = await c.continue()) if (c.value.site === site) await c.delete();
    await dtx.done;
  }
}

/** The same contract in memory, for tests and for a browser without IndexedDB. */
export class MemoryPaywallStore implements PaywallStore {
  private readonly data = new Map<string, SitePolicy>();
  private readonly list: PaidItem[] = [];
  private nextId = 1;

  async getPolicy(site: string) {
    const p = this.data.get(site);
    return p && structuredClone(p);
  }
  async policies() {
    return [...this.data.values()].map((p) => structuredClone(p));
  }
  async update<T>(site: string, fn: (current: SitePolicy | undefined) => { policy: SitePolicy | undefined; result: T }): Promise<T> {
    const cur = this.data.get(site);
    const { policy, result } = fn(cur && structuredClone(cur));
    if (policy) this.data.set(site, structuredClone(policy));
    else this.data.delete(site);
    return result;
  }
  async addItems(items: PaidItem[]) {
    for (const item of items) this.list.push({ ...item, id: this.nextId++ });
  }
  async items(opts: { site?: string; since?: number; limit?: number } = {}) {
    return this.list
      .filter((i) => (opts.site === undefined || i.site === opts.site) && (opts.since === undefined || i.at >= opts.since))
      .sort((a, b) => b.at - a.at || (b.id ?? 0) - (a.id ?? 0))
      .slice(0, opts.limit ?? Infinity);
  }
  async days(opts: { before?: number; since?: number; limit: number }) {
    const totals = [...totalsOf(this.list).values()].filter((t) => (opts.before === undefined || t.day < opts.before) && (opts.since === undefined || t.day >= opts.since));
    totals.sort((a, b) => b.day - a.day || (b.site < a.site ? -1 : b.site > a.site ? 1 : 0));
    const out: DayTotal[] = [];
    for (const t of totals) {
      if (pageFull(out, t, opts.limit)) break;
      out.push(t);
    }
    return out;
  }
  async dayItems(site: string, day: number, limit: number) {
    return (await this.items({ site, since: day })).filter((i) => dayOf(i.at) === day).slice(0, limit);
  }
  async served(site: string, since: number) {
    const mine = await this.items({ site, since });
    return { items: mine.length, charged: mine.reduce((sum, i) => sum + i.amount, 0n) };
  }
  async deleteItems(site: string) {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.site === site) this.list.splice(i, 1);
  }
}
