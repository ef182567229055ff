/**
 * The paid path in a real Firefox ESR (issue 11): the built dist/firefox extension as a temporary
 * add-on (headless, fresh profile, over WebDriver BiDi), the devnet and the demo site behind the
 * Paychan server. The reader approves auto-pay in the approval window, the channel opens on the
 * devnet, the article is read; the next article is paid from the channel's credit with no second
 * prompt; the channel is closed from the popup and the server's settlement is mined.
 * Screenshots: test-artifacts/firefox-paid-*.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { ARTICLES } from '../../src/server/demo/articles.ts';
import type { DemoSite } from '../../src/server/demo/index.ts';
import type { Balances, ChannelSummary } from '../../src/extension/shared/types.ts';
import { PASSWORD, PROMPT_SETTLE_MS, ROOT, snapshotExtension, startSite, until } from '../e2e/harness.ts';
import { Firefox, firefoxPath, type BidiEvent } from './bidi.ts';
import { ExtensionDriver, GECKO_ID, ORIGIN, UUID_PREFS } from './extension.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const FAUCET = 1_000_000n;
const exe = firefoxPath();

describe('the paid path in Firefox ESR', { skip: exe ? false : 'no Firefox installed (sh scripts/ensure-browser.sh firefox)', timeout: 300_000 }, () => {
  let devnet: Devnet;
  let dbDir: string;
  let site: DemoSite;
  let ext: string;
  let ff: Firefox;
  let x: ExtensionDriver;
  /** Every top-level browsing context Firefox opened (tabs and the approval windows). */
  const opened: BidiEvent[] = [];
  const shot = async (ctx: string, name: string) => writeFileSync(join(ARTIFACTS, `firefox-paid-${name}.png`), await ff.screenshot(ctx));
  const paidText = (n: number) => `return document.body && document.body.textContent.includes(${JSON.stringify(ARTICLES[n]!.paragraphs[1]!.slice(0, 50))}) && document.body.textContent.includes('You paid 10 sat for this article');`;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    devnet = await startDevnet({ port: 0 });
    dbDir = mkdtempSync(join(tmpdir(), 'paychan-firefox-site-'));
    site = await startSite(devnet, dbDir);
    ext = snapshotExtension('firefox');
    ff = await Firefox.launch(exe!, { prefs: UUID_PREFS });
    x = new ExtensionDriver(ff);
    await ff.send('session.subscribe', { events: ['browsingContext.contextCreated', 'browsingContext.userPromptOpened'] });
    ff.on((e) => {
      if (e.method === 'browsingContext.contextCreated' && e.params.parent == null) opened.push(e);
    });
  });

  after(async () => {
    await ff?.close();
    await site?.stop();
    await devnet?.stop();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
    if (ext) rmSync(ext, { recursive: true, force: true });
  });

  it('approves, opens a channel on the devnet, reads, pays the next article from credit, closes from the popup', async () => {
    const installed = await ff.send('webExtension.install', { extensionData: { type: 'path', path: ext } });
    assert.equal(installed.extension, GECKO_ID);
    const popup = await x.popupTab();

    // A funded devnet wallet, made through the background's messages as the popup makes it.
    const { mnemonic } = await x.call<{ mnemonic: string }>(popup, 'wallet.generate');
    await x.call(popup, 'wallet.create', { mnemonic, password: PASSWORD, network: 'regtest' });
    await x.call(popup, 'settings.set', { esploraUrls: { regtest: devnet.url } });
    const { address } = await x.call<{ address: string }>(popup, 'wallet.receiveAddress');
    await devnet.faucet(address, FAUCET);
    await devnet.mine(1);
    await until('the faucet coins', async () => (await x.call<Balances>(popup, 'wallet.sync')).confirmed === FAUCET.toString(), 60_000, 500);

    // The first article: 402, the approval window, auto-pay with a budget.
    const page = await ff.newTab();
    const before = opened.length;
    await ff.send('browsingContext.navigate', { context: page, url: `${site.url}/articles/${ARTICLES[0]!.slug}`, wait: 'complete' });
    const promptEvent = await until('the approval window', async () => opened.slice(before).find((e) => e.params.context !== page), 30_000, 100);
    const prompt = promptEvent.params.context as string;
    await x.waitFor(prompt, `return location.href.startsWith(${JSON.stringify(`${ORIGIN}/prompt.html?id=`)}) && $.button('Allow with budget');`, 'the approval window', 15_000);
    await ff.send('browsingContext.setViewport', { context: prompt, viewport: { width: 440, height: 720 } });
    await x.evaluate(prompt, `return $.fill('Budget (sat)', '5000');`);
    await shot(prompt, '01-approval');
    // The window ignores clicks for a moment after it shows; the prompt closes itself on an answer.
    await new Promise((r) => setTimeout(r, PROMPT_SETTLE_MS));
    await x.evaluate(prompt, `setTimeout(() => $.click('Allow with budget'), 0); return true;`);
    await ff.waitForClosed(prompt, 'the approval window to close itself');
    await x.waitFor(page, paidText(0), 'the paid article after the channel opened', 60_000);
    await shot(page, '02-article');

    const [channel] = await x.call<ChannelSummary[]>(popup, 'channels.list');
    assert.ok(channel?.channelId, 'a channel is open');
    const esplora = new EsploraClient(devnet.url);
    const funding = await esplora.getTx(channel.channelId.split(':')[0]!);
    assert.ok(funding.txid, 'the funding transaction is on the devnet');

    // The next article: the credential goes with the navigation, credit pays, nobody is asked.
    const prompts = opened.length;
    await ff.navigate(page, `${site.url}/articles/${ARTICLES[1]!.slug}`);
    await x.waitFor(page, paidText(1), 'the second article, paid from credit', 30_000);
    await shot(page, '03-next-article');
    assert.equal(opened.length, prompts, 'no second approval window');
    const served = await site.paychan.store.getChannel(channel.channelId);
    assert.equal(served?.spent, 20n, 'the site delivered two articles from the one channel');
    assert.equal((await x.call<ChannelSummary[]>(popup, 'channels.list')).length, 1, 'still one channel');

    // Close it from the popup's Channels screen; the popup asks to confirm.
    await ff.navigate(popup, `${ORIGIN}/popup.html`);
    await x.waitFor(popup, `return document.querySelector('nav[aria-label="Sections"]');`, 'the popup home');
    await x.evaluate(popup, `return $.click('Channels', document.querySelector('nav[aria-label="Sections"]'));`);
    await x.waitFor(popup, `return $.button('Close channel');`, 'the open channel card');
    await shot(popup, '04-channels-open');
    const confirm = ff.waitForEvent((e) => e.method === 'browsingContext.userPromptOpened', 10_000, 'the confirmation');
    await x.evaluate(popup, `setTimeout(() => $.click('Close channel'), 0); return true;`);
    await ff.send('browsingContext.handleUserPrompt', { context: (await confirm).params.context, accept: true });
    await x.waitFor(popup, `return [...document.querySelectorAll('article')].some((a) => /closing/.test($.text(a)));`, 'the channel closing', 30_000);
    await shot(popup, '05-channels-closing');
    const closing = (await x.call<ChannelSummary[]>(popup, 'channels.list'))[0]!;
    assert.ok(closing.closingTxid, 'the server answered with its settlement');
    await devnet.mine(1);
    assert.equal((await esplora.getTx(closing.closingTxid)).status.confirmed, true, 'the settlement is mined');
    await until('the wallet to see the channel closed', async () => (await x.call<ChannelSummary[]>(popup, 'channels.check'))[0]?.state === 'closed', 30_000, 500);
    assert.deepEqual(await x.errors(), [], 'no script errors from the extension');
  });
});
