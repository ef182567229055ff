/**
 * The payout target on its own (src/server/payout.ts): which address a settlement pays, and that
 * an xpub address taken for a settlement that was never recorded is handed out again, so a
 * watcher retrying an unaffordable settlement each pass leaves no run of unused addresses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '@noble/hashes/sha2';
import { base58check } from '@scure/base';
import { HDKey } from '@scure/bip32';
import { bytesToHex } from '../../src/core/bytes.ts';
import { addressToOutputScript, p2wpkhAddress, p2wpkhOutputScript } from '../../src/core/script.ts';
import { loadConfig } from '../../src/server/config.ts';
import { ServerKeys } from '../../src/server/keys.ts';
import { parsePayout } from '../../src/server/init.ts';
import { payoutTarget } from '../../src/server/payout.ts';
import { payoutXpubFor, xpubPayoutScript } from '../../src/server/payout-xpub.ts';
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

/** The same key under another version prefix (a wallet's vpub/zpub export of an account). */
function withVersion(extended: string, version: number): string {
  const b58 = base58check(sha256);
  const bytes = b58.decode(extended);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(0, version);
  return b58.encode(bytes);
}

test('prefixes: tpub and vpub on test networks, xpub and zpub on mainnet, the same P2WPKH addresses; private keys never', () => {
  const tpub = account.publicExtendedKey;
  const vpub = withVersion(tpub, 0x045f1cf6);
  assert.ok(vpub.startsWith('vpub'));
  assert.deepEqual(bytesToHex(xpubPayoutScript(payoutXpubFor(vpub, 'signet'), 5)), receive(5), 'a vpub pays what its tpub pays');
  const xpub = withVersion(tpub, 0x0488b21e);
  const zpub = withVersion(tpub, 0x04b24746);
  assert.deepEqual(bytesToHex(xpubPayoutScript(payoutXpubFor(zpub, 'mainnet'), 0)), bytesToHex(xpubPayoutScript(payoutXpubFor(xpub, 'mainnet'), 0)));
  assert.throws(() => payoutXpubFor(tpub, 'mainnet'), { message: 'payoutXpub is a test network key (tpub): mainnet takes xpub or zpub' });
  assert.throws(() => payoutXpubFor(zpub, 'testnet4'), { message: 'payoutXpub is a mainnet key (zpub): testnet4 takes tpub or vpub' });
  assert.throws(() => payoutXpubFor(account.privateExtendedKey, 'regtest'), /payoutXpub is a private key/);
  assert.throws(() => payoutXpubFor(withVersion(tpub, 0x044a5262), 'regtest'), /P2SH-wrapped key \(ypub\/upub\)/);
  assert.throws(() => payoutXpubFor(tpub.slice(0, -1) + (tpub.endsWith('a') ? 'b' : 'a'), 'regtest'), /must be an extended public key/);

  // init's --payout takes an address or an extended key, by what it is.
  assert.deepEqual(parsePayout(vpub, 'signet'), { payoutAddress: null, payoutXpub: vpub });
  assert.deepEqual(parsePayout('', 'signet'), { payoutAddress: null, payoutXpub: null });
  const address = p2wpkhAddress(account.deriveChild(0).deriveChild(0).publicKey!, 'signet');
  assert.deepEqual(parsePayout(address, 'signet'), { payoutAddress: address, payoutXpub: null });
  assert.throws(() => parsePayout(xpub, 'signet'), { name: 'InitError', message: 'payout is a mainnet key (xpub): signet takes tpub or vpub' });
});
