/**
 * Output scripts as Esplora describes them and as bcoin's address index keys them. Addresses
 * are parsed and printed with bitcoinjs-lib (through src/core) so they match Bitcoin Core's
 * regtest forms, bech32m included, rather than bcoin's.
 */
import { addressToOutputScript, outputScriptToAddress, standardScriptKind } from '../core/script.ts';

/** Parses a regtest address into its output script; throws a ProtocolError on anything else. */
export function addressScript(address: string): Buffer {
  return Buffer.from(addressToOutputScript(address, 'regtest'));
}

export function scriptAddress(script: Uint8Array): string | undefined {
  try {
    return outputScriptToAddress(script, 'regtest');
  } catch {
    return undefined;
  }
}

/** Esplora's `scriptpubkey_type`, decided in the same order as electrs. */
export function scriptType(s: Uint8Array): string {
  if (s.length === 0) return 'empty';
  if (s[0] === 0x6a) return 'op_return';
  if ((s.length === 35 && s[0] === 0x21) || (s.length === 67 && s[0] === 0x41)) {
    if (s[s.length - 1] === 0xac) return 'p2pk';
  }
  switch (standardScriptKind(s)) {
    case 'p2pkh':
      return 'p2pkh';
    case 'p2sh':
      return 'p2sh';
    case 'p2wpkh':
      return 'v0_p2wpkh';
    case 'p2wsh':
      return 'v0_p2wsh';
    case 'p2tr':
      return 'v1_p2tr';
    case null:
      return 'unknown';
  }
}

/**
 * The key bcoin's address index files a script under: its 20- or 32-byte hash or witness
 * program. Only the hash is kept, so a P2PKH and a P2WPKH of one key share a key: callers
 * must still compare whole scripts. Null for scripts bcoin does not index.
 */
export function indexKey(s: Uint8Array): Buffer | null {
  switch (standardScriptKind(s)) {
    case 'p2pkh':
      return Buffer.from(s.subarray(3, 23));
    case 'p2sh':
      return Buffer.from(s.subarray(2, 22));
    case 'p2wpkh':
    case 'p2wsh':
      return Buffer.from(s.subarray(2));
    default:
      // bcoin 1.0.2 predates taproot and indexes no other witness versions.
      return null;
  }
}
