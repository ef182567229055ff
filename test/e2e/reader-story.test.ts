/**
 * The reader's story in Chromium with the built extension, against the devnet and the demo
 * site: onboard, fund, pay for articles, plates, a stream and API calls within a budget, close,
 * settle on chain, and balance the books to the satoshi. Screenshots: test-artifacts/e2e/reader-story.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { artifactsDir, Reader, startStack, type Stack } from './harness.ts';
import { runReaderStory } from './story.ts';

describe('the reader’s story in a real browser', { timeout: 300_000 }, () => {
  let stack: Stack;
  let reader: Reader;

  before(async () => {
    stack = await startStack();
    reader = await Reader.launch({ artifacts: artifactsDir('reader-story') });
  });
  after(async () => {
    await reader?.close();
    await stack?.stop();
  });

  it('onboards, pays per item within a budget, closes, and the books balance', async () => {
    const steps: string[] = [];
    const result = await runReaderStory(reader, stack, (step, detail) => steps.push(detail ? `${step} (${detail})` : step));
    const b = result.books;
    assert.equal(b.wallet + b.serverEarnings + b.fundingFee + b.settlementFee, b.start);
    assert.ok(b.itemsCharged > 1000n, 'the budget was exceeded by the items read');
    assert.equal(result.prompts, 2, 'asked twice: the new site, then the exhausted budget');
    for (const s of steps) console.log(`  · ${s}`);
    // A 402 is logged by Chrome as a failed load; the demo site has no favicon.
    assert.deepEqual(reader.errors.filter((e) => !/status of 402|favicon\.ico/.test(e)), [], 'no console errors');
  });
});
