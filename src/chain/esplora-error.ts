/** The error every Esplora request fails with, and how to read a node's refusal out of it. */

/**
 * A failed request. `status` is the HTTP status (0 when no response arrived); `reason` is the
 * node's rejection reason when the body carries one (e.g. `non-final`, `bad-txns-inputs-missingorspent`),
 * otherwise the body text.
 */
export class EsploraError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly body: string;
  /** How long the server asked us to wait (its `Retry-After`), in ms; null when it did not say. */
  readonly retryAfterMs: number | null;

  constructor(status: number, body: string, message?: string, retryAfterMs: number | null = null) {
    const reason = reasonFromBody(body);
    super(message ?? `Esplora HTTP ${status}: ${reason}`);
    this.name = 'EsploraError';
    this.status = status;
    this.reason = reason;
    this.body = body;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Esplora relays bitcoind's rejection as `sendrawtransaction RPC error: {"code":-26,"message":"non-final"}`;
 * the reason is that message. Other bodies are already plain reasons.
 */
function reasonFromBody(body: string): string {
  const json = body.indexOf('{');
  if (json >= 0) {
    try {
      const parsed: unknown = JSON.parse(body.slice(json));
      if (isRecord(parsed) && typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON after all: fall through to the raw text
    }
  }
  // A CDN's ban or error page says nothing worth repeating in a log line.
  if (/^\s*<(!doctype|html)/i.test(body)) return '(an HTML page)';
  return body.trim().slice(0, 500);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
