/**
 * Focus follows the screen (WCAG 2.4.3): when onboarding moves to its next step or the popup to
 * another section, focus lands on the new screen's heading instead of dropping to the body, so
 * a keyboard or screen-reader user starts where the new content starts. Unlock puts it in the
 * password field, the one thing to do there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumPath, launchWithExtension, type ExtensionBrowser } from './chromium.ts';

const exe = chromiumPath();
const PASSWORD = 'correct horse';

/** "h1:Text" for the focused element (a field: "input:" and its label's first line). */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'body';
    const label = el.closest('label')?.querySelector('span')?.textContent;
    return `${el.tagName.toLowerCase()}:${(label ?? el.textContent ?? '').trim()}`;
  });
}

describe('focus follows the screen', { skip: exe ? false : 'no Chromium installed', timeout: 120_000 }, () => {
  let browser: ExtensionBrowser;

  before(async () => {
    browser = await launchWithExtension(exe!);
  });
  after(async () => {
    await browser?.close();
  });

  async function heading(page: Page, text: string): Promise<void> {
    await page.getByRole('heading', { name: text, level: 1 }).waitFor();
    assert.equal(await focused(page), `h1:${text}`, `focus on the heading of "${text}"`);
  }

  it('onboarding: each step, forward and back, starts on its heading', async () => {
    const page = await browser.ctx.newPage();
    await page.setViewportSize({ width: 380, height: 600 });
    await page.goto(`chrome-extension://${browser.extId}/popup.html`);
    await heading(page, 'Welcome to Paychan');
    await page.getByRole('button', { name: 'Restore from a recovery phrase' }).click();
    await heading(page, 'Restore a wallet');
    await page.getByRole('button', { name: 'Back' }).click();
    await heading(page, 'Welcome to Paychan');
    await page.getByRole('button', { name: 'Create a new wallet' }).click();
    await heading(page, 'New wallet');
    await page.getByLabel('Network').selectOption('regtest');
    await page.getByLabel('Password (at least 8 characters)').fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await heading(page, 'Your recovery phrase');
    const words = (await page.getByRole('list', { name: 'Recovery phrase' }).locator('li').allTextContents()).join(' ');
    await page.getByLabel('I have written them down').check();
    await page.getByRole('button', { name: 'Next' }).click();
    await heading(page, 'Confirm the phrase');
    await page.getByLabel('Type the 12 words, separated by spaces').fill(words);
    await page.getByRole('button', { name: 'Create wallet' }).click();
    await heading(page, 'Home');
    await page.close();
  });

  it('the popup: every section from the keyboard, then lock and unlock', async () => {
    const page = await browser.ctx.newPage();
    await page.setViewportSize({ width: 380, height: 600 });
    await page.goto(`chrome-extension://${browser.extId}/popup.html`);
    await heading(page, 'Home');
    const nav = page.getByRole('navigation', { name: 'Sections' });
    for (const section of ['Receive', 'Send', 'Channels', 'Sites', 'History', 'Settings', 'Home']) {
      await nav.getByRole('button', { name: section, exact: true }).focus();
      await page.keyboard.press('Enter');
      await heading(page, section);
    }
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.getByRole('heading', { name: 'Unlock' }).waitFor();
    assert.equal(await focused(page), 'input:Password', 'focus in the password field');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await heading(page, 'Home');
    await page.close();
  });
});
