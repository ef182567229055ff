/**
 * The server vanishes with a channel open: after expiry the background broadcasts the refund it
 * signed at funding time, even while the wallet is locked after a browser restart, and the
 * deposit comes back less only the fees. Also: nothing is broadcast a block early.
 *
 * And the gap a channel backup closes: a reader pays over a channel, backs it up, loses the
 * browser, restores the wallet from its words into a fresh background (fresh IndexedDB) and the
 * backup on top; the site vanishes; after expiry the channel watcher broadcasts the refund, the
 * devnet confirms it, and the restored wallet holds the deposit less only the two fees.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { CHANNELS_ALARM } from '../../src/client/channels/channel-watcher.ts';
import { fetchPaid, fundedRig, makeRig, PASSWORD, restart, startMerchant } from './helpers.ts';

let devnet: Devnet;
before(async () => {
  devnet = await startDevnet({ port: 0 });
});
after(async () => {
  await devnet?.stop();
});

/**
 * The site vanishes without settling and the channel is refunded after expiry. With the refund
 * signed at funding time, by the alarm while the wallet is locked after a browser restart; with
 * none stored (a record that lost it), by a fresh refund the unlocked wallet signs, paid to the
 * channel's change script.
 */
async function vanishedSiteRefund(storedRefund: boolean): Promise<void> {
  const esplora = new EsploraClient(devnet.url);
  const merchant = await startMerchant(devnet.url, { minExpiryBlocks: 20, maxExpiryBlocks: 40, settleMarginBlocks: 5 });
  const endpoint = `${merchant.url}/paychan/v1`;
  let rig = await fundedRig(devnet, 300_000n, endpoint);
  const policy = (await rig.call('settings.get', undefined)).policy;
  await rig.call('settings.set', { policy: { ...policy, preferredExpiryBlocks: 20 } });
  assert.equal((await fetchPaid(rig, `${merchant.url}/articles/1`)).status, 200);
  const [ch] = await rig.call('channels.list', undefined);
  const tipAtOpen = await devnet.tipHeight();
  assert.equal(ch!.expiry, tipAtOpen + 20);
  await devnet.mine(1);
  await merchant.stop(); // the server vanishes without settling

  // The browser restarts; nobody unlocks the wallet (or, without a stored refund, somebody does).
  rig = await restart(rig, { browserRestart: true });
  assert.equal((await rig.call('wallet.status', undefined)).state, 'locked');
  if (!storedRefund) {
    const [stored] = await rig.bg.store.channels();
    await rig.bg.store.putChannel({ ...stored!, refund: null });
    await rig.call('wallet.unlock', { password: PASSWORD });
  }
  await devnet.mine(ch!.expiry - (await devnet.tipHeight()) - 1);
  assert.equal((await rig.call('channels.check', undefined))[0]!.state, 'open', 'one block early: nothing to do');

  await devnet.mine(1); // tip = expiry: the refund is final for the next block
  rig.alarms.fire(CHANNELS_ALARM);
  let rec = (await rig.bg.store.channels())[0]!;
  for (let i = 0; i < 100 && rec.channel.state !== 'refunding'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    rec = (await rig.bg.store.channels())[0]!;
  }
  assert.equal(rec.channel.state, 'refunding');
  const refundTxid = rec.channel.closingTxid!;
  assert.equal(refundTxid, rec.refund!.txid, storedRefund ? 'the refund signed at funding time' : 'the fresh refund, stored before it was sent');
  // 'refunding' is stored before the refund is sent: give the broadcast a moment to reach the node.
  let refund = await esplora.getTx(refundTxid).catch(() => null);
  for (let i = 0; i < 200 && refund === null; i++) {
    await new Promise((r) => setTimeout(r, 25));
    refund = await esplora.getTx(refundTxid).catch(() => null);
  }
  assert.ok(refund, 'the refund reached the node');
  assert.equal(refund.locktime, ch!.expiry);
  if (!storedRefund) assert.equal(refund.vout[0]!.scriptpubkey, Buffer.from(rec.channel.request.changeScript).toString('hex'), 'paid to the channel\'s change script');

  await devnet.mine(1);
  const closed = await rig.call('channels.check', undefined);
  assert.equal(closed[0]!.state, 'closed');
  assert.equal(closed[0]!.closingTxid, refundTxid);

  if (storedRefund) await rig.call('wallet.unlock', { password: PASSWORD });
  const funding = await esplora.getTx(ch!.channelId!.split(':')[0]!);
  const b = await rig.call('wallet.balances', undefined);
  assert.equal(BigInt(b.confirmed), 300_000n - funding.fee - refund.fee, 'the whole deposit came back, the first payment too');
  assert.deepEqual([b.inChannels, b.prepaid], ['0', '0']);
  const history = await rig.call('wallet.history', undefined);
  assert.equal(history.find((h) => h.txid === refundTxid)?.kind, 'channel-refund');
  rig.db.close();
}

