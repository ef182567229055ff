/**
 * The store contract on PostgreSQL (a fresh database per test on the throwaway cluster of
 * test/helpers/postgres.ts), then what only PostgreSQL has: migrations raced by many instances,
 * commits that wait for the WAL flush, and the watcher's lease.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { ChannelStore } from '../../../src/server/store/channel-store.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { isPostgresUrl, openChannelStore } from '../../../src/server/store/open-store.ts';
import { PG_MIGRATIONS } from '../../../src/server/store/postgres/migrations.ts';
import { PostgresChannelStore } from '../../../src/server/store/postgres/postgres-store.ts';
import { postgresSuite } from '../../helpers/postgres.ts';
import { ServerKeys } from '../../../src/server/keys.ts';
import { TEST_SEED } from '../helpers/server.ts';
import { syntheticChannel } from '../helpers/synthetic-channel.ts';
import { storeContract } from './contract.ts';

const server = postgresSuite();

/** Every row of every table, each table sorted by its rows' text. */
async function pgSnapshot(url: string): Promise<Record<string, unknown[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    const out: Record<string, unknown[]> = {};
    for (const { name } of tables.rows) out[name] = (await client.query(`SELECT * FROM "${name}" t ORDER BY t::text`)).rows;
    return out;
  } finally {
    await client.end();
  }
}

async function pgQuery<R>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as R[];
  } finally {
    await client.end();
  }
}

type Query = (...args: unknown[]) => Promise<pg.QueryResult>;

/** Every query a pooled connection of `store` sends goes through `intercept`, which gets the real one. */
function interceptQueries(store: PostgresChannelStore, intercept: (query: Query, args: unknown[]) => unknown): void {
  const patched = new WeakSet<pg.PoolClient>();
  (store.pool as unknown as pg.Pool).on('acquire', (client) => {
    if (patched.has(client)) return;
    patched.add(client);
    const query = client.query.bind(client) as Query;
    client.query = ((...args: unknown[]) => intercept(query, args)) as typeof client.query;
  });
}

storeContract({
  name: 'PostgreSQL',
  migrations: PG_MIGRATIONS.length,
  async create(opts = {}) {
    const url = await server.newDatabase();
    const opened: ChannelStore[] = [];
    const open = async () => {
      const s = await PostgresChannelStore.open(url, opts);
      opened.push(s);
      return s;
    };
    return {
      store: await open(),
      open,
      snapshot: () => pgSnapshot(url),
      schemaVersion: async () => (await pgQuery<{ version: number }>(url, 'SELECT version FROM paychan_schema'))[0]!.version,
      async cleanup() {
        for (const s of opened) await s.close();
      },
    };
  },
});

test('ten instances starting together on an empty database migrate it exactly once', async () => {
  const url = await server.newDatabase();
  const stores = await Promise.all(Array.from({ length: 10 }, () => PostgresChannelStore.open(url, { maxConnections: 2 })));
  assert.deepEqual(await pgQuery(url, 'SELECT version FROM paychan_schema'), [{ version: PG_MIGRATIONS.length }]);
  assert.deepEqual(await pgQuery(url, "SELECT name, value FROM counters"), [{ name: 'server_key_index', value: '0' }], 'the seed row once');
  for (const s of stores) await s.close();
});

test('a database newer than the server is refused', async () => {
  const url = await server.newDatabase();
  await (await PostgresChannelStore.open(url)).close();
  await pgQuery(url, `UPDATE paychan_schema SET version = ${PG_MIGRATIONS.length + 1}`);
  await assert.rejects(PostgresChannelStore.open(url), /newer than this server/);
});

