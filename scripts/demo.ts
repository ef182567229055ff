/**
 * `npm run demo`: the whole product on one machine. Builds the extension, starts the devnet
 * (auto-mining), the demo site behind the Paychan server, and Chromium with the extension in a
 * fresh profile.
 *
 *   npm run demo                 with a display: a browser to use, until Ctrl-C
 *   npm run demo -- --headless   (or no DISPLAY): runs the reader's story, prints each step with
 *                                its satoshi totals, saves screenshots to demo-output/, exits 0
 *
 * Both start the site's dashboard (the admin listener) and print its address with its token;
 * the headless run adds a few other readers' channels (test/e2e/merchant-activity.ts) and saves
 * screenshots of the dashboard as demo-output/NN-dashboard*.png.
 *
 * Options: --block-interval SECONDS (default 10), --port N for the site (default 3000 with a
 * display; the devnet then listens on 3002, the wallet's default devnet URL).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startAdminListener, type AdminServer } from '../src/server/admin-api/index.ts';
import { newToken } from '../src/server/admin-api/token.ts';
import { silentLogger } from '../src/server/logger.ts';
import { chromiumPath, ensureExtensionBuilt, Reader, ROOT, startStack, type Stack } from '../test/e2e/harness.ts';
import { makeMerchantActivity } from '../test/e2e/merchant-activity.ts';
import { runReaderStory } from '../test/e2e/story.ts';
import { closingBooks } from './demo-books.ts';

const OUT = join(ROOT, 'demo-output');

const { values } = parseArgs({
  options: {
    headless: { type: 'boolean', default: false },
    'block-interval': { type: 'string', default: '10' },
    port: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: npm run demo -- [--headless] [--block-interval SECONDS] [--port N]');
  process.exit(0);
}
const headless = values.headless || !process.env.DISPLAY;
const blockInterval = Number(values['block-interval']);
if (!Number.isInteger(blockInterval) || blockInterval < 0) throw new Error('--block-interval must be a whole number of seconds');

const started = Date.now();
const clock = () => {
  const s = Math.floor((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
const say = (line: string) => console.log(`[${clock()}] ${line}`);

/** Fixed ports when a person will type URLs; any free ones when they are taken or nobody looks. */
async function stackOn(ports: { devnetPort: number; sitePort: number } | null): Promise<Stack> {
  const base = { blockInterval, siteConfig: { logLevel: 'warn' as const } };
  if (ports) {
    try {
      return await startStack({ ...base, ...ports });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
      say(`port ${ports.devnetPort} or ${ports.sitePort} is taken: using free ports instead`);
    }
  }
  return startStack(base);
}

/** The site's dashboard on loopback, with a token made for this run (kept in memory only). */
async function startDashboard(stack: Stack): Promise<{ admin: AdminServer; url: string }> {
  const token = newToken();
  const admin = await startAdminListener(stack.site.paychan, { logger: silentLogger, token, chain: stack.esplora, port: 0, host: '127.0.0.1' });
  return { admin, url: `${admin.url}/#token=${token}` };
}

/** Other readers' channels beside the story's, then the dashboard's screenshots. */
async function dashboardShots(reader: Reader, stack: Stack, url: string): Promise<string[]> {
  const activity = await makeMerchantActivity(stack);
  say('Other readers opened channels on the site (one settled, one on an unconfirmed funding, one proposal left unfunded)');
  const page = await reader.ctx.newPage();
  await page.setViewportSize({ width: 1200, height: 900 });
  await page.goto(url);
  await page.locator('#channels tbody tr td').first().getByText(activity.reading).waitFor({ timeout: 30_000 });
  await page.locator('#chart canvas').waitFor();
  const shots = [await reader.shot(page, 'dashboard')];
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByLabel('hour (last 7 days)').check();
  await page.waitForFunction(() => document.querySelector('#chart .u-legend th')?.textContent?.includes('Hour'));
  shots.push(await reader.shot(page, 'dashboard-hourly-dark', false));
  await page.close();
  return shots;
}

async function main(): Promise<number> {
  say(`Chromium: ${chromiumPath()}`);
  say('Building the extension into dist/chrome …');
  ensureExtensionBuilt(say, true);
  const sitePort = values.port ? Number(values.port) : headless ? 0 : 3000;
  const stack = await stackOn(sitePort ? { devnetPort: 3002, sitePort } : null);
  say(`Devnet (regtest, Esplora API) at ${stack.devnet.url}, mining a block every ${blockInterval} s`);
  say(`The Counting House (demo site behind the Paychan server) at ${stack.url}`);
  rmSync(OUT, { recursive: true, force: true });
  const dashboard = await startDashboard(stack);
  say(`The site's dashboard at ${dashboard.url}`);

  if (headless) {
    const reader = await Reader.launch({ artifacts: OUT });
    say(`Chromium (headless) with the extension ${reader.extensionId}, fresh profile`);
    try {
      let n = 0;
      const result = await runReaderStory(reader, stack, (step, detail) => {
        say(`${String(++n).padStart(2)}. ${step}`);
        if (detail) console.log(`           ${detail}`);
      });
      console.log('');
      for (const line of closingBooks(result.books)) console.log(line);
      console.log('');
      const dashboardPngs = await dashboardShots(reader, stack, dashboard.url);
      say(`${result.screenshots.length + dashboardPngs.length} screenshots in ${OUT}`);
      say('The books balance to the satoshi. Done.');
      return 0;
    } finally {
      await reader.close();
      await dashboard.admin.stop();
      await stack.stop();
    }
  }

  const reader = await Reader.launch({ artifacts: OUT, headed: true });
  const page = reader.ctx.pages()[0] ?? (await reader.ctx.newPage());
  await page.goto(stack.url);
  // The popup as a tab of the window's own size (reader.popup() sizes the page like the toolbar popup).
  await (await reader.ctx.newPage()).goto(`${reader.extensionOrigin}/popup.html`);
  console.log(`
  Ready. In the browser window:
    1. The Paychan tab (or the toolbar icon): create a wallet on "Local devnet (regtest)".
       ${stack.devnet.url === 'http://127.0.0.1:3002' ? 'The wallet finds the devnet at its default address.' : `In Settings, set the Blockchain server (Esplora API URL) to ${stack.devnet.url}.`}
    2. Home → "Devnet faucet" for 1,000,000 test sat (a block is mined every ${blockInterval} s).
    3. Browse ${stack.url}: articles, the gallery, the stream, the API. Approve the first payment.
    4. Channels → "Close channel": the site settles on the devnet.
    5. The site owner's dashboard: ${dashboard.url}
  Ctrl-C stops everything.
`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    reader.ctx.once('close', () => resolve());
  });
  say('Stopping …');
  await reader.close();
  await dashboard.admin.stop();
  await stack.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
