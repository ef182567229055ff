/**
 * The kinds of value a server setting takes, each a parser that says in its error what is
 * allowed. settings.ts gives every setting one of these; the loaders put where it was written
 * (the file, "environment", "overrides") in front of the message.
 */
import { parseSatPerVb, parseSats, type SatPerKvb } from '../core/amounts.ts';

/** A setting's value is not one it allows; the message names the setting and what it allows. */
export class SettingError extends Error {
  override name = 'SettingError';
}

export type ValueParser<T> = (value: unknown, name: string) => T;

/**
 * A satoshi amount from a file, the environment or a flag, by the wire's rules (core's
 * parseSats). JSON and code may also write it as a number or a bigint, which count as their
 * decimal form. Throws a ProtocolError naming `field`.
 */
export function parseSatsSetting(value: unknown, field: string): bigint {
  const whole = typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value));
  return parseSats(whole ? String(value) : value, field);
}

function rethrown<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new SettingError((err as Error).message);
  }
}

export const sats: ValueParser<bigint> = (value, name) => rethrown(() => parseSatsSetting(value, name));

export const satPerVb: ValueParser<SatPerKvb> = (value, name) => rethrown(() => parseSatPerVb(value, name));

/** A whole number from `min` to `max`, given as a number or a decimal string (the environment's form). */
export function count(min = 0, { max = Number.MAX_SAFE_INTEGER, unit = '' }: { max?: number; unit?: string } = {}): ValueParser<number> {
  const allowed = `a whole number${unit ? ` of ${unit}` : ''} ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`}`;
  return (value, name) => {
    const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new SettingError(`${name} must be ${allowed}`);
    if (n < min || n > max) throw new SettingError(`${name} must be ${allowed}, not ${n}`);
    return n;
  };
}

export const flag: ValueParser<boolean> = (value, name) => {
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw new SettingError(`${name} must be true or false`);
};

export const text: ValueParser<string> = (value, name) => {
  if (typeof value !== 'string' || value === '') throw new SettingError(`${name} must be a non-empty string`);
  return value;
};

/** Text, or null (written as null or ""). */
export function orNull<T>(parse: ValueParser<T>): ValueParser<T | null> {
  return (value, name) => (value === null || value === '' ? null : parse(value, name));
}

/** One of `choices`; `describe` is how the message lists them where it differs from the list. */
export function oneOf<T extends string>(choices: readonly T[], describe = choices.join(', ')): ValueParser<T> {
  return (value, name) => {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) throw new SettingError(`${name} must be one of ${describe}`);
    return value as T;
  };
}

export const httpUrl: ValueParser<string> = (value, name) => {
  let u: URL | null = null;
  try {
    u = new URL(String(value));
  } catch {
    // reported below
  }
  if (typeof value !== 'string' || !u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new SettingError(`${name} must be an http(s) URL`);
  return value;
};

/** Among `names`, the one `typo` is most likely meant to be: at most two edits away. */
export function closestName(typo: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const name of names) {
    const d = editDistance(typo.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
