/**
 * Issue 11, attempted the way an attacker would, from real pages in Chromium: every site has its
 * own hostname (`--host-resolver-rules` maps *.test and *.co.uk to loopback). The reader has an
 * auto-pay budget with the merchant news.test (the demo site behind the Paychan server, on the
 * devnet) and with a second merchant, paychan-news.co.uk; the attacker's server answers as
 * evil.test and paychan-evil.co.uk and logs every request with its headers.
 *
 * What shows the outcome is what neither the attacker nor the extension can fake: the merchants'
 * own books (their store: sats delivered and sats signed over) and the attacker's request log (no
 * Paychan credential or Authorization header may ever reach it). A prompt that names both sites
 * is allowed for a third party's request; the reader answers it as told below.
 *
 * Screenshots: test-artifacts/e2e/attacker-origins.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { ARTICLES } from '../../src/server/demo/articles.ts';
import { PLATES } from '../../src/server/demo/gallery.ts';
import { PRICES } from '../../src/server/demo/prices.ts';
import { AttackerSite, carriesCredential, HOST_RULES, startMerchant, type Books, type Merchant } from './attack-sites.ts';
import { artifactsDir, PASSWORD, Reader, until } from './harness.ts';
import { quickWallet } from './story.ts';

/** The budget the reader sets for each merchant: room for the first payment and some reading. */
const BUDGET = '5000';

