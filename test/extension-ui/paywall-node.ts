/**
 * The background's paywall module in Node, for tests of its message handlers and event wiring:
 * enough of the browser for `registerPaywall` to register its listeners (none of which these
 * tests fire), and a wallet that never pays.
 */
import type { Browser } from 'webextension-polyfill';
import type { PaywallDeps, registerPaywall } from '../../src/extension/background/paywall/index.ts';

/** Enough of the browser for registerPaywall to register its listeners; nothing here is called by the handlers tested. */
export function inertBrowser(): Browser {
  const sink: unknown = new Proxy(function () {}, {
    get: (_t, key) => (key === 'getURL' ? () => 'chrome-extension://test/' : key === 'then' ? undefined : sink),
    apply: () => Promise.resolve([]),
  });
  return sink as Browser;
}

/** A wallet the history handlers never pay with. */
export const WALLET: PaywallDeps['wallet'] = {
  status: async () => ({ state: 'unlocked', network: 'regtest', autoLockMinutes: 15 }),
  settings: async () => {
    throw new Error('not read by history');
  },
  channels: async () => [],
  receipt: async () => true,
  topUp: async () => ({ approved: 0n, channel: null, credential: null }),
  pay: async () => ({ ok: false, error: { code: 'X', message: 'no' }, committed: 0n }),
};

/** registerPaywall, loaded once webextension-polyfill (which refuses to load outside an extension) finds an extension id. */
export async function loadRegisterPaywall(): Promise<typeof registerPaywall> {
  (globalThis as { chrome?: unknown }).chrome ??= { runtime: { id: 'test' } };
  return (await import('../../src/extension/background/paywall/index.ts')).registerPaywall;
}
