/**
 * Per-client rate limits on the work anyone can ask for without a credential: opens and
 * payments. A token bucket per client address and kind: `perMinute` requests a minute, in bursts
 * up to that many. Kept in memory (a restart forgets them; several processes each count their
 * own) and bounded: beyond `maxClients` tracked addresses the least recently seen is dropped.
 */
import type { IncomingMessage } from 'node:http';
import { ProtocolError } from '../core/errors.ts';
import type { PaychanConfig } from './config.ts';
import { clientAddress } from './http/client-address.ts';

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxClients = 100_000,
  ) {}

  /** Takes one request for `client`: 0 when allowed, else the whole seconds until it would be. */
  take(client: string): number {
    if (this.perMinute === 0) return 0;
    const now = this.now();
    const rate = this.perMinute / 60_000;
    const prior = this.buckets.get(client);
    const tokens = prior ? Math.min(this.perMinute, prior.tokens + (now - prior.at) * rate) : this.perMinute;
    // Re-inserted, so the Map's order is least recently seen first.
    this.buckets.delete(client);
    if (this.buckets.size >= this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    if (tokens < 1) {
      this.buckets.set(client, { tokens, at: now });
      return Math.max(1, Math.ceil((1 - tokens) / rate / 1000));
    }
    this.buckets.set(client, { tokens: tokens - 1, at: now });
    return 0;
  }
}

export type LimitedWork = 'open' | 'payment';

/** The server's limits, and the client address they count a request under. */
export interface RequestLimits {
  clientOf(req: IncomingMessage): string;
  /** Throws RATE_LIMITED (with `retryAfter` seconds) when the request's client is over its limit. */
  take(req: IncomingMessage, work: LimitedWork): void;
}

export function requestLimits(config: PaychanConfig, now: () => number = Date.now): RequestLimits {
  const limiters: Record<LimitedWork, RateLimiter> = {
    open: new RateLimiter(config.openRateLimit, now),
    payment: new RateLimiter(config.paymentRateLimit, now),
  };
  const clientOf = (req: IncomingMessage) => clientAddress(req, config.trustProxy);
  return {
    clientOf,
    take(req, work) {
      const retryAfter = limiters[work].take(clientOf(req));
      if (retryAfter > 0) throw new ProtocolError('RATE_LIMITED', `too many ${work}s from this address; retry in ${retryAfter} s`, { retryAfter });
    },
  };
}
