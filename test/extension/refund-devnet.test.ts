/**
 * The server vanishes with a channel open: after expiry the background broadcasts the refund it
 * signed at funding time, even while the wallet is locked after a browser restart, and the
 * deposit comes back less only the fees. Also: nothing is broadcast a block early.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { CHANNELS_ALARM } from '../../src/extension/background/channel-watcher.ts';
import { fetchPaid, fundedRig, PASSWORD, restart, startMerchant } from './helpers.ts';

let devnet: Devnet;
before(async () => {
  devnet = await startDevnet({ port: 0 });
});
after(async () => {
  await devnet?.stop();
});

test('refund: after expiry an unsettled channel is refunded by the alarm, wallet locked', async () => {
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

  // The browser restarts; nobody unlocks the wallet.
  rig = await restart(rig, { browserRestart: true });
  assert.equal((await rig.call('wallet.status', undefined)).state, 'locked');
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
  assert.equal(refundTxid, rec.refund!.txid, 'the refund signed at funding time');
  const refund = await esplora.getTx(refundTxid);
  assert.equal(refund.locktime, ch!.expiry);

  await devnet.mine(1);
  const closed = await rig.call('channels.check', undefined);
  assert.equal(closed[0]!.state, 'closed');
  assert.equal(closed[0]!.closingTxid, refundTxid);

  await rig.call('wallet.unlock', { password: PASSWORD });
  const funding = await esplora.getTx(ch!.channelId!.split(':')[0]!);
  const b = await rig.call('wallet.balances', undefined);
  assert.equal(BigInt(b.confirmed), 300_000n - funding.fee - refund.fee, 'the whole deposit came back, the first payment too');
  assert.deepEqual([b.inChannels, b.prepaid], ['0', '0']);
  const history = await rig.call('wallet.history', undefined);
  assert.equal(history.find((h) => h.txid === refundTxid)?.kind, 'channel-refund');
  rig.db.close();
});
