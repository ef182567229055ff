/**
 * The paywall in the background service worker: 402 detection (webRequest), approvals in an
 * extension-owned window, per-site budgets, credentials attached with declarativeNetRequest, the
 * badge and notifications. `registerPaywall` is called once, synchronously, when the service
 * worker starts (MV3 only wakes a worker for listeners added in its first turn).
 */
import browserDefault from 'webextension-polyfill';
import type { Browser, Runtime } from 'webextension-polyfill';
import type { Envelope, MessageType, RequestOf, ResponseOf } from '../../shared/messages.ts';
import type { BackgroundEvent, ChannelSummary } from '../../shared/types.ts';
import { Approvals, type ApprovalUi } from './approvals.ts';
import { Badge } from './badge.ts';
import { BudgetError, BudgetService, type Clock } from './budget.ts';
import { RecentChallenges, detectChallenge, detectReceipt, resourceKind, type HeaderLike } from './challenge.ts';
import { CredentialRules, type DnrApi } from './credentials.ts';
import { ChannelNotifier } from './notifier.ts';
import { policyView, siteOf } from './policy.ts';
import { channelBooks, returnedAtClose } from './books.ts';
import { sameSite } from '../../../core/site.ts';
import { PaywallService, type PaywallEffects, type WalletPort } from './service.ts';
import { openPaywallStore, type PaidItem, type PaywallStore } from './store.ts';
import { ReceiptQueue } from './receipt-queue.ts';
import { BackgroundTopUp, receiptSeen, type TopUpPort } from './topup.ts';
import type { PaidItemView } from '../../shared/paywall-views.ts';
import { KeyedMutex } from '../../../client/lib/mutex.ts';

export { walletPortFromMessages, type Call } from './wallet-port.ts';
export type { WalletPort, PayOutcome } from './service.ts';

export type PaywallMessageType = Extract<MessageType, `paywall.${string}`>;

/** Who sent a message, as runtime.onMessage reports it. */
export type Sender = Pick<Runtime.MessageSender, 'tab' | 'frameId' | 'url' | 'id'>;

export type PaywallHandlers = { [K in PaywallMessageType]: (payload: RequestOf<K>, sender: Sender) => Promise<ResponseOf<K>> };

/** Of the paywall's messages, only this one may come from a content script. */
export const PAYWALL_CONTENT_ALLOWED: ReadonlySet<MessageType> = new Set<MessageType>(['paywall.request']);

export interface PaywallDeps {
  /**
   * The wallet; `walletPortFromMessages(call)` builds one from the background's message router.
   * `topUp` keeps credit topped up after receipts, within the site's budget: the only top-up
   * after a receipt there is.
   */
  wallet: WalletPort & Pick<TopUpPort, 'topUp'>;
  /** The wallet's event fan-out (client/lib/events.ts `Events`), for channel notifications. */
  events?: { subscribe(listener: (e: BackgroundEvent) => void): () => void };
  /** Defaults to webextension-polyfill's `browser`. */
  browser?: Browser;
  /** Defaults to the `paychan-paywall` IndexedDB database. */
  store?: Promise<PaywallStore> | PaywallStore;
  clock?: Clock;
  /**
   * Also answer `paywall.*` messages from a runtime.onMessage listener of our own. Leave false
   * when the background router dispatches to `handlers` (the normal wiring); true suits a build
   * without the router.
   */
  ownListener?: boolean;
}

export interface PaywallHandle {
  handlers: PaywallHandlers;
  contentAllowed: ReadonlySet<MessageType>;
  service: PaywallService;
  /** Records the receipts waiting (receipt-queue.ts), so what the UI reads includes them. */
  flushReceipts(): Promise<void>;
}

/** How long the page wrapper's question may wait for webRequest to report the 402 it got. */
/** Day groups the history screen reads at a time. */
const HISTORY_DAYS = 30;
const CHALLENGE_WAIT_MS = 3000;

