/**
 * Runs in the page's own JavaScript world at document_start (manifest `world: "MAIN"`), before
 * the page's scripts, so it can wrap fetch and XMLHttpRequest. It has no extension APIs: it asks
 * the isolated content script, through window messages stamped with this page's nonce.
 */
import { FROM_MAIN, HELLO_EVENT, READY_EVENT, isPayAnswer, makeNonce, targetOrigin, type PayAsk } from './bridge.ts';
import { makePaidXhr, wrapFetch, type AskPay } from './fetch-wrapper.ts';
import type { PageOutcome } from '../background/paywall/views.ts';

(() => {
  const w = window as Window & { __paychanWrapped?: boolean };
  if (w.__paychanWrapped) return;
  w.__paychanWrapped = true;

  const nonce = makeNonce();
  // Synchronous hand-over: the isolated script is already listening and no page script has run.
  const hello = () => document.dispatchEvent(new CustomEvent(HELLO_EVENT, { detail: nonce }));
  hello();
  // If the isolated script came up after us, it says so and we greet it once more.
  document.addEventListener(READY_EVENT, hello, { once: true });

  const waiting = new Map<number, (o: PageOutcome) => void>();
  let seq = 0;
  window.addEventListener('message', (e: MessageEvent) => {
    if (e.source !== window || !isPayAnswer(e.data, nonce)) return;
    const resolve = waiting.get(e.data.id);
    waiting.delete(e.data.id);
    resolve?.(e.data.outcome);
  });

  const ask: AskPay = (url, method) =>
    new Promise<PageOutcome>((resolve) => {
      const id = ++seq;
      waiting.set(id, resolve);
      const msg: PayAsk = { source: FROM_MAIN, nonce, id, url, method };
      window.postMessage(msg, targetOrigin(location.origin));
    });

  const originalFetch = window.fetch.bind(window);
  window.fetch = wrapFetch(originalFetch, ask);
  window.XMLHttpRequest = makePaidXhr(window.XMLHttpRequest, ask);
})();
