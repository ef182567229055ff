/**
 * What the server needs from the chain, as a narrow interface the EsploraClient satisfies, plus
 * the policies built on it: a cached tip, the settlement fee rate, and what a broadcast
 * rejection means (src/chain/broadcast-verdict.ts). Tests and the benchmark inject their own.
 */
import type { EsploraTxStatus } from '../chain/esplora.ts';
import type { FeeOracle } from '../chain/fee-oracle.ts';
import { DEFAULT_MIN_RELAY, minRelayOf, rateFor, type FeeRates, type SatPerKvb } from '../chain/fee-rates.ts';
import { GENESIS_HASHES, networkOfGenesis, type NetworkName } from '../core/network.ts';
import type { Logger } from './logger.ts';

export { classifyBroadcastError, type BroadcastFailure } from '../chain/broadcast-verdict.ts';

export interface ChainBackend {
  getTipHeight(): Promise<number>;
  /** mempool's recommended rates or Esplora's estimates (EsploraClient.getFeeRates). */
  getFeeRates(): Promise<FeeRates>;
  getTxStatus(txid: string): Promise<EsploraTxStatus>;
  /** Resolves the txid, or throws (an EsploraError with the node's reason when it refused). */
  broadcast(hex: string): Promise<string>;
}

/**
 * Refuses a chain backend on another chain than `network`: its block 0 (`GET /block-height/0`)
 * must be that network's genesis block (a testnet3 server for a testnet4 config, say). A
 * backend that cannot be asked now is let through with a warning; one without `getBlockHash`
 * (an injected test double) is not asked.
 */
export async function checkChainNetwork(chain: ChainBackend & { getBlockHash?(height: number): Promise<string> }, network: NetworkName, url: string, logger: Logger): Promise<void> {
  if (typeof chain.getBlockHash !== 'function') return;
  let genesis: string;
  try {
    genesis = await chain.getBlockHash(0);
  } catch (err) {
    logger.warn('cannot check the chain backend\'s network now', { esplora: url, error: err });
    return;
  }
  const wrong = wrongChainMessage(genesis, network, url);
  if (wrong) throw new Error(wrong);
}

/** Why a backend whose block 0 is `genesis` cannot serve `network`; null when it can. */
export function wrongChainMessage(genesis: string, network: NetworkName, url: string): string | null {
  if (genesis === GENESIS_HASHES[network]) return null;
  const actual = networkOfGenesis(genesis);
  return `the chain backend ${url} serves ${actual ?? `an unknown chain (genesis ${genesis})`}, not ${network}: fix esploraUrl or network in the config`;
}

export interface TipSource {
  /** The chain height, at most a few seconds old. */
  height(): Promise<number>;
}

/**
 * Reads the tip at most once per `ttlMs`, shares one request among concurrent callers, and
 * keeps answering with the last known height while the chain backend is unreachable.
 */
export function cachedTip(chain: Pick<ChainBackend, 'getTipHeight'>, ttlMs: number, now: () => number = Date.now): TipSource {
  let value: number | null = null;
  let readAt = -Infinity;
  let inFlight: Promise<number> | null = null;
  return {
    async height() {
      if (value !== null && now() - readAt < ttlMs) return value;
      inFlight ??= chain
        .getTipHeight()
        .then((h) => {
          value = h;
          readAt = now();
          return h;
        })
        .catch((err: unknown) => {
          if (value !== null) return value;
          throw err;
        })
        .finally(() => {
          inFlight = null;
        });
      return inFlight;
    },
  };
}

/** A tip fixed by the caller, for tests and benchmarks. */
export function fixedTip(initial: number): TipSource & { set(height: number): void } {
  let h = initial;
  return { height: async () => h, set: (v) => void (h = v) };
}

/**
 * The settlement fee rate in sat/kvB: the estimate for `targetBlocks` (or the nearest faster
 * target), never below `floorKvb` (the operator's) nor the backend's minimum fee. Fractional
 * and sub-1 sat/vB rates are kept as they are. When the
 * backend cannot answer, the last good estimate is used and its age logged; with none ever,
 * this throws (the watcher tries again next tick) rather than guess a rate. An empty table (a
 * quiet regtest) is an answer: the floor. Estimates are read again at each new `tip`.
 */
export async function settlementFeeRate(fees: FeeOracle, targetBlocks: number, floorKvb: SatPerKvb, logger: Logger, tip?: number): Promise<SatPerKvb> {
  const reading = await fees.current(tip);
  if (!reading.fresh) logger.warn('fee estimate unavailable: using the last good one', { ageSeconds: Math.round(reading.ageMs / 1000), source: reading.rates.source });
  const floor = maxOf(floorKvb, minRelayOf(reading.rates, DEFAULT_MIN_RELAY));
  return rateFor(reading.rates, targetBlocks, floor) ?? floor;
}

function maxOf(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
