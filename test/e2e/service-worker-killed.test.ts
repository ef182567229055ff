/**
 * The browser kills the extension's service worker in the middle of a payment: while the
 * channel's funding is on its way to the site, which either still gets it or never does. The restarted worker picks the channel up from
 * IndexedDB; the reader reloads the page and reads the article from the same channel, without a
 * second channel, a second deposit or a second prompt, and the books balance.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ARTICLES } from '../../src/server/demo/articles.ts';
import { artifactsDir, FlakyProxy, Reader, startStack, until, type Stack } from './harness.ts';
import { closeAllAndBalance, FAUCET_SATS, quickWallet } from './story.ts';

for (const variant of ['the site got the funding', 'the funding never reached the site'] as const) {
  describe(`the service worker is killed mid-payment: ${variant}`, { timeout: 240_000 }, () => {
    const drop = variant === 'the funding never reached the site';
    let stack: Stack;
    let proxy: FlakyProxy;
    let reader: Reader;

    before(async () => {
      stack = await startStack();
      proxy = await FlakyProxy.start(stack.site.url);
      reader = await Reader.launch({ artifacts: artifactsDir(`service-worker-killed-${drop ? 'dropped' : 'delivered'}`) });
    });
    after(async () => {
      await reader?.close();
      await proxy?.stop();
      await stack?.stop();
    });

    it('resumes the channel after the restart and pays once', async () => {
      await quickWallet(reader, stack);
      let killed: Promise<void> | null = null;
      // Hold the funding at the proxy long enough to kill the worker that is waiting for it.
      proxy.rule = (req) => {
        if (req.method === 'POST' && /\/channels\/[0-9a-f]+\/fund$/.test(req.url ?? '') && !killed) {
          killed = reader.killServiceWorker();
          return { holdMs: 2_000, drop };
        }
        return 'pass';
      };
      const page = await reader.ctx.newPage();
      const slug = ARTICLES[1]!.slug;
      assert.equal((await page.goto(`${proxy.url}/articles/${slug}`))?.status(), 402);
      const prompt = await reader.nextPrompt();
      await reader.answer(prompt, 'Allow with budget');
      await until('the worker to be killed mid-payment', async () => killed !== null);
      await killed;
      await reader.shot(page, 'article-402-after-kill');

      // The next message wakes a fresh worker, which resumes the half-opened channel.
      const channels = await until('the restarted worker to resume the channel', async () => {
        const list = await reader.send('channels.check', undefined);
        return list.length === 1 && list[0]!.state === 'open' && list;
      });
      assert.equal(await reader.serviceWorkerRestarted(), true, 'a new service worker is running');
      const channel = channels[0]!;

      // The reader reloads: paid from the same channel, no new prompt, no second channel.
      const prompts = reader.prompts.length;
      await page.reload();
      await page.getByText(/You paid 10 sat for this article/).waitFor({ timeout: 30_000 });
      await reader.shot(page, 'article-paid-after-restart');
      assert.equal(reader.prompts.length, prompts, 'no second approval');
      const list = await reader.send('channels.list', undefined);
      assert.equal(list.length, 1, 'one channel');
      assert.equal(list[0]!.channelId, channel.channelId);
      const server = await stack.site.paychan.store.getChannel(channel.channelId!);
      assert.equal(server?.spent, 10n, 'the article was charged once');
      assert.equal(proxy.seen.filter((s) => s.startsWith('POST') && s.endsWith('/channels')).length, 1, 'one open request');

      const popup = await reader.popup();
      await popup.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Channels' }).click();
      await popup.getByText('open', { exact: true }).waitFor();
      await reader.shot(popup, 'popup-channel-resumed');
      await closeAllAndBalance(reader, stack, FAUCET_SATS);
    });
  });
}
