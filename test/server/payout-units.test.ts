/**
 * The payout target on its own (src/server/payout.ts): which address a settlement pays, and that
 * an xpub address taken for a settlement that was never recorded is handed out again, so a
 * watcher retrying an unaffordable settlement each pass leaves no run of unused addresses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HDKey } from '@scure/bip32';
import { bytesToHex } from '../../src/core/bytes.ts';
import { addressToOutputScript, p2wpkhAddress, p2wpkhOutputScript } from '../../src/core/script.ts';
import { loadConfig } from '../../src/server/config.ts';
import { ServerKeys } from '../../src/server/keys.ts';
import { payoutTarget } from '../../src/server/payout.ts';
import { SqliteChannelStore } from '../../src/server/store/sqlite-store.ts';
import { TEST_SEED, tempDbPath } from './helpers/server.ts';

const account = HDKey.fromMasterSeed(new Uint8Array(32).fill(7), { private: 0x04358394, public: 0x043587cf }).derive("m/84'/1'/0'");
const receive = (i: number) => bytesToHex(p2wpkhOutputScript(account.deriveChild(0).deriveChild(i).publicKey!));
const keys = new ServerKeys(TEST_SEED, 'regtest');

test('an address, an xpub, or else the server wallet', async () => {
  const tmp = tempDbPath();
  const store = new SqliteChannelStore(tmp.dbPath);
  try {
    const address = p2wpkhAddress(account.deriveChild(1).deriveChild(0).publicKey!, 'regtest');
    const fixed = payoutTarget(loadConfig({ env: {}, overrides: { payoutAddress: address } }), keys, store);
    assert.deepEqual((await fixed.take()).script, addressToOutputScript(address, 'regtest'));
    const own = payoutTarget(loadConfig({ env: {} }), keys, store);
    assert.deepEqual((await own.take()).script, keys.defaultPayoutScript());
    assert.throws(() => loadConfig({ env: {}, overrides: { payoutAddress: address, payoutXpub: account.publicExtendedKey } }), /payoutAddress and payoutXpub are both set/);
    assert.throws(() => loadConfig({ env: {}, overrides: { payoutAddress: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' } }), { message: 'payoutAddress must be a regtest address' });
  } finally {
    await store.close();
    tmp.cleanup();
  }
});

test('xpub addresses come in order; one given back is the next one handed out', async () => {
  const tmp = tempDbPath();
  const store = new SqliteChannelStore(tmp.dbPath);
  try {
    const target = payoutTarget(loadConfig({ env: {}, overrides: { payoutXpub: account.publicExtendedKey } }), keys, store);
    const a = await target.take();
    const b = await target.take();
    assert.deepEqual([bytesToHex(a.script), bytesToHex(b.script)], [receive(0), receive(1)]);
    a.release();
    assert.equal(bytesToHex((await target.take()).script), receive(0), 'the unused m/0/0 is paid next');
    assert.equal(bytesToHex((await target.take()).script), receive(2));
    assert.equal(await store.allocatePayoutIndex(), 3, 'the store holds the next index');
  } finally {
    await store.close();
    tmp.cleanup();
  }
});
