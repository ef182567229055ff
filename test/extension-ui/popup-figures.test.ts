/**
 * The popup's figures and words in real Chromium against the real background (wallet, settings
 * store), with channels and send answered in the page (fake-answers.ts): amount boxes accept and
 * show "1,000", transaction ids have a copy button and an explorer link (none on the devnet),
 * channel cards explain prepaid credit and a closed channel's parts add up to its deposit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { SitePolicyView } from '../../src/extension/shared/paywall-views.ts';
import type { ChannelSummary } from '../../src/extension/shared/types.ts';
import { channelSummary } from './channel-fixture.ts';
import { chromiumPath, launchWithExtension, type ExtensionBrowser } from './chromium.ts';
import { fakeAnswers } from './fake-answers.ts';

const exe = chromiumPath();
const FUNDING = 'ab'.repeat(32);
const SETTLEMENT = 'cd'.repeat(32);
const CHANNELS: ChannelSummary[] = [
  channelSummary({ id: 'signet/1', network: 'signet', channelId: `${FUNDING}:0`, endpoint: 'https://open.example/paychan/v1', spent: '1200', signed: '1400', credit: '200', fundingFee: '459' }),
  channelSummary({
    id: 'signet/2',
    network: 'signet',
    channelId: `${FUNDING}:1`,
    endpoint: 'https://closed.example/paychan/v1',
    state: 'closed',
    outcome: 'settled',
    closingTxid: SETTLEMENT,
    closeAmount: '1210',
    settled: '1210',
    fundingFee: '459',
  }),
];
const FAKES = {
  'channels.list': CHANNELS,
  'wallet.feeRates': { fast: '20', normal: '5', slow: '1' },
  'wallet.send': { txid: 'e'.repeat(64), fee: '141', vsize: 141 },
};

/** A site whose books say: 480 items for 1,001 sat, 459 sat of fees, 200 sat prepaid; the budget counts all three. */
const BOOKED_SITE: SitePolicyView = {
  site: 'https://booked.example',
  mode: 'auto',
  blocked: false,
  maxPrice: '5',
  budget: '2000',
  periodDays: 1,
  spent: '1650',
  reserved: '10',
  periodEnds: Date.now() + 3_600_000,
  endpoint: 'https://booked.example/paychan/v1',
  depositLimit: '100000',
  openDeposits: '50000',
  items: 480,
  charged: '1001',
  fees: '459',
  prepaid: '200',
  updatedAt: 1,
};