test('a postgres:// location opens PostgreSQL; payments commit with synchronous_commit on, debits alone without', async () => {
  const url = await server.newDatabase();
  const store = await openChannelStore(url, { durability: 'full' });
  assert.ok(store instanceof PostgresChannelStore);
  // Each transaction reports, just before its COMMIT, the synchronous_commit it commits under.
  const seen: string[] = [];
  interceptQueries(store as PostgresChannelStore, (query, args) => {
    // pg's own pool.query passes a callback: leave those calls alone.
    if (args[0] !== 'COMMIT') return query(...args);
    return query('SHOW synchronous_commit').then((r) => {
      seen.push(r.rows[0].synchronous_commit);
      return query(...args);
    });
  });
  const ch = await syntheticChannel(store, new ServerKeys(TEST_SEED, 'regtest'), { capacity: 100_000n, expiry: 2000, firstPayment: 1_000n });
  seen.length = 0;
  const pay = ch.sign(2_000n);
  await store.updateChannel(ch.id, (c) => ({ channel: { ...c, paid: pay.amount, signature: pay.signature }, result: null }));
  await store.updateChannel(ch.id, (c) => ({ channel: { ...c, spent: c.spent + 10n }, result: null }), { durable: false });
  assert.deepEqual(seen, ['on', 'off']);
  await store.close();
  const relaxed = (await openChannelStore(url, { durability: 'normal' })) as PostgresChannelStore;
  await relaxed.updateChannel(ch.id, (c) => ({ channel: { ...c, spent: c.spent + 10n }, result: null }));
  assert.equal((await relaxed.getChannel(ch.id))!.spent, 20n);
  await relaxed.close();
});

test('a payment or a debit with its event is four round trips: BEGIN, the locked read, the write with its event, COMMIT', async () => {
  const url = await server.newDatabase();
  const store = await PostgresChannelStore.open(url);
  const sent: string[] = [];
  interceptQueries(store, (query, args) => {
    if (typeof args[0] === 'string') sent.push(args[0].trim().split(/\s+/)[0]!);
    return query(...args);
  });
  const ch = await syntheticChannel(store, new ServerKeys(TEST_SEED, 'regtest'), { capacity: 100_000n, expiry: 2000, firstPayment: 1_000n });
  const pay = ch.sign(2_000n);
  sent.length = 0;
  await store.updateChannel(ch.id, (c) => ({ channel: { ...c, paid: pay.amount, signature: pay.signature }, events: [{ kind: 'payment', amount: 1_000n }], result: null }));
  assert.deepEqual(sent, ['BEGIN', 'SELECT', 'WITH', 'COMMIT']);
  sent.length = 0;
  await store.updateChannel(ch.id, (c) => ({ channel: { ...c, spent: c.spent + 10n }, events: [{ kind: 'debit', amount: 10n, ref: '/a' }], result: null }), { durable: false });
  assert.deepEqual(sent, ['BEGIN;', 'SELECT', 'WITH', 'COMMIT']);
  assert.deepEqual(
    (await store.listEvents(ch.id)).map((e) => [e.kind, e.amount, e.paid, e.spent, e.ref]),
    [['funded', 1_000n, 1_000n, 0n, ch.params.funding.txid], ['payment', 1_000n, 2_000n, 0n, null], ['debit', 10n, 2_000n, 10n, '/a']],
  );
  assert.deepEqual([(await store.getChannel(ch.id))!.paid, (await store.getChannel(ch.id))!.spent], [2_000n, 10n]);
  await store.close();
});

test('the watcher lease is held by one instance at a time and passes on when its holder goes', async () => {
  const url = await server.newDatabase();
  const [a, b] = await Promise.all([PostgresChannelStore.open(url), PostgresChannelStore.open(url)]);
  const la = a.watcherLease();
  const lb = b.watcherLease();
  assert.equal(await la.hold(), true);
  assert.equal(await lb.hold(), false);
  assert.equal(await la.hold(), true, 'still held');
  await la.release();
  assert.equal(await lb.hold(), true);
  assert.equal(await la.hold(), false);
  // The holder's session killed from outside (a dead instance): the lock goes with it.
  await pgQuery(url, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`);
  assert.equal(await la.hold(), true);
  assert.equal(await lb.hold(), false, 'the cut-off instance no longer believes it holds it');
  await la.release();
  await a.close();
  await b.close();
});

test('the database setting takes a URL from PAYCHAN_DATABASE_URL, over PAYCHAN_DB', () => {
  assert.equal(loadConfig({ env: { PAYCHAN_DB: 'site.db' } }).dbPath, 'site.db');
  assert.equal(loadConfig({ env: { PAYCHAN_DB: 'site.db', PAYCHAN_DATABASE_URL: 'postgres://shop@db/paychan' } }).dbPath, 'postgres://shop@db/paychan');
  assert.equal(isPostgresUrl('postgresql://db/x'), true);
  assert.equal(isPostgresUrl('data/postgres.db'), false);
});
