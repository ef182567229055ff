/**
 * Shared set-up for the settlement watcher's tests: a devnet whose node the test can reach into
 * (to play a miner that leaves a transaction out, or a node that drops or replaces one), a
 * server whose watcher only runs on explicit `tick()` calls, and funded channels.
 */
import { after, before } from 'node:test';
import type { AddressInfo } from 'node:net';
import { Transaction } from 'bitcoinjs-lib';
import { EsploraClient, EsploraError } from '../../src/chain/esplora.ts';
import { txidFromHash } from '../../src/core/bytes.ts';
import type { Devnet } from '../../src/devnet/index.ts';
import { revHex } from '../../src/devnet/bcoin.ts';
import { BehaviourSwitch } from '../../src/devnet/behaviour.ts';
import { EsploraView } from '../../src/devnet/esplora-view.ts';
import { createDevnetServer } from '../../src/devnet/http.ts';
import { DevnetNode } from '../../src/devnet/node.ts';
import type { ConfigInput } from '../../src/server/config.ts';
import { SqliteChannelStore } from '../../src/server/store/sqlite-store.ts';
import type { Scheduler, SettlementWatcher, WatcherChain } from '../../src/server/watcher/index.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';
import { TestWallet } from './helpers/wallet.ts';

export interface WatchedDevnet extends Devnet {
  readonly node: DevnetNode;
  readonly esplora: EsploraClient;
  /** Drops a transaction (and anything spending it) from the mempool, as a restarted node or a replacement would. */
  evict(txid: string): void;
  /** Mines `blocks` blocks without `txids`, which stay unconfirmed throughout, as when fees spike. */
  mineWithout(txids: string[], blocks: number): Promise<number>;
}

interface MempoolInternals {
  getEntry(hash: string): unknown;
  evictEntry(entry: unknown): void;
}

/** The devnet of src/devnet, put together here so the test holds the node itself. */
export async function startWatchedDevnet(): Promise<WatchedDevnet> {
  const node = await DevnetNode.open();
  const behaviour = new BehaviourSwitch();
  const server = createDevnetServer(node, new EsploraView(node.node), behaviour);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const mempool = node.node.mempool as unknown as MempoolInternals;
  const evict = (txid: string) => {
    const entry = mempool.getEntry(revHex(txid));
    if (!entry) throw new Error(`${txid} is not in the mempool`);
    mempool.evictEntry(entry);
  };
  return {
    url,
    node,
    esplora: new EsploraClient(url),
    minerAddress: node.minerAddress,
    mine: (blocks, address) => node.mine(blocks, address),
    faucet: (address, sats) => node.faucet(address, sats),
    tipHeight: async () => node.tipHeight(),
    setBehaviour: (patch) => behaviour.set(patch),
    evict,
    async mineWithout(txids, blocks) {
      const held: string[] = [];
      for (const txid of txids) {
        const meta = await node.node.getMeta(revHex(txid));
        if (!meta || meta.height >= 0) throw new Error(`${txid} is not unconfirmed`);
        held.push(meta.tx.toRaw().toString('hex'));
        evict(txid);
      }
      const height = await node.mine(blocks);
      for (const hex of held) await node.broadcast(hex);
      return height;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await node.close();
    },
  };
}

/**
 * Registers a suite's hooks (inside a `describe`, or at the top of a file): a devnet and a wallet
 * before its tests; after them, every server started through `server()` stopped and its database
 * removed, then the devnet stopped.
 */
export function watchedSuite(): { readonly devnet: WatchedDevnet; readonly wallet: TestWallet; server(opts?: WatchedServerOptions): Promise<WatchedServer> } {
  let devnet: WatchedDevnet | null = null;
  let wallet: TestWallet | null = null;
  const servers: WatchedServer[] = [];
  const started = <T>(value: T | null): T => {
    if (value === null) throw new Error('the devnet is not started: use the suite inside its tests');
    return value;
  };
  before(async () => {
    devnet = await startWatchedDevnet();
    wallet = new TestWallet(devnet);
  });
  after(async () => {
    // All stopped before any database goes: a restarted server may share its predecessor's file.
    for (const s of servers) await s.stop();
    for (const s of servers) s.cleanup();
    await devnet?.stop();
  });
  return {
    get devnet() {
      return started(devnet);
    },
    get wallet() {
      return started(wallet);
    },
    async server(opts = {}) {
      const srv = await startWatchedServer(started(devnet), opts);
      servers.push(srv);
      return srv;
    },
  };
}

/** The devnet's Esplora API with the broadcast replaced, to play a node that answers otherwise. */
export function chainWithBroadcast(devnet: WatchedDevnet, broadcast: (hex: string) => Promise<string>): WatcherChain {
  const e = devnet.esplora;
  return {
    getTipHeight: () => e.getTipHeight(),
    getFeeRates: () => e.getFeeRates(),
    getTxStatus: (txid) => e.getTxStatus(txid),
    getTx: (txid) => e.getTx(txid),
    getOutspend: (txid, vout) => e.getOutspend(txid, vout),
    broadcast,
  };
}

