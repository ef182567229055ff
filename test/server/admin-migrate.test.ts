/**
 * `paychan-admin migrate --to postgres://…` against the devnet: a SQLite site with paid and
 * spent channels moves to PostgreSQL with every channel, signature, event and total intact, and
 * a server on PostgreSQL then settles the migrated channels on chain for what they were paid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAdmin } from '../../src/server/admin/commands.ts';
import { PostgresChannelStore } from '../../src/server/store/postgres/postgres-store.ts';
import { SqliteChannelStore } from '../../src/server/store/sqlite-store.ts';
import { postgresSuite } from '../helpers/postgres.ts';
import { fundedChannel, mineTo, watchedSuite } from './watcher-fixture.ts';

const pg = postgresSuite();
const suite = watchedSuite();

async function admin(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAdmin(argv, { out: (t) => void (out += t), err: (t) => void (err += t), env: {} });
  return { code, out, err };
}

test('a SQLite site migrated to PostgreSQL keeps every channel and settles them from there', { timeout: 120_000 }, async () => {
  const { devnet, wallet } = suite;
  const site = await suite.server();
  const alice = await fundedChannel(site, wallet, { capacity: 50_000n, first: 2_500n });
  const bob = await fundedChannel(site, wallet, { capacity: 40_000n, first: 1_500n });
  await alice.pay(4_000n);
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${site.url}/item/${i}`, { headers: { authorization: bob.credential() } })).status, 200);
  await devnet.mine(1);
  await site.watcher.tick();
  await site.stop();

  const source = new SqliteChannelStore(site.dbPath);
  const before = { channels: await source.listChannels(), events: await source.listEvents(), settlements: await source.listSettlements() };
  // Who proposed each open counts against that address's bound on PostgreSQL too.
  const proposals = source.db.prepare('SELECT open_id, client, channel_id FROM pending_opens ORDER BY open_id').all() as { client: string | null }[];
  assert.equal(proposals.length, 2);
  assert.ok(proposals.every((p) => p.client), 'the site recorded who proposed each open');
  const nextKey = (source.db.prepare("SELECT value FROM counters WHERE name = 'server_key_index'").get() as { value: number }).value;
  await source.close();

  const url = await pg.newDatabase();
  const result = await admin(['--db', site.dbPath, 'migrate', '--to', url]);
  assert.deepEqual([result.code, result.err], [0, '']);
  assert.equal(result.out, 'migrated 2 channels, 6 events and 0 settlements (paid 5500 sat, spent 30 sat)\n');

  const target = await PostgresChannelStore.open(url);
  assert.deepEqual(await target.listChannels(), before.channels, 'every channel, with its latest signature and totals');
  assert.deepEqual(await target.listEvents(), before.events);
  assert.deepEqual(await target.listSettlements(), before.settlements);
  assert.deepEqual((await target.pool.query('SELECT open_id, client, channel_id FROM pending_opens ORDER BY open_id')).rows, proposals);
  assert.equal(await target.allocateKeyIndex(), nextKey, 'the key counter came along: no server key index is reused');
  await target.close();

  // A second run finds the database in use and changes nothing.
  const again = await admin(['--db', site.dbPath, 'migrate', '--to', url]);
  assert.equal(again.code, 1);
  assert.match(again.err, /already holds channels/);
  assert.match((await admin(['--db', site.dbPath, 'migrate'])).err, /--to postgres/);

  // The admin reads the PostgreSQL site like the SQLite one.
  const totals = await admin(['--db', url, 'totals']);
  assert.equal(totals.code, 0, totals.err);

  // A server on PostgreSQL settles the migrated channels on chain.
  const moved = await suite.server({ dbPath: url });
  await mineTo(devnet, alice.mustChannel().request.expiry - 5);
  let report = await moved.watcher.tick();
  assert.deepEqual(report.errors, []);
  assert.equal(report.settlements.length, 1);
  const [s] = report.settlements;
  assert.deepEqual([...s!.channels].sort(), [alice.channelId, bob.channelId].sort());
  assert.equal(s!.outcome, 'broadcast');
  await devnet.mine(1);
  report = await moved.watcher.tick();
  assert.deepEqual(report.confirmed, [s!.txid]);
  const settled = (await moved.paychan.store.getSettlement(s!.txid))!;
  assert.deepEqual(
    new Map(settled.channels.map((c) => [c.channelId, c.amount])),
    new Map([[alice.channelId, 4_000n], [bob.channelId, 1_500n]]),
    'each settled for what it was paid before the move',
  );
  assert.equal((await devnet.esplora.getTxStatus(s!.txid)).confirmed, true);
  for (const c of [alice, bob]) assert.equal((await moved.paychan.store.getChannel(c.channelId))!.closeReason, 'settled');
});
