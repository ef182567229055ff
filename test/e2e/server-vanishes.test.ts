/**
 * The site goes away in the middle of opening a channel: it stored and broadcast the funding,
 * but its answer never reached the browser and it never comes back. Nothing is lost: after the
 * channel's expiry the wallet broadcasts its refund, the devnet mines it, and the books balance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ARTICLES } from '../../src/server/demo/articles.ts';
import { artifactsDir, FlakyProxy, Reader, startStack, until, type Stack } from './harness.ts';
import { FAUCET_SATS, quickWallet } from './story.ts';

describe('the server vanishes during open', { timeout: 240_000 }, () => {
  let stack: Stack;
  let proxy: FlakyProxy;
  let reader: Reader;

  before(async () => {
    stack = await startStack();
    proxy = await FlakyProxy.start(stack.site.url);
    reader = await Reader.launch({ artifacts: artifactsDir('server-vanishes') });
  });
  after(async () => {
    await reader?.close();
    await proxy?.stop();
    await stack?.stop();
  });

  it('loses nothing: the refund after expiry is mined', async () => {
    await quickWallet(reader, stack);
    // The site acts on the funding (stores it, broadcasts it), then is gone for good.
    proxy.rule = (req) => (req.method === 'POST' && /\/channels\/[0-9a-f]+\/fund$/.test(req.url ?? '') ? 'vanish-after' : 'pass');

    const page = await reader.ctx.newPage();
    const res = await page.goto(`${proxy.url}/articles/${ARTICLES[0]!.slug}`);
    assert.equal(res?.status(), 402);
    const prompt = await reader.nextPrompt();
    await reader.answer(prompt, 'Allow with budget');
    const opening = await until('the channel to be recorded', async () => {
      const [c] = await reader.send('channels.list', undefined);
      return c?.channelId && proxy.gone ? c : null;
    });
    await stack.site.stop();
    // The page never got its article.
    await page.waitForTimeout(500);
    assert.match((await page.textContent('body')) ?? '', /Payment required/);
    await reader.shot(page, 'article-still-402');

    const fundingTxid = opening.channelId!.split(':')[0]!;
    await until('the funding in the mempool', async () => (await stack.esplora.getTx(fundingTxid)).txid === fundingTxid);
    await stack.devnet.mine(1);
    const funding = await stack.esplora.getTx(fundingTxid);
    assert.equal(funding.status.confirmed, true, 'the vanished site had broadcast the funding');

    const popup = await reader.popup();
    await popup.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Channels' }).click();
    await popup.getByRole('article', { name: /Channel with/ }).waitFor();
    await reader.shot(popup, 'popup-channel-stuck-opening');
    const locked = await reader.send('wallet.sync', undefined);
    // The first payment was signed to the site (which could still settle with it until expiry);
    // the rest of the deposit is the reader's, in the channel.
    assert.equal(BigInt(locked.confirmed) + BigInt(locked.inChannels) + BigInt(opening.signed) + funding.fee, FAUCET_SATS);

    // Before expiry the refund cannot be mined; at expiry the wallet sends it by itself.
    const tip = await stack.devnet.tipHeight();
    await stack.devnet.mine(opening.expiry - 1 - tip);
    assert.ok((await reader.send('channels.check', undefined)).every((c) => c.state !== 'refunding'), 'no refund before expiry');
    await stack.devnet.mine(1);
    const refunding = await until('the refund to be broadcast', async () => (await reader.send('channels.check', undefined)).find((c) => c.state === 'refunding' && c.closingTxid));
    await stack.devnet.mine(1);
    const closed = await until('the channel closed by its refund', async () => (await reader.send('channels.check', undefined)).find((c) => c.state === 'closed'));
    const refund = await stack.esplora.getTx(refunding.closingTxid!);
    assert.equal(refund.status.confirmed, true, 'the refund is mined');
    assert.equal(closed.closingTxid, refund.txid);
    assert.equal(refund.vin[0]!.txid, fundingTxid);

    await popup.reload();
    await popup.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Channels' }).click();
    await popup.getByText('closed', { exact: true }).waitFor();
    await reader.shot(popup, 'popup-channel-refunded');

    const after = await reader.send('wallet.sync', undefined);
    assert.equal(after.inChannels, '0');
    assert.equal(BigInt(after.confirmed) + funding.fee + refund.fee, FAUCET_SATS, 'wallet + fees = starting funds');
    assert.equal(proxy.seen.filter((s) => s.includes('/fund')).length, 1);
  });
});
