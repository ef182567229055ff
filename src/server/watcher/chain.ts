/**
 * What the watcher reads from the chain beyond the request path's ChainBackend: whole
 * transactions (to tell "unconfirmed" from "unknown to the node", which Esplora's status
 * endpoint does not) and who spent an output. EsploraClient provides both.
 */
import { EsploraError, type EsploraOutspend, type Tx } from '../../chain/esplora.ts';
import type { ChainBackend } from '../chain.ts';

export interface WatcherChain extends ChainBackend {
  /** Throws an EsploraError with status 404 when neither the chain nor the mempool holds it. */
  getTx(txid: string): Promise<Pick<Tx, 'txid' | 'status'>>;
  getOutspend(txid: string, vout: number): Promise<EsploraOutspend>;
}

/** Chain backends injected for tests and benchmarks may lack what the watcher needs. */
export function isWatcherChain(chain: ChainBackend): chain is WatcherChain {
  const c = chain as Partial<WatcherChain>;
  return typeof c.getTx === 'function' && typeof c.getOutspend === 'function';
}

/** The node has never heard of the transaction, or has forgotten it. */
export function isNotFound(err: unknown): boolean {
  return err instanceof EsploraError && err.status === 404;
}

/** The transaction's status, or null when the node does not know it. */
export async function txStatusOrNull(chain: WatcherChain, txid: string): Promise<Tx['status'] | null> {
  try {
    return (await chain.getTx(txid)).status;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}
