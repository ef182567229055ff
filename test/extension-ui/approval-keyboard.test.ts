/**
 * The approval window with the keyboard only, and its clock (WCAG 2.1.1, 2.4.3, 2.4.7, 2.2.1):
 * focus starts on the heading, Tab walks the form then the answers, the focus ring shows on
 * every button in both themes, Escape denies, Enter on "Allow with budget" approves once the
 * click guard has passed (issue 11, finding 10: the answer buttons ignore clicks and keys for a
 * second after the window shows), "More time" and typing give the reader time that the
 * background really grants, and a polite warning comes before the end.
 *
 * Real approvals come from the real background for a loopback site's 402 (challenge-site.ts);
 * the guard and the warning use a window answered in the page with Playwright's fake clock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { ApprovalView } from '../../src/extension/shared/paywall-views.ts';
import { approvalView } from './approval-fixture.ts';
import { startChallengeSite, type ChallengeSite } from './challenge-site.ts';
import { chromiumPath, launchWithExtension, type ExtensionBrowser } from './chromium.ts';
import { fakeAnswers } from './fake-answers.ts';

const exe = chromiumPath();

/** The focused element's accessible name, as far as this window needs it: a button's text or a field's label. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'body';
    const label = el.closest('label');
    return `${el.tagName.toLowerCase()}:${(label ? (label.querySelector('span')?.textContent ?? label.textContent) : el.textContent)?.trim()}`;
  });

describe('the approval window, keyboard first', { skip: exe ? false : 'no Chromium installed', timeout: 180_000 }, () => {
  let browser: ExtensionBrowser;
  let ctx: BrowserContext;
  let extId: string;
  let site: ChallengeSite;
  let control: Page;

  /** A background message from an extension page, as the popup sends it. */
  async function send<T>(type: string, payload?: unknown): Promise<T> {
    const env = await control.evaluate(([t, p]) => (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<{ ok: boolean; data: unknown; error?: unknown }> } } }).chrome.runtime.sendMessage({ type: t, payload: p }), [type, payload] as const);
    assert.ok(env.ok, `${type}: ${JSON.stringify(env.error)}`);
    return env.data as T;
  }

  before(async () => {
    site = await startChallengeSite();
    browser = await launchWithExtension(exe!);
    ({ ctx, extId } = browser);
    control = await ctx.newPage();
    await control.goto(`chrome-extension://${extId}/popup.html`);
    const { mnemonic } = await send<{ mnemonic: string }>('wallet.generate');
    await send('wallet.create', { mnemonic, password: 'correct horse', network: 'regtest' });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
  });

  /** Navigates a tab to the paywalled page; answers the approval window the background opens, sized as it opens it. */
  async function realPrompt(): Promise<{ prompt: Page; tab: Page; id: string }> {
    const tab = await ctx.newPage();
    const opened = ctx.waitForEvent('page', { predicate: (p) => p.url().includes('prompt.html'), timeout: 15_000 });
    void tab.goto(`${site.url}/paid`).catch(() => undefined);
    const prompt = await opened;
    await prompt.setViewportSize({ width: 440, height: 640 });
    await prompt.getByRole('button', { name: 'Deny' }).waitFor();
    return { prompt, tab, id: new URL(prompt.url()).searchParams.get('id')! };
  }

  const armed = (page: Page) => page.waitForFunction(() => !document.querySelector('button[aria-disabled="true"]'));
  /** Presses `key` in a window that closes itself on an answer: its closing is not an error. */
  async function answerWith(page: Page, key: string): Promise<void> {
    const closed = page.waitForEvent('close', { timeout: 15_000 }).catch(() => undefined);
    await page.keyboard.press(key).catch((err: Error) => {
      if (!page.isClosed()) throw err;
    });
    await closed;
  }

  it('starts on the heading, tabs through the form then the answers, shows focus on every button, and Escape denies', async () => {
    const { prompt, tab } = await realPrompt();
    assert.match(await focused(prompt), /^h1:Pay http:\/\/127\.0\.0\.1:\d+\?$/, 'initial focus on the heading');
    await armed(prompt);
    const order: string[] = [];
    for (let i = 0; i < 12; i++) {
      await prompt.keyboard.press('Tab');
      order.push(await focused(prompt));
    }
    const expected = ['input:Max price per item (sat)', 'input:Budget (sat)', 'input:Per how many days', 'input:Never ask for this site', 'button:Deny', 'button:Pay once', 'button:Allow with budget', 'button:More time'];
    const at = expected.map((name) => order.indexOf(name));
    assert.ok(
      at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1]!)),
      `Tab order ${JSON.stringify(order)}`,
    );

    // A focus ring that is not the button's own colour, on each button, in both themes.
    for (const theme of ['light', 'dark'] as const) {
      await prompt.emulateMedia({ colorScheme: theme });
      await prompt.locator('h1').focus();
      for (let i = 0; i < 12; i++) {
        await prompt.keyboard.press('Tab');
        const ring = await prompt.evaluate(() => {
          const el = document.activeElement as HTMLElement;
          if (el.tagName !== 'BUTTON') return null;
          const s = getComputedStyle(el);
          const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? s.outlineColor : null;
          return { name: el.textContent, outline, shadow: s.boxShadow, background: s.backgroundColor, page: getComputedStyle(document.body).backgroundColor };
        });
        if (!ring) continue;
        const shows = (ring.outline !== null && ring.outline !== ring.background && ring.outline !== ring.page) || (ring.shadow !== 'none' && !ring.shadow.startsWith(ring.background));
        assert.ok(shows, `${theme}: no visible focus ring on "${ring.name}": ${JSON.stringify(ring)}`);
      }
    }

    await answerWith(prompt, 'Escape');
    assert.equal(prompt.isClosed(), true, 'Escape answered and the window closed');
    assert.equal((await send<{ pending: number }>('paywall.state', {})).pending, 0, 'nothing left to approve');
    await tab.close();
  });

  it('Enter on "Allow with budget" approves, once the guard has passed', async () => {
    const { prompt, tab } = await realPrompt();
    await armed(prompt);
    for (let i = 0; i < 12 && (await focused(prompt)) !== 'button:Allow with budget'; i++) await prompt.keyboard.press('Tab');
    assert.equal(await focused(prompt), 'button:Allow with budget');
    await answerWith(prompt, 'Enter');
    const sites = await send<{ site: string; mode: string }[]>('paywall.sites');
    assert.deepEqual(
      sites.map((s) => [s.site, s.mode]),
      [[site.url, 'auto']],
      'the site now has an auto-pay policy',
    );
    await send('paywall.site.remove', { site: site.url });
    await tab.close();
  });

  it('"More time" moves the background\'s deadline, up to 10 minutes in all', async () => {
    const { prompt, tab, id } = await realPrompt();
    const first = (await send<ApprovalView>('paywall.approval.get', { id })).deadline;
    const more = prompt.getByRole('button', { name: 'More time' });
    await more.click();
    const later = async (than: number) => {
      for (let i = 0; i < 50; i++) {
        const d = (await send<ApprovalView>('paywall.approval.get', { id })).deadline;
        if (d > than) return d;
        await prompt.waitForTimeout(100);
      }
      assert.fail('the deadline did not move');
    };
    const second = await later(first);
    assert.ok(second >= first + 100_000, `extended by ${second - first} ms`);
    await prompt.getByText(/left now\./).waitFor();
    // One click at a time, each waited for: a click sent while the last one's answer is on its way
    // could find the button disabled by that answer (the wait is then at its most), and Playwright
    // would wait for a disabled button until it times out.
    for (let i = 0; i < 10 && (await more.getAttribute('aria-disabled')) !== 'true'; i++) {
      const now = await send<ApprovalView>('paywall.approval.get', { id });
      await more.click({ force: true });
      if (now.deadline < now.createdAt + 600_000) await later(now.deadline);
    }
    const view = await send<ApprovalView>('paywall.approval.get', { id });
    assert.equal(view.deadline, view.createdAt + 600_000, 'at most 10 minutes after the request');
    await prompt.getByText('It cannot wait longer.').waitFor();
    assert.equal(await more.getAttribute('aria-disabled'), 'true');
    await answerWith(prompt, 'Escape');
    await tab.close();
  });

  it('holds the clock while the reader types, and the background keeps the request that long', async () => {
    const { prompt, tab, id } = await realPrompt();
    const first = (await send<ApprovalView>('paywall.approval.get', { id })).deadline;
    await prompt.getByLabel('Budget (sat)').focus();
    await prompt.keyboard.type('0');
    await prompt.getByText('The clock waits while you fill in this window.').waitFor();
    const shown = async () => (await prompt.locator('main').textContent())?.match(/Without an answer in ([^.]+?) this request/)?.[1];
    const before = await shown();
    await prompt.waitForTimeout(3500);
    assert.equal(await shown(), before, 'the countdown holds still');
    const held = (await send<ApprovalView>('paywall.approval.get', { id })).deadline;
    assert.ok(held >= first + 2000, `the background moved the deadline by ${held - first} ms`);
    await answerWith(prompt, 'Escape');
    await tab.close();
  });
});

