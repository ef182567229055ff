/**
 * The channel API of one server over HTTP (docs/protocol.md §6.4). Every failure comes out as one
 * of two kinds, because the caller must treat them differently:
 * - ProtocolError: the server answered and refused; nothing changed on its side.
 * - UnreachableError: no answer; the request may or may not have taken effect.
 */
import type { FetchLike } from '../../chain/esplora.ts';
import { fromProblem, ProtocolError } from '../../core/errors.ts';
import { CREDENTIAL_HEADER, formatCredential, type Credential } from '../../core/http-binding.ts';
import {
  encodeFundRequest,
  encodeOpenRequest,
  encodePayment,
  parseOpenResponse,
  parseStatus,
  parseTermsResponse,
  type ChannelStatus,
  type FundRequest,
  type OpenRequest,
  type OpenResponse,
  type PaymentBody,
  type TermsResponse,
} from '../../core/messages.ts';
import { UnreachableError } from '../lib/errors.ts';

const TIMEOUT_MS = 30_000;

export class ChannelApi {
  constructor(private readonly fetchImpl: FetchLike = (input, init) => globalThis.fetch(input, init)) {}

  async terms(endpoint: string): Promise<TermsResponse> {
    return parseTermsResponse(await this.call('GET', `${endpoint}/terms`));
  }

  async open(endpoint: string, req: OpenRequest): Promise<OpenResponse> {
    return parseOpenResponse(await this.call('POST', `${endpoint}/channels`, encodeOpenRequest(req)));
  }

  async fund(endpoint: string, openId: string, req: FundRequest): Promise<ChannelStatus> {
    return parseStatus(await this.call('POST', `${endpoint}/channels/${openId}/fund`, encodeFundRequest(req)));
  }

  async pay(endpoint: string, channelId: string, payment: PaymentBody, credential: Credential): Promise<ChannelStatus> {
    return parseStatus(await this.call('POST', `${endpoint}/channels/${channelId}/payments`, encodePayment(payment), credential));
  }

  async status(endpoint: string, channelId: string, credential: Credential): Promise<ChannelStatus> {
    return parseStatus(await this.call('GET', `${endpoint}/channels/${channelId}`, undefined, credential));
  }

  async close(endpoint: string, channelId: string, credential: Credential, payment?: PaymentBody): Promise<ChannelStatus> {
    return parseStatus(await this.call('POST', `${endpoint}/channels/${channelId}/close`, payment ? encodePayment(payment) : {}, credential));
  }

  private async call(method: string, url: string, body?: unknown, credential?: Credential): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    // Paychan-Credential rather than Authorization: the same value, and it never collides
    // with a site's own authentication.
    if (credential) headers[CREDENTIAL_HEADER] = formatCredential(credential);
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      text = await res.text();
    } catch (err) {
      throw new UnreachableError(`${method} ${url} got no answer: ${(err as Error).message}`);
    }
    let json: unknown;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      if (res.status >= 500) throw new UnreachableError(`${method} ${url}: HTTP ${res.status}`);
      throw new ProtocolError('SYNTAX_ERROR', `${method} ${url} answered HTTP ${res.status} without JSON`);
    }
    if (res.ok) return json;
    // A 5xx without a problem body is a proxy or a crash, not the server's considered answer.
    const problem = fromProblem(json);
    if (res.status >= 500 && problem.code === 'INTERNAL') throw new UnreachableError(`${method} ${url}: HTTP ${res.status}`);
    // Keep the problem's extra fields (paid, credit, supported...): callers resynchronise on them.
    throw new ProtocolError(problem.code, problem.message, extras(json));
  }
}

function extras(body: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body)) {
    if (['type', 'title', 'status', 'code', 'detail'].includes(k)) continue;
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return out;
}
