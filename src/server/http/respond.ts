/** Writing JSON and RFC 9457 problem responses. */
import type { ServerResponse } from 'node:http';
import { ProtocolError, toProblem } from '../../core/errors.ts';
import type { Logger } from '../logger.ts';

export type Headers = Record<string, string | number>;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Headers = {}, type = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': `${type}; charset=utf-8`,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/**
 * A request whose body was refused unread leaves the connection in an unknown state:
 * close it after answering rather than parse the rest of the body as the next request.
 */
const CLOSES_CONNECTION = new Set(['PAYLOAD_TOO_LARGE', 'TIMEOUT']);

export function sendProblem(res: ServerResponse, err: ProtocolError, headers: Headers = {}, status = err.status): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const extra: Headers = CLOSES_CONNECTION.has(err.code) ? { Connection: 'close' } : {};
  // A temporary refusal (RATE_LIMITED, CHAIN_UNAVAILABLE) says when to come back, in the body and
  // as HTTP's own header (RFC 9110 §10.2.3).
  if (typeof err.extra.retryAfter === 'number') extra['Retry-After'] = err.extra.retryAfter;
  sendJson(res, status, { ...toProblem(err), status }, { ...headers, ...extra }, 'application/problem+json');
}

/** Anything that is not a ProtocolError is our bug or our backend's: log it, tell the peer nothing internal. */
export function asProtocolError(err: unknown, logger: Logger, context: Record<string, unknown> = {}): ProtocolError {
  if (err instanceof ProtocolError) return err;
  logger.error('internal error', { ...context, error: err instanceof Error ? err.stack ?? err.message : String(err) });
  return new ProtocolError('INTERNAL', 'internal server error');
}
