/**
 * Switches that make the devnet answer as the public servers do, so clients are tested against
 * what mempool.space and blockstream.info really send: rate limits (429 with `Retry-After`, a
 * CDN's 403 ban page, 503), a fee endpoint that is down, fractional and sub-1 fee rates,
 * mempool's or Blockstream's fee endpoints and history paging, the 500-coin limit, and a
 * broadcast whose answer is lost after the node took the transaction.
 *
 * Set with `startDevnet({ behaviour })`, the CLI's flags, or at run time with
 * `POST /devnet/behaviour` (a partial object; see README.md).
 */
import { DevnetError } from './errors.ts';

export type Flavour = 'esplora' | 'mempool';

export interface RateLimit {
  /** Share of matching requests refused, 0 to 1. */
  fraction: number;
  /** 429 (rate limit), 403 (a CDN's ban page) or 503 (overloaded). */
  status: 429 | 403 | 503;
  /** Sent as `Retry-After` with 429 and 503. */
  retryAfterSeconds: number;
  /**
   * Seeds the choice of which requests are refused. The choice for the n-th request to a path
   * depends only on the seed, the method, the path and n, so a test sees the same refusals every
   * run however its concurrent requests interleave.
   */
  seed: number;
  /** Only requests whose `METHOD /path` contains this are refused; null for all. */
  match: string | null;
}

export interface Behaviour {
  /**
   * `esplora`: Blockstream's electrs (`/fee-estimates`, history paged by `/txs/chain/:last_seen_txid`,
   * 404 on `/v1/fees/*`). `mempool`: mempool's backend (`/v1/fees/recommended` and `/precise`,
   * `/fee-estimates` answered 203 with a deprecation warning, history paged by `?after_txid=`).
   */
  flavour: Flavour;
  rateLimit: RateLimit;
  /** The fee endpoints answer 503. */
  feesDown: boolean;
  /** Fee rates served, sat/vB by confirmation target (fractions and rates below 1 allowed); null for the fixed table. */
  feeRates: Record<string, number> | null;
  /** `/utxo` answers 400 "Too many unspent transaction outputs (>500)" above this many coins. */
  utxoLimit: number;
  /** Broadcasts reach the node, but the answer is a 502 as if lost on its way back. */
  loseBroadcastAnswers: boolean;
}

export const DEFAULT_BEHAVIOUR: Behaviour = {
  flavour: 'esplora',
  rateLimit: { fraction: 0, status: 429, retryAfterSeconds: 1, seed: 1, match: null },
  feesDown: false,
  feeRates: null,
  utxoLimit: 500,
  loseBroadcastAnswers: false,
};

/** The switches of one devnet, and the seeded coin it flips to refuse requests. */
export class BehaviourSwitch {
  private current: Behaviour = structuredClone(DEFAULT_BEHAVIOUR);
  /** Requests seen per `METHOD /path` since the rate limit was last set. */
  private seen = new Map<string, number>();

  constructor(initial: Partial<Behaviour> = {}) {
    this.set(initial);
  }

  get(): Behaviour {
    return structuredClone(this.current);
  }

  /** Applies a partial change; `rateLimit` may itself be partial. Invalid input changes nothing. */
  set(patch: unknown): Behaviour {
    const next = merge(this.current, patch);
    this.current = next;
    this.seen = new Map();
    return this.get();
  }

  /** Whether this request is to be refused by the rate limiter. */
  refuses(method: string, path: string): boolean {
    const { fraction, match, seed } = this.current.rateLimit;
    const request = `${method} ${path}`;
    if (fraction <= 0 || path.startsWith('/devnet/')) return false;
    if (match !== null && !request.includes(match)) return false;
    const n = (this.seen.get(request) ?? 0) + 1;
    this.seen.set(request, n);
    return mulberry32(hash(`${seed} ${request} ${n}`))() < fraction;
  }
}

function merge(base: Behaviour, patch: unknown): Behaviour {
  if (!isRecord(patch)) throw new DevnetError(400, 'behaviour must be a JSON object');
  const out = structuredClone(base);
  for (const [key, value] of Object.entries(patch)) {
    switch (key) {
      case 'flavour':
        if (value !== 'esplora' && value !== 'mempool') throw new DevnetError(400, 'flavour must be "esplora" or "mempool"');
        out.flavour = value;
        break;
      case 'feesDown':
      case 'loseBroadcastAnswers':
        if (typeof value !== 'boolean') throw new DevnetError(400, `${key} must be true or false`);
        out[key] = value;
        break;
      case 'utxoLimit':
        if (!Number.isSafeInteger(value) || (value as number) < 0) throw new DevnetError(400, 'utxoLimit must be a whole number');
        out.utxoLimit = value as number;
        break;
      case 'feeRates':
        out.feeRates = value === null ? null : feeTable(value);
        break;
      case 'rateLimit':
        out.rateLimit = rateLimit(out.rateLimit, value);
        break;
      default:
        throw new DevnetError(400, `unknown behaviour ${key.slice(0, 50)}`);
    }
  }
  return out;
}

function rateLimit(base: RateLimit, value: unknown): RateLimit {
  if (!isRecord(value)) throw new DevnetError(400, 'rateLimit must be an object');
  const out = { ...base };
  for (const [key, v] of Object.entries(value)) {
    if (key === 'fraction' && typeof v === 'number' && v >= 0 && v <= 1) out.fraction = v;
    else if (key === 'status' && (v === 429 || v === 403 || v === 503)) out.status = v;
    else if (key === 'retryAfterSeconds' && Number.isSafeInteger(v) && (v as number) >= 0) out.retryAfterSeconds = v as number;
    else if (key === 'seed' && Number.isSafeInteger(v)) out.seed = v as number;
    else if (key === 'match' && (v === null || typeof v === 'string')) out.match = v;
    else throw new DevnetError(400, `rateLimit.${key.slice(0, 50)} is not valid`);
  }
  return out;
}

function feeTable(value: unknown): Record<string, number> {
  if (!isRecord(value)) throw new DevnetError(400, 'feeRates must be an object of target → sat/vB');
  for (const [target, rate] of Object.entries(value)) {
    if (!/^[1-9][0-9]{0,3}$/.test(target) || typeof rate !== 'number' || !(rate >= 0)) {
      throw new DevnetError(400, `feeRates.${target.slice(0, 20)} must be a rate in sat/vB at a target in blocks`);
    }
  }
  return { ...(value as Record<string, number>) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** FNV-1a, 32 bits: a seed from a string. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A small seeded PRNG (mulberry32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
