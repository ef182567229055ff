/** Formatting and parsing of amounts for people; bigint inside, never floating point. */
import { formatSatPerVb } from '../../core/amounts.ts';

const SATS = /^(0|[1-9][0-9]{0,15})$/;

/** "1234567" → "1,234,567 sat"; negative deltas keep their sign. */
export function fmtSats(v: string | bigint, unit = true): string {
  const s = typeof v === 'bigint' ? v.toString() : v;
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '−' : ''}${grouped}${unit ? ' sat' : ''}`;
}

/** A sat/kvB rate (decimal string) as sat/vB with up to 3 decimals: "250" → "0.25 sat/vB". */
export function fmtFeeRate(kvb: string): string {
  return `${formatSatPerVb(BigInt(kvb))} sat/vB`;
}

/** Sats as a BTC decimal string without trailing zeros: 150000 → "0.0015". */
export function satsToBtc(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const whole = a / 100_000_000n;
  const frac = (a % 100_000_000n).toString().padStart(8, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? '.' + frac : ''}`;
}

/** A user's amount in sats (digits, optional thousands separators); null when not one. */
export function parseSatsInput(text: string): bigint | null {
  const t = text.trim().replace(/[,_\s]/g, '');
  return SATS.test(t) ? BigInt(t) : null;
}

/** What an amount box shows once the reader leaves it: "1000" → "1,000"; anything else as typed. */
export function groupSatsInput(text: string): string {
  const v = parseSatsInput(text);
  return v === null ? text : fmtSats(v, false);
}

/** BIP21: `bitcoin:<address>?amount=<BTC>`; the amount is optional. */
export function bip21(address: string, amountSats?: bigint | null, label?: string): string {
  const params: string[] = [];
  if (amountSats && amountSats > 0n) params.push(`amount=${satsToBtc(amountSats)}`);
  if (label) params.push(`label=${encodeURIComponent(label)}`);
  return `bitcoin:${address}${params.length ? '?' + params.join('&') : ''}`;
}

export function fmtTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/**
 * When a channel expires, as a date a reader can plan with; the block count is the detail that
 * actually governs it, at ten minutes a block from `nowMs`.
 */
export function fmtExpiry(blocksLeft: number, nowMs: number): string {
  if (blocksLeft <= 0) return 'expired';
  const at = new Date(nowMs + blocksLeft * 600_000).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
  return `about ${at} (${fmtSats(BigInt(blocksLeft), false)} blocks, ${blocksDuration(blocksLeft)})`;
}

/** Blocks until expiry as a human duration at ten minutes a block. */
export function fmtBlocks(blocks: number): string {
  if (blocks <= 0) return 'expired';
  return `${fmtSats(BigInt(blocks), false)} blocks (${blocksDuration(blocks)})`;
}

function blocksDuration(blocks: number): string {
  const minutes = blocks * 10;
  if (minutes < 120) return `~${minutes} min`;
  const hours = minutes / 60;
  return hours < 48 ? `~${Math.round(hours)} h` : `~${Math.round(hours / 24)} days`;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
