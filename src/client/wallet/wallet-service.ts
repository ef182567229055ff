/**
 * The on-chain wallet: BIP84 addresses found by gap-limit discovery, coins and balances from
 * Esplora, fresh receive and change addresses. Sending lives in wallet-send.ts and history in
 * wallet-history.ts; both build on this.
 */
import { Transaction } from 'bitcoinjs-lib';
import { bytesToHex } from '../../core/bytes.ts';
import type { NetworkName } from '../../core/network.ts';
import type { WalletCoin } from '../../core/transactions.ts';
import type { Balances } from '../views.ts';
import type { ChainService } from './chain-service.ts';
import type { Clock } from '../lib/clock.ts';
import type { WalletKey } from './keys.ts';
import type { KeyedMutex } from '../lib/mutex.ts';
import type { SessionService } from '../session/session-service.ts';
import type { SettingsService } from '../session/settings.ts';
import type { AddressRecord } from '../storage/records.ts';
import type { ClientStore } from '../storage/client-store.ts';

/** BIP44's gap limit: a restore stops looking after this many unused addresses in a row. */
export const GAP_LIMIT = 20;
/** Requests in flight at once against an Esplora server; public ones rate-limit. */
const CONCURRENCY = 8;
/**
 * How often the look-ahead window (addresses never handed out: only another wallet on the same
 * seed could have used them) is asked about again. Every refresh asks about the addresses this
 * wallet handed out; asking about the 40 of the window each time is what gets a wallet rate-limited.
 */
export const LOOKAHEAD_RECHECK_MS = 10 * 60_000;

export interface Coin extends WalletCoin {
  chain: 0 | 1;
  index: number;
  confirmed: boolean;
}

export interface WalletDeps {
  store: ClientStore;
  chain: ChainService;
  session: SessionService;
  settings: SettingsService;
  /** Shared with channel funding: one key, 'coins', serialises everything that selects coins. */
  mutex: KeyedMutex;
  clock: Clock;
}

export class WalletService {
  /** When each network's look-ahead window was last asked about, in this worker's life. */
  private readonly lookAheadAt = new Map<NetworkName, number>();

  constructor(private readonly d: WalletDeps) {}

  async network(): Promise<NetworkName> {
    return (await this.d.settings.get()).network;
  }

  /** Runs `work` while no other send or funding can select the same coins. */
  withCoins<T>(work: () => Promise<T>): Promise<T> {
    return this.d.mutex.run('coins', work);
  }

  /**
   * Gap-limit discovery on both chains; marks addresses that have ever had a transaction.
   * Addresses known used are not asked about again, nor (for LOOKAHEAD_RECHECK_MS) those of the
   * look-ahead window already seen unused.
   */
  async sync(network?: NetworkName): Promise<void> {
    const net = network ?? (await this.network());
    const ring = await this.d.session.keys();
    const client = await this.d.chain.client(net);
    const known = await this.d.store.addresses(net);
    const now = this.d.clock.now();
    const lookAheadFresh = now - (this.lookAheadAt.get(net) ?? -Infinity) < LOOKAHEAD_RECHECK_MS;
    const expected = lookAheadFresh ? await this.expectedScripts(net) : new Set<string>();
    for (const chain of [0, 1] as const) {
      const records = new Map(known.filter((r) => r.chain === chain).map((r) => [r.index, r]));
      const cursor = await this.cursor(net, chain);
      let lastUsed = Math.max(-1, ...[...records.values()].filter((r) => r.used).map((r) => r.index));
      let next = 0;
      while (next <= Math.max(lastUsed, cursor - 1) + GAP_LIMIT) {
        const batch = range(next, Math.max(lastUsed, cursor - 1) + GAP_LIMIT + 1);
        next += batch.length;
        const updated = await pool(batch, CONCURRENCY, async (index) => {
          const prev = records.get(index);
          if (prev?.used) return prev;
          const key = ring.walletKey(net, chain, index);
          if (prev && lookAheadFresh && index >= cursor && !expected.has(bytesToHex(key.script))) return prev;
          const info = await client.getAddress(key.address);
          const used = info.chain_stats.tx_count + info.mempool_stats.tx_count > 0;
          return { network: net, chain, index, address: key.address, used };
        });
        for (const r of updated) {
          records.set(r.index, r);
          if (r.used && r.index > lastUsed) lastUsed = r.index;
        }
        await this.d.store.putAddresses(updated);
      }
    }
    if (!lookAheadFresh) this.lookAheadAt.set(net, now);
  }

