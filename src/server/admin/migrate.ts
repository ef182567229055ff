/**
 * `paychan-admin migrate --to postgres://…`: moves a SQLite site to PostgreSQL. Every row of
 * every table is copied as it is (channels with their latest signatures, the audit trail, the
 * settlements, the opens and the counters, so no server key or payout index is ever handed out twice),
 * in one PostgreSQL transaction, into a database that holds no channels yet; then the totals are
 * read back from both and compared. Stop the servers on the SQLite file first: a payment taken
 * during the copy would be left behind.
 */
import type Database from 'better-sqlite3';
import { migratePostgres } from '../store/postgres/migrations.ts';
import { connectPool, redactUrl } from '../store/postgres/pool.ts';
import { inTransaction } from '../store/postgres/transaction.ts';
import { SqliteChannelStore } from '../store/sqlite-store.ts';
import { AdminError } from './settle.ts';

/** Tables in the order they are copied, each with its columns and the order rows are read in. */
const TABLES: { name: string; columns: string[]; order: string }[] = [
  { name: 'pending_opens', order: 'rowid', columns: ['open_id', 'version', 'network', 'client_pubkey', 'capacity', 'expiry', 'change_script', 'token_hash', 'server_key_index', 'server_pubkey', 'created_at', 'channel_id', 'client'] },
  {
    name: 'channels',
    order: 'rowid',
    columns: [
      'id', 'network', 'funding_txid', 'funding_vout', 'funding_tx', 'server_pubkey', 'client_pubkey', 'expiry', 'capacity', 'change_script',
      'server_key_index', 'token_hash', 'state', 'paid', 'signature', 'spent', 'funding_confirmed', 'settlement_txid', 'close_reason',
      'created_at', 'updated_at',
    ],
  },
  { name: 'channel_events', order: 'id', columns: ['id', 'channel_id', 'at', 'kind', 'amount', 'paid', 'spent', 'ref'] },
  // Read in the SQLite store's listing order, so PostgreSQL's seq keeps it.
  { name: 'settlements', order: 'created_at, rowid', columns: ['txid', 'hex', 'fee', 'payout', 'fee_rate_kvb', 'status', 'detail', 'created_at', 'updated_at', 'bump_height', 'replaces'] },
];

export interface MigrationReport {
  channels: number;
  events: number;
  settlements: number;
  /** Sum of every channel's paid and spent, equal on both sides. */
  paid: bigint;
  spent: bigint;
}

const TOTALS = 'SELECT COUNT(*) AS n, COALESCE(SUM(paid), 0) AS paid, COALESCE(SUM(spent), 0) AS spent FROM channels';

function sqliteTotals(db: Database.Database): MigrationReport {
  db.defaultSafeIntegers(true);
  try {
    const t = db.prepare(TOTALS).get() as { n: bigint; paid: bigint; spent: bigint };
    const count = (table: string) => Number((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: bigint }).n);
    return { channels: Number(t.n), events: count('channel_events'), settlements: count('settlements'), paid: t.paid, spent: t.spent };
  } finally {
    db.defaultSafeIntegers(false);
  }
}

export async function migrateToPostgres(sqlitePath: string, url: string): Promise<MigrationReport> {
  // Opening the SQLite store first brings its schema to the newest, the one PostgreSQL's mirrors.
  const source = new SqliteChannelStore(sqlitePath);
  const pool = await connectPool(url, { max: 2 });
  try {
    await migratePostgres(pool);
    const db = source.db;
    const expected = sqliteTotals(db);
    await inTransaction(pool, async (c) => {
      const { rows } = await c.query<{ n: string }>('SELECT (SELECT COUNT(*) FROM channels) + (SELECT COUNT(*) FROM pending_opens) + (SELECT COUNT(*) FROM settlements) AS n');
      if (Number(rows[0]!.n) > 0) throw new AdminError(`${redactUrl(url)} already holds channels, opens or settlements: migrate into an empty database`);
      // Amounts and times as exact integers: a satoshi count is never a float on the way.
      db.defaultSafeIntegers(true);
      try {
        for (const t of TABLES) {
          const insert = `INSERT INTO ${t.name} (${t.columns.join(', ')}) VALUES (${t.columns.map((_, i) => `$${i + 1}`).join(', ')})`;
          for (const row of db.prepare(`SELECT ${t.columns.join(', ')} FROM ${t.name} ORDER BY ${t.order}`).iterate() as Iterable<Record<string, unknown>>) {
            await c.query(insert, t.columns.map((k) => row[k]));
          }
        }
        // Each settlement's channels keep their input order, as `position`.
        const positions = new Map<string, number>();
        for (const l of db.prepare('SELECT txid, channel_id, amount FROM settlement_channels ORDER BY rowid').iterate() as Iterable<{ txid: string; channel_id: string; amount: bigint }>) {
          const position = positions.get(l.txid) ?? 0;
          positions.set(l.txid, position + 1);
          await c.query('INSERT INTO settlement_channels (txid, channel_id, amount, position) VALUES ($1, $2, $3, $4)', [l.txid, l.channel_id, l.amount, position]);
        }
        // Every counter (server keys, payout addresses): no index is ever handed out twice.
        for (const counter of db.prepare('SELECT name, value FROM counters').all() as { name: string; value: bigint }[]) {
          await c.query('INSERT INTO counters (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [counter.name, counter.value]);
        }
      } finally {
        db.defaultSafeIntegers(false);
      }
      // Events keep their ids; new ones must come after them.
      await c.query("SELECT setval(pg_get_serial_sequence('channel_events', 'id'), GREATEST((SELECT MAX(id) FROM channel_events), 1))");
      const copied = (await c.query<{ n: string; paid: string; spent: string }>(TOTALS)).rows[0]!;
      const count = async (table: string) => Number((await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n);
      const got: MigrationReport = {
        channels: Number(copied.n),
        events: await count('channel_events'),
        settlements: await count('settlements'),
        paid: BigInt(copied.paid),
        spent: BigInt(copied.spent),
      };
      for (const k of Object.keys(expected) as (keyof MigrationReport)[]) {
        if (got[k] !== expected[k]) throw new AdminError(`copied ${k} ${got[k]} differs from the source's ${expected[k]}: nothing was migrated`);
      }
    });
    return expected;
  } finally {
    await pool.end();
    await source.close();
  }
}
