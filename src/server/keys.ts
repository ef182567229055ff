/**
 * The server's keys, all from one BIP32 seed: a fresh hardened key per channel at
 * m/1017'/<coin>'/0'/<index>', and a default payout key at m/1017'/<coin>'/1'/0'.
 * The seed is a BIP39 recovery phrase's (createKeyFile), or a hex seed in files made before that.
 * A fresh key per channel means a leaked channel key exposes one channel, and channels cannot
 * be linked on chain by a shared key.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english';
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

  /** The server's own wallet: settlements pay it when neither payoutAddress nor payoutXpub is configured. */
  payoutKey(): KeyPair {
    return pair(this.payout);
  }

  defaultPayoutScript(): Uint8Array {
    return p2wpkhOutputScript(this.payoutKey().publicKey);
  }
}

function pair(node: HDKey): KeyPair {
  if (!node.privateKey || !node.publicKey) throw new Error('derived key lacks a private key');
  return { privateKey: node.privateKey, publicKey: node.publicKey };
}

function parseSeedHex(text: string, where: string): Uint8Array {
  const hex = text.trim().toLowerCase();
  if (!/^(?:[0-9a-f]{2}){16,64}$/.test(hex)) throw new Error(`${where} must hold a BIP39 recovery phrase or a 16 to 64 byte seed as hex`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** A key file's text: a BIP39 recovery phrase (what init writes), or a hex seed (files made before it). */
export function parseKeyText(text: string, where: string): Uint8Array {
  const words = text.trim().toLowerCase().split(/\s+/).join(' ');
  if (/^[a-z]+(?: [a-z]+)+$/.test(words)) {
    if (!validateMnemonic(words, wordlist)) throw new Error(`${where} does not hold a valid BIP39 recovery phrase (a word or the checksum is wrong)`);
    return mnemonicToSeedSync(words);
  }
  return parseSeedHex(text, where);
}

/**
 * Creates the server key at `file` as a new 24-word BIP39 recovery phrase, readable by its owner
 * only (mode 0600), and returns the phrase so the caller can show it once. Never overwrites: an
 * existing key file holds every channel's settlement key.
 */
export function createKeyFile(file: string): string {
  const phrase = generateMnemonic(wordlist, 256);
  writeFileSync(file, phrase + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return phrase;
}

/** What to tell an operator whose key file is missing or unreadable. */
export function missingKeyMessage(file: string, reason: string): string {
  return `cannot read the server key ${file} (${reason}): create one with \`paychan-server init\`, or point seedFile at the existing key; the server does not make a new key by itself, since one nobody wrote down loses every channel's settlement key`;
}

/**
 * The seed from PAYCHAN_SERVER_SEED (hex), else from `seedFile` (a recovery phrase or hex). A
 * missing or unreadable key is an error on every network: a key made silently, where nobody
 * backed it up, loses every channel's settlement key (and moves the payout address).
 */
export function loadSeed(opts: {
  network: NetworkName;
  seedFile: string | null;
  env?: Record<string, string | undefined>;
}): Uint8Array {
  const fromEnv = (opts.env ?? process.env)[SEED_ENV];
  if (fromEnv) return parseSeedHex(fromEnv, SEED_ENV);
  if (!opts.seedFile) throw new Error(`no server key: set seedFile in the config (\`paychan-server init\` creates one) or ${SEED_ENV}`);
  let text: string;
  try {
    text = readFileSync(opts.seedFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(missingKeyMessage(opts.seedFile, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message));
  }
  return parseKeyText(text, opts.seedFile);
}
