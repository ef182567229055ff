import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshDbName } from './helpers.ts';
import { openPaychanDb, SCHEMA_VERSION } from '../../src/extension/background/storage/db.ts';
import { Store } from '../../src/extension/background/storage/store.ts';

test('storage: a v1 database migrates to the current schema and keeps its data', async () => {
  const name = freshDbName();
  const v1 = await openPaychanDb(name, 1);
  assert.deepEqual([...v1.objectStoreNames].sort(), ['addresses', 'meta', 'sent']);
  await v1.put('meta', { hello: 1 }, 'vault');
  await v1.put('addresses', { network: 'regtest', chain: 0, index: 3, address: 'bcrt1qx', used: true });
  v1.close();

  const db = await openPaychanDb(name);
  assert.equal(db.version, SCHEMA_VERSION);
  assert.deepEqual([...db.objectStoreNames].sort(), ['addresses', 'channels', 'meta', 'payments', 'sent', 'sites']);
  const store = new Store(db);
  assert.deepEqual(await store.getMeta('vault'), { hello: 1 });
  assert.equal((await store.addresses('regtest'))[0]!.index, 3);
  db.close();
});

test('storage: bigints and bytes round-trip exactly; counters are monotonic', async () => {
  const store = new Store(await openPaychanDb(freshDbName()));
  const big = 2_099_999_997_690_000n;
  await store.putSite({ endpoint: 'https://x.example/paychan/v1', allowance: big, updatedAt: 1 });
  assert.equal((await store.getSite('https://x.example/paychan/v1'))!.allowance, big);
  const counts = await Promise.all([store.nextCounter('c'), store.nextCounter('c'), store.nextCounter('c')]);
  assert.deepEqual(counts.sort(), [0, 1, 2]);
  store.db.close();
});

test('storage: v3 turns the whole sat/vB fee rates of sends and refunds into sat/kvB', async () => {
  const name = freshDbName();
  const v2 = await openPaychanDb(name, 2);
  const bytes = Uint8Array.of(0, 20);
  await v2.put('sent', { txid: 'aa'.repeat(32), network: 'regtest', hex: '00', coins: [], outputs: [], changeScript: bytes, feeRate: 3n, fee: 423n, createdAt: 1, replacedBy: null } as never);
  await v2.put('channels', { id: 'regtest/1', network: 'regtest', refund: { txid: 'bb'.repeat(32), hex: '00', feeRate: 2n } } as never);
  await v2.put('channels', { id: 'regtest/2', network: 'regtest', refund: null } as never);
  v2.close();

  const db = await openPaychanDb(name);
  const sent = (await db.get('sent', 'aa'.repeat(32))) as unknown as Record<string, unknown>;
  assert.deepEqual([sent.feeRateKvb, 'feeRate' in sent, sent.fee], [3_000n, false, 423n]);
  assert.deepEqual((await db.get('channels', 'regtest/1'))!.refund, { txid: 'bb'.repeat(32), hex: '00', feeRateKvb: 2_000n });
  assert.equal((await db.get('channels', 'regtest/2'))!.refund, null);
  db.close();
});
