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
