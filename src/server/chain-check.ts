/**
 * The start-up check of the chain backend, run by `paychan-server` before it listens and by
 * `paychan-server check`: the Esplora answers, serves the configured network (its genesis block),
 * and reports a tip. Unlike createPaychan's network check, an unreachable backend is a failure
 * here: a paywall that cannot read the chain answers every reader with an error.
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
}

/** Fails fast: one retry, ten seconds per request. */
export async function checkChainBackend(url: string, network: NetworkName, client = new EsploraClient(url, undefined, { timeoutMs: 10_000, retries: 1, rateLimitRetries: 1, backoffMs: 200 })): Promise<ChainCheckResult> {
  let genesis: string;
  try {
    genesis = await client.getBlockHash(0);
  } catch (err) {
    throw new ChainCheckError(`the chain backend ${url} does not answer (${(err as Error).message}): check esploraUrl in the config and that the server is up`);
  }
  const wrong = wrongChainMessage(genesis, network, url);
  if (wrong) throw new ChainCheckError(wrong);
  try {
    const [tipHeight, tipHash] = await Promise.all([client.getTipHeight(), client.getTipHash()]);
    return { genesis, tipHeight, tipHash };
  } catch (err) {
    throw new ChainCheckError(`the chain backend ${url} answers but cannot tell its chain tip (${(err as Error).message})`);
  }
}
