/**
 * What the server needs from the chain, as a narrow interface the EsploraClient satisfies, plus
 * the policies built on it: a cached tip, the settlement fee rate, and what a broadcast
 * rejection means. Tests and the benchmark inject their own.
 */
import { EsploraError, type EsploraFeeEstimates, type EsploraTxStatus } from '../chain/esplora.ts';

export interface ChainBackend {
  getTipHeight(): Promise<number>;
  getFeeEstimates(): Promise<EsploraFeeEstimates>;
  getTxStatus(txid: string): Promise<EsploraTxStatus>;
  /** Resolves the txid, or throws (an EsploraError with the node's reason when it refused). */
  broadcast(hex: string): Promise<string>;
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
 * The settlement fee rate in whole sat/vB: the estimate for `targetBlocks` (or the nearest
 * faster target), rounded up, never below `floor`. Falls back to `floor` if estimates fail.
 */
export async function settlementFeeRate(chain: Pick<ChainBackend, 'getFeeEstimates'>, targetBlocks: number, floor: bigint): Promise<bigint> {
  let estimates: EsploraFeeEstimates;
  try {
    estimates = await chain.getFeeEstimates();
  } catch {
    return floor;
  }
  const targets = Object.keys(estimates)
    .map(Number)
    .filter((t) => t <= targetBlocks)
    .sort((a, b) => b - a);
  const rate = targets.length ? estimates[String(targets[0])] : undefined;
  if (rate === undefined) return floor;
  const ceiled = BigInt(Math.ceil(rate));
  return ceiled > floor ? ceiled : floor;
}

/** What a failed broadcast means for the transaction. */
export type BroadcastFailure =
  /** The node already has it (mempool or chain): as good as accepted. */
  | 'already_known'
  /** An input is spent by another transaction, or does not exist. */
  | 'conflict'
  /** The node refused the transaction itself (script, fee, standardness). */
  | 'invalid'
  /** No answer we can trust: network error, server error. */
  | 'unavailable';

const ALREADY_KNOWN = /already[- ]in[- ](mempool|block ?chain)|txn-already-known|txn-already-in-mempool|outputs already in utxo set|already have transaction/i;
const CONFLICT = /inputs-missingorspent|inputs-spent|mempool-conflict|missing-inputs|missingorspent|insufficient fee, rejecting replacement/i;

export function classifyBroadcastError(err: unknown): BroadcastFailure {
  if (!(err instanceof EsploraError) || err.status === 0 || err.status >= 500) return 'unavailable';
  if (ALREADY_KNOWN.test(err.reason)) return 'already_known';
  if (CONFLICT.test(err.reason)) return 'conflict';
  return 'invalid';
}
