/**
 * The server's keys, all from one BIP32 seed: a fresh hardened key per channel at
 * m/1017'/<coin>'/0'/<index>', and a default payout key at m/1017'/<coin>'/1'/0'.
 * A fresh key per channel means a leaked channel key exposes one channel, and channels cannot
 * be linked on chain by a shared key.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { coinType, type NetworkName } from '../core/network.ts';
import { p2wpkhOutputScript } from '../core/script.ts';

/** Paychan's BIP43 purpose; the extension uses the same for its client keys. */
export const PAYCHAN_PURPOSE = 1017;
/** Hardened indexes stop here. */
export const MAX_KEY_INDEX = 0x7fffffff;

export const SEED_ENV = 'PAYCHAN_SERVER_SEED';

export interface KeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

export class ServerKeys {
  private readonly channels: HDKey;
  private readonly payout: HDKey;

  constructor(seed: Uint8Array, network: NetworkName) {
    if (seed.length < 16 || seed.length > 64) throw new Error('server seed must be 16 to 64 bytes');
    const root = HDKey.fromMasterSeed(seed);
    const account = `m/${PAYCHAN_PURPOSE}'/${coinType(network)}'`;
    // Derived once: per-channel derivation is then a single hardened step.
    this.channels = root.derive(`${account}/0'`);
    this.payout = root.derive(`${account}/1'/0'`);
  }

  channelKey(index: number): KeyPair {
    if (!Number.isInteger(index) || index < 0 || index > MAX_KEY_INDEX) throw new Error(`key index ${index} out of range`);
    return pair(this.channels.deriveChild(index + 0x80000000));
  }

  /** Where settlements pay when no payout address is configured. */
  defaultPayoutScript(): Uint8Array {
    return p2wpkhOutputScript(pair(this.payout).publicKey);
  }
}

function pair(node: HDKey): KeyPair {
  if (!node.privateKey || !node.publicKey) throw new Error('derived key lacks a private key');
  return { privateKey: node.privateKey, publicKey: node.publicKey };
}

function parseSeedHex(text: string, where: string): Uint8Array {
  const hex = text.trim().toLowerCase();
  if (!/^(?:[0-9a-f]{2}){16,64}$/.test(hex)) throw new Error(`${where} must hold a 16 to 64 byte seed as hex`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/**
 * The seed from PAYCHAN_SERVER_SEED, else from `seedFile`. On regtest only, a missing seed file
 * is created with a random seed so the devnet works with no setup; elsewhere a missing seed is an
 * error, because a seed nobody backed up loses every channel's settlement key.
 */
export function loadSeed(opts: {
  network: NetworkName;
  seedFile: string | null;
  env?: Record<string, string | undefined>;
}): Uint8Array {
  const fromEnv = (opts.env ?? process.env)[SEED_ENV];
  if (fromEnv) return parseSeedHex(fromEnv, SEED_ENV);
  if (opts.seedFile && existsSync(opts.seedFile)) return parseSeedHex(readFileSync(opts.seedFile, 'utf8'), opts.seedFile);
  if (opts.network === 'regtest' && opts.seedFile) {
    const seed = randomBytes(32);
    writeFileSync(opts.seedFile, seed.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(opts.seedFile, 0o600);
    return Uint8Array.from(seed);
  }
  throw new Error(`no server seed: set ${SEED_ENV} or seedFile (back it up: it holds every channel key)`);
}
