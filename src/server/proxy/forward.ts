/**
 * Forwards a request to the upstream site and streams the answer back: bodies flow through in
 * both directions without buffering, hop-by-hop headers stop here, X-Forwarded-* are added, and
 * Paychan credentials never leave the proxy (they are bearer secrets for the channel, and the
 * upstream has no use for them). An unreachable upstream gets 502, a silent one 504, as
 * application/problem+json; any answer the upstream does give passes through as it is.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { CREDENTIAL_HEADER, RECEIPT_HEADER } from '../../core/http-binding.ts';
import type { Logger } from '../logger.ts';

/** RFC 9110 §7.6.1 connection-specific fields, plus the old Keep-Alive/Proxy-Connection ones. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const drop = new Set(HOP_BY_HOP);
  const listed = headers.connection;
  if (listed) for (const name of listed.split(',')) drop.add(name.trim().toLowerCase());
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !drop.has(name)) out[name] = value;
  return out;
}

const PAYCHAN_AUTH = /^\s*paychan(\s|$)/i;

function appendValue(existing: string | string[] | undefined, value: string): string {
  const prior = Array.isArray(existing) ? existing.join(', ') : existing;
  return prior ? `${prior}, ${value}` : value;
}

/** The headers the upstream gets for `req`. */
export function upstreamRequestHeaders(req: IncomingMessage, upstream: URL): OutgoingHttpHeaders {
  const headers = withoutHopByHop(req.headers);
  delete headers[CREDENTIAL_HEADER.toLowerCase()];
  // The site's own Authorization scheme passes; only a Paychan credential is taken out.
  if (typeof headers.authorization === 'string' && PAYCHAN_AUTH.test(headers.authorization)) delete headers.authorization;
  const proto = (req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
  headers['x-forwarded-for'] = appendValue(req.headers['x-forwarded-for'], req.socket.remoteAddress ?? 'unknown');
  headers['x-forwarded-proto'] = appendValue(req.headers['x-forwarded-proto'], proto);
  if (req.headers.host) headers['x-forwarded-host'] = appendValue(req.headers['x-forwarded-host'], req.headers.host);
  headers.host = upstream.host;
  return headers;
}

function gatewayProblem(res: ServerResponse, status: 502 | 504, detail: string): void {
  const code = status === 502 ? 'BAD_GATEWAY' : 'GATEWAY_TIMEOUT';
  const body = JSON.stringify({ type: `urn:paychan:error:${code.toLowerCase().replace('_', '-')}`, title: code, status, code, detail });
  res.writeHead(status, { 'Content-Type': 'application/problem+json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

export interface Forwarder {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Closes pooled upstream connections. */
  close(): void;
}

export function createForwarder(opts: { upstream: URL; timeoutMs: number; logger: Logger }): Forwarder {
  const { upstream, timeoutMs, logger } = opts;
  const secure = upstream.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  // An upstream mounted below a path (http://host/app) gets /app + the request's path.
  const prefix = upstream.pathname.replace(/\/$/, '');

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const target = prefix + (req.url ?? '/');
    const up = send({
      protocol: upstream.protocol,
      hostname: upstream.hostname.replace(/^\[|\]$/g, ''),
      port: upstream.port || (secure ? 443 : 80),
      method: req.method,
      path: target,
      headers: upstreamRequestHeaders(req, upstream),
      agent,
      timeout: timeoutMs,
    });
    let answered = false;
    up.on('response', (upRes) => {
      answered = true;
      const headers = withoutHopByHop(upRes.headers);
      // Only the paywall speaks for the channel: an upstream's own receipt would override ours.
      delete headers[RECEIPT_HEADER.toLowerCase()];
      // The paywall's receipt must stay readable by page scripts even if the site sets its own list.
      const exposed = res.getHeader('access-control-expose-headers');
      if (exposed && headers['access-control-expose-headers']) headers['access-control-expose-headers'] = `${String(headers['access-control-expose-headers'])}, ${String(exposed)}`;
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, headers);
      upRes.pipe(res);
      // An upstream that dies mid-body must not look like a complete answer: cut the reader off too.
      upRes.on('close', () => {
        if (!upRes.complete) res.destroy();
      });
    });
    up.on('timeout', () => up.destroy(Object.assign(new Error(`upstream silent for ${timeoutMs} ms`), { code: 'ETIMEDOUT_UPSTREAM' })));
    up.on('error', (err: Error & { code?: string }) => {
      if (res.headersSent || answered) {
        res.destroy();
        return;
      }
      if (res.destroyed) return; // the reader is gone; nobody to tell
      const timedOut = err.code === 'ETIMEDOUT_UPSTREAM';
      logger.warn('upstream failed', { method: req.method, path: target, code: err.code, error: err.message });
      gatewayProblem(res, timedOut ? 504 : 502, timedOut ? 'the upstream server did not answer in time' : 'the upstream server is unreachable');
    });
    // The reader went away: stop the upstream work too.
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  };
  return Object.assign(forward, { close: () => agent.destroy() });
}
