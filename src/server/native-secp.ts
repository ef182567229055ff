/**
 * The core `Secp` interface over libsecp256k1 as a native Node addon (the `secp256k1` package,
 * whose npm tarball carries a prebuilt linux-x64 binary, so nothing is compiled or downloaded at
 * install). It verifies about 4x faster than the same library compiled to WebAssembly
 * (tiny-secp256k1) and about 50x faster than noble here; signature checks are the server's hot path.
 */
import { createRequire } from 'node:module';
import type { Secp } from '../core/secp.ts';

interface Secp256k1Bindings {
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(signature: Uint8Array, msg32: Uint8Array, publicKey: Uint8Array): boolean;
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array;
}

// `secp256k1/bindings`, not the package root: the root silently falls back to a pure-JavaScript
// implementation 100x slower when the addon cannot load; a server should fail loudly instead.
const lib = createRequire(import.meta.url)('secp256k1/bindings') as Secp256k1Bindings;

export const nativeSecp: Secp = {
  sign(digest, privateKey) {
    // libsecp256k1 signs with RFC 6979 nonces and always returns low-S signatures, byte for byte
    // what noble produces (docs/protocol.md's vectors depend on that).
    return lib.ecdsaSign(digest, privateKey).signature;
  },
  verify(signature, digest, publicKey) {
    try {
      // secp256k1_ecdsa_verify accepts only low-S signatures (BIP146), as noble's lowS does.
      return lib.ecdsaVerify(signature, digest, publicKey);
    } catch {
      // The binding throws on a malformed public key or out-of-range r or s: both are just invalid.
      return false;
    }
  },
  publicKey(privateKey) {
    return lib.publicKeyCreate(privateKey, true);
  },
};
