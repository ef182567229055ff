/**
 * The core `Secp` interface over libsecp256k1 as a native Node addon (the `secp256k1` package,
 * whose npm tarball carries a prebuilt linux-x64 binary, so nothing is compiled or downloaded at
 * install). It verifies about 4x faster than the same library compiled to WebAssembly
 * (tiny-secp256k1) and about 50x faster than noble here; signature checks are the server's hot path.
 * Where the addon has no binary for the platform, the server falls back to the WebAssembly build.
 */
import { createRequire } from 'node:module';
import type { Secp } from '../core/secp.ts';
import { tinySecp } from './tiny-secp.ts';

interface Secp256k1Bindings {
  ecdsaSign(msg32: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(signature: Uint8Array, msg32: Uint8Array, publicKey: Uint8Array): boolean;
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array;
}

// `secp256k1/bindings`, not the package root: the root silently falls back to a pure-JavaScript
// implementation 100x slower when the addon cannot load. We fall back to WebAssembly instead,
// and say so (see serverSecp).
function loadBindings(): Secp256k1Bindings | null {
  try {
    return createRequire(import.meta.url)('secp256k1/bindings') as Secp256k1Bindings;
  } catch {
    // No prebuilt binary for this platform (the tarball carries linux-x64, darwin-arm64, win32-x64).
    return null;
  }
}

function secpOver(lib: Secp256k1Bindings): Secp {
  return {
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
}

const bindings = loadBindings();

/** libsecp256k1 as a native addon; null where the addon cannot load on this platform. */
export const nativeSecp: Secp | null = bindings ? secpOver(bindings) : null;

/** The server's default verifier: the native addon, else the same library in WebAssembly. */
export const serverSecp: { secp: Secp; name: 'libsecp256k1 (native)' | 'libsecp256k1 (WebAssembly)' } = nativeSecp
  ? { secp: nativeSecp, name: 'libsecp256k1 (native)' }
  : { secp: tinySecp, name: 'libsecp256k1 (WebAssembly)' };