/** The merchant's books once nothing is in flight any more (a receipt or a top-up of the reader's own reads). */
async function settledBooks(m: Merchant): Promise<Books> {
  let last = await m.books();
  let since = Date.now();
  const deadline = Date.now() + 20_000;
  while (Date.now() - since < 1500 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await m.books();
    if (now.delivered !== last.delivered || now.paid !== last.paid || now.channels !== last.channels) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

/**
 * Answers every approval window that opens until stopped, with `answer(text)`; keeps what each
 * window said. An attack may open one (a third party's request, asking the reader); it must never
 * pay without one.
 */
class PromptWatch {
  readonly texts: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(reader: Reader, answer: (text: string) => string) {
    this.loop = (async () => {
      while (this.running) {
        const prompt = await reader.nextPrompt(500).catch(() => null);
        if (!prompt) continue;
        const text = ((await prompt.textContent('body').catch(() => '')) ?? '').replace(/\s+/g, ' ');
        this.texts.push(text);
        await reader.shot(prompt, `prompt-${this.texts.length}`).catch(() => undefined);
        await reader.answer(prompt, answer(text)).catch(() => undefined);
      }
    })();
  }

  async stop(): Promise<string[]> {
    this.running = false;
    await this.loop;
    return this.texts;
  }
}

/** Waits `ms` with prompts answered by `answer`; returns what they said. */
async function promptsDuring(reader: Reader, ms: number, answer: (text: string) => string): Promise<string[]> {
  const watch = new PromptWatch(reader, answer);
  await new Promise((r) => setTimeout(r, ms));
  return watch.stop();
}

describe('attacker sites on their own hostnames cannot spend or steal the reader’s credit', { timeout: 420_000 }, () => {
  let devnet: Devnet;
  let dbDir: string;
  let news: Merchant;
  let couk: Merchant;
  let evil: AttackerSite;
  let reader: Reader;
  let page: Page;

  /** The reader reads the first article on `m` and allows auto-pay with BUDGET. */
  async function subscribe(m: Merchant): Promise<void> {
    const res = await page.goto(`${m.url}/articles/${ARTICLES[0]!.slug}`);
    assert.equal(res?.status(), 402, `${m.url}: the first article is paywalled`);
    const prompt = await reader.nextPrompt();
    await prompt.getByLabel('Budget (sat)').fill(BUDGET);
    await reader.answer(prompt, 'Allow with budget');
    await page.getByText(/You paid 10 sat for this article/).waitFor({ timeout: 60_000 });
  }

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    dbDir = mkdtempSync(join(tmpdir(), 'paychan-e2e-attack-'));
    news = await startMerchant(devnet, dbDir, 'news.test');
    couk = await startMerchant(devnet, dbDir, 'paychan-news.co.uk');
    evil = await AttackerSite.start();
    reader = await Reader.launch({ artifacts: artifactsDir('attacker-origins'), chromiumArgs: [HOST_RULES] });
    await quickWallet(reader, { devnet });
    page = await reader.ctx.newPage();
    await subscribe(news);
    await subscribe(couk);
    const books = await settledBooks(news);
    assert.equal(books.delivered, PRICES.article, 'news.test delivered the one article read');
    assert.equal((await settledBooks(couk)).delivered, PRICES.article, 'paychan-news.co.uk delivered the one article read');
  });

  after(async () => {
    await reader?.close();
    await evil?.stop();
    await news?.stop();
    await couk?.stop();
    await devnet?.stop();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  });

  it('finding 1: a 402 from evil.test naming news.test’s channel API gets nothing, even from a reader who trusts evil.test', async () => {
    // The attacker serves news.test's own challenge, verbatim: its channel API is news.test's.
    const real = await fetch(`${news.url.replace('news.test', '127.0.0.1')}/articles/${ARTICLES.at(-1)!.slug}`);
    const challenge = real.headers.get('www-authenticate');
    assert.match(challenge ?? '', new RegExp(`endpoint="${news.url}/paychan/v1"`));
    evil.pages.set('/premium', { status: 402, headers: { 'content-type': 'text/html', 'www-authenticate': challenge! }, body: '<h1>Premium: 10 sat</h1>' });

    const before = await settledBooks(news);
    assert.equal((await page.goto(`${evil.origin('evil.test')}/premium`))?.status(), 402);
    // A reader who trusts evil.test pays once if asked; the wallet must not let that reach news.test.
    const prompts = await promptsDuring(reader, 6000, () => 'Pay once');
    // Give a credential every chance to show up at evil.test.
    const again = await page.goto(`${evil.origin('evil.test')}/premium`);
    await page.goto(`${evil.origin('evil.test')}/anything`);
    await reader.shot(page, 'evil-premium');

    assert.deepEqual(await settledBooks(news), before, 'news.test’s books: nothing paid or spent for evil.test’s 402');
    assert.deepEqual(evil.leaks(), [], 'no Paychan credential reached evil.test');
    assert.equal(again?.status(), 402, 'evil.test’s page keeps its 402');
    assert.equal((await reader.send('channels.list', undefined)).length, 2, 'no channel opened for evil.test');
    assert.ok(prompts.every((t) => !/Pay evil\.test/.test(t) || t.includes('news.test')), `a prompt for evil.test must name news.test’s channel API: ${prompts.join(' | ')}`);
  });

  it('finding 2: hidden frames and images of news.test’s paid items on evil.test spend nothing', async () => {
    evil.embed(
      '/cats',
      ARTICLES.slice(1, 4).map((a) => `${news.url}/articles/${a.slug}`),
      PLATES.slice(0, 3).map((p) => `${news.url}/gallery/plate/${p.id}.svg`),
    );
    const before = await settledBooks(news);
    await page.goto(`${evil.origin('evil.test')}/cats`);
    // The reader did not ask for news.test's items here: any prompt must name both sites, and is denied.
    const prompts = await promptsDuring(reader, 8000, () => 'Deny');
    await reader.shot(page, 'evil-cats');

    assert.deepEqual(await settledBooks(news), before, 'news.test’s books: no credit spent and no top-up for evil.test’s frames and images');
    for (const t of prompts) assert.ok(t.includes('news.test') && t.includes('evil.test'), `a prompt names both sites: ${t}`);
    assert.deepEqual(evil.leaks(), [], 'no Paychan credential reached evil.test');
  });

  it('finding 2: a free news.test page framed by evil.test spends nothing with its own picture and fetch; the reader’s own news.test tab still pays from credit', async () => {
    // A free page of news.test that shows a paid picture of news.test and fetches a paid quote:
    // its requests are news.test's own, but the reader never opened news.test.
    const freePage = (plate: (typeof PLATES)[number], quoteId: number) =>
      `${news.url}/own-images?src=${encodeURIComponent(`${news.url}/gallery/plate/${plate.id}.svg`)}&fetch=${encodeURIComponent(`${news.url}/api/quote?id=${quoteId}`)}`;
    const framed = PLATES[4]!;
    evil.embed('/framed-free', [freePage(framed, 2)], []);
    const before = await settledBooks(news);
    await page.goto(`${evil.origin('evil.test')}/framed-free`);
    // Whatever the framed page asks for is evil.test's doing: a prompt names both sites, and is denied.
    const prompts = await promptsDuring(reader, 8000, () => 'Deny');
    await reader.shot(page, 'evil-framed-free');

    assert.deepEqual(await settledBooks(news), before, 'news.test’s books: nothing spent for the free page evil.test framed');
    for (const t of prompts) assert.ok(t.includes('news.test') && t.includes('evil.test'), `a prompt names both sites: ${t}`);
    const sent = news.requests.filter((r) => r.path === `/gallery/plate/${framed.id}.svg` || r.path === '/api/quote?id=2');
    assert.ok(sent.length > 0, 'the framed page did ask news.test for its picture and quote');
    assert.deepEqual(sent.filter(carriesCredential), [], 'the framed page’s requests carried no credential of news.test');
    assert.deepEqual(evil.leaks(), [], 'no Paychan credential reached evil.test');

    // The reader opens the same free page in a tab of their own: paid from credit, no prompt.
    const own = PLATES[5]!;
    const tab = await reader.ctx.newPage();
    const watch = new PromptWatch(reader, () => 'Deny');
    await tab.goto(freePage(own, 3));
    const shown = await tab
      .waitForFunction(() => {
        const img = document.getElementById('plate') as HTMLImageElement | null;
        return !!img && img.complete && img.naturalWidth > 0 && document.getElementById('fetched')?.textContent === '200';
      }, undefined, { timeout: 30_000 })
      .then(
        () => true,
        () => false,
      );
    const ownPrompts = await watch.stop();
    await reader.shot(tab, 'news-own-free-page');
    await tab.close();
    assert.ok(shown, 'the picture shows and the quote is fetched in the reader’s own news.test tab');
    assert.deepEqual(ownPrompts, [], 'the reader’s own news.test tab pays with no prompt');
    const after = await until('the picture and quote to be counted', async () => {
      const b = await settledBooks(news);
      return b.delivered >= before.delivered + own.price + PRICES.quote && b;
    });
    assert.equal(after.delivered - before.delivered, own.price + PRICES.quote, 'the picture and the quote, each paid once');
  });

  it('finding 4: news.test’s picture on img.news.test is paid once from its credit, with no prompt and no retry loop', async () => {
    const plate = PLATES[3]!;
    const path = `/gallery/plate/${plate.id}.svg`;
    const src = `${news.url.replace('news.test', 'img.news.test')}${path}`;
    const before = await settledBooks(news);
    const requestsBefore = news.requests.filter((r) => r.path === path).length;
    // A reader who wants the picture would allow it if asked; a same-site host must not ask.
    const watch = new PromptWatch(reader, () => 'Allow with budget');
    await page.goto(`${news.url}/own-images?src=${encodeURIComponent(src)}`);
    const loaded = await page
      .waitForFunction(() => {
        const img = document.getElementById('plate') as HTMLImageElement | null;
        return !!img && img.complete && img.naturalWidth > 0;
      }, undefined, { timeout: 30_000 })
      .then(
        () => true,
        () => false,
      );
    await new Promise((r) => setTimeout(r, 3000));
    const prompts = await watch.stop();
    await reader.shot(page, 'news-own-images');
    const after = await settledBooks(news);
    const requests = news.requests.filter((r) => r.path === path).length - requestsBefore;

    assert.ok(requests <= 3, `img.news.test was asked for the picture ${requests} times: a retry loop`);
    assert.equal(after.delivered - before.delivered, plate.price, 'the picture is paid exactly once');
    assert.ok(loaded, 'the picture shows');
    assert.deepEqual(prompts, [], 'img.news.test is news.test’s own host: no prompt');
  });

  it('finding 4: paychan-evil.co.uk is not the same site as paychan-news.co.uk (co.uk is a public suffix)', async () => {
    evil.embed(
      '/co-uk',
      [`${couk.url}/articles/${ARTICLES[2]!.slug}`],
      PLATES.slice(0, 3).map((p) => `${couk.url}/gallery/plate/${p.id}.svg`),
    );
    const before = await settledBooks(couk);
    await page.goto(`${evil.origin('paychan-evil.co.uk')}/co-uk`);
    const prompts = await promptsDuring(reader, 8000, () => 'Deny');
    await reader.shot(page, 'evil-co-uk');

    assert.deepEqual(await settledBooks(couk), before, 'paychan-news.co.uk’s books: nothing spent for paychan-evil.co.uk’s frame and images');
    for (const t of prompts) assert.ok(t.includes('paychan-news.co.uk') && t.includes('paychan-evil.co.uk'), `a prompt names both sites: ${t}`);
    assert.deepEqual(evil.leaks(), [], 'no Paychan credential reached the attacker');
  });

  it('finding 7: once the wallet is locked nothing is spent, not by navigation nor by the site’s own fetch; unlocking restores auto-pay', async () => {
    const article = ARTICLES[4]!;
    const before = await settledBooks(news);
    await reader.send('wallet.lock', undefined);
    // A locked wallet may ask to be unlocked; this reader declines.
    const watch = new PromptWatch(reader, () => 'Deny');
    const nav = await page.goto(`${news.url}/articles/${article.slug}`);
    await page.goto(`${news.url}/api`);
    const api = await page.evaluate(async () => (await fetch('/api/quote?id=1')).status);
    await new Promise((r) => setTimeout(r, 3000));
    const locked = await watch.stop();
    await reader.shot(page, 'locked');
    assert.deepEqual(await settledBooks(news), before, 'news.test’s books: nothing spent while the wallet is locked');
    assert.equal(nav?.status(), 402, 'a locked wallet sends no credential with a navigation');
    assert.equal(api, 402, 'a locked wallet pays no fetch');
    for (const t of locked) assert.match(t, /news\.test/, 'a prompt while locked names the site');

    await reader.send('wallet.unlock', { password: PASSWORD });
    const promptsBefore = reader.prompts.length;
    const res = await page.goto(`${news.url}/articles/${article.slug}`);
    await page.getByText(/You paid 10 sat for this article/).waitFor({ timeout: 30_000 });
    assert.equal(res?.status(), 200, 'after unlocking, the article is paid from credit at once');
    assert.equal(reader.prompts.length, promptsBefore, 'no prompt after unlocking');
    const after = await until('the article to be counted', async () => {
      const b = await settledBooks(news);
      return b.delivered > before.delivered && b;
    });
    assert.equal(after.delivered - before.delivered, PRICES.article, 'one article, paid once');
    assert.deepEqual(evil.leaks(), [], 'no Paychan credential reached the attacker');
  });
});
