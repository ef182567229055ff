import * as secp from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { script as bscript } from 'bitcoinjs-lib';
import { hexToBytes } from './bytes.ts';
import { ProtocolError } from './errors.ts';

// noble's synchronous API needs its hashes wired in once; RFC 6979 nonces make signatures
// deterministic, which is what lets docs/protocol.md carry signature test vectors.
secp.hashes.sha256 = sha256 as typeof secp.hashes.sha256;
secp.hashes.hmacSha256 = ((key: Uint8Array, msg: Uint8Array) => hmac(sha256, key, msg)) as typeof secp.hashes.hmacSha256;

/**
 * The elliptic-curve operations the protocol needs. Injected, so the server can use the
 * fastest verifier it can load (libsecp256k1 as a native addon) while the extension uses noble.
 */
export interface Secp {
  /** Signs a 32-byte digest; returns the 64-byte compact (r||s) signature in low-S form. */
  sign(digest: Uint8Array, privateKey: Uint8Array): Uint8Array;
  /** Verifies a compact signature over a 32-byte digest; rejects high-S. */
  verify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean;
  /** The compressed public key of a private key. */
  publicKey(privateKey: Uint8Array): Uint8Array;
}

export const nobleSecp: Secp = {
  sign: (digest, privateKey) => secp.sign(digest, privateKey, { prehash: false, lowS: true }),
  verify: (signature, digest, publicKey) => {
    try {
      return secp.verify(signature, digest, publicKey, { prehash: false, lowS: true });
    } catch {
      return false;
    }
  },
  publicKey: (privateKey) => secp.getPublicKey(privateKey, true),
};

/** Whether 33 bytes are a compressed key of a point on secp256k1 (an off-curve key can never sign). */
export function isPublicKeyOnCurve(key: Uint8Array): boolean {
  return key.length === 33 && secp.utils.isValidPublicKey(key, true);
}

export const SIGHASH_ALL = 0x01;
export const SIGHASH_NONE = 0x02;
export const SIGHASH_SINGLE = 0x03;
export const SIGHASH_ANYONECANPAY = 0x80;

/** n/2 for secp256k1, big-endian: S above it is the high (malleated) form. */
const HALF_ORDER = hexToBytes('7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0');

/** s > n/2, compared as 32 big-endian bytes: no hex string or BigInt per signature on the server's hot path. */
function isHighS(compact: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) {
    const d = compact[32 + i]! - HALF_ORDER[i]!;
    if (d !== 0) return d > 0;
  }
  return false;
}

/** A transaction signature as it sits in a witness: strict DER followed by the sighash byte. */
export function encodeTxSignature(compact: Uint8Array, hashType: number): Uint8Array {
  return bscript.signature.encode(compact, hashType);
}

/**
 * Decodes a witness signature from a peer, enforcing what Bitcoin's standardness rules enforce:
 * strict DER (BIP66), a defined sighash type, and low S (BIP146), so no peer can hand us a
 * malleated copy of a signature we already hold.
 */
export function decodeTxSignature(bytes: Uint8Array): { compact: Uint8Array; hashType: number } {
  let decoded: { signature: Uint8Array; hashType: number };
  try {
    decoded = bscript.signature.decode(bytes);
  } catch (err) {
    throw new ProtocolError('SYNTAX_ERROR', `signature is not strict DER with a sighash byte: ${(err as Error).message}`);
  }
  if (isHighS(decoded.signature)) throw new ProtocolError('SYNTAX_ERROR', 'signature has a high S value');
  return { compact: decoded.signature, hashType: decoded.hashType };
}

export function signWithHashType(s: Secp, digest: Uint8Array, privateKey: Uint8Array, hashType: number): Uint8Array {
  return encodeTxSignature(s.sign(digest, privateKey), hashType);
}
