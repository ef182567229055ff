import { address as bitcoinAddress, opcodes, payments, script as bscript } from 'bitcoinjs-lib';
import { sha256 } from '@noble/hashes/sha2';
import { equalBytes } from './bytes.ts';
import { ProtocolError } from './errors.ts';
import { bitcoinNetwork, type NetworkName } from './network.ts';

/** Heights at or above this are timestamps to CLTV; expiry must be a height. */
export const LOCKTIME_THRESHOLD = 500_000_000;

/** What a channel's funding output commits to. */
export interface ChannelKeys {
  serverPubkey: Uint8Array;
  clientPubkey: Uint8Array;
  /** Block height from which the client may refund alone. */
  expiry: number;
}

export function assertCompressedPubkey(pubkey: Uint8Array, field: string): void {
  if (pubkey.length !== 33 || (pubkey[0] !== 0x02 && pubkey[0] !== 0x03)) {
    throw new ProtocolError('SYNTAX_ERROR', `${field} must be a 33-byte compressed public key`);
  }
}

/**
 * The channel's witness script:
 * OP_IF <server_pk> OP_CHECKSIGVERIFY OP_ELSE <expiry> OP_CHECKLOCKTIMEVERIFY OP_DROP OP_ENDIF <client_pk> OP_CHECKSIG
 */
export function channelScript(keys: ChannelKeys): Uint8Array {
  assertCompressedPubkey(keys.serverPubkey, 'serverPubkey');
  assertCompressedPubkey(keys.clientPubkey, 'clientPubkey');
  if (!Number.isInteger(keys.expiry) || keys.expiry < 1 || keys.expiry >= LOCKTIME_THRESHOLD) {
    throw new ProtocolError('TIME_WINDOW_UNACCEPTABLE', 'expiry must be a block height below 500000000');
  }
  return bscript.compile([
    opcodes.OP_IF,
    keys.serverPubkey,
    opcodes.OP_CHECKSIGVERIFY,
    opcodes.OP_ELSE,
    bscript.number.encode(keys.expiry),
    opcodes.OP_CHECKLOCKTIMEVERIFY,
    opcodes.OP_DROP,
    opcodes.OP_ENDIF,
    keys.clientPubkey,
    opcodes.OP_CHECKSIG,
  ]);
}

/** The P2WSH output script `OP_0 <sha256(witnessScript)>`. */
export function p2wshOutputScript(witnessScript: Uint8Array): Uint8Array {
  const out = new Uint8Array(34);
  out[0] = 0x00;
  out[1] = 0x20;
  out.set(sha256(witnessScript), 2);
  return out;
}

export function p2wshAddress(witnessScript: Uint8Array, network: NetworkName): string {
  return bitcoinAddress.fromOutputScript(p2wshOutputScript(witnessScript), bitcoinNetwork(network));
}

export function p2wpkhOutputScript(pubkey: Uint8Array): Uint8Array {
  return payments.p2wpkh({ pubkey }).output!;
}

export function p2wpkhAddress(pubkey: Uint8Array, network: NetworkName): string {
  return payments.p2wpkh({ pubkey, network: bitcoinNetwork(network) }).address!;
}

export function addressToOutputScript(addr: string, network: NetworkName): Uint8Array {
  try {
    return bitcoinAddress.toOutputScript(addr, bitcoinNetwork(network));
  } catch {
    throw new ProtocolError('SYNTAX_ERROR', `not a ${network} address: ${addr.slice(0, 100)}`);
  }
}

export function outputScriptToAddress(outputScript: Uint8Array, network: NetworkName): string {
  return bitcoinAddress.fromOutputScript(outputScript, bitcoinNetwork(network));
}

/** Output script kinds a settlement may pay change to: all relay as standard. */
export type StandardScriptKind = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr';

export function standardScriptKind(s: Uint8Array): StandardScriptKind | null {
  if (s.length === 25 && s[0] === 0x76 && s[1] === 0xa9 && s[2] === 0x14 && s[23] === 0x88 && s[24] === 0xac) {
    return 'p2pkh';
  }
  if (s.length === 23 && s[0] === 0xa9 && s[1] === 0x14 && s[22] === 0x87) return 'p2sh';
  if (s.length === 22 && s[0] === 0x00 && s[1] === 0x14) return 'p2wpkh';
  if (s.length === 34 && s[0] === 0x00 && s[1] === 0x20) return 'p2wsh';
  if (s.length === 34 && s[0] === 0x51 && s[1] === 0x20) return 'p2tr';
  return null;
}

/** True when an output script is exactly the P2WSH of the channel described by `keys`. */
export function isChannelOutput(outputScript: Uint8Array, keys: ChannelKeys): boolean {
  return equalBytes(outputScript, p2wshOutputScript(channelScript(keys)));
}
