/**
 * The XMLHttpRequest half of the MAIN-world wrapper, as built (dist/chrome/content-main.js), in
 * real Chromium against a loopback site that answers 402 until an item is paid, then 200.
 *
 * The page plays the isolated content script's part of the bridge (the nonce hand-over and the
 * answer by window message, with bridge.ts's constants): its answer is what the background would
 * decide, so the paid path needs no wallet. What the page's XHR sees is compared with the same
 * page's XHR to a URL the wrapper leaves alone, so "what a page relies on" is Chromium's own
 * behaviour, not a list written here.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HANDOVER } from '../../src/extension/content/bridge.ts';
import type { PageOutcome } from '../../src/extension/shared/paywall-views.ts';
import { builtExtension, chromiumPath } from './chromium.ts';

const exe = chromiumPath();

const CHALLENGE =
  'Paychan realm="paychan", version="1", network="regtest", price="10", endpoint="http://127.0.0.1:1/paychan/v1", min_deposit="10000", max_deposit="5000000", min_expiry="144", max_expiry="4032", min_first_payment="1000"';

/**
 * The isolated world's side of the bridge: takes the port MAIN hands over, and answers each ask
 * with what `__decide` (the test, standing in for the background) says. A string, not a
 * function: tsx would wrap named functions in a `__name` helper the page does not have.
 */
const ISOLATED = `(() => {
  const take = (e) => {
    if (e.source !== window || e.data !== ${JSON.stringify(HANDOVER)} || e.ports.length !== 1) return;
    e.stopImmediatePropagation();
    window.removeEventListener('message', take, true);
    window.__bridged = true;
    const port = e.ports[0];
    port.onmessage = async (m) => {
      const outcome = await window.__decide(m.data.url, m.data.method);
      port.postMessage({ id: m.data.id, outcome });
    };
  };
  window.addEventListener('message', take, true);
})();`;

/**
 * The page's own script: one XHR with the usual handlers, recording every event with the
 * readyState and status the page reads at that moment. With `abortable`, `__abort()` aborts it
 * (the test calls it while the request is pending).
 */
const PAGE = `<!doctype html><script>
window.runXhr = (url, abortable) => new Promise((resolve) => {
  const xhr = new XMLHttpRequest();
  const log = [];
  const seen = (type) => log.push(type + ' ' + xhr.readyState + ' ' + xhr.status);
  xhr.onreadystatechange = () => seen('readystatechange');
  for (const type of ['loadstart', 'progress', 'abort', 'error', 'timeout']) xhr.addEventListener(type, () => seen(type));
  xhr.addEventListener('load', () => seen('load'));
  xhr.onload = () => seen('onload');
  if (abortable) window.__abort = () => xhr.abort();
  xhr.onloadend = () => {
    seen('onloadend');
    // Anything that still arrives after loadend would be a second answer to the page.
    setTimeout(() => resolve({ log, status: xhr.status, body: xhr.responseText, type: xhr.getResponseHeader('content-type'), readyState: xhr.readyState }), 300);
  };
  xhr.open('GET', url);
  xhr.setRequestHeader('x-page', 'kept');
  xhr.send();
});
</script>`;

interface XhrSeen {
  log: string[];
  status: number;
  body: string;
  type: string | null;
  /** Read 300 ms after loadend. */
  readyState: number;
}

