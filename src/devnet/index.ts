/**
 * A local Bitcoin regtest network for tests, the demo and benchmarks: a validating bcoin full
 * node in this process, served over HTTP as an Esplora API (the same endpoints mempool.space
 * serves, so `EsploraClient` from src/chain/esplora.ts talks to either). See README.md here.
 *
 *   const devnet = await startDevnet({ port: 0 });
 *   const txid = await devnet.faucet(address, 100_000n);
 *   await devnet.mine(1);
 *   const utxos = await new EsploraClient(devnet.url).getAddressUtxos(address);
 *   await devnet.stop();
 */
import type { AddressInfo } from 'node:net';
import { BehaviourSwitch, type Behaviour, type RateLimit } from './behaviour.ts';
import { EsploraView } from './esplora-view.ts';
import { createDevnetServer } from './http.ts';
import { DevnetNode } from './node.ts';

export { ACTIVATION_HEIGHT, MAX_MINE_BLOCKS } from './node.ts';
export { DevnetError, TxRejectedError } from './errors.ts';
export { DEVNET_FEE_ESTIMATES, DEVNET_MINIMUM_FEE } from './real-server.ts';
export { DEFAULT_BEHAVIOUR, type Behaviour, type RateLimit } from './behaviour.ts';

export interface DevnetOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Keep the chain here across restarts; in memory when absent. */
  dataDir?: string;
  /** Mine a block every this many seconds; 0 or absent leaves mining to callers. */
  blockInterval?: number;
  /** Answer as mempool.space or blockstream.info do (behaviour.ts); changeable later with `setBehaviour`. */
  behaviour?: Partial<Behaviour>;
  /** The node's clock this many seconds off the real one (DevnetNodeOptions): negative for a stale tip. */
  clockOffsetSeconds?: number;
}

export interface Devnet {
  /** Base URL of the Esplora API, without a trailing slash, e.g. `http://127.0.0.1:3002`. */
  readonly url: string;
  /** Address that receives block rewards by default and funds the faucet. */
  readonly minerAddress: string;
  /** Mines `blocks` blocks (to `address` if given, a regtest address); resolves the new tip height. */
  mine(blocks: number, address?: string): Promise<number>;
  /**
   * Pays `sats` to a regtest address from the mining wallet and resolves the txid. The
   * transaction is in the mempool, unconfirmed, until the next block.
   */
  faucet(address: string, sats: bigint): Promise<string>;
  tipHeight(): Promise<number>;
  /** Changes how the devnet answers (a partial Behaviour, `rateLimit` partial too); resolves the whole new one. */
  setBehaviour(patch: Partial<Omit<Behaviour, 'rateLimit'>> & { rateLimit?: Partial<RateLimit> }): Behaviour;
  /** Stops the auto-miner, closes the HTTP server (dropping open connections) and the node. */
  stop(): Promise<void>;
}

/**
 * Opens the node (mining to the segwit/CSV activation height when the chain is short of it),
 * then listens. Resolves once both are ready.
 */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const { port = 0, host = '127.0.0.1', dataDir, blockInterval = 0 } = options;
  const behaviour = new BehaviourSwitch(options.behaviour);
  if (!Number.isFinite(blockInterval) || blockInterval < 0) throw new RangeError('blockInterval must be 0 or more seconds');
  const node = await DevnetNode.open({ ...(dataDir === undefined ? {} : { dataDir }), ...(options.clockOffsetSeconds === undefined ? {} : { clockOffsetSeconds: options.clockOffsetSeconds }) });
  const server = createDevnetServer(node, new EsploraView(node.node), behaviour);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await node.close();
    throw err;
  }
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;

  const timer =
    blockInterval > 0
      ? setInterval(() => {
          node.mine(1).catch((err: unknown) => console.error(`devnet: auto-mining failed: ${(err as Error).message}`));
        }, blockInterval * 1000)
      : undefined;

  let stopping: Promise<void> | undefined;
  return {
    url,
    minerAddress: node.minerAddress,
    mine: (blocks, address) => node.mine(blocks, address),
    faucet: (address, sats) => node.faucet(address, sats),
    tipHeight: async () => node.tipHeight(),
    setBehaviour: (patch) => behaviour.set(patch),
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(timer);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await node.close();
      })()),
  };
}