/**
 * The chain as seen through a node with Bitcoin Core's replace-by-fee policy, which bcoin 1.0.2
 * lacks (its mempool refuses any conflict): a transaction that conflicts with unconfirmed ones
 * and pays more in total, by at least 1 sat/vB of its own size (BIP125 rules 3 and 4), evicts
 * them first; anything else goes to the devnet unchanged.
 */
export function replaceByFeeChain(devnet: WatchedDevnet): WatcherChain & { replaced: string[] } {
  const e = devnet.esplora;
  const replaced: string[] = [];
  const feeOf = async (tx: Transaction): Promise<bigint> => {
    let fee = 0n;
    for (const input of tx.ins) fee += (await e.getTx(txidFromHash(input.hash))).vout[input.index]!.value;
    for (const output of tx.outs) fee -= output.value;
    return fee;
  };
  const chain = chainWithBroadcast(devnet, async (hex) => {
    const tx = Transaction.fromHex(hex);
    const conflicts = new Set<string>();
    for (const input of tx.ins) {
      const spend = await e.getOutspend(txidFromHash(input.hash), input.index);
      if (spend.spent && spend.txid && spend.txid !== tx.getId() && spend.status?.confirmed === false) conflicts.add(spend.txid);
    }
    if (conflicts.size > 0) {
      const newFee = await feeOf(tx);
      let oldFees = 0n;
      for (const txid of conflicts) oldFees += (await e.getTx(txid)).fee;
      if (newFee < oldFees + BigInt(tx.virtualSize())) {
        throw new EsploraError(400, `sendrawtransaction RPC error: {"code":-26,"message":"insufficient fee, rejecting replacement ${tx.getId()}"}`);
      }
      for (const txid of conflicts) {
        devnet.evict(txid);
        replaced.push(txid);
      }
    }
    return e.broadcast(hex);
  });
  return { ...chain, replaced };
}

/** Timers that never fire: the watcher runs only when a test calls `tick()`. */
export const manualScheduler: Scheduler = { setTimeout: () => null, clearTimeout: () => undefined };

/** Short channel lifetimes keep the devnet's mining quick; 500 sat payments cannot pay for a settlement alone. */
export const WATCHED_CONFIG: ConfigInput = {
  tipCacheMs: 0,
  settleMarginBlocks: 5,
  terms: { minExpiryBlocks: 20, maxExpiryBlocks: 200, minFirstPayment: 500n },
  watcher: { enabled: true, intervalMs: 60_000 },
};

export interface WatchedServer extends TestServer {
  watcher: SettlementWatcher;
  cleanup(): void;
}

export interface WatchedServerOptions {
  /** Default: the devnet's Esplora API. */
  chain?: WatcherChain;
  /** Default: a fresh database, removed by `cleanup()`. */
  dbPath?: string;
  config?: ConfigInput;
  /** The store's clock for the times it writes (default: the system clock). */
  storeClock?: () => number;
}

export async function startWatchedServer(devnet: Devnet, opts: WatchedServerOptions = {}): Promise<WatchedServer> {
  const tmp = opts.dbPath ? null : tempDbPath();
  const dbPath = opts.dbPath ?? tmp!.dbPath;
  const store = opts.storeClock ? new SqliteChannelStore(dbPath, { now: opts.storeClock }) : null;
  const srv = await startServer({
    dbPath,
    config: { ...WATCHED_CONFIG, esploraUrl: devnet.url, ...opts.config },
    scheduler: manualScheduler,
    ...(opts.chain ? { chain: opts.chain } : {}),
    ...(store ? { store } : {}),
  });
  srv.paychan.route('/item/*', 10n);
  if (!srv.paychan.watcher) throw new Error('the watcher did not start');
  return {
    ...srv,
    watcher: srv.paychan.watcher,
    // A store passed in is the caller's to close.
    stop: async () => {
      await srv.stop();
      await store?.close();
    },
    cleanup: () => tmp?.cleanup(),
  };
}

/** Opens and funds a channel of `capacity` whose first payment is `first`, expiring `expiryBlocks` from now. */
export async function fundedChannel(
  srv: TestServer,
  wallet: TestWallet,
  opts: { capacity: bigint; first: bigint; expiryBlocks?: number },
): Promise<ChannelClient> {
  const client = new ChannelClient(srv.endpoint);
  await client.open(await client.openRequest(opts.capacity, wallet.script, opts.expiryBlocks ?? 20));
  client.buildFunding([await wallet.coin(opts.capacity + 10_000n)], wallet.script);
  await client.fund(opts.first);
  return client;
}

/** Mines until the tip is `height`. */
export async function mineTo(devnet: Devnet, height: number): Promise<void> {
  const tip = await devnet.tipHeight();
  if (height < tip) throw new Error(`the tip ${tip} is already past ${height}`);
  if (height > tip) await devnet.mine(height - tip);
}