describe('popup figures (Chromium)', { skip: exe ? false : 'no Chromium installed', timeout: 120_000 }, () => {
  let browser: ExtensionBrowser;
  let ctx: BrowserContext;
  let extId: string;
  let page: Page;

  async function send<T>(type: string, payload?: unknown): Promise<T> {
    const env = await page.evaluate(([t, p]) => (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<{ ok: boolean; data: unknown; error?: unknown }> } } }).chrome.runtime.sendMessage({ type: t, payload: p }), [type, payload] as const);
    assert.ok(env.ok, `${type}: ${JSON.stringify(env.error)}`);
    return env.data as T;
  }
  const nav = (name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name, exact: true }).click();

  before(async () => {
    browser = await launchWithExtension(exe!);
    ({ ctx, extId } = browser);
    const setup = await ctx.newPage();
    await setup.goto(`chrome-extension://${extId}/popup.html`);
    await setup.evaluate(async () => {
      const rt = (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<{ data: { mnemonic: string } }> } } }).chrome.runtime;
      const { mnemonic } = (await rt.sendMessage({ type: 'wallet.generate' })).data;
      await rt.sendMessage({ type: 'wallet.create', payload: { mnemonic, password: 'correct horse', network: 'regtest' } });
    });
    await setup.close();
    page = await ctx.newPage();
    await page.setViewportSize({ width: 380, height: 600 });
    page.on('dialog', (d) => void d.dismiss());
    await page.addInitScript({ content: fakeAnswers(FAKES) });
    await page.goto(`chrome-extension://${extId}/popup.html`);
  });
  after(async () => {
    await browser?.close();
  });

  it('an amount box takes "1000" and shows "1,000" once left; the request carries the amount', async () => {
    await nav('Receive');
    const box = page.getByLabel('Amount to request (sat, optional)');
    await box.fill('1000');
    await box.blur();
    assert.equal(await box.inputValue(), '1,000');
    await page.getByText(/\?amount=0\.00001$/).waitFor();
  });

  it('send accepts "1,000" and sends 1000 sat; the sent transaction has a copy button and, on the devnet, no explorer link', async () => {
    await nav('Send');
    await page.getByLabel('To address').fill('bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080');
    await page.getByLabel('Amount (sat)').fill('1,000');
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Confirm and send' }).click();
    await page.getByRole('heading', { name: 'Sent' }).waitFor();
    const calls = await page.evaluate(() => (window as unknown as { __fakeCalls: { type: string; payload: { amount: string } }[] }).__fakeCalls);
    assert.equal(calls.find((c) => c.type === 'wallet.send')!.payload.amount, '1000');
    await page.getByRole('button', { name: 'Copy transaction id' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'View on mempool.space' }).count(), 0);
  });

  it('channel cards: credit explained, the closed one adds up, transaction ids link to the signet explorer in a new tab', async () => {
    await nav('Channels');
    const open = page.getByRole('article', { name: 'Channel with open.example' });
    await open.getByText('200 sat prepaid, not yet used; comes back when the channel closes.').waitFor();
    const fact = async (card: typeof open, label: string) => (await card.locator('dt', { hasText: label }).locator('xpath=following-sibling::dd[1]').innerText()).trim();
    assert.equal(await fact(open, 'Prepaid, not yet used'), '200 sat');
    assert.equal(await fact(open, 'Network fee to open (paid once)'), '459 sat');
    assert.match(await fact(open, 'Expires'), /^about .* \(1,\d{3} blocks, ~\d+ days\)$|^block 2000$/);

    const closed = page.getByRole('article', { name: 'Channel with closed.example' });
    assert.equal(await fact(closed, 'Paid for what you read'), '1,210 sat');
    assert.equal(await fact(closed, 'Came back to you'), '48,790 sat');
    assert.equal(await fact(closed, '= Deposit'), '50,000 sat');
    assert.equal(await fact(closed, 'Cost to you, fees included'), '1,669 sat');

    const link = closed.getByRole('link', { name: 'View on mempool.space' }).last();
    assert.equal(await link.getAttribute('href'), `https://mempool.space/signet/tx/${SETTLEMENT}`);
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.match((await link.getAttribute('rel')) ?? '', /noopener/);
    assert.equal(await open.getByRole('link', { name: 'View on mempool.space' }).getAttribute('href'), `https://mempool.space/signet/tx/${FUNDING}`);
    await open.getByRole('button', { name: 'Copy funding id' }).waitFor();
  });

  it('Sites: "spent" is the items served in the period, read from the stored items, not what the budget counts (issue 14)', async () => {
    // The real background's books: a policy whose budget counts 1,859 sat (signed credit
    // included), and three items of 10 sat served this period, written where the paywall keeps them.
    await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('paychan-paywall');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const now = Date.now();
      const tx = db.transaction(['policies', 'items'], 'readwrite');
      tx.objectStore('policies').put({
        site: 'https://books.example', mode: 'auto', blocked: false, maxPrice: 10n, budget: 2000n, periodDays: 1,
        periodStart: Math.floor(now / 86_400_000) * 86_400_000, spent: 1859n, reservations: {}, endpoint: null, createdAt: now, updatedAt: now,
      });
      for (let i = 0; i < 3; i++) tx.objectStore('items').add({ site: 'https://books.example', url: `https://books.example/a/${i}`, amount: 10n, channel: 'aa:0', tabId: 1, at: now - i });
      await new Promise((resolve, reject) => ((tx.oncomplete = resolve), (tx.onerror = () => reject(tx.error))));
      db.close();
    });
    await nav('Sites');
    const card = page.getByRole('article', { name: 'books.example' });
    await card.getByText('Spent this period: 30 sat').waitFor();
    await card.getByText('3 items (30 sat) + network fees (0 sat)').waitFor();
    await card.getByText('Budget: 1,859 of 2,000 sat counted').waitFor();
    await card.getByText('= 30 sat spent + 1,829 sat held until the period resets', { exact: false }).waitFor();
    assert.equal(await card.getByText('prepaid, not yet used').count(), 0, 'no channel holds credit for it');
  });

  it('Sites: spent = items + fees; prepaid credit apart; the budget counts spent, prepaid and in flight, and they add up (issue 14)', async () => {
    const sites = await ctx.newPage();
    await sites.setViewportSize({ width: 380, height: 600 });
    await sites.addInitScript({ content: fakeAnswers({ ...FAKES, 'paywall.sites': [BOOKED_SITE] }) });
    await sites.goto(`chrome-extension://${extId}/popup.html`);
    await sites.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Sites', exact: true }).click();
    const card = sites.getByRole('article', { name: 'booked.example' });
    await card.getByText('Spent this period: 1,460 sat').waitFor();
    await card.getByText('480 items (1,001 sat) + network fees (459 sat)').waitFor();
    await card.getByText('200 sat prepaid, not yet used; comes back when the channel closes.').waitFor();
    await card.getByText('Budget: 1,660 of 2,000 sat counted').waitFor();
    assert.equal((await card.getByText('= 1,460 sat spent', { exact: false }).innerText()).trim(), '= 1,460 sat spent + 200 sat prepaid');
    assert.equal(1001 + 459 + 200, 1650 + 10, 'spent + prepaid = what the budget counts (committed + in flight)');
    assert.equal(await card.getByRole('progressbar').getAttribute('aria-valuenow'), '83', '1,660 of 2,000');
    await sites.close();
  });

  it('settings: amounts shown grouped, jargon as help, saved as plain digits', async () => {
    await nav('Settings');
    const deposit = page.getByLabel('Default deposit (sat)');
    assert.equal(await deposit.inputValue(), '50,000');
    await page.getByText('Prepaid credit to keep:', { exact: false }).waitFor();
    await page.getByText('Esplora API URL:', { exact: false }).waitFor();
    await deposit.fill('60000');
    await deposit.blur();
    assert.equal(await deposit.inputValue(), '60,000');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    const settings = await send<{ policy: { preferredDeposit: string } }>('settings.get');
    assert.equal(settings.policy.preferredDeposit, '60000');
  });
});
