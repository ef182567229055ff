/** Fee rates for settlements the watcher sends and bumps, in sat/kvB. */
import { DEFAULT_MIN_RELAY_KVB, type SatPerKvb } from '../../core/amounts.ts';

/**
 * How much more per vbyte a replacement must pay: Bitcoin Core's incremental relay fee (its
 * default, 1 sat/vB). BIP125 rule 4 asks a replacement to pay at least this × its own vsize on
 * top of the fee it replaces; since fees are ceil(vsize × rate / 1000), a rate this much higher
 * on a transaction of the same size always pays that much more.
 */
export const INCREMENTAL_RELAY_KVB: SatPerKvb = DEFAULT_MIN_RELAY_KVB;

/**
 * The rate for a replacement of a settlement sent at `previous`: the current estimate or half
 * as much again as before, whichever is higher, and at least the incremental relay fee more than
 * before, so the replacement pays more in total and per vbyte than what it replaces (BIP125
 * rules 3, 4 and 6; the rebuilt transaction has the same size). Capped at `max`; null when the
 * cap leaves no room for a valid replacement.
 */
export function bumpedFeeRate(previous: SatPerKvb, estimate: SatPerKvb, max: SatPerKvb): SatPerKvb | null {
  const half = (previous * 3n + 1n) / 2n; // ceil(previous × 1.5)
  let rate = estimate > half ? estimate : half;
  if (rate < previous + INCREMENTAL_RELAY_KVB) rate = previous + INCREMENTAL_RELAY_KVB;
  if (rate > max) rate = max;
  return isValidReplacementRate(previous, rate) ? rate : null;
}

/** Whether a same-size replacement at `rate` of one at `previous` meets BIP125 rule 4. */
export function isValidReplacementRate(previous: SatPerKvb, rate: SatPerKvb): boolean {
  return rate >= previous + INCREMENTAL_RELAY_KVB;
}

/** A rate never above the operator's cap, whatever the estimate says. */
export function capped(rate: SatPerKvb, max: SatPerKvb): SatPerKvb {
  return rate > max ? max : rate;
}