export function registerPaywall(deps: PaywallDeps): PaywallHandle {
  const b = deps.browser ?? browserDefault;
  const clock = deps.clock ?? { now: () => Date.now() };
  const storeP = Promise.resolve(deps.store ?? openPaywallStore());
  // The budget needs the store; everything else can start at once. A lazy proxy keeps the
  // listeners below synchronous, as MV3 requires.
  const lazyStore: PaywallStore = {
    getPolicy: async (s) => (await storeP).getPolicy(s),
    policies: async () => (await storeP).policies(),
    update: async (s, fn) => (await storeP).update(s, fn),
    addItems: async (i) => (await storeP).addItems(i),
    items: async (o) => (await storeP).items(o),
    days: async (o) => (await storeP).days(o),
    dayItems: async (site, day, limit) => (await storeP).dayItems(site, day, limit),
    deleteItems: async (s) => (await storeP).deleteItems(s),
    served: async (s, since) => (await storeP).served(s, since),
  };
  // The budget reads the wallet's channels when a period resets: their unused credit carries over.
  const budget = new BudgetService(lazyStore, clock, () => deps.wallet.channels());
  const dnr = (b as unknown as { declarativeNetRequest: DnrApi }).declarativeNetRequest;
  const credentials = new CredentialRules(dnr);
  const recent = new RecentChallenges();

  const ui: ApprovalUi = {
    async open(id) {
      const win = await b.windows.create({ url: b.runtime.getURL(`prompt.html?id=${encodeURIComponent(id)}`), type: 'popup', width: 440, height: 640, focused: true });
      return win.id;
    },
    async close(handle) {
      await b.windows.remove(handle);
    },
  };
  const approvals = new Approvals(ui, () => clock.now());
  b.windows.onRemoved.addListener((windowId) => approvals.windowClosed(windowId));

  const badge = new Badge((tabId, face) => {
    const action = b.action;
    const opts = tabId === null ? {} : { tabId };
    void action.setBadgeText({ ...opts, text: face.text }).catch(() => undefined);
    void action.setBadgeBackgroundColor({ ...opts, color: face.color }).catch(() => undefined);
    void action.setTitle({ ...opts, title: face.title }).catch(() => undefined);
  });
  approvals.onChange((n) => badge.setPending(n));

  const notify = async (id: string, title: string, message: string) => {
    await b.notifications.create(id, { type: 'basic', iconUrl: b.runtime.getURL('icons/icon-128.png'), title, message });
  };
  const topUrl = async (tabId: number) => (tabId < 0 ? null : ((await b.tabs.get(tabId)).url ?? null));
  const effects: PaywallEffects = {
    topUrl,
    reload: async (tabId) => b.tabs.reload(tabId),
    retryResource: async (tabId, url) => {
      await b.tabs.sendMessage(tabId, { type: 'paywall.retry', url });
    },
    notify,
  };
  const siteLock = new KeyedMutex();
  const service = new PaywallService({ wallet: deps.wallet, budget, approvals, credentials, effects, clock, mutex: siteLock, served: (site, since) => lazyStore.served(site, since) });
  const topUps = new BackgroundTopUp({ wallet: deps.wallet, budget, credentials, mutex: siteLock, topUrl });
  const receipts = new ReceiptQueue({
    addItems: (items) => lazyStore.addItems(items),
    record: (r) => deps.wallet.receipt(r.header, r.url),
    topUp: (r) => topUps.afterReceipt(r),
  });

  const dropCredentialsFor = async (endpoint: string) => {
    for (const p of await budget.policies()) if (p.endpoint === endpoint) await credentials.remove(p.site).catch(() => undefined);
  };
  // Locked, nothing may be spent: no credential (with its prepaid credit or an inline payment)
  // leaves the browser until the wallet is unlocked again.
  const followLock = (state: string) => {
    if (state === 'unlocked') void credentials.resume().catch(() => undefined);
    else void credentials.suspend().catch(() => undefined);
  };
  // Credit that came back at a close stops counting against the budget of the site it was approved to.
  const creditBack = async (c: ChannelSummary) => {
    if (returnedAtClose(c) === 0n) return;
    // The policy the payments went under: the one whose channel API this is, else the site's.
    const policies = await budget.policies();
    const p = policies.find((x) => x.endpoint === c.endpoint) ?? policies.find((x) => sameSite(c.endpoint, x.site));
    if (p) await budget.creditReturned(p.site, c);
  };
  const notifier = new ChannelNotifier(notify);
  if (deps.events) {
    deps.wallet.channels().then((c) => notifier.prime(c), () => undefined);
    deps.events.subscribe((e) => {
      notifier.onEvent(e);
      if (e.type === 'status') followLock(e.data.state);
      // A closed channel's credential is useless: stop sending it, the next 402 pays anew.
      if (e.type === 'channel' && (e.data.state === 'closing' || e.data.state === 'closed' || e.data.state === 'refunding')) {
        void dropCredentialsFor(e.data.endpoint);
      }
      if (e.type === 'channel' && e.data.state === 'closed') void creditBack(e.data).catch(() => undefined);
    });
  }

  // Every response: 402 challenges to pay, receipts to record. Observation only (MV3 allows no
  // blocking webRequest); the page's fetch wrapper and reloads do the retrying.
  b.webRequest.onHeadersReceived.addListener(
    (details) => {
      const headers = details.responseHeaders as HeaderLike[] | undefined;
      const d = details as typeof details & { initiator?: string; originUrl?: string };
      const kind = resourceKind(details.type);
      // Chrome names the initiating origin, Firefox the initiating document's URL. A top-level GET
      // is the reader's navigation wherever the link was; a top-level form post is its page's doing.
      const from = d.initiator ?? (d.originUrl ? siteOf(d.originUrl) : null);
      const initiator = kind === 'navigation' && (details.method === 'GET' || details.method === 'HEAD') ? null : from;
      const receipt = detectReceipt(details.url, headers);
      if (receipt) {
        const item: PaidItem = { site: receipt.site, url: details.url, amount: receipt.receipt.charged, channel: receipt.channel, tabId: details.tabId, at: clock.now() };
        service.delivered(details.tabId, details.url);
        void credentials.delivered(details.url, details.tabId).catch(() => undefined);
        badge.paid(details.tabId, receipt.site, receipt.receipt.charged);
        void receipts.seen(item, receiptSeen(receipt, { tabId: details.tabId, kind, initiator }));
        return;
      }
      const detected = detectChallenge(details.statusCode, details.url, headers);
      if (!detected || details.tabId < 0) return;
      // Paying it reads what the receipts waiting would record.
      void receipts.flush();
      recent.record(details.tabId, detected);
      if (detected.challenge.error === 'invalid_credential' || detected.challenge.error === 'channel_closed') {
        void credentials.remove(detected.site).catch(() => undefined);
      }
      // Page fetch/XHR is paid when the page's wrapper asks, so the page gets its retry; paying
      // here as well would pay twice.
      if (kind === 'fetch' || kind === 'other') return;
      void service.handle({ tabId: details.tabId, url: details.url, kind, initiator, detected });
    },
    { urls: ['<all_urls>'] },
    ['responseHeaders'],
  );

  // Which tab shows which site at the top: a site's own subresources carry its credential only
  // in those tabs, never in a frame of the site on another site's page. A navigation counts for
  // its destination from its first request (the new page's own items may leave before the
  // commit is reported) and for the page it left until the commit.
  b.webRequest.onBeforeRequest.addListener(
    (d) => {
      if (d.tabId >= 0) void credentials.tabNavigating(d.tabId, d.url).catch(() => undefined);
    },
    { urls: ['<all_urls>'], types: ['main_frame'] },
  );
  b.webRequest.onErrorOccurred.addListener(
    (d) => {
      if (d.tabId >= 0) void credentials.tabNavigationFailed(d.tabId).catch(() => undefined);
    },
    { urls: ['<all_urls>'], types: ['main_frame'] },
  );
  // A restarted worker learns the tabs already open (host permissions give it their URLs).
  b.tabs.query({}).then((tabs) => credentials.tabsOpen(tabs), () => undefined);
  b.tabs.onUpdated.addListener((tabId, change) => {
    if (!change.url) return;
    badge.reset(tabId);
    void credentials.tabCommitted(tabId, change.url).catch(() => undefined);
  });
  b.tabs.onRemoved.addListener((tabId) => {
    badge.reset(tabId);
    recent.forgetTab(tabId);
    void credentials.tabClosed(tabId).catch(() => undefined);
  });
  b.tabs.onReplaced.addListener((added, removed) => {
    void credentials.tabClosed(removed).catch(() => undefined);
    b.tabs.get(added).then((t) => credentials.tabsOpen([t]), () => undefined);
  });

  const toView = (i: PaidItem): PaidItemView => ({ id: i.id ?? 0, site: i.site, url: i.url, amount: String(i.amount), channel: i.channel, at: i.at });
  const extensionOrigin = b.runtime.getURL('');
  const requireExtensionPage = (sender: Sender) => {
    if (sender.tab && !(sender.url ?? '').startsWith(extensionOrigin)) throw new BudgetError('only extension pages may do this');
  };
  const viewOf = async (site: string) => {
    const p = await budget.policy(site);
    if (!p) return null;
    const channels = await deps.wallet.channels().catch(() => []);
    return policyView(p, { ...(await lazyStore.served(site, p.periodStart)), ...channelBooks(channels, site, p.periodStart) });
  };

  const handlers: PaywallHandlers = {
    async 'paywall.request'({ url }, sender) {
      const tabId = sender.tab?.id;
      if (tabId === undefined || typeof url !== 'string') return { outcome: 'failed' };
      const detected = await recent.find(tabId, url, CHALLENGE_WAIT_MS);
      if (!detected) return { outcome: 'not-priced' };
      await receipts.flush();
      // The frame that asks: a fetch from another site's frame is that site's request.
      const initiator = sender.url ? siteOf(sender.url) : null;
      return { outcome: await service.handle({ tabId, url: detected.url, kind: 'fetch', initiator, detected }) };
    },
    async 'paywall.state'({ tabId }) {
      const t = tabId === undefined ? undefined : badge.tab(tabId);
      return { pending: approvals.count, tab: t ? { site: t.site, items: t.items, charged: String(t.charged) } : null };
    },
    async 'paywall.sites'(_p, sender) {
      requireExtensionPage(sender);
      const out = [];
      for (const p of await budget.policies()) {
        const v = await viewOf(p.site);
        if (v) out.push(v);
      }
      return out.sort((a, b2) => a.site.localeCompare(b2.site));
    },
    async 'paywall.site.set'({ site, patch }, sender) {
      requireExtensionPage(sender);
      const origin = siteOf(site);
      if (!origin) throw new BudgetError('a site is an http(s) origin');
      await budget.setPolicy(origin, patch);
      if (patch.blocked) await credentials.remove(origin);
      return (await viewOf(origin))!;
    },
    async 'paywall.site.remove'({ site }, sender) {
      requireExtensionPage(sender);
      await budget.remove(site);
      await credentials.remove(site).catch(() => undefined);
      return null;
    },
    async 'paywall.history'({ site, limit }, sender) {
      requireExtensionPage(sender);
      return (await lazyStore.items({ ...(site ? { site } : {}), ...(limit ? { limit } : {}) })).map(toView);
    },
    async 'paywall.history.days'({ before, since, limit }, sender) {
      requireExtensionPage(sender);
      // A page is at most 1000 groups. From `since` with no limit (Home's week) every group from then
      // on: bounded by the days asked for, and a week of many sites is not cut short.
      const cap = since !== undefined && limit === undefined ? Infinity : Math.min(limit ?? HISTORY_DAYS, 1000);
      const days = await lazyStore.days({ ...(before !== undefined ? { before } : {}), ...(since !== undefined ? { since } : {}), limit: cap });
      return days.map((d) => ({ day: d.day, site: d.site, items: d.items, amount: String(d.amount) }));
    },
    async 'paywall.history.day'({ site, day, limit }, sender) {
      requireExtensionPage(sender);
      return (await lazyStore.dayItems(site, day, Math.min(limit ?? 200, 200))).map(toView);
    },
    async 'paywall.approval.get'({ id }, sender) {
      requireExtensionPage(sender);
      return approvals.get(id);
    },
    async 'paywall.approval.decide'({ id, choice }, sender) {
      requireExtensionPage(sender);
      approvals.decide(id, choice, sender.tab?.windowId);
      return null;
    },
    async 'paywall.approval.extend'({ id, leftMs }, sender) {
      requireExtensionPage(sender);
      if (typeof leftMs !== 'number' || !Number.isFinite(leftMs) || leftMs < 0) throw new BudgetError('leftMs is a number of milliseconds, at least 0');
      return approvals.extend(id, leftMs);
    },
  };

  if (deps.ownListener) {
    b.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
      const m = message as { type?: unknown; payload?: unknown };
      if (typeof m?.type !== 'string' || !(m.type in handlers)) return undefined;
      const type = m.type as PaywallMessageType;
      const fromContent = sender.tab !== undefined && !(sender.url ?? '').startsWith(extensionOrigin);
      if (fromContent && !PAYWALL_CONTENT_ALLOWED.has(type)) {
        return Promise.resolve<Envelope<never>>({ ok: false, error: { code: 'FORBIDDEN', message: `${type} is not for content scripts` } });
      }
      const handler = handlers[type] as (p: unknown, s: Sender) => Promise<unknown>;
      return handler(m.payload, sender).then(
        (data) => ({ ok: true, data }),
        (err: Error) => ({ ok: false, error: { code: (err as { code?: string }).code ?? (err instanceof BudgetError ? 'INVALID_REQUEST' : 'INTERNAL'), message: err.message } }),
      );
    });
  }

  return { handlers, contentAllowed: PAYWALL_CONTENT_ALLOWED, service, flushReceipts: () => receipts.flush() };
}
