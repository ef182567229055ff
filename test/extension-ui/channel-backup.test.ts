/**
 * Channel backups through the popup in Chromium, with the real background and its IndexedDB: a
 * wallet restored from its words offers to restore a backup (a wrong password is refused in
 * words), the channel shows up, Settings saves a new backup as a download, and that download
 * restores the channel in a fresh profile. The first backup file is made by the same background
 * code in Node (fake-indexeddb), with a channel built for the test seed: no chain needed.
 * Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ChannelBackupFile } from '../../src/extension/shared/types.ts';
import { fixtureChannel } from '../extension/backup-fixture.ts';
import { makeRig, PASSWORD, TEST_MNEMONIC } from '../extension/helpers.ts';
import { builtExtension, chromiumPath, EXT, ROOT } from './chromium.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const exe = chromiumPath();
const HOST = 'news.example';

describe('channel backup in Chromium', { skip: exe ? false : 'no Chromium installed' }, () => {
  let original: ChannelBackupFile;
  const open: { ctx: BrowserContext; profile: string }[] = [];

  before(async () => {
    builtExtension();
    mkdirSync(ARTIFACTS, { recursive: true });
    const rig = await makeRig();
    await rig.call('settings.set', { esploraUrls: { regtest: 'http://127.0.0.1:9' } });
    await rig.call('wallet.restore', { mnemonic: TEST_MNEMONIC, password: PASSWORD, network: 'regtest' });
    await rig.bg.store.putChannel(fixtureChannel(await rig.bg.session.keys(), 'regtest', 0, `https://${HOST}/paychan/v1`));
    original = await rig.call('channels.backup', { password: PASSWORD });
    rig.db.close();
  });

  after(async () => {
    for (const { ctx, profile } of open) {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  /** A fresh profile with the extension; answers the popup at its real width. */
  async function freshPopup(): Promise<Page> {
    const profile = mkdtempSync(join(tmpdir(), 'paychan-backup-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: exe!,
      headless: true,
      acceptDownloads: true,
      args: ['--headless=new', '--no-sandbox', `--disable-extensions-except=${EXT}`, `--load-extension=${EXT}`, '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    open.push({ ctx, profile });
    const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 20_000 }));
    const page = await ctx.newPage();
    await page.setViewportSize({ width: 380, height: 600 });
    await page.goto(`chrome-extension://${new URL(sw.url()).host}/popup.html`);
    return page;
  }

  /** Onboarding: restore from the words (the devnet's network), up to the offer of a channel backup. */
  async function restoreWords(page: Page, password: string): Promise<void> {
    await page.getByRole('button', { name: 'Restore from a recovery phrase' }).click();
    await page.getByLabel('Recovery phrase (12 or 24 words)').fill(TEST_MNEMONIC);
    await page.getByLabel('Network').selectOption('regtest');
    await page.getByLabel('Password (at least 8 characters)').fill(password);
    await page.getByLabel('Password again').fill(password);
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByRole('heading', { name: 'Wallet restored' }).waitFor({ timeout: 30_000 });
  }

  async function restoreBackup(page: Page, name: string, contents: string, password: string): Promise<void> {
    await page.getByLabel('Channel backup file').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(contents) });
    await page.getByLabel('Password of the backup').fill(password);
    await page.getByRole('button', { name: 'Restore channels' }).click();
  }

  async function channelCard(page: Page) {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Channels' }).click();
    const card = page.getByRole('article', { name: `Channel with ${HOST}` });
    await card.waitFor();
    return card;
  }

  it('restores a backup after the words, saves a new one from Settings, and that one restores in a fresh profile', async () => {
    const page = await freshPopup();
    await restoreWords(page, 'first browser pw');
    assert.match((await page.locator('main').textContent()) ?? '', /Channels that were open before need their backup file/);
    await page.screenshot({ path: join(ARTIFACTS, 'popup-15-restored-offer.png'), fullPage: true });

    await restoreBackup(page, original.filename, original.contents, 'not the password');
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByRole('alert').textContent(), 'That password is not right.');
    await page.screenshot({ path: join(ARTIFACTS, 'popup-16-backup-wrong-password.png'), fullPage: true });
    await restoreBackup(page, original.filename, original.contents, PASSWORD);
    await page.getByRole('status').filter({ hasText: 'Restored 1 channel' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'popup-17-backup-restored.png'), fullPage: true });
    await page.getByRole('button', { name: 'Continue to the wallet' }).click();
    assert.match((await (await channelCard(page)).textContent()) ?? '', /Deposit\s*50,000 sat/);
    await page.screenshot({ path: join(ARTIFACTS, 'popup-18-backup-channel.png'), fullPage: true });

    // Settings: a damaged file is refused in words; the backup downloads.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Settings' }).click();
    await restoreBackup(page, 'cut.json', original.contents.slice(0, 200), PASSWORD);
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /not a usable Paychan channel backup: the file is not complete JSON/);
    await page.getByRole('form', { name: 'Back up channels' }).getByLabel('Wallet password').fill('first browser pw');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Save backup file' }).click();
    const saved = await download;
    assert.match(saved.suggestedFilename(), /^paychan-channels-\d{4}-\d{2}-\d{2}\.json$/);
    const contents = readFileSync((await saved.path())!, 'utf8');
    assert.equal((JSON.parse(contents) as { format: string }).format, 'paychan-channel-backup');
    await page.getByRole('status').filter({ hasText: 'with 1 channel' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'popup-19-settings-backup.png'), fullPage: true });

    // Another computer: the words, then the file the first one saved (its password then).
    const fresh = await freshPopup();
    await restoreWords(fresh, 'second browser pw');
    await restoreBackup(fresh, saved.suggestedFilename(), contents, 'first browser pw');
    await fresh.getByRole('status').filter({ hasText: 'Restored 1 channel' }).waitFor();
    await fresh.getByRole('button', { name: 'Continue to the wallet' }).click();
    assert.match((await (await channelCard(fresh)).textContent()) ?? '', /Deposit\s*50,000 sat/);
  });
});
