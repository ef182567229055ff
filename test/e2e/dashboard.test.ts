/**
 * The merchant's dashboard in Chromium, on live data: the demo site on the devnet, with readers'
 * channels opened and paid, one settled on chain, one on an unconfirmed funding and one proposal
 * left unfunded. The figures the page shows equal the store's totals; the tables show the
 * channels, the settlement, the proposal and the zero-conf exposure; the token travels only in
 * the fragment and is dropped from the address; a wrong token shows the form again with the
 * reason; the page works from the keyboard, passes axe in both themes, and breaks no CSP rule.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startAdminListener, type AdminServer } from '../../src/server/admin-api/index.ts';
import { TOTAL_ROWS } from '../../src/server/admin-api/dashboard/page.ts';
import { writeTokenFile } from '../../src/server/admin-api/token.ts';
import { storeTotals } from '../../src/server/admin-api/views.ts';
import { silentLogger } from '../../src/server/logger.ts';
import { ARTICLES } from '../../src/server/demo/articles.ts';
import { axeScanBoth, report } from '../extension-ui/axe.ts';
import { artifactsDir, chromiumPath, startStack, type Stack } from './harness.ts';
import { makeMerchantActivity, type MerchantActivity } from './merchant-activity.ts';
import { join } from 'node:path';

const sat = (n: bigint) => `${n.toLocaleString('en-US')} sat`;

describe('the dashboard in Chromium', { timeout: 300_000 }, () => {
  let stack: Stack;
  let listener: AdminServer;
  let browser: Browser;
  let token: string;
  let activity: MerchantActivity;
  const artifacts = artifactsDir('dashboard');
  const problems: string[] = [];

  async function openPage(hash = `#token=${token}`): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.text().includes('Content Security Policy')) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${listener.url}/${hash}`);
    return page;
  }

  /** Waits until the page shows the store's current delivered total: the page has read the API. */
  async function shows(page: Page, delivered: bigint): Promise<void> {
    await page.locator('[data-total="delivered"]').getByText(sat(delivered), { exact: true }).waitFor({ timeout: 15_000 });
  }

  before(async () => {
    stack = await startStack();
    activity = await makeMerchantActivity(stack);
    token = writeTokenFile(join(stack.dbDir, 'admin-token'));
    listener = await startAdminListener(stack.site.paychan, { logger: silentLogger, token, chain: stack.esplora });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--headless=new', '--no-sandbox', '--disable-background-networking', '--no-first-run'] });
  });
  after(async () => {
    await browser?.close();
    await listener?.stop();
    await stack?.stop();
  });

  it('shows the store\'s totals, channels, settlement, proposal and zero-conf exposure, and the token leaves the address', async () => {
    const store = stack.site.paychan.store;
    const t = await storeTotals(store);
    const page = await openPage();
    await shows(page, t.delivered);
    assert.equal(new URL(page.url()).hash, '', 'the token is dropped from the address bar');
    for (const [key, label] of TOTAL_ROWS) {
      const row = page.getByRole('row', { name: new RegExp(`^${label}`) });
      assert.equal(await row.locator(`[data-total="${key}"]`).textContent(), sat(t[key as keyof typeof t] as bigint), label);
    }
    // What the activity made, to the satoshi: the figures are live, not a fixture of the page.
    assert.equal(t.delivered, 6n * 10n);
    assert.equal(t.settled, 2_000n);
    assert.equal(t.zeroConfExposure, 1_500n);
    assert.ok(t.feesPaid > 0n);

    const channels = page.locator('#channels tbody tr');
    assert.equal(await channels.count(), 2);
    const reading = page.getByRole('row', { name: new RegExp(activity.reading) });
    const stored = (await store.getChannel(activity.reading))!;
    const cells = await reading.locator('td').allTextContents();
    assert.deepEqual(cells.slice(1, 7), ['open', sat(60_000n), sat(1_000n), sat(30n), sat(970n), 'confirmed']);
    assert.match(cells[7]!, new RegExp(`^block ${stored.params.expiry} \\(~\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\)$`));
    assert.match(cells[8]!, new RegExp(`^block ${stored.params.expiry - stack.site.paychan.config.settleMarginBlocks} `));
    assert.equal((await page.getByRole('row', { name: new RegExp(activity.unconfirmed) }).locator('td').allTextContents())[6], 'unconfirmed');

    const [settlement] = await store.listSettlements();
    const srow = await page.locator('#settlements tbody tr').first().locator('td').allTextContents();
    assert.deepEqual(srow.slice(0, 4), [settlement!.txid, 'confirmed', sat(settlement!.payout), sat(settlement!.fee)]);
    assert.equal(await page.locator('#settlements a').count(), 0, 'no explorer link on regtest');

    assert.equal(await page.locator('#proposals tbody tr').count(), 1);
    assert.equal((await page.locator('#proposals tbody tr td').first().textContent()), activity.proposal);
    assert.equal(await page.locator('#zero-conf-total').textContent(), `${sat(1_500n)} of ${sat(stack.site.paychan.config.zeroConfTotalLimit)} allowed in all (at most ${sat(stack.site.paychan.config.zeroConfLimit)} per channel)`);
    assert.deepEqual(await page.locator('#zero-conf tbody td').allTextContents(), [activity.unconfirmed, sat(1_500n), sat(30_000n)]);

    // The chart is drawn by uPlot (a canvas), its figures are in the table beside it.
    await page.locator('#chart canvas').waitFor();
    const earned = await page.locator('#earnings tbody tr').evaluateAll((rows) => rows.map((r) => [r.children[1]!.textContent!, r.children[2]!.textContent!]));
    const sum = (i: number) => earned.reduce((s, r) => s + BigInt(r[i]!.replace(/[^0-9]/g, '')), 0n);
    assert.equal(sum(0), t.delivered);
    assert.equal(sum(1), t.earned);
    await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });

  it('follows the books live: a new item read shows after Refresh', async () => {
    const page = await openPage();
    const before = (await storeTotals(stack.site.paychan.store)).delivered;
    await shows(page, before);
    // One more article on the reading channel's credit: the delivered figure moves by its price.
    await activity.readAnother(ARTICLES[4]!.slug);
    const after = await storeTotals(stack.site.paychan.store);
    assert.equal(after.delivered, before + 10n);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await shows(page, after.delivered);
    assert.equal(await page.locator('[data-total="unusedCredit"]').textContent(), sat(after.unusedCredit));
    const credit = await page.getByRole('row', { name: new RegExp(activity.reading) }).locator('td').nth(5).textContent();
    assert.equal(credit, sat(960n));
  });

  it('a wrong token brings the form back with the reason; the right one, typed and sent with the keyboard, opens it', async () => {
    problems.length = 0;
    const page = await openPage(`#token=${'w'.repeat(43)}`);
    await page.getByRole('alert').getByText(/^UNAUTHORIZED: /).waitFor();
    const field = page.getByLabel('Admin token');
    await field.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'token', 'focus is on the token field');
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await shows(page, (await storeTotals(stack.site.paychan.store)).delivered);
    assert.equal(await page.getByRole('alert').isHidden(), true);
    // Hourly buckets from the keyboard: the radio group, then the chart and table follow.
    await page.getByLabel('hour (last 7 days)').focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('#chart .u-legend th')?.textContent?.includes('Hour'));
    // A theme change draws the chart again (a canvas keeps the colours it was drawn in).
    await page.evaluate(() => document.querySelector('#chart .uplot')!.setAttribute('data-before', ''));
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.locator('#chart .uplot:not([data-before])').waitFor({ timeout: 5_000 });
    await page.emulateMedia({ colorScheme: 'light' });
    const found = await axeScanBoth(page, 'dashboard');
    assert.deepEqual(found, [], report(found));
    // The refused requests of the wrong token, and nothing else.
    assert.ok(problems.length > 0);
    assert.deepEqual(problems.filter((p) => !p.includes('status of 401 (Unauthorized)')), []);
  });
});
