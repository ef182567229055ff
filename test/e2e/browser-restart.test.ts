/**
 * The browser restarts with a channel open. The wallet comes back locked (the unlocked key lived
 * in session storage); a wrong password is refused and changes nothing; with the right one the
 * next article is paid from the same channel, with no prompt and no new deposit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ARTICLES } from '../../src/server/demo/articles.ts';
import { artifactsDir, PASSWORD, Reader, startStack, type Stack } from './harness.ts';
import { closeAllAndBalance, FAUCET_SATS, quickWallet } from './story.ts';

describe('the browser restarts with an open channel', { timeout: 240_000 }, () => {
  let stack: Stack;
  let reader: Reader;
  const artifacts = artifactsDir('browser-restart');

  before(async () => {
    stack = await startStack();
    reader = await Reader.launch({ artifacts });
  });
  after(async () => {
    await reader?.close();
    await stack?.stop();
  });

  it('resumes the channel; a wrong password is refused', async () => {
    await quickWallet(reader, stack);
    const page = await reader.ctx.newPage();
    assert.equal((await page.goto(`${stack.url}/articles/${ARTICLES[0]!.slug}`))?.status(), 402);
    await reader.answer(await reader.nextPrompt(), 'Allow with budget');
    await page.getByText(/You paid 10 sat for this article/).waitFor({ timeout: 30_000 });
    const [before] = await reader.send('channels.list', undefined);
    assert.equal(before?.state, 'open');

    // Restart: the same profile, a new browser process.
    const profile = reader.profileDir;
    await reader.close({ keepProfile: true });
    reader = await Reader.launch({ artifacts, profileDir: profile, extensionDir: reader.extensionDir, removeProfile: true });

    const popup = await reader.popup();
    const password = popup.getByLabel('Password');
    await password.waitFor();
    assert.equal((await reader.send('wallet.status', undefined)).state, 'locked', 'locked after a restart');
    await password.fill('not my password');
    await popup.getByRole('button', { name: 'Unlock', exact: true }).click();
    await popup.getByRole('alert').getByText('That password is not right.').waitFor();
    await reader.shot(popup, 'popup-wrong-password');
    assert.equal((await reader.send('wallet.status', undefined)).state, 'locked', 'still locked');
    await password.fill(PASSWORD);
    await popup.getByRole('button', { name: 'Unlock', exact: true }).click();
    await popup.getByRole('navigation', { name: 'Sections' }).waitFor();

    // The next article: its 402 is paid from the resumed channel, without asking.
    const prompts = reader.prompts.length;
    const next = await reader.ctx.newPage();
    await next.goto(`${stack.url}/articles/${ARTICLES[2]!.slug}`);
    await next.getByText(/You paid 10 sat for this article/).waitFor({ timeout: 30_000 });
    await reader.shot(next, 'article-after-restart');
    assert.equal(reader.prompts.length, prompts, 'no prompt after the restart');
    const list = await reader.send('channels.list', undefined);
    assert.equal(list.length, 1, 'no second channel');
    assert.equal(list[0]!.channelId, before.channelId);
    assert.equal(list[0]!.spent, '20');
    assert.equal((await stack.site.paychan.store.getChannel(before.channelId!))?.spent, 20n);

    await popup.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Channels' }).click();
    await popup.getByText('open', { exact: true }).waitFor();
    await reader.shot(popup, 'popup-channel-after-restart');
    await closeAllAndBalance(reader, stack, FAUCET_SATS);
  });
});