describe('page XMLHttpRequest wrapper in Chromium', { skip: exe ? false : 'no Chromium installed' }, () => {
  let browser: Browser;
  let site: Server;
  let origin: string;
  const paid = new Set<string>();
  /** Every request the site got: path and the page's own header. */
  const requests: [string, string | undefined][] = [];
  /** Requests to /slow/ get no answer while a test aborts them. */
  const pending: import('node:http').ServerResponse[] = [];

  before(async () => {
    builtExtension();
    site = createServer((req, res) => {
      const path = req.url ?? '/';
      if (path === '/page') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(PAGE);
        return;
      }
      requests.push([path, req.headers['x-page'] as string | undefined]);
      if (path.startsWith('/slow/')) {
        pending.push(res);
      } else if (path.startsWith('/free/')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`free ${path}`);
      } else if (path.startsWith('/other402/')) {
        // A 402 of another scheme: the wrapper lets it through untouched.
        res.writeHead(402, { 'content-type': 'text/html', 'www-authenticate': 'L402 invoice="x"' });
        res.end('<h1>10 sat</h1>');
      } else if (paid.has(path)) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`the article ${path}`);
      } else {
        res.writeHead(402, { 'content-type': 'text/html', 'cache-control': 'no-store', 'www-authenticate': CHALLENGE });
        res.end('<h1>10 sat</h1>');
      }
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(site.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: exe!, headless: true, args: ['--headless=new', '--no-sandbox'] });
  });

  after(async () => {
    for (const res of pending) res.destroy();
    await browser?.close();
    site?.close();
  });

  /** A page with the built MAIN-world script; `decide` answers for the background. */
  async function open(decide: (url: string, method: string) => Promise<PageOutcome>): Promise<{ page: Page; asked: string[] }> {
    const page = await browser.newPage();
    const asked: string[] = [];
    await page.exposeFunction('__decide', async (url: string, method: string) => {
      asked.push(`${method} ${url}`);
      return decide(url, method);
    });
    await page.addInitScript({ content: ISOLATED });
    await page.addInitScript({ path: join(builtExtension(), 'content-main.js') });
    await page.goto(`${origin}/page`);
    // The wrapper leaves no global (issue 11, finding 9): it is installed once it handed its port over.
    await page.waitForFunction(() => (window as unknown as { __bridged?: boolean }).__bridged === true);
    return { page, asked };
  }

  const run = (page: Page, path: string, abortable = false) =>
    page.evaluate(([u, a]) => (window as unknown as { runXhr(u: string, a: boolean): Promise<XhrSeen> }).runXhr(u, a), [path, abortable] as const);
  const abortInPage = (page: Page) => page.evaluate(() => (window as unknown as { __abort(): void }).__abort());

  it('holds a paywalled XHR, and after payment completes it with the paid 200 in the order of an ordinary request', async () => {
    const { page, asked } = await open(async (url) => {
      paid.add(new URL(url).pathname);
      return 'paid';
    });
    const free = await run(page, '/free/1');
    const item = await run(page, '/item/1');
    assert.deepEqual(asked, [`GET ${origin}/item/1`]);
    assert.equal(item.status, 200);
    assert.equal(item.body, 'the article /item/1');
    assert.equal(item.type, 'text/plain');
    // The 402 never reached the page: the same events, readyStates and statuses as a plain 200,
    // DONE once, load before loadend.
    assert.deepEqual(item.log, free.log);
    assert.deepEqual(item.log.slice(-4), ['readystatechange 4 200', 'load 4 200', 'onload 4 200', 'onloadend 4 200']);
    assert.equal(item.log.filter((l) => l.startsWith('readystatechange 4')).length, 1);
    // Sent twice, the page's own header both times.
    assert.deepEqual(requests.filter(([p]) => p === '/item/1'), [['/item/1', 'kept'], ['/item/1', 'kept']]);
    await page.close();
  });

  for (const outcome of ['denied', 'failed'] as const) {
    it(`on ${outcome}, the page's XHR sees the original 402 and its body, as an unpriced 402 would show`, async () => {
      const { page, asked } = await open(async () => outcome);
      const other = await run(page, `/other402/${outcome}`);
      const item = await run(page, `/item/${outcome}`);
      assert.equal(asked.length, 1);
      assert.equal(item.status, 402);
      assert.equal(item.body, '<h1>10 sat</h1>');
      assert.equal(item.type, 'text/html');
      // Held and then released: the page sees each readyState step once, in order, as for any 402.
      assert.deepEqual(item.log, other.log);
      assert.deepEqual(item.log.slice(2, 5), ['readystatechange 2 402', 'readystatechange 3 402', 'progress 3 402']);
      assert.equal(item.log.filter((l) => l.startsWith('readystatechange 4')).length, 1, 'DONE is reported once');
      assert.equal(requests.filter(([p]) => p === `/item/${outcome}`).length, 1, 'no retry');
      await page.close();
    });
  }

  it('a page that aborts while the payment is pending gets what an aborted request gives, and no retry', async () => {
    let release!: (o: PageOutcome) => void;
    const { page } = await open(async (url) => {
      paid.add(new URL(url).pathname);
      // The page aborts while the wrapper holds its request; then the payment succeeds anyway.
      void abortInPage(page).then(() => release('paid'));
      return new Promise<PageOutcome>((r) => (release = r));
    });
    // The same page aborting an ordinary request that has not been answered yet.
    const slow = run(page, '/slow/1', true);
    while (!requests.some(([p]) => p === '/slow/1')) await new Promise((r) => setTimeout(r, 10));
    await abortInPage(page);
    const reference = await slow;
    assert.deepEqual(reference.log.slice(-3), ['readystatechange 4 0', 'abort 4 0', 'onloadend 4 0']);

    const item = await run(page, '/item/aborted', true);
    assert.deepEqual(item.log, reference.log);
    assert.deepEqual([item.status, item.body, item.type, item.readyState], [0, '', null, 0]);
    assert.equal(requests.filter(([p]) => p === '/item/aborted').length, 1, 'no retry for an aborted request');
    await page.close();
  });
});
