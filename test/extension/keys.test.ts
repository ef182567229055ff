import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mnemonicToSeedSync } from '@scure/bip39';
import { KeyRing } from '../../src/client/wallet/keys.ts';
import { bytesToHex } from '../../src/core/bytes.ts';
import { TEST_MNEMONIC } from './helpers.ts';

const ring = new KeyRing(mnemonicToSeedSync(TEST_MNEMONIC));

test('keys: BIP84 test vectors (m/84h/0h/0h/0/0, /0/1, /1/0)', () => {
  assert.equal(ring.walletKey('mainnet', 0, 0).address, 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
  assert.equal(ring.walletKey('mainnet', 0, 1).address, 'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g');
  assert.equal(ring.walletKey('mainnet', 1, 0).address, 'bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el');
  assert.ok(ring.walletKey('regtest', 0, 0).address.startsWith('bcrt1q'));
  assert.ok(ring.walletKey('testnet4', 0, 0).address.startsWith('tb1q'));
});

test('keys: channel keys are a separate hardened branch, distinct per index; tokens are 32 bytes and stable', () => {
  const k0 = ring.channelKey('regtest', 0);
  const k1 = ring.channelKey('regtest', 1);
  assert.notEqual(bytesToHex(k0.publicKey), bytesToHex(k1.publicKey));
  assert.notEqual(bytesToHex(k0.publicKey), bytesToHex(ring.walletKey('regtest', 0, 0).publicKey));
  assert.notEqual(bytesToHex(ring.channelKey('mainnet', 0).publicKey), bytesToHex(k0.publicKey));
  const t = ring.accessToken('regtest', 0);
  assert.equal(t.length, 32);
  assert.deepEqual(new KeyRing(mnemonicToSeedSync(TEST_MNEMONIC)).accessToken('regtest', 0), t, 'reproducible from the seed');
  assert.notDeepEqual(ring.accessToken('regtest', 1), t);
});