/**
 * Playwright's fake clock is the whole browser context's: these windows get a browser of their
 * own, so the real approvals above keep real time.
 */
describe('the approval window, on a stopped clock', { skip: exe ? false : 'no Chromium installed', timeout: 120_000 }, () => {
  let browser: ExtensionBrowser;
  let ctx: BrowserContext;
  let extId: string;

  before(async () => {
    browser = await launchWithExtension(exe!);
    ({ ctx, extId } = browser);
    // The clock stands still until a test moves it: the guard lasts as long as a test needs.
    const t0 = Date.now();
    await ctx.clock.install({ time: t0 });
    await ctx.clock.pauseAt(t0 + 5_000);
  });
  after(async () => {
    await browser?.close();
  });

  /**
   * Opens a window answered in the page and lets the stopped clock run in small steps until it
   * shows its buttons (Preact runs effects, which ask for the request, after an animation frame).
   * Answers the page; at most 500 ms of the page's time have passed since it started.
   */
  async function openStopped(view: ApprovalView): Promise<Page> {
    const page = await ctx.newPage();
    await page.addInitScript({ content: fakeAnswers({ 'paywall.approval.get': view, 'paywall.approval.decide': null, 'wallet.status': { state: 'unlocked', network: 'regtest', autoLockMinutes: 15 } }) });
    // The window closes itself on an answer; kept open here, so the test can read what it sent.
    await page.addInitScript({ content: 'window.close = () => { window.__closedByAnswer = true; };' });
    await page.goto(`chrome-extension://${extId}/prompt.html?id=fake`);
    const deny = page.getByRole('button', { name: 'Deny' });
    for (let i = 0; i < 10 && !(await deny.isVisible()); i++) await ctx.clock.runFor(50);
    await deny.waitFor({ timeout: 5_000 });
    return page;
  }

  it('ignores clicks and keys on the answer buttons for a second after it shows, and says so', async () => {
    const page = await openStopped(approvalView());
    const allow = page.getByRole('button', { name: 'Allow with budget' });
    assert.equal(await allow.getAttribute('aria-disabled'), 'true', 'marked as not yet active');
    await allow.click({ force: true });
    await allow.focus();
    assert.equal(await focused(page), 'button:Allow with budget', 'still focusable: no trap, no lost focus');
    await page.keyboard.press('Enter');
    await page.keyboard.press(' ');
    const decided = () => page.evaluate(() => (window as unknown as { __fakeCalls: { type: string; payload: { choice: { kind: string } } }[] }).__fakeCalls.filter((c) => c.type === 'paywall.approval.decide').map((c) => c.payload.choice.kind));
    assert.deepEqual(await decided(), [], 'nothing answered during the guard');
    await ctx.clock.runFor(1000);
    assert.equal(await allow.getAttribute('aria-disabled'), null, 'active after a second');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as unknown as { __fakeCalls: { type: string }[] }).__fakeCalls.some((c) => c.type === 'paywall.approval.decide'));
    assert.deepEqual(await decided(), ['allow']);
    await page.waitForFunction(() => (window as unknown as { __closedByAnswer?: boolean }).__closedByAnswer === true);
    await page.close();
  });

  it('warns politely, once, under 20 seconds before it denies', async () => {
    const blank = await ctx.newPage();
    const t0 = await blank.evaluate(() => Date.now());
    await blank.close();
    const page = await openStopped(approvalView({ createdAt: t0, deadline: t0 + 120_000 }));
    const live = page.locator('[aria-live="polite"]');
    await live.waitFor({ state: 'attached' });
    assert.equal(((await live.textContent()) ?? '').trim(), '', 'quiet at first');
    await ctx.clock.runFor(98_500);
    assert.equal(((await live.textContent()) ?? '').trim(), '', 'quiet at 21 s left');
    await ctx.clock.runFor(2_000);
    await page.waitForFunction(() => /Under 20 seconds left/.test(document.querySelector('[aria-live="polite"]')?.textContent ?? ''));
    assert.match((await live.textContent()) ?? '', /without an answer this request is denied\. Press "More time" to wait longer\./);
    const said = await live.textContent();
    await ctx.clock.runFor(5_000);
    assert.equal(await live.textContent(), said, 'the announcement does not change every second');
    await page.close();
  });
});
