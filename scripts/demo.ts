/**
 * `npm run demo`: the whole product on one machine. Builds the extension, starts the devnet
 * (auto-mining), the demo site behind the Paychan server, and Chromium with the extension in a
 * fresh profile.
 *
 *   npm run demo                 with a display: a browser to use, until Ctrl-C
 *   npm run demo -- --headless   (or no DISPLAY): runs the reader's story, prints each step with
 *                                its satoshi totals, saves screenshots to demo-output/, exits 0
 *
 * Options: --block-interval SECONDS (default 10), --port N for the site (default 3000 with a
 * display; the devnet then listens on 3002, the wallet's default devnet URL).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromiumPath, ensureExtensionBuilt, Reader, ROOT, startStack, type Stack } from '../test/e2e/harness.ts';
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

async function main(): Promise<number> {
  say(`Chromium: ${chromiumPath()}`);
  say('Building the extension into dist/chrome …');
  ensureExtensionBuilt(say, true);
  const sitePort = values.port ? Number(values.port) : headless ? 0 : 3000;
  const stack = await stackOn(sitePort ? { devnetPort: 3002, sitePort } : null);
  say(`Devnet (regtest, Esplora API) at ${stack.devnet.url}, mining a block every ${blockInterval} s`);
  say(`The Counting House (demo site behind the Paychan server) at ${stack.url}`);
  rmSync(OUT, { recursive: true, force: true });

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
      say(`${result.screenshots.length} screenshots in ${OUT}`);
      say('The books balance to the satoshi. Done.');
      return 0;
    } finally {
      await reader.close();
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
  Ctrl-C stops everything.
`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    reader.ctx.once('close', () => resolve());
  });
  say('Stopping …');
  await reader.close();
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
