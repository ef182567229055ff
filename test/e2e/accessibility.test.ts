/**
 * Accessibility along the real story (issue 18): the demo site's home, the merchant's 402 page,
 * the approval window the extension opens for it, and the paid article, each scanned with
 * axe-core for WCAG 2.1 A/AA in light and dark themes, zero violations; the approval is given
 * with the keyboard alone (Enter on "Allow with budget"), and the article is paid on the devnet.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ARTICLES } from '../../src/server/demo/articles.ts';
import { axeScanBoth, report, type Finding } from '../extension-ui/axe.ts';
import { artifactsDir, Reader, startStack, type Stack } from './harness.ts';
import { quickWallet } from './story.ts';

describe('accessibility along the real story', { timeout: 300_000 }, () => {
  let stack: Stack;
  let reader: Reader;

  before(async () => {
    stack = await startStack();
    reader = await Reader.launch({ artifacts: artifactsDir('accessibility') });
    await quickWallet(reader, stack);
  });
  after(async () => {
    await reader?.close();
    await stack?.stop();
  });

  it('the demo home, the 402 page, the approval window and the paid article pass axe in both themes; the keyboard alone pays', async () => {
    const found: Finding[] = [];
    const page = await reader.ctx.newPage();
    await page.goto(stack.url);
    await page.getByRole('heading', { name: 'Articles', level: 1 }).waitFor();
    found.push(...(await axeScanBoth(page, 'demo home')));

    const article = ARTICLES[0]!;
    const res = await page.goto(`${stack.url}/articles/${article.slug}`, { waitUntil: 'domcontentloaded' });
    assert.equal(res?.status(), 402);
    await page.getByRole('heading', { name: 'Payment required' }).waitFor();
    assert.equal(await page.getByRole('main').count(), 1, 'the 402 page has a main landmark');
    assert.equal(await page.getByRole('link', { name: "Back to the site's home page" }).getAttribute('href'), '/');
    found.push(...(await axeScanBoth(page, '402 page')));

    const prompt = await reader.nextPrompt();
    await prompt.waitForFunction(() => !document.querySelector('button[aria-disabled="true"]'));
    found.push(...(await axeScanBoth(prompt, 'approval window')));
    await reader.shot(prompt, 'approval-window');
    for (let i = 0; i < 12; i++) {
      if ((await prompt.evaluate(() => document.activeElement?.textContent)) === 'Allow with budget') break;
      await prompt.keyboard.press('Tab');
    }
    const closed = prompt.waitForEvent('close', { timeout: 15_000 }).catch(() => undefined);
    await prompt.keyboard.press('Enter').catch((err: Error) => {
      if (!prompt.isClosed()) throw err;
    });
    await closed;

    await page.getByText(article.paragraphs[1]!.slice(0, 50)).waitFor({ timeout: 30_000 });
    await page.getByText(/You paid 10 sat for this article/).waitFor();
    found.push(...(await axeScanBoth(page, 'paid article')));
    assert.deepEqual(found, [], report(found));
  });
});
