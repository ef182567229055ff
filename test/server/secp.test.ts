/**
 * The server's verifier (libsecp256k1 as a native addon) must agree with noble, which the
 * extension signs with, and with tiny-secp256k1 (libsecp256k1 in WebAssembly) on every input the
 * protocol can meet, including the ones an attacker would send.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { nobleSecp, type Secp } from '../../src/core/secp.ts';
import { nativeSecp as maybeNative, serverSecp } from '../../src/server/native-secp.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';

const N = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
const toBytes32 = (n: bigint) => Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
const toBig = (b: Uint8Array) => BigInt('0x' + Buffer.from(b).toString('hex'));
// The tarball carries a linux-x64 binary: on this platform the addon must load, and be the default.
const nativeSecp = maybeNative!;

test('the server verifies with the native addon here', () => {
  assert.ok(maybeNative, 'secp256k1/bindings failed to load');
  assert.equal(serverSecp.secp, maybeNative);
  assert.equal(serverSecp.name, 'libsecp256k1 (native)');
});

const implementations: [string, Secp][] = [['native', nativeSecp], ['wasm', tinySecp], ['noble', nobleSecp]];

function sample() {
  const key = Uint8Array.from(randomBytes(32));
  const digest = Uint8Array.from(randomBytes(32));
  return { key, digest, pubkey: nobleSecp.publicKey(key), signature: nobleSecp.sign(digest, key) };
}

test('native signatures and public keys are byte for byte noble\'s (RFC 6979, low-S)', () => {
  for (let i = 0; i < 50; i++) {
    const { key, digest, pubkey, signature } = sample();
    assert.deepEqual(Buffer.from(nativeSecp.publicKey(key)), Buffer.from(pubkey));
    assert.deepEqual(Buffer.from(nativeSecp.sign(digest, key)), Buffer.from(signature));
  }
});

test('every implementation accepts a valid signature and refuses the same malformed ones', () => {
  for (let i = 0; i < 20; i++) {
    const { digest, pubkey, signature } = sample();
    const s = toBig(signature.subarray(32));
    const highS = Uint8Array.from([...signature.subarray(0, 32), ...toBytes32(N - s)]);
    const otherDigest = Uint8Array.from(digest);
    otherDigest[0]! ^= 1;
    const cases: [string, Uint8Array, Uint8Array, Uint8Array, boolean][] = [
      ['valid', signature, digest, pubkey, true],
      ['high-S twin of a valid signature', highS, digest, pubkey, false],
      ['another digest', signature, otherDigest, pubkey, false],
      ['another key', signature, digest, sample().pubkey, false],
      ['r = 0', Uint8Array.from([...new Uint8Array(32), ...signature.subarray(32)]), digest, pubkey, false],
      ['s = n (out of range)', Uint8Array.from([...signature.subarray(0, 32), ...toBytes32(N)]), digest, pubkey, false],
      ['key not on the curve', signature, digest, Uint8Array.from([0x02, ...new Uint8Array(32).fill(0xff)]), false],
      ['key with a bad prefix', signature, digest, Uint8Array.from([0x05, ...pubkey.subarray(1)]), false],
      ['truncated key', signature, digest, pubkey.subarray(0, 32), false],
    ];
    for (const [what, sig, msg, key, expected] of cases) {
      for (const [name, secp] of implementations) assert.equal(secp.verify(sig, msg, key), expected, `${name}: ${what}`);
    }
  }
});
