/**
 * What must reach the disk before content is released: a payment (a new signature) is fsynced
 * (SQLite synchronous=FULL for its commit); a debit of prepaid credit alone is committed, so a
 * crash of the process loses nothing, without waiting for the fsync (synchronous=NORMAL).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { parseCredential } from '../../src/core/http-binding.ts';
import { fixedTip } from '../../src/server/chain.ts';
import { charge } from '../../src/server/channel-service.ts';
import { createServerContext } from '../../src/server/context.ts';
import { loadConfig } from '../../src/server/config.ts';
import { ServerKeys } from '../../src/server/keys.ts';
import { silentLogger } from '../../src/server/logger.ts';
import { SqliteChannelStore } from '../../src/server/store/sqlite-store.ts';
import { TEST_SEED, tempDbPath } from './helpers/server.ts';
import { stubChain, syntheticChannel } from './helpers/synthetic-channel.ts';

test('a charge with a payment riding along commits with an fsync; a debit alone commits without one', async () => {
  const tmp = tempDbPath();
  const store = new SqliteChannelStore(tmp.dbPath, { durability: 'full' });
  const config = loadConfig({ env: {}, overrides: { dbPath: tmp.dbPath } });
  const ctx = createServerContext({ config, store, chain: stubChain(1_000), tip: fixedTip(1_000), seed: TEST_SEED, logger: silentLogger });
  const ch = await syntheticChannel(store, new ServerKeys(TEST_SEED, 'regtest'), { capacity: 100_000n, expiry: 10_000, firstPayment: 1_000n });
  const sync = () => store.db.pragma('synchronous', { simple: true });
  const other = new Database(tmp.dbPath, { readonly: true });
  const spentOnDisk = () => (other.prepare('SELECT spent FROM channels WHERE id = ?').get(ch.id) as { spent: number }).spent;

  await charge(ctx, parseCredential(ch.credential())!, 10n, '/a');
  assert.equal(sync(), 1, 'NORMAL: a debit alone');
  assert.equal(spentOnDisk(), 10, 'committed before the charge resolved');

  await charge(ctx, parseCredential(ch.credential(ch.sign(2_000n)))!, 10n, '/b');
  assert.equal(sync(), 2, 'FULL: a payment rode along');
  assert.equal(spentOnDisk(), 20);

  await charge(ctx, parseCredential(ch.credential())!, 10n, '/c');
  assert.equal(sync(), 1);
  // Every other update (payments, settlements, state changes) stays durable by default.
  await store.updateChannel(ch.id, (c) => ({ channel: c, result: null }));
  assert.equal(sync(), 2);
  other.close();
  await store.close();
  tmp.cleanup();
});

test("durability 'normal' never fsyncs a commit", async () => {
  const tmp = tempDbPath();
  const store = new SqliteChannelStore(tmp.dbPath, { durability: 'normal' });
  const ch = await syntheticChannel(store, new ServerKeys(TEST_SEED, 'regtest'), { capacity: 100_000n, expiry: 10_000, firstPayment: 1_000n });
  await store.updateChannel(ch.id, (c) => ({ channel: c, result: null }));
  assert.equal(store.db.pragma('synchronous', { simple: true }), 1);
  await store.close();
  tmp.cleanup();
});
