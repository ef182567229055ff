/**
 * Smoke test in a real browser: the built extension loads in headless Chromium, its service
 * worker starts, the popup and the approval window render; screenshots of the popup screens go
 * to test-artifacts/. With the devnet available it also creates a regtest wallet through the UI,
 * funds it from the faucet and pays a 402 end to end is issue 7's job; here only the UI is
 * walked. Skips when no Chromium is installed (`apt-get install -y chromium`).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page, Worker } from 'playwright-core';
import type { ApprovalView } from '../../src/extension/shared/paywall-views.ts';
import type { ChannelSummary } from '../../src/extension/shared/types.ts';
import { fmtExpiry, fmtSats } from '../../src/extension/popup/format.ts';
import { costRows } from '../../src/extension/prompt/costs.ts';
import { approvalView } from './approval-fixture.ts';
import { channelSummary } from './channel-fixture.ts';
import { fakeAnswers } from './fake-answers.ts';
import { startChallengeSite, type ChallengeSite } from './challenge-site.ts';
import { chromiumPath, launchWithExtension, ROOT, type ExtensionBrowser } from './chromium.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');

const exe = chromiumPath();

describe('extension in Chromium', { skip: exe ? false : 'no Chromium installed' }, () => {
  let browser: ExtensionBrowser;
  let ctx: BrowserContext;
  let sw: Worker;
  let extId: string;
  let site: ChallengeSite;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    site = await startChallengeSite();
    browser = await launchWithExtension(exe!);
    ({ ctx, sw, extId } = browser);
  });

  after(async () => {
    await browser?.close();
    await site?.close();
  });

  /**
   * The popup as a tab at its real width (body min-width: 380 px). `fakes` answers some message
   * types in the page itself, before the background sees them: channel states a devnet-free test
   * cannot reach, an approval the background never asked for.
   */
  async function popup(hash = '', fakes: Record<string, unknown> = {}, file = 'popup.html'): Promise<Page> {
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 380, height: 600 });
    if (Object.keys(fakes).length > 0) await page.addInitScript({ content: fakeAnswers(fakes) });
    await page.goto(`chrome-extension://${extId}/${file}${hash}`);
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
    await page.goto(`${site.url}/`);
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

  it('locking takes every credential rule down and stops them being sent; unlocking restores them (finding 7)', async () => {
    type Dnr = { getSessionRules(): Promise<{ id: number; action: { requestHeaders?: { value?: string }[] } }[]>; updateSessionRules(o: unknown): Promise<void> };
    const rules = () => sw.evaluate(async () => (await (globalThis as unknown as { chrome: { declarativeNetRequest: Dnr } }).chrome.declarativeNetRequest.getSessionRules()).map((r) => [r.id, r.action.requestHeaders?.[0]?.value]));
    await sw.evaluate(() =>
      (globalThis as unknown as { chrome: { declarativeNetRequest: Dnr } }).chrome.declarativeNetRequest.updateSessionRules({
        addRules: [
          {
            id: 10_000,
            priority: 1,
            action: { type: 'modifyHeaders', requestHeaders: [{ header: 'Paychan-Credential', operation: 'set', value: 'Paychan channel="aa:0", token="t"' }] },
            condition: { urlFilter: '|https://', requestDomains: ['news.example'], resourceTypes: ['main_frame'] },
          },
        ],
      }),
    );
    const page = await popup();
    assert.equal((await send(page, 'wallet.lock')).ok, true);
    for (let i = 0; i < 50 && (await rules()).length > 0; i++) await page.waitForTimeout(100);
    assert.deepEqual(await rules(), [], 'locked: no credential rule left');
    assert.equal((await send(page, 'wallet.unlock', { password: 'correct horse' })).ok, true);
    for (let i = 0; i < 50 && (await rules()).length === 0; i++) await page.waitForTimeout(100);
    assert.deepEqual(await rules(), [[10_000, 'Paychan channel="aa:0", token="t"']], 'unlocked: the credential is back');
    await sw.evaluate(() => (globalThis as unknown as { chrome: { declarativeNetRequest: Dnr } }).chrome.declarativeNetRequest.updateSessionRules({ removeRuleIds: [10_000] }));
    await page.close();
  });

  it('opens the approval window for a paywalled navigation', async () => {
    const page = await ctx.newPage();
    const promptPage = ctx.waitForEvent('page', { predicate: (p) => p.url().includes('prompt.html'), timeout: 15_000 });
    await page.goto(`${site.url}/paid`).catch(() => undefined);
    const prompt = await promptPage;
    await prompt.setViewportSize({ width: 440, height: 720 });
    await prompt.getByRole('button', { name: 'Pay once' }).waitFor();
    // The site and the channel API with their scheme (finding 6): http here, on the devnet.
    assert.match((await prompt.textContent('h1')) ?? '', /http:\/\/127\.0\.0\.1:\d+/);
    await prompt.getByText('http://127.0.0.1:1', { exact: true }).waitFor();
    await prompt.screenshot({ path: join(ARTIFACTS, 'prompt-01-approval.png'), fullPage: true });
    // The popup shows the pending approval.
    const p = await popup();
    const state = await send(p, 'paywall.state', {});
    assert.equal((state.data as { pending: number }).pending, 1);
    // The prompt closes its own window on an answer: waiting after the click would race that
    // close and fail with "Target closed" now and then (as Reader.answer in test/e2e/harness.ts knows).
    const closed = prompt.waitForEvent('close', { timeout: 15_000 }).catch(() => undefined);
    await prompt
      .getByRole('button', { name: 'Deny' })
      .click({ noWaitAfter: true })
      .catch((err: Error) => {
        if (!prompt.isClosed()) throw err;
      });
    await closed;
    assert.equal(prompt.isClosed(), true, 'the prompt closed itself');
    assert.equal(((await send(p, 'paywall.state', {})).data as { pending: number }).pending, 0);
    await page.close();
    await p.close();
  });
  it('fits the tab bar on one line at the popup\'s 380 px, and the tabs work from the keyboard', async () => {
    const page = await popup();
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.waitFor();
    const layout = await nav.evaluate((el) => ({
      tops: [...el.querySelectorAll('button')].map((b) => Math.round(b.getBoundingClientRect().top)),
      fits: el.scrollWidth <= el.clientWidth,
      width: document.documentElement.clientWidth,
    }));
    assert.equal(layout.width, 380);
    assert.equal(new Set(layout.tops).size, 1, `tabs on one line: ${JSON.stringify(layout.tops)}`);
    assert.ok(layout.fits, 'every tab is visible without scrolling');
    await nav.getByRole('button', { name: 'Home' }).focus();
    for (let i = 0; i < 6; i++) await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Settings');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'popup-13-tabs-380.png') });
    await page.close();
  });

  it('shows what happened to closed, settling and refunded channels, and why one is stuck opening', async () => {
    const base = channelSummary();
    const host = (h: string) => `https://${h}/paychan/v1`;
    const channels: ChannelSummary[] = [
      { ...base, id: 'regtest/1', endpoint: host('open.example') },
      { ...base, id: 'regtest/2', endpoint: host('stuck.example'), state: 'opening', signed: '1000', spent: '0', credit: '1000', lastError: 'the site refused the funding: fee rate too low' },
      { ...base, id: 'regtest/3', endpoint: host('settling.example'), state: 'closing', outcome: 'settled', closingTxid: 'b'.repeat(64) },
      { ...base, id: 'regtest/4', endpoint: host('settled.example'), state: 'closed', outcome: 'settled', closingTxid: 'c'.repeat(64) },
      { ...base, id: 'regtest/5', endpoint: host('refunded.example'), state: 'closed', outcome: 'refunded', closingTxid: 'd'.repeat(64) },
    ];
    const page = await popup('#channels', { 'channels.list': channels });
    const card = (h: string) => page.getByRole('article', { name: `Channel with ${h}` });
    await card('open.example').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'popup-14-channel-states.png'), fullPage: true });
    for (const h of ['settling.example', 'settled.example', 'refunded.example']) {
      const text = (await card(h).textContent()) ?? '';
      assert.doesNotMatch(text, /Credit|Expires/, `${h}: no credit or expiry after closing`);
    }
    // Issue 14: the open card explains its credit; the settled one lists parts that add up to the deposit.
    assert.match((await card('open.example').textContent()) ?? '', /190 sat prepaid, not yet used; comes back when the channel closes\..*Prepaid, not yet used\s*190 sat.*Expires/);
    const settled = (await card('settled.example').textContent()) ?? '';
    assert.match(settled, /Paid for what you read\s*1,210 sat/);
    assert.match(settled, /Unused credit the site kept\s*190 sat/);
    assert.match(settled, /Came back to you\s*48,600 sat/);
    assert.match(settled, /= Deposit\s*50,000 sat/);
    assert.match((await card('settling.example').textContent()) ?? '', /Comes back to you\s*48,600 sat/);
    assert.match((await card('refunded.example').textContent()) ?? '', /whole deposit, 50,000 sat, came back to you/);
    assert.match((await card('stuck.example').textContent()) ?? '', /the site refused the funding: fee rate too low/);
    // The close confirmation says the unused credit comes back; dismissed, nothing closes.
    const dialog = page.waitForEvent('dialog');
    void card('open.example').getByRole('button', { name: 'Close channel' }).click();
    const d = await dialog;
    assert.match(d.message(), /your 190 sat of unused prepaid credit included\./);
    await d.dismiss();
    await page.close();
  });

  it('the approval window shows, before anything is signed, the figures of the view: price, credit, fees, total, deposit and its date (issue 14)', async () => {
    const view = approvalView();
    const prompt = await popup('?id=fake', { 'paywall.approval.get': view }, 'prompt.html');
    await prompt.getByText('Deposit locked in a new channel').waitFor();
    const shown = await prompt.locator('dl.kv').evaluate((dl) => {
      const out: [string, string][] = [];
      for (const dt of dl.querySelectorAll('dt')) out.push([dt.textContent ?? '', dt.nextElementSibling?.textContent ?? '']);
      return out;
    });
    const rows = costRows(view);
    assert.deepEqual(shown.slice(0, rows.length), rows);
    // The rows are the view's own figures, not a copy of the fixture's words.
    const byLabel = new Map(shown);
    assert.equal(byLabel.get('Price of this item'), fmtSats(view.price));
    assert.equal(byLabel.get('Prepaid credit for later items'), fmtSats(view.prepaid));
    assert.equal(byLabel.get('Network fee to open the channel (at 2.5 sat/vB)'), `≈ ${fmtSats(view.fees!.funding)}`);
    assert.equal(byLabel.get('Network fee of a refund, only if the site vanishes'), `≈ ${fmtSats(view.fees!.refund)}`);
    assert.equal(byLabel.get('= Counted against your budget now'), fmtSats(view.commitment));
    assert.equal(byLabel.get('Deposit locked in a new channel'), fmtSats(view.deposit!));
    assert.equal(byLabel.get('Locked until, at the latest'), fmtExpiry(view.expiryBlocks!, view.createdAt));
    await prompt.getByText(/comes back to you when the channel closes/).waitFor();
    await prompt.close();
  });

  it('after a spent budget, the approval window shows the spend and suggests a budget that pays', async () => {
    const view: ApprovalView = {
      id: 'fake',
      site: 'https://news.example',
      url: 'https://news.example/api/timeline?year=-580',
      price: '2',
      network: 'regtest',
      endpoint: 'https://news.example/paychan/v1',
      previousEndpoint: null,
      openDeposits: '0',
      depositLimit: '100000',
      deposit: null,
      expiryBlocks: null,
      expiryEstimate: null,
      commitment: '2',
      prepaid: '0',
      fees: null,
      suggested: { maxPrice: '10', budget: '2000', periodDays: 1 },
      reason: 'budget-exhausted',
      remaining: '0',
      period: { spent: '1000', budget: '1000', periodDays: 1, mode: 'auto', books: { items: 400, charged: '800', fees: '0', prepaid: '200' } },
      initiator: null,
      createdAt: Date.now(),
      deadline: Date.now() + 120_000,
    };
    const prompt = await popup('?id=fake', { 'paywall.approval.get': view }, 'prompt.html');
    await prompt.setViewportSize({ width: 440, height: 720 });
    // Spent is what was served (and fees); the prepaid credit is apart; the budget counts both (issue 14).
    await prompt
      .getByText(
        'Spent 800 sat at this site this period: 800 sat on 400 items, 0 sat in network fees. 200 sat prepaid, not yet used; comes back when the channel closes. Budget: 1,000 of 1,000 sat counted (0 sat left).',
      )
      .waitFor();
    assert.equal(await prompt.getByLabel('Max price per item (sat)').inputValue(), '10');
    assert.equal(await prompt.getByLabel('Budget (sat)').inputValue(), '2000');
    const allow = prompt.getByRole('button', { name: 'Allow with budget' });
    // The answer buttons are inert for a second after the window shows (aria-disabled).
    await prompt.waitForFunction(() => !document.querySelector('button[aria-disabled="true"]'));
    assert.equal(await allow.isEnabled(), true);
    await prompt.screenshot({ path: join(ARTIFACTS, 'prompt-02-budget-exhausted.png'), fullPage: true });
    // The old suggestion, 201 sat, could never pay: the window says so and will not take it.
    await prompt.getByLabel('Budget (sat)').fill('201');
    await prompt.getByText(/budget already counts 1,000 sat, so this budget would not cover this payment \(2 sat\): it must be at least 1,002 sat/).waitFor();
    assert.equal(await allow.isEnabled(), false);
    await prompt.screenshot({ path: join(ARTIFACTS, 'prompt-03-budget-too-small.png'), fullPage: true });
    await prompt.close();
  });
});
