/**
 * The MV3 service worker: real browser implementations wired into the background services.
 * Listeners are registered synchronously at the top level, as MV3 requires, so events that woke
 * the worker are not missed while the database opens.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import { POPUP_PORT, type MessageType, type RequestOf, type ResponseOf } from '../shared/messages.ts';
import { createBackground, type Background } from './background.ts';
import type { Alarms } from '../../client/lib/clock.ts';
import { Events } from '../../client/lib/events.ts';
import { registerPaywall, walletPortFromMessages, type PaywallHandlers } from './paywall/index.ts';
import type { HandlerTable, SenderContext } from './messaging/router.ts';
import type { SessionStore } from '../../client/session/session.ts';
import { openPaychanDb } from './storage/db.ts';

const session: SessionStore = {
  async get<T>(key: string) {
    return (await browser.storage.session.get(key))[key] as T | undefined;
  },
  set: (key, value) => browser.storage.session.set({ [key]: value }),
  remove: (key) => browser.storage.session.remove(key),
};

const alarmListeners: ((name: string) => void)[] = [];
const alarms: Alarms = {
  async create(name, opts) {
    // Chrome validates the option names strictly: its field is periodInMinutes.
    await browser.alarms.create(name, {
      ...(opts.when !== undefined ? { when: opts.when } : {}),
      ...(opts.periodMinutes !== undefined ? { periodInMinutes: opts.periodMinutes } : {}),
    });
  },
  async clear(name) {
    await browser.alarms.clear(name);
  },
  onAlarm(listener) {
    alarmListeners.push(listener);
  },
};

const events = new Events();
const ready: Promise<Background> = openPaychanDb().then(async (db) => {
  const bg = createBackground({ db, session, alarms, events });
  await bg.start();
  return bg;
});

/** The paywall (issue 6) talks to the wallet only through the message map, as a trusted caller. */
async function call<T extends MessageType>(type: T, payload: RequestOf<T>): Promise<ResponseOf<T>> {
  const env = await (await ready).router({ type, payload }, { fromExtensionPage: true, internal: true });
  if (!env.ok) throw Object.assign(new Error(env.error.message), { code: env.error.code });
  return env.data as ResponseOf<T>;
}

const paywall = registerPaywall({ wallet: walletPortFromMessages(call), events });
void ready.then((bg) => bg.router.register(adaptPaywall(paywall.handlers), paywall.contentAllowed));

function adaptPaywall(handlers: PaywallHandlers): HandlerTable {
  const out: Record<string, (payload: unknown, ctx: SenderContext) => Promise<unknown>> = {};
  for (const [type, handler] of Object.entries(handlers)) {
    out[type] = (payload, ctx) => (handler as (p: unknown, s: object) => Promise<unknown>)(payload, ctx.sender ?? {});
  }
  return out as HandlerTable;
}

browser.alarms.onAlarm.addListener((alarm) => {
  void ready.then(() => alarmListeners.forEach((l) => l(alarm.name)));
});

function fromExtensionPage(sender: Runtime.MessageSender): boolean {
  return sender.id === browser.runtime.id && (sender.url ?? '').startsWith(browser.runtime.getURL(''));
}

browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
  // Messages from other extensions are ignored outright.
  if (sender.id !== browser.runtime.id) return undefined;
  const fromPage = fromExtensionPage(sender);
  // What the popup and the prompt read includes every receipt seen so far, even those waiting.
  const recorded = fromPage ? paywall.flushReceipts() : Promise.resolve();
  return Promise.all([ready, recorded]).then(([bg]) => bg.router(message, { fromExtensionPage: fromPage, sender }));
});

browser.runtime.onConnect.addListener((port) => {
  if (port.name !== POPUP_PORT || !fromExtensionPage(port.sender ?? {})) return;
  const unsubscribe = events.subscribe((event) => port.postMessage(event));
  port.onDisconnect.addListener(() => unsubscribe());
  void ready.then((bg) => bg.session.status()).then((data) => port.postMessage({ type: 'status', data }));
});
