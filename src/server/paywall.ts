/**
 * Priced resources. A request without a credential gets 402 and a challenge; with one, the item's
 * price is debited (after the payment riding along, if any) and committed before the request
 * continues to the content, which then carries a Paychan-Receipt header. The debit stands only if
 * the content is delivered (a 2xx or 3xx status); otherwise it is released (delivery.ts).
 *
 * Every refusal is a 402 with the challenge, never a 400 or 401: the page must get a challenge
 * the extension can act on (top up, reopen) whatever went wrong with the credential.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProtocolError, toProblem, type ErrorCode } from '../core/errors.ts';
import { formatChallenge, formatReceipt, RECEIPT_HEADER, type ChallengeError, type Credential, type Receipt } from '../core/http-binding.ts';
import { PROTOCOL_VERSIONS } from '../core/terms.ts';
import { challengeMessage, challengePage, type ChallengePageTemplate } from './challenge-page.ts';
import { charge, releaseCharge } from './channel-service.ts';
import type { ServerContext } from './context.ts';
import { chargeOnDelivery } from './delivery.ts';
import { readCredential } from './http/credential.ts';
import { prefersJson, requestOrigin, requestPath } from './http/negotiate.ts';
import { asProtocolError, sendJson, sendProblem } from './http/respond.ts';

/** A fixed price in satoshis, or one decided per request (null: this request is free). */
export type Price = bigint | ((req: IncomingMessage) => bigint | null | Promise<bigint | null>);

export type Next = (err?: unknown) => void;

export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

/** A request that was paid for; `paychan` is what the receipt header says. */
export interface PaidRequest extends IncomingMessage {
  paychan?: Receipt;
}

const EXPOSE = { 'Access-Control-Expose-Headers': 'WWW-Authenticate, Paychan-Receipt' };

function challengeErrorFor(code: ErrorCode): ChallengeError {
  switch (code) {
    case 'BAD_CREDENTIAL':
    case 'UNKNOWN_CHANNEL':
      return 'invalid_credential';
    case 'CHANNEL_CLOSED':
    case 'CHANNEL_EXPIRING':
      return 'channel_closed';
    case 'INSUFFICIENT_CREDIT':
      return 'insufficient_credit';
    default:
      // A refused payment (bad signature, old amount, …) leaves the credit as it was; the
      // challenge names the payment's own code, and the wallet re-reads the channel and signs again.
      return 'invalid_payment';
  }
}

export async function resolvePrice(price: Price, req: IncomingMessage): Promise<bigint | null> {
  const p = typeof price === 'bigint' ? price : await price(req);
  if (p === null) return null;
  if (typeof p !== 'bigint' || p < 0n) throw new Error(`a price must be a non-negative bigint of satoshis, got ${String(p)}`);
  return p;
}

/** `page`: the site's own 402 page (createPaychan's `challengePage` option), else the default. */
export function createGate(ctx: ServerContext, page: ChallengePageTemplate = challengePage) {
  const { config } = ctx;

  function sendChallenge(req: IncomingMessage, res: ServerResponse, price: bigint, refusal?: { error: ChallengeError; credit?: bigint; problem: ProtocolError }): void {
    const endpoint = requestOrigin(req, config.publicUrl) + config.basePath;
    const header = formatChallenge({
      versions: [...PROTOCOL_VERSIONS],
      price,
      endpoint,
      terms: config.terms,
      settleMarginBlocks: config.settleMarginBlocks,
      ...(refusal ? { error: refusal.error } : {}),
      ...(refusal?.error === 'invalid_payment' ? { code: refusal.problem.code } : {}),
      ...(refusal?.credit !== undefined ? { credit: refusal.credit } : {}),
    });
    const headers = { 'WWW-Authenticate': header, ...EXPOSE };
    if (prefersJson(req.headers.accept)) {
      const body = refusal
        ? { ...toProblem(refusal.problem), status: 402, price: price.toString(), endpoint }
        : { type: 'urn:paychan:payment-required', title: 'Payment Required', status: 402, detail: `this resource costs ${price} sat`, price: price.toString(), endpoint };
      sendJson(res, 402, body, headers, 'application/problem+json');
      return;
    }
    const about = { price, network: config.network, ...(refusal ? { error: refusal.error, detail: refusal.problem.message } : {}) };
    const html = page({ req, ...about, message: challengeMessage(about) });
    res.writeHead(402, { ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-store' });
    res.end(html);
  }

  /** Charges `price` to the request's credential, then calls `next`; or answers 402 itself. */
  return async function gate(req: IncomingMessage, res: ServerResponse, price: bigint, next: Next): Promise<void> {
    // HEAD delivers no content, so it is never charged: it learns the price.
    if (req.method === 'HEAD') {
      sendChallenge(req, res, price);
      return;
    }
    let credential: Credential | null;
    try {
      credential = readCredential(req);
    } catch (err) {
      sendChallenge(req, res, price, { error: 'invalid_credential', problem: asProtocolError(err, ctx.logger) });
      return;
    }
    if (!credential) {
      sendChallenge(req, res, price);
      return;
    }
    try {
      if (credential.payment) ctx.limits.take(req, 'payment');
      const ref = requestPath(req);
      const paid = await charge(ctx, credential, price, ref);
      const receipt: Receipt = { channel: paid.outpoint, charged: paid.charged, paid: paid.channel.paid, spent: paid.channel.spent };
      res.setHeader(RECEIPT_HEADER, formatReceipt(receipt));
      res.setHeader('Access-Control-Expose-Headers', EXPOSE['Access-Control-Expose-Headers']);
      // The debit is a reservation: a failure or a missing page (status >= 400) gives it back.
      if (price > 0n) chargeOnDelivery(res, receipt, () => releaseCharge(ctx, paid.channel.id, price, ref), ctx.logger);
      (req as PaidRequest).paychan = receipt;
    } catch (err) {
      const problem = asProtocolError(err, ctx.logger, { path: requestPath(req) });
      // Nothing is wrong with the credential: a challenge would only invite the same request again.
      if (problem.code === 'INTERNAL' || problem.code === 'RATE_LIMITED') {
        sendProblem(res, problem);
        return;
      }
      const error = challengeErrorFor(problem.code);
      // charge() reports the credit stored when it refused, read in its own store transaction.
      const reportsCredit = error === 'insufficient_credit' || error === 'invalid_payment';
      const credit = reportsCredit && typeof problem.extra.credit === 'string' ? BigInt(problem.extra.credit) : undefined;
      ctx.logger.debug('paid request refused', { path: requestPath(req), code: problem.code, detail: problem.message });
      sendChallenge(req, res, price, { error, ...(credit !== undefined ? { credit } : {}), problem });
      return;
    }
    next();
  };
}

export type Gate = ReturnType<typeof createGate>;
