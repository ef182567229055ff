/**
 * Smoke test in a real Firefox: the built dist/firefox extension, installed as a temporary add-on
 * in Debian's Firefox ESR (headless, fresh profile), driven over WebDriver BiDi (./bidi.ts).
 * Proves that the background script starts without script errors, that the popup renders as an
 * extension page, that a wallet created through the onboarding UI persists in the background's
 * IndexedDB across an extension reload (locked, wrong password refused, right one unlocks), and
 * that a 402 with a Paychan challenge on a loopback page reaches the background (approval window,
 * badge). Screenshots go to test-artifacts/firefox-*.png. No devnet needed.
 *
 * Skips when no Firefox is installed (`sh scripts/ensure-browser.sh firefox`, which run-tests.mjs calls
 * for test/firefox).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { snapshotExtension } from '../e2e/harness.ts';
import { startChallengeSite, type ChallengeSite } from '../extension-ui/challenge-site.ts';
import { Firefox, firefoxPath } from './bidi.ts';
import { ExtensionDriver, GECKO_ID, ORIGIN, UUID_PREFS } from './extension.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts');
const PASSWORD = 'correct horse';

const exe = firefoxPath();

describe('extension in Firefox ESR', { skip: exe ? false : 'no Firefox installed (sh scripts/ensure-browser.sh firefox)', timeout: 120_000 }, () => {
  let ff: Firefox;
  let ext: string;
  let site: ChallengeSite;
  let tab: string;
  const output: string[] = [];

  let x: ExtensionDriver;
  const evaluate = <T = unknown>(ctx: string, body: string) => x.evaluate<T>(ctx, body);
  const waitFor = <T = unknown>(ctx: string, body: string, what: string, timeoutMs?: number) => x.waitFor<T>(ctx, body, what, timeoutMs);
  const send = (ctx: string, type: string, payload?: unknown) => x.send(ctx, type, payload);
  const screenshot = async (ctx: string, name: string) => writeFileSync(join(ARTIFACTS, name), await ff.screenshot(ctx));
  // (The approval window closes itself after the background's answer to its
  // `paywall.approval.decide`: the background closing it first made Firefox log the window's lost promise.)
  const extensionErrors = () => x.errors();
  /** The popup tab the first test opens; later tests stop at once without it. */
  const popup = () => {
    if (!tab) throw new Error('the extension did not install (see the first test)');
    return tab;
  };
  const popupTab = () => x.popupTab();

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ext = snapshotExtension('firefox');
    site = await startChallengeSite();
    ff = await Firefox.launch(exe!, {
      prefs: UUID_PREFS,
      onOutput: (line) => output.push(line),
    });
    x = new ExtensionDriver(ff);
    await ff.send('session.subscribe', { events: ['browsingContext.contextCreated'] });
  });

  after(async () => {
    await ff?.close();
    await site?.close();
    if (ext) rmSync(ext, { recursive: true, force: true });
  });

  it('installs the extension as a temporary add-on and starts its background script without errors', async (t) => {
    // Firefox's own checks of the manifest (gecko id, background.scripts) run here.
    const installed = await ff.send('webExtension.install', { extensionData: { type: 'path', path: ext } });
    assert.equal(installed.extension, GECKO_ID);
    tab = await popupTab();
    assert.equal(await evaluate(tab, 'return browser.runtime.getURL("");'), `${ORIGIN}/`);
    // Firefox MV3: an event page (background.scripts), not a service worker.
    const bg = await evaluate<string>(tab, 'const w = await browser.runtime.getBackgroundPage(); return String(w.location);');
    assert.equal(bg, `${ORIGIN}/_generated_background_page.html`);
    // The background answers through its router: the wallet and the paywall are wired.
    const status = await send(tab, 'wallet.status');
    assert.equal(status.ok, true, JSON.stringify(status.error));
    assert.equal((status.data as { state: string }).state, 'none');
    const state = await send(tab, 'paywall.state', {});
    assert.equal(state.ok, true, JSON.stringify(state.error));
    assert.deepEqual(state.data, { pending: 0, tab: null });
    const errors = await extensionErrors();
    if (errors.length > 0) t.diagnostic(output.join('\n'));
    assert.deepEqual(errors, [], 'no script errors from the extension');
  });

  it('renders the popup as an extension page, styled', async () => {
    popup();
    await waitFor(tab, `return $.button('Create a new wallet');`, 'the welcome screen');
    assert.equal(await evaluate(tab, `return $.text(document.querySelector('h1'));`), 'Welcome to Paychan');
    // The stylesheet loaded (extension CSP `script-src 'self'` let the module scripts and CSS in).
    const look = await evaluate<{ width: number; background: string }>(
      tab,
      `return { width: document.documentElement.clientWidth, background: getComputedStyle($.button('Create a new wallet')).backgroundColor };`,
    );
    assert.equal(look.width, 380);
    assert.notEqual(look.background, 'rgba(0, 0, 0, 0)', 'the primary button has its colour from styles.css');
    await screenshot(tab, 'firefox-popup-01-welcome.png');
  });

  it('creates a wallet through onboarding; it persists across an extension reload, locked, and only the right password unlocks it', async () => {
    popup();
    await evaluate(tab, `return $.click('Create a new wallet');`);
    await waitFor(tab, `return $.field('Network');`, 'the new wallet form');
    await evaluate(tab, `$.fill('Network', 'regtest'); $.fill('Password (at least 8 characters)', ${JSON.stringify(PASSWORD)}); return $.fill('Password again', ${JSON.stringify(PASSWORD)});`);
    await screenshot(tab, 'firefox-popup-02-create.png');
    await evaluate(tab, `return $.click('Continue');`);
    const words = await waitFor<string>(tab, `const l = document.querySelector('ol[aria-label="Recovery phrase"]'); return l && [...l.querySelectorAll('li')].map($.text).join(' ');`, 'the recovery phrase');
    assert.equal(words.split(' ').length, 12);
    await evaluate(tab, `$.check('I have written them down'); return true;`);
    await waitFor(tab, `return !$.button('Next').disabled;`, 'Next enabled');
    await evaluate(tab, `return $.click('Next');`);
    await waitFor(tab, `return $.field('Type the 12 words, separated by spaces');`, 'the confirmation step');
    await evaluate(tab, `return $.fill('Type the 12 words, separated by spaces', ${JSON.stringify(words)});`);
    await waitFor(tab, `return !$.button('Create wallet').disabled;`, 'Create wallet enabled');
    await evaluate(tab, `return $.click('Create wallet');`);
    await waitFor(tab, `return document.querySelector('nav[aria-label="Sections"]');`, 'the wallet home screen', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    await screenshot(tab, 'firefox-popup-03-home.png');
    const status = await send(tab, 'wallet.status');
    assert.deepEqual([(status.data as { state: string }).state, (status.data as { network: string }).network], ['unlocked', 'regtest']);

    // The vault is in the background's real IndexedDB (same origin as this page).
    const dbs = await evaluate<string[]>(tab, `return (await indexedDB.databases()).map((d) => d.name).sort();`);
    assert.ok(dbs.includes('paychan'), `IndexedDB databases: ${JSON.stringify(dbs)}`);

    // Reload the whole extension: a new background page, storage.session gone, the database kept.
    await evaluate(tab, `setTimeout(() => browser.runtime.reload(), 0); return true;`);
    await ff.waitForClosed(tab, 'the popup tab to close on the extension reload');
    tab = await popupTab();
    await waitFor(tab, `return $.button('Unlock');`, 'the unlock screen after the reload', 20_000);
    const locked = await send(tab, 'wallet.status');
    assert.deepEqual([(locked.data as { state: string }).state, (locked.data as { network: string }).network], ['locked', 'regtest']);
    await screenshot(tab, 'firefox-popup-04-unlock.png');

    // A wrong password: refused, with the readable message.
    await evaluate(tab, `return $.fill('Password', 'wrong password');`);
    await evaluate(tab, `return $.click('Unlock');`);
    const alert = await waitFor<string>(tab, `const a = document.querySelector('[role="alert"]'); return a && $.text(a);`, 'the wrong-password alert');
    assert.equal(alert, 'That password is not right.');
    await screenshot(tab, 'firefox-popup-05-wrong-password.png');
    // The right one unlocks.
    await evaluate(tab, `return $.fill('Password', ${JSON.stringify(PASSWORD)});`);
    await evaluate(tab, `return $.click('Unlock');`);
    await waitFor(tab, `return document.querySelector('nav[aria-label="Sections"]');`, 'the wallet after unlocking', 20_000);
    assert.equal(((await send(tab, 'wallet.status')).data as { state: string }).state, 'unlocked');
    // Reloading the page alone keeps the session (storage.session lives as long as the extension).
    await ff.reload(tab);
    await waitFor(tab, `return document.querySelector('nav[aria-label="Sections"]');`, 'the wallet after a page reload');
    assert.deepEqual(await extensionErrors(), [], 'no script errors from the extension');
  });

  it('runs the content scripts on web pages, and 402 challenges reach the background: approval window and badge', async () => {
    popup();
    // Firefox grants MV3 host permissions separately from the API permissions: the paywall needs
    // <all_urls> to see 402s (webRequest) and to run its content scripts.
    assert.equal(await evaluate(tab, `return browser.permissions.contains({ origins: ['<all_urls>'] });`), true, '<all_urls> granted');
    const page = await ff.newTab();
    await ff.navigate(page, `${site.url}/`);
    // The MAIN-world content script (manifest "world": "MAIN") wrapped the page's fetch and XHR.
    assert.equal(await ff.evaluate(page, 'window.wrapped'), 'yes');

    /** Waits for the approval window the background opens, checks it, answers Deny and waits for it to close itself. */
    const denyApproval = async (opened: Promise<{ params: Record<string, unknown> }>, shot: string) => {
      const prompt = (await opened).params.context as string;
      await waitFor(prompt, `return location.href.startsWith(${JSON.stringify(`${ORIGIN}/prompt.html?id=`)}) && $.button('Pay once');`, 'the approval window', 15_000);
      assert.match(await evaluate<string>(prompt, `return $.text(document.querySelector('h1'));`), /127\.0\.0\.1/);
      if (shot) {
        await ff.send('browsingContext.setViewport', { context: prompt, viewport: { width: 440, height: 720 } });
        await screenshot(prompt, shot);
      }
      const state = await send(tab, 'paywall.state', {});
      assert.equal((state.data as { pending: number }).pending, 1);
      assert.equal(await evaluate(tab, `return browser.action.getBadgeText({});`), '!1');
      // The answer buttons ignore clicks for a second after the window shows (aria-disabled).
      await waitFor(prompt, `return !document.querySelector('button[aria-disabled="true"]');`, 'the answer buttons to become active', 5_000);
      // The prompt closes its own window on an answer: click after the evaluation has returned.
      await evaluate(prompt, `setTimeout(() => $.click('Deny'), 0); return true;`);
      await ff.waitForClosed(prompt, 'the approval window to close itself');
      assert.equal(((await send(tab, 'paywall.state', {})).data as { pending: number }).pending, 0);
      assert.equal(await evaluate(tab, `return browser.action.getBadgeText({});`), '');
    };
    const approvalOpens = () =>
      ff.waitForEvent((e) => e.method === 'browsingContext.contextCreated' && e.params.parent == null, 15_000, 'the approval window to open');

    // The page's own fetch gets a 402: its wrapper asks the background, which asks the reader;
    // denied, the page gets the site's 402 back.
    let opened = approvalOpens();
    await ff.evaluate(page, `window.paid = fetch('/paid').then((r) => r.status), true`);
    await denyApproval(opened, '');
    assert.equal(await ff.evaluate(page, 'window.paid'), 402);

    // A navigation to a 402: webRequest sees the challenge, the approval window opens.
    opened = approvalOpens();
    await ff.send('browsingContext.navigate', { context: page, url: `${site.url}/paid`, wait: 'none' });
    await denyApproval(opened, 'firefox-prompt-01-approval.png');
    assert.deepEqual(await extensionErrors(), [], 'no script errors from the extension');
    // The manifest Firefox ran is the Firefox flavour.
    const manifest = JSON.parse(readFileSync(join(ext, 'manifest.json'), 'utf8')) as { background: { scripts?: string[] } };
    assert.deepEqual(manifest.background.scripts, ['background.js']);
  });
});
