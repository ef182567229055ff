/**
 * A site whose channel terms go beyond the reader's policy (a minimum deposit above the largest
 * deposit the reader allows): the wallet refuses without asking (there is nothing the reader
 * could approve), nothing is signed, nothing is sent to the site's channel API, no coin moves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ARTICLES } from '../../src/server/demo/articles.ts';
import { DEFAULT_SETTINGS } from '../../src/client/session/settings.ts';
import { artifactsDir, FlakyProxy, Reader, startStack, type Stack } from './harness.ts';
import { FAUCET_SATS, quickWallet } from './story.ts';

const READER_MAX_DEPOSIT = BigInt(DEFAULT_SETTINGS.policy.maxDeposit);

describe('a site asks for more than the reader’s policy allows', { timeout: 240_000 }, () => {
  let stack: Stack;
  let proxy: FlakyProxy;
  let reader: Reader;

  before(async () => {
    stack = await startStack({ siteConfig: { terms: { minDeposit: READER_MAX_DEPOSIT + 100_000n, maxDeposit: 5_000_000n } } });
    proxy = await FlakyProxy.start(stack.site.url);
    reader = await Reader.launch({ artifacts: artifactsDir('policy-refusal') });
  });
  after(async () => {
    await reader?.close();
    await proxy?.stop();
    await stack?.stop();
  });

  it('refuses and signs nothing', async () => {
    await quickWallet(reader, stack);
    const page = await reader.ctx.newPage();
    assert.equal((await page.goto(`${proxy.url}/articles/${ARTICLES[0]!.slug}`))?.status(), 402);
    // The wallet checks the terms before anyone is asked: no approval window, no payment.
    await page.waitForTimeout(3000);
    assert.equal(reader.prompts.length, 0, 'no approval window for terms the wallet refuses');
    assert.match((await page.textContent('body')) ?? '', /Payment required/, 'the page keeps its 402');
    await reader.shot(page, 'article-refused');

    assert.deepEqual(await reader.send('channels.list', undefined), [], 'no channel');
    assert.deepEqual(await reader.send('payments.history', {}), [], 'no payment signed');
    assert.deepEqual(proxy.seen.filter((s) => s.includes('/paychan/v1/channels')), [], 'nothing sent to the channel API');
    assert.deepEqual(await reader.send('paywall.sites', undefined), [], 'no site policy, nothing counted against a budget');
    const balances = await reader.send('wallet.sync', undefined);
    assert.equal(balances.confirmed, FAUCET_SATS.toString(), 'no coin moved');
    assert.equal(balances.unconfirmed, '0');
  });
});
