/**
 * Runs in the page's own JavaScript world at document_start (manifest `world: "MAIN"`), before
 * the page's scripts, so it can wrap fetch and XMLHttpRequest. It has no extension APIs: it asks
 * the isolated content script over a MessageChannel handed over at once (bridge.ts). It leaves
 * no global of its own, and the wrapped fetch and XMLHttpRequest read as the native ones
 * (disguise.ts).
 */
import { HANDOVER, isPayAnswer, targetOrigin, type PayAsk } from './bridge.ts';
import { nativeLooking, nativeLookingClass } from './disguise.ts';
import { makePaidXhr, wrapFetch, type AskPay } from './fetch-wrapper.ts';
import type { PageOutcome } from '../shared/paywall-views.ts';

(() => {
  const channel = new MessageChannel();
  const port = channel.port1;
  // Bound now: a page that later replaces MessagePort.prototype.postMessage never sees an ask.
  const send = port.postMessage.bind(port) as (msg: PayAsk) => void;
  const waiting = new Map<number, (o: PageOutcome) => void>();
  let seq = 0;
  port.onmessage = (e: MessageEvent) => {
    if (!isPayAnswer(e.data)) return;
    const resolve = waiting.get(e.data.id);
    waiting.delete(e.data.id);
    resolve?.(e.data.outcome);
  };
  window.postMessage(HANDOVER, targetOrigin(location.origin), [channel.port2]);

  const ask: AskPay = (url, method) =>
    new Promise<PageOutcome>((resolve) => {
      const id = ++seq;
      waiting.set(id, resolve);
      send({ id, url, method });
    });

  const nativeFetch = window.fetch;
  window.fetch = nativeLooking(nativeFetch, wrapFetch(nativeFetch.bind(window), ask));
  window.XMLHttpRequest = nativeLookingClass(makePaidXhr(window.XMLHttpRequest, ask), window.XMLHttpRequest);
})();
