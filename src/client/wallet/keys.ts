/**
 * Key derivation from the BIP39 seed.
 *
 * - Wallet coins: BIP84 native segwit, m/84'/coin'/0'/chain/index (chain 0 receive, 1 change), so
 *   any BIP84 wallet restored from the same words sees the same coins.
 * - Channel keys: m/1017'/coin'/0'/index', a separate hardened branch ("1017" is Paychan's own
 *   purpose number, not a registered BIP43 purpose) with one fresh key per channel. Keeping them
 *   off the BIP84 tree means a channel key never shows up as a wallet address, and hardening
 *   means a leaked channel key plus the xpub cannot reveal siblings. The index is stored with
 *   the channel, so after a restore from seed the keys for known channels can be derived again.
 * - Access tokens: HMAC-SHA256(channel private key, "paychan/access-token"). The protocol asks
 *   for 32 unpredictable bytes; deriving them keeps the bearer secret out of IndexedDB and
 *   reproducible from the seed.
 */
import { HDKey } from '@scure/bip32';
import { hmac } from '@noble/hashes/hmac';
import { sha256 } from '@noble/hashes/sha2';
import { coinType, type NetworkName } from '../../core/network.ts';
import { p2wpkhAddress, p2wpkhOutputScript } from '../../core/script.ts';
import { nobleSecp } from '../../core/secp.ts';

export const CHANNEL_PURPOSE = 1017;

/** The persistent counter (meta store) the next channel key index is drawn from. */
export function channelKeyCounter(network: NetworkName): string {
  return `channelKeyIndex/${coinType(network)}`;
}

export interface WalletKey {
  chain: 0 | 1;
  index: number;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  script: Uint8Array;
  address: string;
}

export interface ChannelKey {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  accessToken: Uint8Array;
}

export class KeyRing {
  private readonly root: HDKey;
  private readonly cache = new Map<string, WalletKey>();
  private readonly channelCache = new Map<string, ChannelKey>();

  constructor(seed: Uint8Array) {
    this.root = HDKey.fromMasterSeed(seed);
  }

  walletKey(network: NetworkName, chain: 0 | 1, index: number): WalletKey {
    const path = `m/84'/${coinType(network)}'/0'/${chain}/${index}`;
    const cacheKey = `${network}:${path}`;
    const hit = this.cache.get(cacheKey);
    if (hit) return hit;
    const node = this.root.derive(path);
    const privateKey = node.privateKey!;
    const publicKey = nobleSecp.publicKey(privateKey);
    const key = { chain, index, privateKey, publicKey, script: p2wpkhOutputScript(publicKey), address: p2wpkhAddress(publicKey, network) };
    this.cache.set(cacheKey, key);
    return key;
  }

  channelKey(network: NetworkName, index: number): ChannelKey {
    // Derivation costs several curve multiplications; a payment needs the key every time.
    const cacheKey = `${coinType(network)}/${index}`;
    const hit = this.channelCache.get(cacheKey);
    if (hit) return hit;
    const node = this.root.derive(`m/${CHANNEL_PURPOSE}'/${coinType(network)}'/0'/${index}'`);
    const privateKey = node.privateKey!;
    const key = {
      privateKey,
      publicKey: nobleSecp.publicKey(privateKey),
      accessToken: hmac(sha256, privateKey, new TextEncoder().encode('paychan/access-token')),
    };
    this.channelCache.set(cacheKey, key);
    return key;
  }

  accessToken(network: NetworkName, index: number): Uint8Array {
    return this.channelKey(network, index).accessToken;
  }
}
