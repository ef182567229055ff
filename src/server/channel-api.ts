/**
 * The channel API under the configured base path (docs/protocol.md §HTTP binding):
 *
 *   GET  {base}/terms
 *   POST {base}/channels                        open: propose a channel
 *   POST {base}/channels/{openId}/fund          funding transaction + first payment
 *   POST {base}/channels/{channelId}/payments   a new cumulative payment
 *   GET  {base}/channels/{channelId}            status (credential)
 *   POST {base}/channels/{channelId}/close      settle now (credential)
 *
 * Every error is an application/problem+json body with the error's stable code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseChannelId, formatChannelId } from '../core/channel.ts';
import { ProtocolError } from '../core/errors.ts';
import {
  encodeOpenResponse,
  encodeStatus,
  encodeTermsResponse,
  parseCloseRequest,
  parseFundRequest,
  parseOpenId,
  parseOpenRequest,
  parsePayment,
} from '../core/messages.ts';
import { PROTOCOL_VERSIONS } from '../core/terms.ts';
import { channelStatus, closeChannel, fundChannel, openChannel, pay } from './channel-service.ts';
import type { ServerContext } from './context.ts';
import { readJson } from './http/body.ts';
import { readCredential } from './http/credential.ts';
import { asProtocolError, sendJson, sendProblem, type Headers } from './http/respond.ts';

/** The API is called from extension background pages and page scripts on other origins. Bearer credentials travel in headers, never cookies, so any origin may call. */
const CORS: Headers = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'WWW-Authenticate, Paychan-Receipt',
};
const PREFLIGHT: Headers = {
  ...CORS,
  'Access-Control-Allow-Methods': 'GET, POST',
  'Access-Control-Allow-Headers': 'Content-Type, Authorization, Paychan-Credential',
  'Access-Control-Max-Age': 600,
};

type Route =
  | { kind: 'terms' }
  | { kind: 'open' }
  | { kind: 'fund'; openId: string }
  | { kind: 'pay'; channelId: string }
  | { kind: 'status'; channelId: string }
  | { kind: 'close'; channelId: string };

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ProtocolError('SYNTAX_ERROR', 'malformed percent-encoding in the path');
  }
}

/** Canonical channel id from a path segment, so `%3A` and `:` name the same channel. */
function channelIdOf(segment: string): string {
  return formatChannelId(parseChannelId(decodeSegment(segment)));
}

/** Maps a path below the base to a route and the methods it allows. */
function match(subpath: string): { allow: string; route: (method: string) => Route | null } | null {
  const parts = subpath.split('/').slice(1);
  if (parts.length === 1 && parts[0] === 'terms') return { allow: 'GET', route: (m) => (m === 'GET' || m === 'HEAD' ? { kind: 'terms' } : null) };
  if (parts[0] !== 'channels') return null;
  if (parts.length === 1) return { allow: 'POST', route: (m) => (m === 'POST' ? { kind: 'open' } : null) };
  const id = parts[1]!;
  if (parts.length === 2) return { allow: 'GET', route: (m) => (m === 'GET' || m === 'HEAD' ? { kind: 'status', channelId: channelIdOf(id) } : null) };
  if (parts.length !== 3) return null;
  switch (parts[2]) {
    case 'fund':
      return { allow: 'POST', route: (m) => (m === 'POST' ? { kind: 'fund', openId: parseOpenId(decodeSegment(id)) } : null) };
    case 'payments':
      return { allow: 'POST', route: (m) => (m === 'POST' ? { kind: 'pay', channelId: channelIdOf(id) } : null) };
    case 'close':
      return { allow: 'POST', route: (m) => (m === 'POST' ? { kind: 'close', channelId: channelIdOf(id) } : null) };
    default:
      return null;
  }
}

export type ChannelApi = (req: IncomingMessage, res: ServerResponse, subpath: string) => Promise<void>;

export function channelApi(ctx: ServerContext): ChannelApi {
  const limits = { maxBytes: ctx.config.maxBodyBytes, timeoutMs: ctx.config.bodyTimeoutMs };
  const body = (req: IncomingMessage, opts?: { allowEmpty?: boolean }) => readJson(req, limits, opts);

  async function dispatch(req: IncomingMessage, route: Route): Promise<[number, unknown]> {
    switch (route.kind) {
      case 'terms':
        return [
          200,
          encodeTermsResponse({
            versions: [...PROTOCOL_VERSIONS],
            terms: ctx.config.terms,
            tip: await ctx.tip.height(),
            zeroConfLimit: ctx.policy.zeroConfLimit,
            settleMarginBlocks: ctx.config.settleMarginBlocks,
          }),
        ];
      case 'open':
        ctx.limits.take(req, 'open');
        return [201, encodeOpenResponse(await openChannel(ctx, parseOpenRequest(await body(req)), ctx.limits.clientOf(req)))];
      case 'fund':
        return [201, encodeStatus(await fundChannel(ctx, route.openId, parseFundRequest(await body(req))))];
      case 'pay':
        ctx.limits.take(req, 'payment');
        return [200, encodeStatus(await pay(ctx, route.channelId, parsePayment(await body(req))))];
      case 'status':
        return [200, encodeStatus(await channelStatus(ctx, route.channelId, readCredential(req)))];
      case 'close':
        return [200, encodeStatus(await closeChannel(ctx, route.channelId, readCredential(req), parseCloseRequest(await body(req, { allowEmpty: true }))))];
    }
  }

  return async (req, res, subpath) => {
    const method = req.method ?? 'GET';
    try {
      const m = match(subpath);
      if (!m) {
        sendProblem(res, new ProtocolError('NOT_FOUND', `no channel API endpoint at ${subpath.slice(0, 100) || '/'}`), CORS);
        return;
      }
      if (method === 'OPTIONS') {
        res.writeHead(204, { ...PREFLIGHT, Allow: m.allow });
        res.end();
        return;
      }
      const route = m.route(method);
      if (!route) {
        sendProblem(res, new ProtocolError('SYNTAX_ERROR', `${method} is not allowed here; use ${m.allow}`), { ...CORS, Allow: m.allow }, 405);
        return;
      }
      const [status, out] = await dispatch(req, route);
      sendJson(res, status, out, CORS);
    } catch (err) {
      const problem = asProtocolError(err, ctx.logger, { method, path: subpath });
      if (problem.code !== 'INTERNAL') ctx.logger.debug('request refused', { method, path: subpath, code: problem.code, detail: problem.message });
      // RFC 9110 §15.5.2: a 401 names the scheme that would authenticate.
      const challenge: Headers = problem.code === 'BAD_CREDENTIAL' ? { 'WWW-Authenticate': 'Paychan realm="paychan"' } : {};
      sendProblem(res, problem, { ...CORS, ...challenge });
    }
  };
}
