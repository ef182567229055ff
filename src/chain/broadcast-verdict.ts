/**
 * What a failed broadcast means. Esplora servers (Blockstream's and mempool's electrs, and the
 * devnet) pass the node's refusal through as HTTP 400 with the body
 * `sendrawtransaction RPC error: {"code":-26,"message":"<reason>"}`. Only such an answer is the
 * node's verdict on the transaction. Anything else (a 429 or 503 from a rate limiter, a CDN's
 * 403 ban page, another 5xx, a timeout, a dropped connection) says nothing about the
 * transaction: it is "unavailable, try again", never a refusal.
 */
import { EsploraError } from './esplora-error.ts';

export type BroadcastFailure =
  /** The node already has it (mempool or chain): as good as accepted. */
  | 'already_known'
  /** An input is spent by another transaction, or does not exist. */
  | 'conflict'
  /** The node refused the transaction itself (script, fee, standardness). */
  | 'invalid'
  /** No verdict: network error, rate limit, ban page, server error. */
  | 'unavailable';

const NODE_VERDICT = /^\s*sendrawtransaction RPC error:\s*\{/;
const ALREADY_KNOWN = /already[- ]in[- ](mempool|block ?chain)|txn-already-known|txn-already-in-mempool|outputs already in utxo set|already have transaction/i;
const CONFLICT = /inputs-missingorspent|inputs-spent|mempool-conflict|missing-inputs|missingorspent|insufficient fee, rejecting replacement/i;

/** True when `err` carries the node's own answer to a broadcast. */
export function isNodeVerdict(err: unknown): err is EsploraError {
  return err instanceof EsploraError && err.status === 400 && NODE_VERDICT.test(err.body);
}

export function classifyBroadcastError(err: unknown): BroadcastFailure {
  if (!isNodeVerdict(err)) return 'unavailable';
  if (ALREADY_KNOWN.test(err.reason)) return 'already_known';
  if (CONFLICT.test(err.reason)) return 'conflict';
  return 'invalid';
}
