/**
 * The wire between the MAIN-world wrapper (which can hold the page's fetch/XHR promise) and the
 * ISOLATED-world content script (which can talk to the background), private to the two of them
 * (issue 11, finding 9: the page must not see it, nor be able to write to it).
 *
 * MAIN creates a MessageChannel at document_start and posts one port to this window. The
 * isolated script registered a capturing `message` listener at document_start too, so before any
 * page script could register one: it runs first, takes the port and stops the event, so no page
 * listener ever sees the hand-over. Whichever script runs first, the posted message is dispatched
 * later, when both are there. From then on every ask and answer travels over the port, which the
 * page holds no reference to. The answer holds only an outcome, never a credential: the
 * credential is attached by declarativeNetRequest outside the page's reach.
 */
import type { PageOutcome } from '../shared/paywall-views.ts';

/** The hand-over message's data; the port travels in its `ports`. */
export const HANDOVER = 'paychan:port';

export interface PayAsk {
  id: number;
  url: string;
  method: string;
}

export interface PayAnswer {
  id: number;
  outcome: PageOutcome;
}

const OUTCOMES: ReadonlySet<string> = new Set(['paid', 'denied', 'failed', 'not-priced']);

export function isPayAsk(data: unknown): data is PayAsk {
  const d = data as Partial<PayAsk> | null;
  return !!d && typeof d.id === 'number' && typeof d.url === 'string' && typeof d.method === 'string';
}

export function isPayAnswer(data: unknown): data is PayAnswer {
  const d = data as Partial<PayAnswer> | null;
  return !!d && typeof d.id === 'number' && typeof d.outcome === 'string' && OUTCOMES.has(d.outcome);
}

/** Where postMessage may deliver: this page's own origin, or anywhere for opaque ("null") origins. */
export function targetOrigin(origin: string): string {
  return origin && origin !== 'null' ? origin : '*';
}
