import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils';
import { ProtocolError } from './errors.ts';

export { bytesToHex, concatBytes, hexToBytes };

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Parses lowercase even-length hex from a peer; anything else is a SYNTAX_ERROR naming the field. */
export function parseHex(value: unknown, field: string, length?: number): Uint8Array {
  if (typeof value !== 'string' || !HEX.test(value)) {
    throw new ProtocolError('SYNTAX_ERROR', `${field} must be lowercase hex`);
  }
  if (length !== undefined && value.length !== length * 2) {
    throw new ProtocolError('SYNTAX_ERROR', `${field} must be ${length} bytes`);
  }
  return hexToBytes(value);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A txid as printed everywhere (big-endian) from the little-endian hash inside transactions. */
export function txidFromHash(hash: Uint8Array): string {
  return bytesToHex(Uint8Array.from(hash).reverse());
}

export function hashFromTxid(txid: string): Uint8Array {
  return parseHex(txid, 'txid', 32).reverse();
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function fromBase64Url(value: string, field: string): Uint8Array {
  if (!BASE64URL.test(value) || value.length % 4 === 1) {
    throw new ProtocolError('SYNTAX_ERROR', `${field} must be base64url without padding`);
  }
  const bin = atob(value.replaceAll('-', '+').replaceAll('_', '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
