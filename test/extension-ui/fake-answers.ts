/**
 * Runs in an extension page before its scripts: answers the listed message types itself and
 * passes the rest to the background (webextension-polyfill calls chrome.runtime.sendMessage with
 * a callback). Every faked call is recorded in `window.__fakeCalls` as {type, payload}, so a test
 * can tell whether the page asked. A string, not a function: tsx wraps named functions in a
 * `__name` helper that does not exist in the page.
 */
export function fakeAnswers(fakes: Record<string, unknown>): string {
  return `(() => {
    const fakes = ${JSON.stringify(fakes)};
    const calls = (window.__fakeCalls = []);
    const rt = chrome.runtime;
    const real = rt.sendMessage.bind(rt);
    const send = (message, ...rest) => {
      if (!message || !Object.prototype.hasOwnProperty.call(fakes, message.type)) return real(message, ...rest);
      calls.push({ type: message.type, payload: message.payload });
      const envelope = { ok: true, data: fakes[message.type] };
      const callback = rest.find((a) => typeof a === 'function');
      if (!callback) return Promise.resolve(envelope);
      // A microtask, not a timer: a test may have stopped the page's clock.
      queueMicrotask(() => callback(envelope));
    };
    Object.defineProperty(rt, 'sendMessage', { value: send, configurable: true, writable: true });
  })();`;
}
