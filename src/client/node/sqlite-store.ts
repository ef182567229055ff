/**
 * The client engine's storage on SQLite (better-sqlite3, as the server's store), for Node: the
 * library and the `paychan` CLI keep the wallet, its channels and every signed payment in one
 * file. Records are stored whole as JSON with bigints and byte arrays tagged, so they come back
 * exactly as the engine wrote them; the columns beside them are only what is looked up by.
 * Each method runs in one SQLite transaction, and WAL with synchronous=FULL makes a committed
 * write survive the process being killed the moment after (the engine sends a signature only
 * after putChannelWithPayment has returned).
 */
import Database from 'better-sqlite3';
import type { NetworkName } from '../../core/network.ts';
import type { ClientStore, Durability } from '../storage/client-store.ts';
import type { AddressRecord, ChannelRecord, PaymentRecord, SentRecord, SiteRecord } from '../storage/records.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS addresses (network TEXT NOT NULL, chain INTEGER NOT NULL, idx INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (network, chain, idx));
CREATE TABLE IF NOT EXISTS sent (txid TEXT PRIMARY KEY, network TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS channels (id TEXT PRIMARY KEY, endpoint TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS channels_endpoint ON channels (endpoint);
CREATE TABLE IF NOT EXISTS payments (seq INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS payments_channel ON payments (channel, seq);
CREATE TABLE IF NOT EXISTS sites (endpoint TEXT PRIMARY KEY, record TEXT NOT NULL);
`;

/** JSON that keeps bigints and Uint8Arrays: `{"$n":"123"}`, `{"$b":"<hex>"}`. */
export function encodeRecord(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    if (typeof raw === 'bigint') return { $n: raw.toString() };
    if (raw instanceof Uint8Array) return { $b: Buffer.from(raw).toString('hex') };
    return v;
  });
}

export function decodeRecord<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && typeof o.$n === 'string') return BigInt(o.$n);
      if (keys.length === 1 && typeof o.$b === 'string') return new Uint8Array(Buffer.from(o.$b, 'hex'));
    }
    return v;
  }) as T;
}

type Row = { record: string };

export class SqliteClientStore implements ClientStore {
  readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  private all<T>(sql: string, ...params: unknown[]): T[] {
    return (this.db.prepare(sql).all(...params) as Row[]).map((r) => decodeRecord<T>(r.record));
  }

  private one<T>(sql: string, ...params: unknown[]): T | undefined {
    const row = this.db.prepare(sql).get(...params) as Row | undefined;
    return row ? decodeRecord<T>(row.record) : undefined;
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? decodeRecord<T>(row.value) : undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, encodeRecord(value));
  }

  async nextCounter(key: string): Promise<number> {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
      const current = row ? (decodeRecord<number>(row.value) ?? 0) : 0;
      this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, encodeRecord(current + 1));
      return current;
    }).immediate();
  }

  async addresses(network: NetworkName): Promise<AddressRecord[]> {
    return this.all('SELECT record FROM addresses WHERE network = ? ORDER BY chain, idx', network);
  }

  async putAddresses(records: AddressRecord[]): Promise<void> {
    const put = this.db.prepare('INSERT OR REPLACE INTO addresses (network, chain, idx, record) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const r of records) put.run(r.network, r.chain, r.index, encodeRecord(r));
    })();
  }

  async sent(network: NetworkName): Promise<SentRecord[]> {
    return this.all('SELECT record FROM sent WHERE network = ? ORDER BY txid', network);
  }

  async getSent(txid: string): Promise<SentRecord | undefined> {
    return this.one('SELECT record FROM sent WHERE txid = ?', txid);
  }

  async putSent(...records: SentRecord[]): Promise<void> {
    const put = this.db.prepare('INSERT OR REPLACE INTO sent (txid, network, record) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const r of records) put.run(r.txid, r.network, encodeRecord(r));
    })();
  }

  async deleteSent(txid: string): Promise<void> {
    this.db.prepare('DELETE FROM sent WHERE txid = ?').run(txid);
  }

  async channels(): Promise<ChannelRecord[]> {
    return this.all('SELECT record FROM channels ORDER BY id');
  }

  async channelsFor(endpoint: string): Promise<ChannelRecord[]> {
    return this.all('SELECT record FROM channels WHERE endpoint = ? ORDER BY id', endpoint);
  }

  async getChannel(id: string): Promise<ChannelRecord | undefined> {
    return this.one('SELECT record FROM channels WHERE id = ?', id);
  }

  async putChannel(record: ChannelRecord, durability: Durability = 'strict'): Promise<void> {
    if (durability === 'strict') return this.putChannelRow(record);
    // In WAL mode, NORMAL commits without an fsync: a killed process keeps the write, a power
    // cut may lose it (a receipt the server repeats at the next status).
    this.db.pragma('synchronous = NORMAL');
    try {
      this.putChannelRow(record);
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  private putChannelRow(record: ChannelRecord): void {
    this.db.prepare('INSERT OR REPLACE INTO channels (id, endpoint, record) VALUES (?, ?, ?)').run(record.id, record.endpoint, encodeRecord(record));
  }

  async putRestoredChannels(records: ChannelRecord[], counterKey: string, nextIndex: number): Promise<void> {
    const add = this.db.prepare('INSERT INTO channels (id, endpoint, record) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const r of records) add.run(r.id, r.endpoint, encodeRecord(r));
      const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(counterKey) as { value: string } | undefined;
      const current = row ? decodeRecord<number>(row.value) : 0;
      if (current < nextIndex) this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(counterKey, encodeRecord(nextIndex));
    }).immediate();
  }

  async putChannelWithPayment(record: ChannelRecord, payment: PaymentRecord): Promise<number> {
    return this.db.transaction(() => {
      this.putChannelRow(record);
      const info = this.db.prepare('INSERT INTO payments (channel, record) VALUES (?, ?)').run(payment.channel, encodeRecord(payment));
      return Number(info.lastInsertRowid);
    }).immediate();
  }

  async putChannelAcknowledging(record: ChannelRecord, paid: bigint): Promise<void> {
    this.db.transaction(() => {
      this.putChannelRow(record);
      // Newest first, stopping at the first acknowledged one: amounts only grow.
      const rows = this.db.prepare('SELECT seq, record FROM payments WHERE channel = ? ORDER BY seq DESC').iterate(record.id) as IterableIterator<{ seq: number; record: string }>;
      const update = this.db.prepare('UPDATE payments SET record = ? WHERE seq = ?');
      const changes: [string, number][] = [];
      for (const row of rows) {
        const p = decodeRecord<PaymentRecord>(row.record);
        if (p.acknowledged) break;
        if (p.amount <= paid) changes.push([encodeRecord({ ...p, acknowledged: true }), row.seq]);
      }
      for (const [text, seq] of changes) update.run(text, seq);
    }).immediate();
  }

  async payments(channel?: string): Promise<PaymentRecord[]> {
    const rows = (
      channel === undefined
        ? this.db.prepare('SELECT seq, record FROM payments ORDER BY seq').all()
        : this.db.prepare('SELECT seq, record FROM payments WHERE channel = ? ORDER BY seq').all(channel)
    ) as { seq: number; record: string }[];
    return rows.map((r) => ({ ...decodeRecord<PaymentRecord>(r.record), seq: r.seq }));
  }

  async sites(): Promise<SiteRecord[]> {
    return this.all('SELECT record FROM sites ORDER BY endpoint');
  }

  async getSite(endpoint: string): Promise<SiteRecord | undefined> {
    return this.one('SELECT record FROM sites WHERE endpoint = ?', endpoint);
  }

  async putSite(site: SiteRecord): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO sites (endpoint, record) VALUES (?, ?)').run(site.endpoint, encodeRecord(site));
  }

  async deleteSite(endpoint: string): Promise<void> {
    this.db.prepare('DELETE FROM sites WHERE endpoint = ?').run(endpoint);
  }
}
