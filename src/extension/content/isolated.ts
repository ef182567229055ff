/**
 * The isolated-world content script: the bridge from the MAIN-world wrapper to the background
 * (typed message map), and the re-loader of images and media that were paid for after a 402.
 */
import browser from 'webextension-polyfill';
import type { Envelope, ResponseOf } from '../shared/messages.ts';
import { FROM_ISOLATED, HELLO_EVENT, READY_EVENT, isPayAsk, targetOrigin, type PayAnswer } from './bridge.ts';
import type { PageOutcome } from '../background/paywall/views.ts';

(() => {
  let nonce: string | null = null;
  // First greeting wins: MAIN greets synchronously before any page script can.
  document.addEventListener(HELLO_EVENT, (e) => {
    const detail = (e as CustomEvent<unknown>).detail;
    if (nonce === null && typeof detail === 'string' && /^[0-9a-f]{32}$/.test(detail)) nonce = detail;
  });
  document.dispatchEvent(new CustomEvent(READY_EVENT));

  window.addEventListener('message', (e: MessageEvent) => {
    if (e.source !== window || nonce === null || !isPayAsk(e.data, nonce)) return;
    const { id, url, method } = e.data;
    const n = nonce;
    const reply = (outcome: PageOutcome) => {
      const msg: PayAnswer = { source: FROM_ISOLATED, nonce: n, id, outcome };
      window.postMessage(msg, targetOrigin(location.origin));
    };
    browser.runtime
      .sendMessage({ type: 'paywall.request', payload: { url, method } })
      .then((res) => {
        const env = res as Envelope<ResponseOf<'paywall.request'>> | undefined;
        reply(env?.ok ? env.data.outcome : 'failed');
      })
      .catch(() => reply('failed'));
  });

  // After the background paid for an image, video or frame that answered 402: load it again.
  browser.runtime.onMessage.addListener((message: unknown) => {
    const m = message as { type?: unknown; url?: unknown };
    if (m?.type !== 'paywall.retry' || typeof m.url !== 'string') return undefined;
    reloadElements(m.url);
    return undefined;
  });

  function reloadElements(url: string): void {
    for (const el of document.querySelectorAll<HTMLImageElement>('img')) {
      if (el.currentSrc === url || el.src === url) {
        const srcset = el.srcset;
        el.removeAttribute('srcset');
        el.src = '';
        el.src = url;
        if (srcset) el.srcset = srcset;
      }
    }
    for (const el of document.querySelectorAll<HTMLMediaElement>('video, audio')) {
      if (el.currentSrc === url || el.src === url || [...el.querySelectorAll('source')].some((s) => s.src === url)) el.load();
    }
    for (const el of document.querySelectorAll<HTMLIFrameElement>('iframe')) {
      if (el.src === url) el.src = url;
    }
  }
})();
