/**
 * The wallet's side of the background top-up against the real server and devnet: it raises the
 * approval by at most the paywall's limit, signs and stores before sending, and the credential
 * carries an unacknowledged payment inline, which the server applies before debiting (§6.2).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseCredential } from '../../src/core/http-binding.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { fetchPaid, fundedRig, startMerchant, type MerchantRig } from './helpers.ts';

let devnet: Devnet;
let merchant: MerchantRig;
before(async () => {
  devnet = await startDevnet({ port: 0 });
  merchant = await startMerchant(devnet.url);
});
after(async () => {
  await merchant?.stop();
  await devnet?.stop();
});

test('channels.topUp: within the limit, stored before sent, and paid inline by the next request', async () => {
  const endpoint = `${merchant.url}/paychan/v1`;
  const rig = await fundedRig(devnet, 1_000_000n, endpoint, '1000');
  await rig.call('settings.set', { policy: { ...(await rig.call('settings.get', undefined)).policy, prepaidTarget: '0' } });
  // Opens with the 1000 sat first payment; then use it up to the last item.
  assert.equal((await fetchPaid(rig, `${merchant.url}/articles/0`)).status, 200);
  await rig.call('sites.allow', { endpoint, allowance: '0' });
  const [c0] = await rig.call('channels.list', undefined);
  const server0 = (await merchant.paychan.store.getChannel(c0!.channelId!))!;
  assert.equal(server0.paid, 1000n);
  // Spend on the server directly down to 0 credit (as 99 more items would).
  const plain = (await rig.call('channels.topUp', { endpoint, price: '10', items: 1, limit: '0', send: false })).credential!;
  assert.equal(parseCredential(plain)!.payment, undefined, 'nothing unacknowledged: no payment inline');
  for (let i = 1; i < 100; i++) {
    const res = await fetch(`${merchant.url}/articles/${i}`, { headers: { authorization: plain } });
    assert.equal(res.status, 200);
    await rig.call('pay.receipt', { receipt: res.headers.get('paychan-receipt')!, url: res.url });
  }
  assert.equal((await merchant.paychan.store.getChannel(c0!.channelId!))!.spent, 1000n);

  // Six items ahead wanted, but only 25 sat may be approved: signs 1025, no more; nothing sent.
  const out = await rig.call('channels.topUp', { endpoint, price: '10', items: 6, limit: '25', send: false });
  assert.equal(out.approved, '25');
  assert.equal(out.channel!.approved, '1025');
  assert.equal(out.channel!.signed, '1025');
  assert.equal(out.channel!.acknowledged, '1000');
  const history = await rig.call('payments.history', { channel: c0!.id });
  assert.equal(history[0]!.amount, '1025', 'stored before anything was sent');
  assert.equal((await merchant.paychan.store.getChannel(c0!.channelId!))!.paid, 1000n, 'not sent');
  const inline = parseCredential(out.credential!)!;
  assert.equal(inline.payment?.amount, 1025n);

  // The next request carries it: the server applies it and debits in one go, no 402.
  const res = await fetch(`${merchant.url}/articles/inline`, { headers: { 'paychan-credential': out.credential! } });
  assert.equal(res.status, 200);
  const receipt = res.headers.get('paychan-receipt')!;
  assert.match(receipt, /paid="1025"/);
  // An exact replay of the same payment changes nothing.
  const again = await fetch(`${merchant.url}/articles/inline-2`, { headers: { 'paychan-credential': out.credential! } });
  assert.equal(again.status, 200);
  assert.match(again.headers.get('paychan-receipt')!, /paid="1025", spent="1020"/);
  await rig.call('pay.receipt', { receipt: again.headers.get('paychan-receipt')!, url: again.url });

  // Acknowledged: the credential drops the payment; send has nothing left to send.
  const sent = await rig.call('channels.topUp', { endpoint, price: '10', items: 1, limit: '0', send: true });
  assert.equal(parseCredential(sent.credential!)!.payment, undefined);
  assert.equal(sent.channel!.acknowledged, '1025');

  // With no limit it never signs beyond the approval; with send it posts what it signed.
  const capped = await rig.call('channels.topUp', { endpoint, price: '10', items: 6, limit: '0', send: true });
  assert.equal(capped.approved, '0');
  assert.equal(capped.channel!.signed, '1025');
  const more = await rig.call('channels.topUp', { endpoint, price: '10', items: 6, limit: '1000', send: true });
  assert.equal(more.approved, '55');
  assert.equal(more.channel!.signed, '1080');
  assert.equal(more.channel!.acknowledged, '1080');
  assert.equal((await merchant.paychan.store.getChannel(c0!.channelId!))!.paid, 1080n);
  rig.db.close();
});