test('refund: after expiry an unsettled channel is refunded by the alarm, wallet locked', () => vanishedSiteRefund(true));

test('refund: a channel with no stored refund gets a fresh one from the unlocked wallet', () => vanishedSiteRefund(false));

test('backup: restored from words + backup, a vanished site\'s channel is refunded to the satoshi', async () => {
  const esplora = new EsploraClient(devnet.url);
  const merchant = await startMerchant(devnet.url, { minExpiryBlocks: 20, maxExpiryBlocks: 40, settleMarginBlocks: 5 });
  const endpoint = `${merchant.url}/paychan/v1`;
  const mnemonic = generateMnemonic(wordlist, 128);
  const start = 300_000n;

  // The first browser: a wallet, a channel, two articles paid.
  const first = await makeRig();
  await first.call('settings.set', { esploraUrls: { regtest: devnet.url } });
  await first.call('wallet.restore', { mnemonic, password: PASSWORD, network: 'regtest' });
  await devnet.faucet((await first.call('wallet.receiveAddress', undefined)).address, start);
  await devnet.mine(1);
  await first.call('sites.allow', { endpoint, allowance: '20000' });
  const policy = (await first.call('settings.get', undefined)).policy;
  await first.call('settings.set', { policy: { ...policy, preferredExpiryBlocks: 20 } });
  assert.equal((await fetchPaid(first, `${merchant.url}/articles/1`)).status, 200);
  assert.equal((await fetchPaid(first, `${merchant.url}/articles/2`)).status, 200);
  await devnet.mine(1);
  const [opened] = await first.call('channels.check', undefined);
  assert.equal(opened!.state, 'open');
  const paid = BigInt(opened!.signed);
  assert.ok(paid >= 20n, 'the site holds signed payments for both articles');
  const backup = await first.call('channels.backup', { password: PASSWORD });
  assert.equal(backup.channels, 1);
  const presigned = (await first.bg.store.channels())[0]!.refund!;
  first.db.close(); // the computer is lost

  // A fresh browser: the words, then the backup (another password for the new install).
  const second = await makeRig();
  await second.call('settings.set', { esploraUrls: { regtest: devnet.url } });
  await second.call('wallet.restore', { mnemonic, password: 'a new password for this computer', network: 'regtest' });
  assert.deepEqual(await second.call('channels.list', undefined), [], 'the words alone cannot bring the channel back');
  const restored = await second.call('channels.restoreBackup', { contents: backup.contents, password: PASSWORD });
  assert.equal(restored.added.length, 1);
  assert.equal(restored.added[0]!.channelId, opened!.channelId);
  // The site still answers: the watcher takes its status.
  const [resumed] = await second.call('channels.check', undefined);
  assert.equal(resumed!.state, 'open');
  assert.equal(resumed!.acknowledged, String(paid));
  assert.equal(resumed!.lastError, null);

  await merchant.stop(); // the site vanishes without settling
  await devnet.mine(opened!.expiry - (await devnet.tipHeight()) - 1);
  const early = await second.call('channels.check', undefined);
  assert.equal(early[0]!.state, 'open', 'one block early: nothing to do');
  assert.match(early[0]!.lastError ?? '', /./, 'the vanished site is noted');
  await devnet.mine(1); // tip = expiry: the refund is final for the next block
  const refunding = await second.call('channels.check', undefined);
  assert.equal(refunding[0]!.state, 'refunding');
  const refundTxid = refunding[0]!.closingTxid!;
  assert.equal(refundTxid, presigned.txid, 'the refund signed at funding time, carried by the backup');
  const refund = await esplora.getTx(refundTxid);
  assert.equal(refund.locktime, opened!.expiry);
  await devnet.mine(1);
  assert.equal((await esplora.getTx(refundTxid)).status.confirmed, true);
  const closed = await second.call('channels.check', undefined);
  assert.deepEqual([closed[0]!.state, closed[0]!.outcome, closed[0]!.closingTxid], ['closed', 'refunded', refundTxid]);

  await second.call('wallet.sync', undefined);
  const funding = await esplora.getTx(opened!.channelId!.split(':')[0]!);
  const b = await second.call('wallet.balances', undefined);
  // The site never settled, so what was paid never left: the refund returns the whole deposit.
  const settledToSite = 0n;
  assert.equal(BigInt(b.confirmed), start - funding.fee - refund.fee - settledToSite, `start ${start} − fees ${funding.fee} + ${refund.fee}; ${paid} sat signed, never claimed`);
  assert.deepEqual([b.unconfirmed, b.inChannels, b.prepaid], ['0', '0', '0']);
  second.db.close();
});
