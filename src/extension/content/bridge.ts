/**
 * The wire between the MAIN-world wrapper (which can hold the page's fetch/XHR promise) and the
 * ISOLATED-world content script (which can talk to the background). Pages share the window with
 * both, so every message carries a per-page random nonce handed over synchronously at
 * document_start, before any page script runs, and messages are accepted only from this window.
 * The answer holds only an outcome, never a credential: the credential is attached by
 * declarativeNetRequest outside the page's reach.
 */
import type { PageOutcome } from '../background/paywall/views.ts';

export const HELLO_EVENT = 'paychan:hello';
export const READY_EVENT = 'paychan:ready';
export const FROM_MAIN = 'paychan-main';
export const FROM_ISOLATED = 'paychan-isolated';

export interface PayAsk {
  source: typeof FROM_MAIN;
  nonce: string;
  id: number;
  url: string;
  method: string;
}

export interface PayAnswer {
  source: typeof FROM_ISOLATED;
  nonce: string;
  id: number;
  outcome: PageOutcome;
}

const OUTCOMES: ReadonlySet<string> = new Set(['paid', 'denied', 'failed', 'not-priced']);

export function isPayAsk(data: unknown, nonce: string): data is PayAsk {
  const d = data as Partial<PayAsk> | null;
  return !!d && d.source === FROM_MAIN && d.nonce === nonce && typeof d.id === 'number' && typeof d.url === 'string' && typeof d.method === 'string';
}

export function isPayAnswer(data: unknown, nonce: string): data is PayAnswer {
  const d = data as Partial<PayAnswer> | null;
  return !!d && d.source === FROM_ISOLATED && d.nonce === nonce && typeof d.id === 'number' && typeof d.outcome === 'string' && OUTCOMES.has(d.outcome);
}

/** 128 random bits as hex. */
export function makeNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Where postMessage may deliver: this page's own origin, or anywhere for opaque ("null") origins. */
export function targetOrigin(origin: string): string {
  return origin && origin !== 'null' ? origin : '*';
}
