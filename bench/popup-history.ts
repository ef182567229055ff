/**
 * A year of browsing (issue 14): the built extension in Chromium, two fresh profiles side by
 * side. One wallet is empty; the other has, in its real IndexedDB, 100,000 paid items over 300
 * sites (about twelve sites a day for a year, with the paywall's day totals), the 300 sites'
 * policies and 200 channels (150 settled and closed, 50 open). Each sample opens the popup page,
 * which clicks History as soon as its tab bar is there and notes when the history is shown: the
 * newest day's group with its items (or, empty, the "no paid items" line), in ms since the page's
 * navigation started, as the page measures it. Samples alternate between the two, so both see the
 * same machine.
 *
 * - popup_history_open_ratio: median with a year of data ÷ median with an empty wallet; goal ≤ 1.5.
 * - popup_history_open_ms / popup_history_open_empty_ms: the two medians.
 */
import type { Page } from 'playwright-core';
import { chromiumPath, launchWithExtension, type ExtensionBrowser } from '../test/extension-ui/chromium.ts';
import { median, round } from './measure.ts';

const SAMPLES = 15;
const WARMUP = 2;

export const YEAR = { items: 100_000, sites: 300, channels: 200, closedChannels: 150, sitesPerDay: 12 } as const;

/** A wallet in a fresh profile, unlocked, and the popup page. */
async function profile(exe: string): Promise<{ browser: ExtensionBrowser; page: Page; url: string }> {
  const browser = await launchWithExtension(exe);
  const page = await browser.ctx.newPage();
  const url = `chrome-extension://${browser.extId}/popup.html`;
  await page.goto(url);
  await page.evaluate(async () => {
    const rt = (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<{ data: { mnemonic: string } }> } } }).chrome.runtime;
    const { mnemonic } = (await rt.sendMessage({ type: 'wallet.generate' })).data;
    await rt.sendMessage({ type: 'wallet.create', payload: { mnemonic, password: 'correct horse', network: 'regtest' } });
  });
  await page.setViewportSize({ width: 380, height: 600 });
  await page.addInitScript({ content: CLICK_AND_TIME });
  return { browser, page, url };
}

/**
 * Writes the year into the extension's own databases from its page (same origin as the service
 * worker): items and day totals as the paywall store keeps them, site policies, channel records
 * as the wallet keeps them. Built in the page; no named helpers (tsx would wrap them in __name).
 */
async function seedYear(page: Page): Promise<void> {
  await page.evaluate(`(${SEED})(${JSON.stringify(YEAR)})`);
}

/** The page's seeding, as a string: tsx would wrap the page's helpers in a __name() it lacks. */
const SEED = `async (y) => {
  const open = (name) => new Promise((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const done = (tx) => new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
  const now = Date.now();
  const DAY = 86400000;
  const siteOf = (k) => 'https://site' + k + '.example';
  const paywall = await open('paychan-paywall');
  const tx = paywall.transaction(['items', 'days', 'policies'], 'readwrite');
  const totals = new Map();
  for (let i = 0; i < y.items; i++) {
    const d = Math.floor((i * 365) / y.items);
    const j = i % y.sitesPerDay;
    const site = siteOf((d * 37 + j * 101) % y.sites);
    const at = now - d * DAY - (i % 500) * 60000;
    const amount = BigInt(1 + (j % 10));
    tx.objectStore('items').add({ site, url: site + '/articles/' + d + '-' + i, amount, channel: 'ab'.repeat(32) + ':' + j, tabId: 1, at });
    const day = new Date(at).setHours(0, 0, 0, 0);
    const key = day + ' ' + site;
    const t = totals.get(key) ?? { day, site, items: 0, amount: 0n };
    t.items += 1;
    t.amount += amount;
    totals.set(key, t);
  }
  for (const t of totals.values()) tx.objectStore('days').put(t);
  for (let k = 0; k < y.sites; k++) {
    tx.objectStore('policies').put({
      site: siteOf(k), mode: k % 2 ? 'auto' : 'ask', blocked: false, maxPrice: 10n, budget: 2000n, periodDays: 1,
      periodStart: Math.floor(now / DAY) * DAY, spent: 0n, reservations: {}, endpoint: siteOf(k) + '/paychan/v1', createdAt: now - 300 * DAY, updatedAt: now - k,
    });
  }
  await done(tx);
  paywall.close();

  const wallet = await open('paychan');
  const ctx = wallet.transaction('channels', 'readwrite');
  for (let k = 0; k < y.channels; k++) {
    const closed = k < y.closedChannels;
    const site = siteOf((k * 7) % y.sites);
    const createdAt = now - Math.floor(((y.channels - k) * 360 * DAY) / y.channels);
    const txid = k.toString(16).padStart(64, '0');
    // Real transactions for the funding and the refund (one input, one output), so listing the
    // channels reads their fees from them as it does in a real wallet.
    const le8 = (v) => { let h = ''; for (let i = 0; i < 8; i++) h += Number((BigInt(v) >> BigInt(8 * i)) & 255n).toString(16).padStart(2, '0'); return h; };
    const tx1 = (value) => '02000000' + '01' + txid + '00000000' + '00' + 'ffffffff' + '01' + le8(value) + '16' + '0014' + 'ab'.repeat(20) + '00000000';
    ctx.objectStore('channels').put({
      id: 'regtest/year-' + k, network: 'regtest', endpoint: site + '/paychan/v1',
      channel: {
        endpoint: site + '/paychan/v1', state: closed ? 'closed' : 'open',
        request: { version: 1, network: 'regtest', clientPubkey: new Uint8Array(33), capacity: 50000n, expiry: 1000000, changeScript: new Uint8Array(22), tokenHash: new Uint8Array(32) },
        clientKeyIndex: 1000 + k, openId: 'open-' + k, serverPubkey: new Uint8Array(33), funding: { txid, vout: 0, hex: tx1(50000) },
        approved: 1400n, signed: 1400n, signature: null, acknowledged: 1400n, spent: closed ? 1400n : 1200n,
        closingTxid: closed ? 'c' + txid.slice(1) : null, closePayment: null,
      },
      fundingInputs: [{ txid: 'ee'.repeat(32), vout: k, value: 50459n, chain: 0, index: k }], zeroConfLimit: 0n, fundingConfirmed: true, abandoned: false,
      refund: { txid: 'dd'.repeat(32), hex: tx1(49700), feeRateKvb: 2000n },
      createdAt, updatedAt: closed ? createdAt + 30 * DAY : createdAt, lastError: null, settled: closed ? 1400n : null,
    });
  }
  await done(ctx);
  wallet.close();
}`;

