import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PBKDF2_ITERATIONS, Vault } from '../../src/client/session/vault.ts';
import { WalletError } from '../../src/client/lib/errors.ts';
import { PASSWORD, TEST_MNEMONIC } from './helpers.ts';

test('vault: round trip with PBKDF2 600k + AES-GCM; salt and iv are fresh per encryption', async () => {
  const vault = new Vault();
  const a = await vault.encrypt({ mnemonic: TEST_MNEMONIC }, PASSWORD);
  assert.equal(a.iterations, PBKDF2_ITERATIONS);
  assert.ok(a.iterations >= 600_000);
  assert.equal(a.salt.length, 16);
  assert.equal(a.iv.length, 12);
  assert.ok(!new TextDecoder().decode(a.ciphertext).includes('abandon'), 'ciphertext does not contain the words');
  assert.deepEqual(await vault.decrypt(a, PASSWORD), { mnemonic: TEST_MNEMONIC });
  const b = await vault.encrypt({ mnemonic: TEST_MNEMONIC }, PASSWORD);
  assert.notDeepEqual(a.salt, b.salt);
  assert.notDeepEqual(a.iv, b.iv);
});

test('vault: a wrong password is WRONG_PASSWORD; a tampered record or weakened KDF is refused', async () => {
  const vault = new Vault();
  const rec = await vault.encrypt({ mnemonic: TEST_MNEMONIC }, PASSWORD);
  await assert.rejects(vault.decrypt(rec, 'not the password'), (e: unknown) => e instanceof WalletError && e.code === 'WRONG_PASSWORD');
  const flipped = { ...rec, ciphertext: Uint8Array.from(rec.ciphertext, (b, i) => (i === 0 ? b ^ 1 : b)) };
  await assert.rejects(vault.decrypt(flipped, PASSWORD), (e: unknown) => e instanceof WalletError && e.code === 'WRONG_PASSWORD');
  await assert.rejects(vault.decrypt({ ...rec, iterations: 1000 }, PASSWORD), (e: unknown) => e instanceof WalletError && e.code === 'INTERNAL');
  await assert.rejects(vault.encrypt({ mnemonic: TEST_MNEMONIC }, 'short'), (e: unknown) => e instanceof WalletError && e.code === 'INVALID_REQUEST');
});
