/**
 * Where the paywall keeps site policies and the items paid for. The wallet's own database
 * (storage/db.ts) belongs to the wallet code; rather than interleave migrations in a file two
 * people edit, the paywall has its own small IndexedDB database, `paychan-paywall`, with its own
 * numbered versions. Nothing in it is secret: no keys, no credentials.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
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
  deleteItems(site: string): Promise<void>;
}

interface PaywallDB extends DBSchema {
  policies: { key: string; value: SitePolicy };
  items: { key: number; value: PaidItem; indexes: { site: string; at: number } };
}

type Migration = (db: IDBPDatabase<PaywallDB>) => void;

/** Never edit a shipped migration; add the next one. */
export const PAYWALL_MIGRATIONS: readonly Migration[] = [
  // v1: site policies (with their budget state) and the items paid for.
  (db) => {
    db.createObjectStore('policies', { keyPath: 'site' });
    const items = db.createObjectStore('items', { keyPath: 'id', autoIncrement: true });
    items.createIndex('site', 'site');
    items.createIndex('at', 'at');
  },
];

export const PAYWALL_DB_NAME = 'paychan-paywall';

/** Opens (and migrates) the paywall database; tests use fake-indexeddb's globals. */
export async function openPaywallStore(name = PAYWALL_DB_NAME): Promise<PaywallStore> {
  const db = await openDB<PaywallDB>(name, PAYWALL_MIGRATIONS.length, {
    upgrade(d, oldVersion) {
      for (let v = oldVersion; v < PAYWALL_MIGRATIONS.length; v++) PAYWALL_MIGRATIONS[v]!(d);
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
    const tx = this.db.transaction('items', 'readwrite');
    for (const { id: _drop, ...rest } of items) void tx.store.add(rest as PaidItem);
    await tx.done;
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

  async deleteItems(site: string): Promise<void> {
    const tx = this.db.transaction('items', 'readwrite');
    let cursor = await tx.store.index('site').openCursor(site);
    while (cursor) {
      await cursor.delete();
      cursor = await cursor.continue();
    }
    await tx.done;
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
  async deleteItems(site: string) {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.site === site) this.list.splice(i, 1);
  }
}
