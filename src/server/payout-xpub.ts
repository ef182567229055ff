/**
 * A payout xpub: the account key of the operator's own wallet, whose receive addresses m/0/i
 * (relative to the account) settlements pay as P2WPKH, a fresh one each. The prefix names the
 * network family: xpub and zpub are mainnet's, tpub and vpub every test network's; ypub/upub
 * (P2SH-wrapped) are refused rather than paid at addresses the wallet would not look at, and a
 * private key (xprv, tprv, …) is refused outright: the server needs nothing it could spend with.
 */
import { HDKey } from '@scure/bip32';
import { base58check } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2';
import type { NetworkName } from '../core/network.ts';
import { p2wpkhOutputScript } from '../core/script.ts';
import { SettingError } from './setting-values.ts';

type Family = 'mainnet' | 'test';

/** Version bytes of the public prefixes taken, and the network family each belongs to. */
const PUBLIC: Record<number, { prefix: string; family: Family }> = {
  0x0488b21e: { prefix: 'xpub', family: 'mainnet' },
  0x04b24746: { prefix: 'zpub', family: 'mainnet' },
  0x043587cf: { prefix: 'tpub', family: 'test' },
  0x045f1cf6: { prefix: 'vpub', family: 'test' },
};
const PRIVATE = new Set([0x0488ade4, 0x04b2430c, 0x04358394, 0x045f18bc, 0x049d7878, 0x044a4e28]);
const WRAPPED = new Set([0x049d7cb2, 0x044a5262]);

export interface PayoutXpub {
  key: HDKey;
  prefix: string;
  family: Family;
}

const b58 = base58check(sha256);

/** Parses an extended public key; refuses private keys, P2SH-wrapped prefixes and anything else. */
export function parseExtendedPublicKey(value: string, name: string): PayoutXpub {
  let bytes: Uint8Array;
  try {
    bytes = b58.decode(value.trim());
  } catch {
    throw new SettingError(`${name} must be an extended public key (xpub or zpub on mainnet, tpub or vpub on test networks)`);
  }
  const version = bytes.length === 78 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(0) : -1;
  if (PRIVATE.has(version)) throw new SettingError(`${name} is a private key: give the account's extended public key (xpub, zpub, tpub or vpub), never the private one`);
  if (WRAPPED.has(version)) throw new SettingError(`${name} is a P2SH-wrapped key (ypub/upub): settlements pay native segwit (P2WPKH), so give an xpub, zpub, tpub or vpub`);
  const kind = PUBLIC[version];
  if (!kind) throw new SettingError(`${name} must be an extended public key (xpub or zpub on mainnet, tpub or vpub on test networks)`);
  let key: HDKey;
  try {
    key = HDKey.fromExtendedKey(value.trim(), { private: 0, public: version });
  } catch (err) {
    throw new SettingError(`${name} is not a valid extended public key (${(err as Error).message})`);
  }
  return { key, ...kind };
}

/** The payout xpub of `network`, or an error saying which prefixes that network takes. */
export function payoutXpubFor(value: string, network: NetworkName, name = 'payoutXpub'): PayoutXpub {
  const parsed = parseExtendedPublicKey(value, name);
  const want: Family = network === 'mainnet' ? 'mainnet' : 'test';
  if (parsed.family !== want) {
    throw new SettingError(`${name} is a ${parsed.family === 'mainnet' ? 'mainnet' : 'test network'} key (${parsed.prefix}): ${network} takes ${want === 'mainnet' ? 'xpub or zpub' : 'tpub or vpub'}`);
  }
  return parsed;
}

/** The P2WPKH output script of receive address `index` (m/0/index below the account key). */
export function xpubPayoutScript(xpub: PayoutXpub, index: number): Uint8Array {
  const child = xpub.key.deriveChild(0).deriveChild(index);
  if (!child.publicKey) throw new Error(`payout key ${index} could not be derived`);
  return p2wpkhOutputScript(child.publicKey);
}
