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
import { p2wpkhOutputScript } from '../../src/core/script.ts';
import { charge, openChannel } from '../../src/server/channel-service.ts';
import { createServerContext } from '../../src/server/context.ts';
import { loadConfig } from '../../src/server/config.ts';
import { ServerKeys } from '../../src/server/keys.ts';
import { silentLogger } from '../../src/server/logger.ts';
import { SqliteChannelStore } from '../../src/server/store/sqlite-store.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';
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

test('a proposal and a funded channel commit with an fsync even after a debit alone', async () => {
  const tmp = tempDbPath();
  const store = new SqliteChannelStore(tmp.dbPath, { durability: 'full' });
  const config = loadConfig({ env: {}, overrides: { dbPath: tmp.dbPath } });
  const ctx = createServerContext({ config, store, chain: stubChain(1_000), tip: fixedTip(1_000), seed: TEST_SEED, logger: silentLogger });
  const ch = await syntheticChannel(store, new ServerKeys(TEST_SEED, 'regtest'), { capacity: 100_000n, expiry: 10_000, firstPayment: 1_000n });
  await charge(ctx, parseCredential(ch.credential())!, 10n, '/a');
  assert.equal(store.db.pragma('synchronous', { simple: true }), 1, 'NORMAL after a debit alone');
  const client = tinySecp.publicKey(Uint8Array.from(Buffer.alloc(32, 3)));
  const request = { version: 1, network: 'regtest' as const, clientPubkey: client, capacity: 50_000n, expiry: 1_500, changeScript: p2wpkhOutputScript(client), tokenHash: new Uint8Array(32) };
  await openChannel(ctx, request, '192.0.2.1');
  assert.equal(store.db.pragma('synchronous', { simple: true }), 2, 'FULL: the proposal and its key index');
  // Likewise a funded channel, stored before its funding is broadcast.
  await charge(ctx, parseCredential(ch.credential())!, 10n, '/b');
  assert.equal(store.db.pragma('synchronous', { simple: true }), 1);
  await syntheticChannel(store, new ServerKeys(TEST_SEED, 'regtest'), { capacity: 100_000n, expiry: 10_000, firstPayment: 1_000n });
  assert.equal(store.db.pragma('synchronous', { simple: true }), 2, 'FULL: a funded channel');
  await store.close();
  tmp.cleanup();
});
