/**
 * The admin JSON API's requests: `GET /api/{totals,earnings,channels,settlements,proposals,zero-conf}`,
 * each with `Authorization: Bearer <token>`. Refusals are RFC 9457 problem documents whose `code`
 * is stable (ADMIN_CODES); nothing here changes the store.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PaychanConfig } from '../config.ts';
import { sendJson } from '../http/respond.ts';
import type { Logger } from '../logger.ts';
import type { ChannelStore } from '../store/channel-store.ts';
import { bearerMatches } from './token.ts';
import { channelsJson, earnings, proposalsJson, settlementsJson, storeTotals, totalsJson, zeroConfJson, type Bucket } from './views.ts';

/** The admin API's error codes and their HTTP status; docs/operations.md lists them. */
export const ADMIN_CODES = {
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  BAD_QUERY: 400,
  CHAIN_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type AdminCode = keyof typeof ADMIN_CODES;

export class AdminProblem extends Error {
  constructor(
    readonly code: AdminCode,
    detail: string,
  ) {
    super(detail);
  }
}

export function sendAdminProblem(res: ServerResponse, p: AdminProblem): void {
  const status = ADMIN_CODES[p.code];
  const headers: Record<string, string> = {};
  if (p.code === 'UNAUTHORIZED') headers['WWW-Authenticate'] = 'Bearer realm="paychan-admin"';
  if (p.code === 'METHOD_NOT_ALLOWED') headers.Allow = 'GET, HEAD';
  sendJson(res, status, { type: `urn:paychan:admin:${p.code.toLowerCase().replaceAll('_', '-')}`, title: p.code, status, code: p.code, detail: p.message }, headers, 'application/problem+json');
}

export interface AdminApiDeps {
  config: PaychanConfig;
  store: ChannelStore;
  getTipHeight(): Promise<number>;
  /** The token each request must carry; read per request, so a rotated token applies at once. */
  token(): string;
  logger: Logger;
  now?: () => number;
}

function bucketOf(url: URL): Bucket {
  const b = url.searchParams.get('bucket') ?? 'day';
  if (b !== 'hour' && b !== 'day') throw new AdminProblem('BAD_QUERY', `bucket must be hour or day, not ${b.slice(0, 20)}`);
  return b;
}

/** Answers one request under /api/; throws AdminProblem for a refusal. */
export async function adminApi(d: AdminApiDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new AdminProblem('METHOD_NOT_ALLOWED', 'the admin API is read-only: GET');
  let token: string;
  try {
    token = d.token();
  } catch (err) {
    // A token file made unreadable (or loosened) after the start locks the API rather than open
    // it. Why goes to the log, not to a caller who has not shown the token (it names a path).
    d.logger.error('admin token unusable: every admin API request is refused', { error: (err as Error).message });
    throw new AdminProblem('UNAUTHORIZED', "the server's admin token file is unreadable or readable by others: see the server's log");
  }
  if (!bearerMatches(req.headers.authorization, token)) throw new AdminProblem('UNAUTHORIZED', 'send Authorization: Bearer <admin token> (paychan-admin token shows where it is kept)');
  const now = (d.now ?? Date.now)();
  const { store, config } = d;
  let body: unknown;
  switch (url.pathname) {
    case '/api/totals':
      body = totalsJson(await storeTotals(store), config.zeroConfTotalLimit);
      break;
    case '/api/earnings':
      body = await earnings(store, bucketOf(url), now);
      break;
    case '/api/channels': {
      let tip: number;
      try {
        tip = await d.getTipHeight();
      } catch (err) {
        throw new AdminProblem('CHAIN_UNAVAILABLE', `the chain backend did not give its tip: ${(err as Error).message}`);
      }
      body = channelsJson(await store.listChannels(), tip, config, now);
      break;
    }
    case '/api/settlements':
      body = settlementsJson(await store.listSettlements(), config.network);
      break;
    case '/api/proposals':
      body = proposalsJson(await store.listPendingOpens(now - config.openProposalTtlMs), config.openProposalTtlMs);
      break;
    case '/api/zero-conf':
      body = zeroConfJson(await store.listChannels(), config);
      break;
    default:
      throw new AdminProblem('NOT_FOUND', `no ${url.pathname.slice(0, 100)} in the admin API`);
  }
  sendJson(res, 200, body);
}
