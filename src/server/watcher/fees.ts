/** Fee rates for settlements the watcher sends and bumps, in whole sat/vB. */

/**
 * The rate for a replacement of a settlement sent at `previous`: the current estimate or half
 * as much again as before, whichever is higher, and at least one more than before, so the
 * replacement pays more in total and per vbyte than what it replaces (BIP125 rules 3, 4 and 6;
 * the rebuilt transaction has the same size). Capped at `max`; null when `previous` already
 * sits at the cap and there is nothing left to offer.
 */
export function bumpedFeeRate(previous: bigint, estimate: bigint, max: bigint): bigint | null {
  const half = (previous * 3n + 1n) / 2n; // ceil(previous × 1.5)
  let rate = estimate > half ? estimate : half;
  if (rate <= previous) rate = previous + 1n;
  if (rate > max) rate = max;
  return rate > previous ? rate : null;
}

/** A rate never above the operator's cap, whatever the estimate says. */
export function capped(rate: bigint, max: bigint): bigint {
  return rate > max ? max : rate;
}