/**
 * Runs in the popup page from its first script on: clicks History as soon as the tab bar shows
 * it, and notes (performance.now(), ms since the page's navigation started) when the history is
 * on screen: the newest day's first item, or the "no paid items" line. Timed by the page itself,
 * so the test driver's round trips are not in the figure. A string: tsx would wrap named helpers.
 */
const CLICK_AND_TIME = `(() => {
  const check = () => {
    if (window.__shown) return;
    if (!window.__clicked) {
      const nav = document.querySelector('nav[aria-label="Sections"]');
      const button = nav && [...nav.querySelectorAll('button')].find((b) => b.textContent.trim() === 'History');
      if (button) { window.__clicked = performance.now(); button.click(); }
      return;
    }
    const shown = document.querySelector('.history-day table.items tbody tr') || [...document.querySelectorAll('.empty, main p')].some((p) => p.textContent.includes('No paid items yet.'));
    if (shown) window.__shown = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
})();`;

/** Opens the popup page afresh and answers how long it took to show the history (ms). */
async function openHistory(page: Page, url: string): Promise<number> {
  await page.goto(`${url}?t=${Math.random()}`);
  const handle = await page.waitForFunction(() => (window as unknown as { __shown?: number }).__shown, undefined, { timeout: 60_000, polling: 50 });
  return (await handle.jsonValue()) as number;
}

export async function benchPopup(): Promise<Record<string, number>> {
  const exe = chromiumPath();
  if (!exe) throw new Error('popup bench: no Chromium installed');
  const empty = await profile(exe);
  const full = await profile(exe);
  try {
    await seedYear(full.page);
    const counts = await full.page.evaluate(async () => {
      const rt = (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<{ data: unknown[] }> } } }).chrome.runtime;
      const channels = (await rt.sendMessage({ type: 'channels.list' })).data as { fundingFee: string | null }[];
      return { channels: channels.length, fundingFee: channels[0]?.fundingFee, sites: (await rt.sendMessage({ type: 'paywall.sites' })).data.length };
    });
    if (counts.channels !== YEAR.channels || counts.sites !== YEAR.sites || counts.fundingFee !== '459') throw new Error(`seeding: the background lists ${JSON.stringify(counts)}`);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const e = await openHistory(empty.page, empty.url);
      const f = await openHistory(full.page, full.url);
      if (i < WARMUP) continue;
      a.push(e);
      b.push(f);
    }
    const emptyMs = median(a);
    const fullMs = median(b);
    return {
      popup_history_open_ms: round(fullMs, 1),
      popup_history_open_empty_ms: round(emptyMs, 1),
      popup_history_open_ratio: round(fullMs / emptyMs, 2),
    };
  } finally {
    await empty.browser.close();
    await full.browser.close();
  }
}