  /**
   * Scripts our own channels pay back to (a settlement's change, a refund). A wallet restored from
   * its words and a channel backup never handed those addresses out, so they sit in the look-ahead
   * window; they are asked about at every sync, or the deposit coming back stays unseen.
   */
  private async expectedScripts(network: NetworkName): Promise<Set<string>> {
    const out = new Set<string>();
    for (const r of await this.d.store.channels()) {
      if (r.network !== network || r.abandoned) continue;
      out.add(bytesToHex(r.channel.request.changeScript));
      if (r.refund) for (const o of Transaction.fromHex(r.refund.hex).outs) out.add(bytesToHex(o.script));
    }
    return out;
  }

  /** A never-handed-out receive address (BIP84 chain 0). */
  async receiveAddress(network?: NetworkName): Promise<WalletKey> {
    return this.freshKey(network ?? (await this.network()), 0);
  }

  /** A fresh change key (chain 1): for change, channel change scripts and refunds. */
  async changeKey(network: NetworkName): Promise<WalletKey> {
    return this.freshKey(network, 1);
  }

  /** Spendable coins: every UTXO on a known address, less those a pending channel funding holds. */
  async coins(network: NetworkName): Promise<Coin[]> {
    const ring = await this.d.session.keys();
    const client = await this.d.chain.client(network);
    const addresses = await this.activeAddresses(network);
    const reserved = await this.reservedOutpoints(network);
    const perAddress = await pool(addresses, CONCURRENCY, async (a) => {
      const utxos = await client.getAddressUtxos(a.address);
      if (utxos.length > 0 && !a.used) await this.d.store.putAddresses([{ ...a, used: true }]);
      const key = ring.walletKey(network, a.chain, a.index);
      return utxos
        .filter((u) => !reserved.has(`${u.txid}:${u.vout}`))
        .map((u): Coin => ({ txid: u.txid, vout: u.vout, value: u.value, privateKey: key.privateKey, chain: a.chain, index: a.index, confirmed: u.status.confirmed }));
    });
    return perAddress.flat();
  }

  async balances(network?: NetworkName): Promise<Balances> {
    const net = network ?? (await this.network());
    const coins = await this.coins(net);
    let confirmed = 0n;
    let unconfirmed = 0n;
    for (const c of coins) {
      if (c.confirmed) confirmed += c.value;
      else unconfirmed += c.value;
    }
    let inChannels = 0n;
    let prepaid = 0n;
    for (const r of await this.d.store.channels()) {
      const ch = r.channel;
      if (r.network !== net || r.abandoned || !ch.funding || ch.state === 'closed') continue;
      inChannels += ch.request.capacity - ch.signed;
      prepaid += ch.signed - ch.spent;
    }
    return { network: net, confirmed: String(confirmed), unconfirmed: String(unconfirmed), inChannels: String(inChannels), prepaid: String(prepaid) };
  }

  /** Scripts of every address this wallet has handed out or found used, for history. */
  async ownScripts(network: NetworkName): Promise<Map<string, AddressRecord>> {
    const ring = await this.d.session.keys();
    const out = new Map<string, AddressRecord>();
    for (const a of await this.d.store.addresses(network)) {
      out.set(toHex(ring.walletKey(network, a.chain, a.index).script), a);
    }
    return out;
  }

  private async freshKey(network: NetworkName, chain: 0 | 1): Promise<WalletKey> {
    const ring = await this.d.session.keys();
    return this.d.mutex.run(`cursor:${network}:${chain}`, async () => {
      const records = (await this.d.store.addresses(network)).filter((r) => r.chain === chain);
      const lastUsed = Math.max(-1, ...records.filter((r) => r.used).map((r) => r.index));
      const index = Math.max(await this.cursor(network, chain), lastUsed + 1);
      await this.d.store.setMeta(cursorKey(network, chain), index + 1);
      const key = ring.walletKey(network, chain, index);
      const prev = records.find((r) => r.index === index);
      await this.d.store.putAddresses([{ network, chain, index, address: key.address, used: prev?.used ?? false }]);
      return key;
    });
  }

  /** Addresses that can hold coins: used ones and those handed out; not the look-ahead window. */
  private async activeAddresses(network: NetworkName): Promise<AddressRecord[]> {
    const cursors = [await this.cursor(network, 0), await this.cursor(network, 1)];
    return (await this.d.store.addresses(network)).filter((a) => a.used || a.index < cursors[a.chain]!);
  }

  private async cursor(network: NetworkName, chain: 0 | 1): Promise<number> {
    return (await this.d.store.getMeta<number>(cursorKey(network, chain))) ?? 0;
  }

  private async reservedOutpoints(network: NetworkName): Promise<Set<string>> {
    const out = new Set<string>();
    for (const r of await this.d.store.channels()) {
      if (r.network !== network || r.abandoned) continue;
      for (const c of r.fundingInputs) out.add(`${c.txid}:${c.vout}`);
    }
    return out;
  }
}

function cursorKey(network: NetworkName, chain: 0 | 1): string {
  return `cursor/${network}/${chain}`;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Maps with at most `limit` calls in flight; keeps order. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
