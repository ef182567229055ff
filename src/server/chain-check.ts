/**
 * The start-up check of the chain backend, run by `paychan-server` before it listens and by
 * `paychan-server check`: the Esplora answers, serves the configured network (its genesis block),
 * reports a tip, and that tip is recent: a backend whose node stopped following the chain would
 * let channels run past their expiry unseen. Unlike createPaychan's network check, an unreachable
 * backend is a failure here: a paywall that cannot read the chain answers every reader with an error.
 */
import { EsploraClient } from '../chain/esplora.ts';
import type { NetworkName } from '../core/network.ts';
import { wrongChainMessage } from './chain.ts';

export class ChainCheckError extends Error {
  override name = 'ChainCheckError';
}

export interface ChainCheckResult {
  genesis: string;
  tipHeight: number;
  tipHash: string;
  /** The tip block's header time (seconds since the epoch); null where the age is not checked. */
  tipTime: number | null;
}

/** How old a tip may be where the config leaves it open: a block is due every ten minutes, and two hours without one is rare. */
export const DEFAULT_MAX_TIP_AGE_MINUTES = 120;

/** The tip age limit in force: the config's, else the default; none on regtest, where blocks come when someone mines them. */
export function maxTipAgeMinutes(configured: number | null, network: NetworkName): number | null {
  return configured ?? (network === 'regtest' ? null : DEFAULT_MAX_TIP_AGE_MINUTES);
}

export interface ChainCheckOptions {
  /** The config's maxTipAgeMinutes (null: the network's default). */
  maxTipAgeMinutes?: number | null;
  /** Default: an EsploraClient for `url` that fails fast (one retry, ten seconds per request). */
  client?: Pick<EsploraClient, 'getBlockHash' | 'getTipHeight' | 'getTipHash' | 'getBlockTime'>;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
}

function ago(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes < 120 ? `${minutes} minutes` : `${Math.floor(minutes / 60)} hours ${minutes % 60} minutes`;
}

export async function checkChainBackend(url: string, network: NetworkName, opts: ChainCheckOptions = {}): Promise<ChainCheckResult> {
  const client = opts.client ?? new EsploraClient(url, undefined, { timeoutMs: 10_000, retries: 1, rateLimitRetries: 1, backoffMs: 200 });
  let genesis: string;
  try {
    genesis = await client.getBlockHash(0);
  } catch (err) {
    throw new ChainCheckError(`the chain backend ${url} does not answer (${(err as Error).message}): check esploraUrl in the config and that the server is up`);
  }
  const wrong = wrongChainMessage(genesis, network, url);
  if (wrong) throw new ChainCheckError(wrong);
  let tipHeight: number;
  let tipHash: string;
  try {
    [tipHeight, tipHash] = await Promise.all([client.getTipHeight(), client.getTipHash()]);
  } catch (err) {
    throw new ChainCheckError(`the chain backend ${url} answers but cannot tell its chain tip (${(err as Error).message})`);
  }
  const limit = maxTipAgeMinutes(opts.maxTipAgeMinutes ?? null, network);
  if (limit === null) return { genesis, tipHeight, tipHash, tipTime: null };
  let tipTime: number;
  try {
    tipTime = await client.getBlockTime(tipHash);
  } catch (err) {
    throw new ChainCheckError(`the chain backend ${url} answers but cannot tell when its tip block ${tipHash} was mined (${(err as Error).message})`);
  }
  const age = Math.floor((opts.now ?? Date.now)() / 1000) - tipTime;
  if (age > limit * 60) {
    throw new ChainCheckError(
      `the chain backend ${url} is not following the chain: its tip, block ${tipHeight}, was mined ${ago(age)} ago (${new Date(tipTime * 1000).toISOString()}), ` +
        `longer than maxTipAgeMinutes (${limit}) allows. Check that its node is running and synced, or choose another Esplora`,
    );
  }
  return { genesis, tipHeight, tipHash, tipTime };
}
