/**
 * Fee rates as the chain backends publish them, turned into one shape. Rates are kept in whole
 * sat/kvB (bigint): fractional and sub-1 sat/vB rates survive exactly enough, and a fee is
 * `ceil(vsize × rate / 1000)` sats.
 *
 * Which endpoint a server has is found once per client and remembered (see
 * EsploraClient.getFeeRates): mempool's backend answers `GET /v1/fees/precise` (fractional
 * rates, with its minimum fee), Blockstream's electrs answers 404 there and serves Esplora's
 * `GET /fee-estimates` (mempool serves that too, deprecated: 203, five levels).
 */
import { DEFAULT_MIN_RELAY_KVB, type SatPerKvb } from '../core/amounts.ts';
import { malformed, obj } from './esplora-parse.ts';

export type { SatPerKvb };

/** Bitcoin Core's default minimum relay fee: 1 sat/vB. */
export const DEFAULT_MIN_RELAY: SatPerKvb = DEFAULT_MIN_RELAY_KVB;

export type FeeSource = 'mempool' | 'esplora';

export interface FeeRates {
  source: FeeSource;
  /** [confirmation target in blocks, rate], fastest target first. */
  byTarget: [blocks: number, rate: SatPerKvb][];
  /** The backend's minimum fee when it publishes one (mempool's `minimumFee`); null otherwise. */
  minRelay: SatPerKvb | null;
}

/** A sat/vB number from JSON as sat/kvB, rounded up so a rate is never understated. */
export function kvbFromVb(rate: number, what: string): SatPerKvb {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1e7) throw malformed(what);
  return BigInt(Math.ceil(rate * 1000 - 1e-6));
}

/** mempool's `/v1/fees/precise` (or `/recommended`): fastest, half hour, hour, economy, minimum. */
export function parseMempoolFees(v: unknown): FeeRates {
  const o = obj(v, 'fee recommendation');
  const at = (key: string) => kvbFromVb(o[key] as number, `fee recommendation ${key}`);
  return {
    source: 'mempool',
    byTarget: [
      [1, at('fastestFee')],
      [3, at('halfHourFee')],
      [6, at('hourFee')],
      [144, at('economyFee')],
    ],
    minRelay: at('minimumFee'),
  };
}

/** Esplora's `/fee-estimates`: `{"<blocks>": sat/vB, …}`. */
export function parseEsploraFees(v: unknown): FeeRates {
  const o = obj(v, 'fee estimates');
  const byTarget: [number, SatPerKvb][] = [];
  for (const [target, rate] of Object.entries(o)) {
    if (!/^[1-9][0-9]{0,4}$/.test(target)) throw malformed(`fee estimate target ${target.slice(0, 20)}`);
    byTarget.push([Number(target), kvbFromVb(rate as number, `fee estimate for ${target}`)]);
  }
  byTarget.sort((a, b) => a[0] - b[0]);
  return { source: 'esplora', byTarget, minRelay: null };
}

/**
 * The rate to confirm within `targetBlocks`: the estimate for the slowest target not slower than
 * it (the fastest one when none is), never below `floor`. Null when there are no estimates.
 */
export function rateFor(rates: FeeRates, targetBlocks: number, floor: SatPerKvb): SatPerKvb | null {
  if (rates.byTarget.length === 0) return null;
  const within = rates.byTarget.filter(([t]) => t <= targetBlocks);
  const rate = (within.length ? within[within.length - 1]! : rates.byTarget[0]!)[1];
  return rate > floor ? rate : floor;
}

/** The floor a backend's rates imply: its published minimum, else `fallback`. */
export function minRelayOf(rates: FeeRates | null, fallback: SatPerKvb): SatPerKvb {
  const published = rates?.minRelay;
  return published !== null && published !== undefined && published > 0n ? published : fallback;
}
