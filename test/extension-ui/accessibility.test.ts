/**
 * WCAG 2.1 A/AA in both themes, with axe-core in Chromium: every popup screen (onboarding,
 * unlock, the wallet's sections and their states) and the approval window, each scanned with
 * prefers-color-scheme light and dark. Zero violations; a failure prints them all. Also reflow
 * (WCAG 1.4.10): the popup at 320 CSS px and the approval window at 200% zoom (its 440x640
 * window is 220x305 CSS px) scroll only vertically, with every button on screen.
 *
 * Channel states, site policies, history and balances a devnet-free test cannot reach are
 * answered in the page (fake-answers.ts); everything else is the real background.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { ApprovalView, PaidItemView, SitePolicyView } from '../../src/extension/shared/paywall-views.ts';
import { approvalView } from './approval-fixture.ts';
import type { ChannelSummary } from '../../src/extension/shared/types.ts';
import { axeScanBoth, report, type Finding } from './axe.ts';
import { channelSummary } from './channel-fixture.ts';
import { chromiumPath, launchWithExtension, type ExtensionBrowser } from './chromium.ts';
import { fakeAnswers } from './fake-answers.ts';

const exe = chromiumPath();
const PASSWORD = 'correct horse';

/** Only the devnet faucet of an Esplora server: what the Home screen's faucet button calls. */
async function startFaucet(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/devnet/faucet' ? 200 : 404, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
    res.end(req.url === '/devnet/faucet' ? JSON.stringify({ txid: 'f'.repeat(64) }) : '{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const NOW = Date.now();
const CHANNELS: ChannelSummary[] = [
  channelSummary({ id: 'regtest/1', endpoint: 'https://open.example/paychan/v1' }),
  channelSummary({ id: 'regtest/2', endpoint: 'https://stuck.example/paychan/v1', state: 'opening', lastError: 'the site refused the funding: fee rate too low' }),
  channelSummary({ id: 'regtest/3', endpoint: 'https://settling.example/paychan/v1', state: 'closing', outcome: 'settled', closingTxid: 'b'.repeat(64) }),
  channelSummary({ id: 'regtest/4', endpoint: 'https://refunded.example/paychan/v1', state: 'closed', outcome: 'refunded', closingTxid: 'd'.repeat(64) }),
];
const site = (s: string, over: Partial<SitePolicyView>): SitePolicyView => ({
  site: s,
  mode: 'auto',
  blocked: false,
  maxPrice: '20',
  budget: '2000',
  periodDays: 1,
  spent: '1400',
  reserved: '0',
  periodEnds: NOW + 3_600_000,
  endpoint: `${s}/paychan/v1`,
  items: 12,
  charged: '1210',
  fees: '0',
  prepaid: '190',
  depositLimit: '100000',
  openDeposits: '50000',
  updatedAt: 1,
  ...over,
});
const SITES: SitePolicyView[] = [site('https://auto.example', {}), site('https://ask.example', { mode: 'ask' }), site('https://blocked.example', { blocked: true })];
const HISTORY: PaidItemView[] = [1, 2, 3].map((i) => ({ id: i, site: 'https://news.example', url: `https://news.example/articles/a-rather-long-article-name-${i}`, amount: '10', channel: 'aa:0', at: NOW - i * 60_000 }));
const WALLET_FAKES = {
  'wallet.balances': { network: 'regtest', confirmed: '1000000', unconfirmed: '25000', inChannels: '48600', prepaid: '190' },
  'paywall.state': { pending: 1, tab: { site: 'https://news.example', items: 3, charged: '30' } },
  'channels.list': CHANNELS,
  'paywall.sites': SITES,
  'paywall.history': HISTORY,
  'paywall.history.days': [{ day: new Date(NOW).setHours(0, 0, 0, 0), site: 'https://news.example', items: HISTORY.length, amount: '30' }],
  'paywall.history.day': HISTORY,
  'wallet.feeRates': { fast: '20000', normal: '5000', slow: '250' },
  'wallet.send': { txid: 'e'.repeat(64), fee: '141', vsize: 141 },
};

describe('WCAG 2.1 AA in both themes (axe-core)', { skip: exe ? false : 'no Chromium installed', timeout: 240_000 }, () => {
  let browser: ExtensionBrowser;
  let ctx: BrowserContext;
  let extId: string;
  let faucet: { url: string; server: Server };

  before(async () => {
    faucet = await startFaucet();
    browser = await launchWithExtension(exe!);
    ({ ctx, extId } = browser);
  });
  after(async () => {
    await browser?.close();
    faucet?.server.close();
  });

  async function open(file: string, fakes: Record<string, unknown> = {}, size = { width: 380, height: 600 }): Promise<Page> {
    const page = await ctx.newPage();
    await page.setViewportSize(size);
    page.on('dialog', (d) => void d.dismiss());
    if (Object.keys(fakes).length > 0) await page.addInitScript({ content: fakeAnswers(fakes) });
    await page.goto(`chrome-extension://${extId}/${file}`);
    return page;
  }
  const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true }).click();

  it('onboarding: welcome, new wallet, recovery phrase, confirmation, restore', async () => {
    const found: Finding[] = [];
    // Restoring is answered in the page: the restored screen needs no chain.
    const page = await open('popup.html', { 'wallet.restore': { state: 'unlocked', network: 'regtest', autoLockMinutes: 15 } });
    await page.getByRole('button', { name: 'Create a new wallet' }).waitFor();
    found.push(...(await axeScanBoth(page, 'welcome')));
    await page.getByRole('button', { name: 'Restore from a recovery phrase' }).click();
    await page.getByRole('heading', { name: 'Restore a wallet' }).waitFor();
    found.push(...(await axeScanBoth(page, 'restore')));
    await page.getByLabel('Recovery phrase (12 or 24 words)').fill('abandon '.repeat(11) + 'about');
    await page.getByLabel('Network').selectOption('regtest');
    await page.getByLabel('Password (at least 8 characters)').fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByRole('heading', { name: 'Wallet restored' }).waitFor();
    found.push(...(await axeScanBoth(page, 'restored')));
    await page.close();

    const create = await open('popup.html');
    await create.getByRole('button', { name: 'Create a new wallet' }).click();
    // A new wallet starts on signet; mainnet is one choice away and says it is experimental.
    assert.equal(await create.getByLabel('Network').inputValue(), 'signet');
    assert.equal(await create.getByText(/Experimental software/).count(), 0);
    await create.getByLabel('Network').selectOption('mainnet');
    await create.getByText(/^Experimental software: Paychan has not yet been reviewed for real bitcoin/).waitFor();
    found.push(...(await axeScanBoth(create, 'new wallet, mainnet chosen')));
    await create.getByLabel('Network').selectOption('regtest');
    await create.getByLabel('Password (at least 8 characters)').fill('short');
    await create.getByRole('button', { name: 'Continue' }).click();
    await create.getByRole('alert').waitFor();
    found.push(...(await axeScanBoth(create, 'new wallet, with an error')));
    await create.getByLabel('Password (at least 8 characters)').fill(PASSWORD);
    await create.getByLabel('Password again').fill(PASSWORD);
    await create.getByRole('button', { name: 'Continue' }).click();
    const words = (await create.getByRole('list', { name: 'Recovery phrase' }).locator('li').allTextContents()).join(' ');
    found.push(...(await axeScanBoth(create, 'recovery phrase')));
    await create.getByLabel('I have written them down').check();
    await create.getByRole('button', { name: 'Next' }).click();
    await create.getByLabel('Type the 12 words, separated by spaces').fill(words);
    found.push(...(await axeScanBoth(create, 'confirm the phrase')));
    await create.getByRole('button', { name: 'Create wallet' }).click();
    await create.getByRole('navigation', { name: 'Sections' }).waitFor();
    await create.close();
    assert.deepEqual(found, [], report(found));
  });

  it('unlock, with a wrong password', async () => {
    const found: Finding[] = [];
    const page = await open('popup.html');
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await page.getByRole('alert').waitFor();
    found.push(...(await axeScanBoth(page, 'unlock')));
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
    await page.close();
    assert.deepEqual(found, [], report(found));
  });

  it("the wallet's sections and their states", async () => {
    const found: Finding[] = [];
    const setup = await open('popup.html');
    await setup.evaluate((url) => (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome.runtime.sendMessage({ type: 'settings.set', payload: { esploraUrls: { regtest: url } } }), faucet.url);
    await setup.close();
    const page = await open('popup.html', WALLET_FAKES);
    await page.getByText('1,000,000 sat', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Devnet faucet' }).click();
    await page.getByText(/1,000,000 sat received/).waitFor();
    found.push(...(await axeScanBoth(page, 'home: pending approval, faucet sent')));

    await nav(page, 'Receive');
    await page.getByRole('img', { name: 'QR code of the payment request' }).waitFor();
    await page.getByLabel('Amount to request (sat, optional)').fill('abc');
    await page.getByText('Enter a whole number of sat, like 1,000.').waitFor();
    found.push(...(await axeScanBoth(page, 'receive, with a bad amount')));

    await nav(page, 'Send');
    await page.getByLabel('To address').fill('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080');
    await page.getByLabel('Amount (sat)').fill('25000');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Confirm and send' }).waitFor();
    found.push(...(await axeScanBoth(page, 'send, confirming')));
    await page.getByRole('button', { name: 'Confirm and send' }).click();
    await page.getByRole('heading', { name: 'Sent' }).waitFor();
    found.push(...(await axeScanBoth(page, 'sent')));

    await nav(page, 'Channels');
    await page.getByRole('article', { name: 'Channel with open.example' }).waitFor();
    found.push(...(await axeScanBoth(page, 'channels: open, opening, closing, refunded')));

    await nav(page, 'Sites');
    await page.getByText('auto.example', { exact: true }).waitFor();
    found.push(...(await axeScanBoth(page, 'sites: auto-pay, ask, blocked')));

    await nav(page, 'History');
    await page.locator('table.items').waitFor();
    found.push(...(await axeScanBoth(page, 'history')));

    await nav(page, 'Settings');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    found.push(...(await axeScanBoth(page, 'settings, saved')));
    await page.close();
    assert.deepEqual(found, [], report(found));
  });

  it('the approval window: a new channel asked for by another site, a used-up budget, a locked wallet, the time warning', async () => {
    const found: Finding[] = [];
    const scan = async (name: string, view: ApprovalView, status?: unknown) => {
      const page = await open('prompt.html?id=fake', { 'paywall.approval.get': view, ...(status ? { 'wallet.status': status } : {}) }, { width: 440, height: 640 });
      await page.getByRole('button', { name: 'Deny' }).waitFor();
      // Past the click guard: the buttons as a reader uses them.
      await page.waitForFunction(() => !document.querySelector('[aria-disabled="true"]'));
      found.push(...(await axeScanBoth(page, name)));
      return page;
    };
    await (await scan('approval: new channel, third party', approvalView())).close();
    const exhausted = await scan(
      'approval: budget used up, too small a budget',
      approvalView({ reason: 'budget-exhausted', deposit: null, expiryBlocks: null, initiator: null, commitment: '2', prepaid: '0', fees: null, remaining: '0', period: { spent: '1000', budget: '1000', periodDays: 1, mode: 'auto' } }),
    );
    await exhausted.getByLabel('Budget (sat)').fill('201');
    await exhausted.getByText(/it must be at least 1,002 sat/).waitFor();
    found.push(...(await axeScanBoth(exhausted, 'approval: the budget does not cover the payment')));
    await exhausted.close();
    await (await scan('approval: locked wallet', approvalView({ reason: 'locked' }), { state: 'locked', network: 'regtest', autoLockMinutes: 15 })).close();
    const late = await scan('approval: 15 s left', approvalView({ deadline: Date.now() + 15_000 }));
    await late.getByText(/seconds left/).first().waitFor();
    found.push(...(await axeScanBoth(late, 'approval: the time warning')));
    await late.close();
    assert.deepEqual(found, [], report(found));
  });

  /** Horizontal overflow of the document, and buttons whose right edge is off screen. */
  async function reflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; offscreen: string[] }> {
    return page.evaluate(() => {
      const root = document.scrollingElement ?? document.documentElement;
      const offscreen = [...document.querySelectorAll('button')].filter((b) => b.getBoundingClientRect().right > root.clientWidth + 0.5).map((b) => b.textContent ?? '');
      return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, offscreen };
    });
  }

  it('reflows: the popup at 320 CSS px scrolls only vertically, Settings and Lock on screen', async () => {
    const page = await open('popup.html', WALLET_FAKES, { width: 320, height: 600 });
    await page.getByText('1,000,000 sat', { exact: true }).waitFor();
    for (const tab of ['Home', 'Receive', 'Send', 'Channels', 'Sites', 'History', 'Settings']) {
      await nav(page, tab);
      await page.waitForTimeout(150);
      const r = await reflow(page);
      assert.ok(r.scrollWidth <= r.clientWidth, `${tab}: the page scrolls sideways at 320 px (${r.scrollWidth} > ${r.clientWidth})`);
      assert.deepEqual(r.offscreen, [], `${tab}: buttons off screen`);
    }
    await page.close();
  });

  it('reflows: the approval window at 200% zoom (220x305 CSS px) scrolls only vertically, amounts under their labels', async () => {
    const page = await open('prompt.html?id=fake', { 'paywall.approval.get': approvalView() }, { width: 220, height: 305 });
    await page.getByRole('button', { name: 'Allow with budget' }).waitFor();
    const r = await reflow(page);
    assert.ok(r.scrollWidth <= r.clientWidth, `the window scrolls sideways at 220 px (${r.scrollWidth} > ${r.clientWidth})`);
    assert.deepEqual(r.offscreen, [], 'buttons off screen');
    // Each amount sits under its label, not beside it.
    const pairs = await page.locator('dl.kv').first().evaluate((dl) =>
      [...dl.querySelectorAll('dt')].map((dt) => {
        const dd = dt.nextElementSibling as HTMLElement;
        return { label: dt.textContent, below: dd.getBoundingClientRect().top >= dt.getBoundingClientRect().bottom - 1 };
      }),
    );
    assert.ok(pairs.length >= 4, JSON.stringify(pairs));
    for (const p of pairs) assert.ok(p.below, `${p.label}: the amount is beside its label`);
    await page.close();
  });
});
