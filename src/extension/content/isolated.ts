/**
 * The isolated-world content script: the bridge from the MAIN-world wrapper to the background
 * (typed message map), and the re-loader of images and media that were paid for after a 402.
 */
import browser from 'webextension-polyfill';
import type { Envelope, ResponseOf } from '../shared/messages.ts';
import { HANDOVER, isPayAsk, type PayAnswer } from './bridge.ts';
import type { PageOutcome } from '../shared/paywall-views.ts';

(() => {
  // Capturing, and registered before any page script runs: this listener sees the hand-over
  // first, and stops it before a page listener can (bridge.ts). Only the first one is taken; a
  // page posting the same text later gets its message delivered untouched.
  const takePort = (e: MessageEvent) => {
    if (e.source !== window || e.data !== HANDOVER || e.ports.length !== 1) return;
    e.stopImmediatePropagation();
    window.removeEventListener('message', takePort, true);
    listen(e.ports[0]!);
  };
  window.addEventListener('message', takePort, true);

  function listen(port: MessagePort): void {
    port.onmessage = (e: MessageEvent) => {
      if (!isPayAsk(e.data)) return;
      const { id, url, method } = e.data;
      const reply = (outcome: PageOutcome) => port.postMessage({ id, outcome } satisfies PayAnswer);
      browser.runtime
        .sendMessage({ type: 'paywall.request', payload: { url, method } })
        .then((res) => {
          const env = res as Envelope<ResponseOf<'paywall.request'>> | undefined;
          reply(env?.ok ? env.data.outcome : 'failed');
        })
        .catch(() => reply('failed'));
    };
  }

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
