/**
 * The answers the devnet gives when playing a public server (behaviour.ts): the rate limiter's
 * pages, and the fee endpoints as mempool's backend and Blockstream's electrs serve them.
 */
import type { EsploraFeeEstimates } from '../chain/esplora-types.ts';
import type { Behaviour, RateLimit } from './behaviour.ts';

export interface Reply {
  status: number;
  type: 'application/json' | 'text/plain' | 'text/html';
  body: string;
  headers?: Record<string, string | number>;
}

/**
 * The devnet has no fee market: a fixed table at Esplora's confirmation targets, every rate at
 * least 2 sat/vB because bcoin's miner leaves cheaper transactions out of its blocks.
 */
export const DEVNET_FEE_ESTIMATES: Readonly<EsploraFeeEstimates> = {
  '1': 5,
  '2': 4,
  '3': 4,
  '4': 3,
  '5': 3,
  '6': 3,
  '10': 2,
  '20': 2,
  '25': 2,
  '144': 2,
  '504': 2,
  '1008': 2,
};

/**
 * The lowest rate this devnet confirms, reported as mempool's `minimumFee`: bcoin's miner leaves
 * transactions under 2 sat/vB out of its blocks (toolchain notes), whatever the fee table says.
 */
export const DEVNET_MINIMUM_FEE = 2;

const feesUnavailable: Reply = { status: 503, type: 'text/plain', body: 'fee estimates temporarily unavailable', headers: { 'Retry-After': 1 } };

/** Esplora's `/fee-estimates`; on mempool's backend a deprecated endpoint, answered 203 with a warning. */
export function feeEstimatesReply(b: Behaviour): Reply {
  if (b.feesDown) return feesUnavailable;
  const body = JSON.stringify(b.feeRates ?? DEVNET_FEE_ESTIMATES);
  if (b.flavour === 'esplora') return { status: 200, type: 'application/json', body };
  return { status: 203, type: 'application/json', body, headers: { Warning: '299 - "Deprecated: use /api/v1/fees/recommended"' } };
}

/**
 * mempool's `/v1/fees/recommended` (whole sat/vB, rounded up) and `/v1/fees/precise` (three
 * decimals) from the fee table; Blockstream's electrs has neither route (404).
 */
export function mempoolFeesReply(b: Behaviour, precise: boolean): Reply {
  if (b.flavour !== 'mempool') return { status: 404, type: 'text/plain', body: 'Not Found' };
  if (b.feesDown) return feesUnavailable;
  const table = b.feeRates ?? DEVNET_FEE_ESTIMATES;
  const targets = Object.keys(table).map(Number).sort((x, y) => x - y);
  const at = (blocks: number) => {
    const within = targets.filter((t) => t <= blocks);
    const rate = table[String(within.length ? within[within.length - 1] : targets[0])] ?? DEVNET_MINIMUM_FEE;
    return precise ? Math.round(rate * 1000) / 1000 : Math.ceil(rate);
  };
  return {
    status: 200,
    type: 'application/json',
    body: JSON.stringify({ fastestFee: at(1), halfHourFee: at(3), hourFee: at(6), economyFee: at(144), minimumFee: DEVNET_MINIMUM_FEE }),
  };
}

/** What a rate-limited client gets: nginx's 429 page, a CDN's 403 ban page, or a 503; with `Retry-After` where servers send it. */
export function rateLimitReply(limit: RateLimit): Reply {
  const page = (title: string) => `<html>\n<head><title>${title}</title></head>\n<body>\n<center><h1>${title}</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n`;
  switch (limit.status) {
    case 429:
      return { status: 429, type: 'text/html', body: page('429 Too Many Requests'), headers: { 'Retry-After': limit.retryAfterSeconds } };
    case 503:
      return { status: 503, type: 'text/html', body: page('503 Service Temporarily Unavailable'), headers: { 'Retry-After': limit.retryAfterSeconds } };
    case 403:
      return { status: 403, type: 'text/html', body: '<!DOCTYPE html><html><head><title>Access denied</title></head><body><h1>Sorry, you have been blocked</h1></body></html>' };
  }
}
