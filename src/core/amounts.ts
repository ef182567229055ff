import { ProtocolError } from './errors.ts';

/** Satoshis are bigints everywhere in code; the wire carries them as canonical decimal strings. */
export type Sats = bigint;

/** The most satoshis that can ever exist; any larger value from a peer is nonsense. */
export const MAX_MONEY: Sats = 2_100_000_000_000_000n;

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** Parses a wire amount: a decimal string with no sign, no leading zeros, at most MAX_MONEY. */
export function parseSats(value: unknown, field: string): Sats {
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    throw new ProtocolError('SYNTAX_ERROR', `${field} must be a whole number of satoshis as a decimal string`);
  }
  const sats = BigInt(value);
  if (sats > MAX_MONEY) throw new ProtocolError('SYNTAX_ERROR', `${field} exceeds 21 million BTC`);
  return sats;
}

export function formatSats(sats: Sats): string {
  return sats.toString(10);
}

/** Parses a non-negative safe integer such as a block height or an output index. */
export function parseUint(value: unknown, field: string, max = 0xffffffff): number {
  const n = typeof value === 'string' && /^(0|[1-9][0-9]*)$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > max) {
    throw new ProtocolError('SYNTAX_ERROR', `${field} must be a whole number from 0 to ${max}`);
  }
  return n;
}

/** Bitcoin Core's dust relay fee (3 sat/vB), which fixes every dust threshold below. */
export const DUST_RELAY_FEE_PER_VB = 3n;

/**
 * Bitcoin Core's dust threshold for an output script (policy/policy.cpp GetDustThreshold):
 * the dust relay fee times the output's size plus the size of the input that would spend it.
 * 294 sat for P2WPKH, 330 for P2WSH and P2TR, 546 for P2PKH, 540 for P2SH.
 */
export function dustThreshold(outputScript: Uint8Array): Sats {
  const outputSize = 8 + compactSizeLength(outputScript.length) + outputScript.length;
  const isWitnessProgram =
    outputScript.length >= 4 &&
    outputScript.length <= 42 &&
    (outputScript[0] === 0x00 || (outputScript[0]! >= 0x51 && outputScript[0]! <= 0x60)) &&
    outputScript[1] === outputScript.length - 2;
  // Spending input: outpoint 36 + script length 1 + sequence 4, plus a 107-byte P2PKH
  // scriptSig, or a witness of the same size discounted by 4 (integer division as in Core).
  const inputSize = isWitnessProgram ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return BigInt(outputSize + inputSize) * DUST_RELAY_FEE_PER_VB;
}

export function compactSizeLength(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9;
}

/**
 * A fee rate in sat/kvB (1 sat/vB is 1000), the one unit rates travel in: fractional and
 * sub-1 sat/vB rates stay exact, and nothing rounds them up to whole sat/vB along the way.
 */
export type SatPerKvb = bigint;

/** Bitcoin Core's default minimum relay fee (and incremental relay fee): 1 sat/vB. */
export const DEFAULT_MIN_RELAY_KVB: SatPerKvb = 1000n;

/** Fee in sats for a virtual size at a rate in sat/kvB: ceil(vsize × rate / 1000), so the rate is always met. */
export function feeForVsize(vsize: number, rateKvb: SatPerKvb): Sats {
  return (BigInt(vsize) * rateKvb + 999n) / 1000n;
}

/**
 * A fee rate as people write it, in sat/vB with up to three decimals ("2", "1.5", "0.25", or the
 * same as a JSON number or bigint), in sat/kvB. Zero and anything finer than 0.001 are refused.
 */
export function parseSatPerVb(value: unknown, field: string): SatPerKvb {
  const text = typeof value === 'bigint' || typeof value === 'number' ? String(value) : value;
  const m = typeof text === 'string' ? /^([0-9]{1,9})(?:\.([0-9]{1,3}))?$/.exec(text) : null;
  if (!m) throw new ProtocolError('SYNTAX_ERROR', `${field} must be a fee rate in sat/vB with at most three decimals, like "1.5"`);
  const rate = BigInt(m[1]!) * 1000n + BigInt((m[2] ?? '').padEnd(3, '0'));
  if (rate === 0n) throw new ProtocolError('SYNTAX_ERROR', `${field} must be above 0 sat/vB`);
  return rate;
}

/** A sat/kvB rate as sat/vB for people to read: up to three decimals, no trailing zeros ("0.25", "2"). */
export function formatSatPerVb(rateKvb: SatPerKvb): string {
  const whole = rateKvb / 1000n;
  const frac = (rateKvb % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}
