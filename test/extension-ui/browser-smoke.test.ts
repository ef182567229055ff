/**
 * Smoke test in a real browser: the built extension loads in headless Chromium, its service
 * worker starts, the popup and the approval window render; screenshots of the popup screens go
 * to test-artifacts/. With the devnet available it also creates a regtest wallet through the UI,
 * funds it from the faucet and pays a 402 end to end is issue 7's job; here only the UI is
 * walked. Skips when no Chromium is installed (`apt-get install -y chromium`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EXT = join(ROOT, 'dist/chrome');
const ARTIFACTS = join(ROOT, 'test-artifacts');

function chromiumPath(): string | null {
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) if (existsSync(p)) return p;
  return null;
}

const exe = chromiumPath();

describe('extension in Chromium', { skip: exe ? false : 'no Chromium installed' }, () => {
  let ctx: BrowserContext;
  let sw: Worker;
  let extId: string;
  let profile: string;
  let site: Server;
  let siteUrl: string;

  before(async () => {
    if (!existsSync(join(EXT, 'manifest.json'))) execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    // A paywalled page on loopback: 402 with a Paychan challenge for a network the wallet is not on.
    site = createServer((req, res) => {
      if (req.url === '/paid') {
        res.writeHead(402, {
          'content-type': 'text/html',
          'cache-control': 'no-store',
          'www-authenticate': 'Paychan realm="paychan", version="1", network="regtest", price="10", endpoint="http://127.0.0.1:1/paychan/v1", min_deposit="10000", max_deposit="5000000", min_expiry="144", max_expiry="4032", min_first_payment="1000"',
        });
        res.end('<h1>This article costs 10 sat</h1>');
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<h1>free</h1><script>window.wrapped = String(window.fetch).includes("native code") ? "no" : "yes"</script>');
      }
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteUrl = `http://127.0.0.1:${(site.address() as { port: number }).port}`;
    profile = mkdtempSync(join(tmpdir(), 'paychan-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: exe!,
      headless: true,
      args: ['--headless=new', '--no-sandbox', `--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`, '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 20_000 }));
    extId = new URL(sw.url()).host;
  });

  after(async () => {
    await ctx?.close();
    site?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function popup(hash = ''): Promise<Page> {
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 400, height: 600 });
    await page.goto(`chrome-extension://${extId}/popup.html${hash}`);
    return page;
  }

  async function send(page: Page, type: string, payload?: unknown): Promise<{ ok: boolean; data?: unknown; error?: { code: string; message: string } }> {
    return page.evaluate(([t, p]) => (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<never> } } }).chrome.runtime.sendMessage({ type: t, payload: p }), [type, payload] as const);
  }

  it('starts the service worker with the paywall wired', async () => {
    assert.match(sw.url(), /background\.js$/);
    const page = await popup();
    const state = await send(page, 'paywall.state', {});
    assert.equal(state.ok, true);
    assert.deepEqual(state.data, { pending: 0, tab: null });
    await page.close();
  });

  it('injects the MAIN-world fetch wrapper into web pages', async () => {
    const page = await ctx.newPage();
    await page.goto(`${siteUrl}/`);
    assert.equal(await page.evaluate(() => (window as unknown as { wrapped: string }).wrapped), 'yes');
    // A page's own 402 with no wallet: the wrapper falls back to the original response.
    const status = await page.evaluate(async () => (await fetch('/paid')).status);
    assert.equal(status, 402);
    await page.close();
  });

  it('walks the popup through onboarding and its screens', async () => {
    const page = await popup();
    await page.getByRole('button', { name: 'Create a new wallet' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'popup-01-welcome.png') });
    await page.getByRole('button', { name: 'Create a new wallet' }).click();
    await page.getByLabel('Network').selectOption('regtest');
    await page.getByLabel('Password (at least 8 characters)').fill('correct horse');
    await page.getByLabel('Password again').fill('correct horse');
    await page.screenshot({ path: join(ARTIFACTS, 'popup-02-create.png') });
    await page.getByRole('button', { name: 'Continue' }).click();
    const words = (await page.getByRole('list', { name: 'Recovery phrase' }).locator('li').allTextContents()).join(' ');
    assert.equal(words.split(' ').length, 12);
    await page.screenshot({ path: join(ARTIFACTS, 'popup-03-words.png') });
    await page.getByLabel('I have written them down').check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Type the 12 words, separated by spaces').fill(words);
    await page.getByRole('button', { name: 'Create wallet' }).click();
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, 'popup-04-home.png') });
    for (const [tab, file] of [
      ['Receive', 'popup-05-receive.png'],
      ['Send', 'popup-06-send.png'],
      ['Channels', 'popup-07-channels.png'],
      ['Sites', 'popup-08-sites.png'],
      ['History', 'popup-09-history.png'],
      ['Settings', 'popup-10-settings.png'],
    ] as const) {
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: tab }).click();
      await page.waitForTimeout(400);
      await page.screenshot({ path: join(ARTIFACTS, file), fullPage: true });
    }
    // A site policy and a paid item, so the Sites screen shows something.
    const set = await send(page, 'paywall.site.set', { site: 'https://news.example', patch: { mode: 'auto', maxPrice: '20', budget: '2000', periodDays: 7 } });
    assert.equal(set.ok, true, JSON.stringify(set.error));
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Home' }).click();
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Sites' }).click();
    await page.getByText('news.example').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'popup-11-sites-policy.png'), fullPage: true });
    // Lock, then the unlock screen.
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.getByLabel('Password').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'popup-12-unlock.png') });
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /password/i);
    await page.getByLabel('Password').fill('correct horse');
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
    await page.close();
  });

  it('opens the approval window for a paywalled navigation', async () => {
    const page = await ctx.newPage();
    const promptPage = ctx.waitForEvent('page', { predicate: (p) => p.url().includes('prompt.html'), timeout: 15_000 });
    await page.goto(`${siteUrl}/paid`).catch(() => undefined);
    const prompt = await promptPage;
    await prompt.setViewportSize({ width: 440, height: 720 });
    await prompt.getByRole('button', { name: 'Pay once' }).waitFor();
    assert.match((await prompt.textContent('h1')) ?? '', /127\.0\.0\.1/);
    await prompt.screenshot({ path: join(ARTIFACTS, 'prompt-01-approval.png'), fullPage: true });
    // The popup shows the pending approval.
    const p = await popup();
    const state = await send(p, 'paywall.state', {});
    assert.equal((state.data as { pending: number }).pending, 1);
    await prompt.getByRole('button', { name: 'Deny' }).click();
    await p.waitForTimeout(300);
    assert.equal(((await send(p, 'paywall.state', {})).data as { pending: number }).pending, 0);
    await page.close();
    await p.close();
  });
});
