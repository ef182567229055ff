/**
 * The background's channel client against the real merchant server (src/server) and the real
 * devnet: opening, paying from several tabs, receipts, cooperative close, exact totals on both sides.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction } from 'bitcoinjs-lib';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { fetchPaid, fundedRig, startMerchant, withPaywall, type MerchantRig } from './helpers.ts';

let devnet: Devnet;
let merchant: MerchantRig;
let esplora: EsploraClient;
before(async () => {
  devnet = await startDevnet({ port: 0 });
  esplora = new EsploraClient(devnet.url);
  merchant = await startMerchant(devnet.url);
});
after(async () => {
  await merchant?.stop();
  await devnet?.stop();
});

test('channels: several tabs open one channel, pay per item, totals match the server to the satoshi, close settles', async () => {
  const endpoint = `${merchant.url}/paychan/v1`;
  const rig = await fundedRig(devnet, 1_000_000n, endpoint);
  // What an open popup's Port would receive.
  const pushed: string[] = [];
  rig.bg.events.subscribe((e) => pushed.push(e.type));

  // Five tabs hit a priced page at once: one channel is opened, all five are served.
  const first = await Promise.all([1, 2, 3, 4, 5].map((i) => fetchPaid(rig, `${merchant.url}/articles/${i}`)));
  assert.deepEqual(first.map((r) => r.status), [200, 200, 200, 200, 200]);
  let channels = await rig.call('channels.list', undefined);
  assert.equal(channels.length, 1);
  const ch0 = channels[0]!;
  assert.equal(ch0.state, 'open');
  assert.equal(ch0.capacity, '50000', 'the preferred deposit, within the server bounds');

  // Sequential and concurrent items; each 402's payment tops up inside the allowance.
  for (let i = 0; i < 20; i++) assert.equal((await fetchPaid(rig, `${merchant.url}/articles/s${i}`)).status, 200);
  const burst = await Promise.all(Array.from({ length: 15 }, (_, i) => fetchPaid(rig, `${merchant.url}/articles/b${i}`)));
  assert.ok(burst.every((r) => r.status === 200));

  channels = await rig.call('channels.list', undefined);
  const ch = channels[0]!;
  const server = (await merchant.paychan.store.getChannel(ch.channelId!))!;
  assert.equal(BigInt(ch.signed), server.paid, 'client signed = server paid');
  assert.equal(BigInt(ch.acknowledged), server.paid);
  assert.equal(server.spent, 40n * 10n, '40 items at 10 sat');
  assert.equal(BigInt(ch.spent), server.spent, 'receipts keep the client view exact');
  const payments = await rig.call('payments.history', { channel: ch.id });
  assert.equal(payments.reduce((s, p) => s + BigInt(p.increment), 0n), BigInt(ch.signed), 'increments add up');
  assert.ok(payments.every((p) => p.acknowledged));

  assert.equal(pushed.filter((t) => t === 'payment').length, payments.length, 'each signature is pushed to the popup');
  assert.ok(pushed.includes('channel'));

  const balances = await rig.call('wallet.balances', undefined);
  assert.equal(BigInt(balances.inChannels), 50_000n - BigInt(ch.signed));
  assert.equal(BigInt(balances.prepaid), BigInt(ch.signed) - 400n);

  // Cooperative close: the server settles with the newest payment; our change comes back.
  const closing = await rig.call('channels.close', { id: ch.id });
  assert.equal(closing.state, 'closing');
  assert.ok(closing.closingTxid);
  await devnet.mine(1);
  const checked = await rig.call('channels.check', undefined);
  assert.equal(checked[0]!.state, 'closed');
  const settlement = await esplora.getTx(closing.closingTxid!);
  assert.ok(settlement.status.confirmed);
  const funding = await esplora.getTx(ch.channelId!.split(':')[0]!);
  const after = await rig.call('wallet.balances', undefined);
  assert.equal(BigInt(after.confirmed) + BigInt(after.unconfirmed), 1_000_000n - funding.fee - BigInt(ch.signed), 'all but what was paid and the funding fee');
  assert.deepEqual([after.inChannels, after.prepaid], ['0', '0']);
  const history = await rig.call('wallet.history', undefined);
  assert.ok(history.some((h) => h.kind === 'channel-funding'));
  assert.ok(history.some((h) => h.kind === 'channel-settlement'));

  // A new item after closing opens a fresh channel.
  assert.equal((await fetchPaid(rig, `${merchant.url}/articles/after-close`)).status, 200);
  assert.equal((await rig.call('channels.list', undefined)).filter((c) => c.state === 'open').length, 1);
  rig.db.close();
});

test('channels: approval and policy are enforced before anything is signed', async () => {
  const endpoint = `${merchant.url}/paychan/v1`;
  const rig = await fundedRig(devnet, 200_000n, null);
  const res = await fetch(`${merchant.url}/articles/x`);
  const challenge = res.headers.get('www-authenticate')!;
  await res.arrayBuffer();
  const noApproval = await rig.raw('pay', { url: `${merchant.url}/articles/x`, challenge });
  assert.equal(noApproval.error?.code, 'APPROVAL_REQUIRED');
  assert.equal((await rig.call('channels.list', undefined)).length, 0);

  await rig.call('sites.allow', { endpoint, allowance: '500' });
  const tooSmall = await rig.raw('pay', { url: `${merchant.url}/articles/x`, challenge });
  assert.equal(tooSmall.error?.code, 'APPROVAL_REQUIRED', 'allowance below the first payment');

  await rig.call('sites.allow', { endpoint, allowance: '1010' });
  await rig.call('settings.set', { policy: { ...(await rig.call('settings.get', undefined)).policy, maxPrice: '5' } });
  const pricey = await rig.raw('pay', { url: `${merchant.url}/articles/x`, challenge });
  assert.equal(pricey.error?.code, 'POLICY_REFUSED');
  await rig.call('settings.set', { policy: { ...(await rig.call('settings.get', undefined)).policy, maxPrice: '1000' } });

  // 1010 sat approved per channel: the first payment (1000) buys 100 items, one top-up to 1010
  // buys one more; then the wallet asks, rather than opening a second channel with a fresh approval.
  for (let i = 0; i < 101; i++) assert.equal((await fetchPaid(rig, `${merchant.url}/articles/a${i}`)).status, 200, `item ${i}`);
  const out = await rig.raw('pay', { url: `${merchant.url}/articles/x`, challenge });
  assert.equal(out.error?.code, 'APPROVAL_REQUIRED');
  const list = await rig.call('channels.list', undefined);
  assert.equal(list.length, 1);
  assert.equal(list[0]!.signed, '1010');
  assert.equal(list[0]!.spent, '1010');

  // Raising the allowance lets the same channel carry on.
  await rig.call('sites.allow', { endpoint, allowance: '2000' });
  assert.equal((await fetchPaid(rig, `${merchant.url}/articles/more`)).status, 200);
  const again = await rig.call('channels.list', undefined);
  assert.equal(again.length, 1);
  assert.ok(BigInt(again[0]!.signed) <= 2000n && BigInt(again[0]!.approved) === 2000n);
  rig.db.close();
});

test('channels: a receipt only records what was spent; the wallet tops up nothing by itself', async () => {
  const pricey = await startMerchant(devnet.url, { price: 1000n });
  try {
    const endpoint = `${pricey.url}/paychan/v1`;
    // Allowance enough for many more items: only the receipt itself could top up here.
    const rig = await fundedRig(devnet, 1_000_000n, endpoint, '150000');
    await rig.call('settings.set', { policy: { ...(await rig.call('settings.get', undefined)).policy, prepaidTarget: '0' } });
    const first = await fetchPaid(rig, `${pricey.url}/articles/0`);
    assert.equal(first.status, 200);
    assert.match(first.receipt!, /paid="1000", spent="1000"/);
    const [c] = await rig.call('channels.list', undefined);
    assert.deepEqual([c!.signed, c!.acknowledged, c!.spent], ['1000', '1000', '1000'], 'no credit left, and nothing signed after the receipt');
    assert.equal((await rig.call('payments.history', { channel: c!.id })).length, 1);
    rig.db.close();
  } finally {
    await pricey.stop();
  }
});

test('channels: the paywall background top-up keeps the next item prepaid within the budget; the zero-conf limit holds until the funding confirms', async () => {
  const pricey = await startMerchant(devnet.url, { price: 1000n });
  try {
    const endpoint = `${pricey.url}/paychan/v1`;
    // No allowance of its own: the paywall grants one per payment, from the site's budget.
    const rig = await fundedRig(devnet, 1_000_000n, null);
    const policy = (await rig.call('settings.get', undefined)).policy;
    await rig.call('settings.set', { policy: { ...policy, preferredDeposit: '100000', prepaidTarget: '2000' } });
    const paywall = await withPaywall(rig);
    await paywall.budget.setPolicy(pricey.url, { mode: 'auto', maxPrice: '1000', budget: '150000', periodDays: 1 }, endpoint);
    // What opening cost on chain (the funding's fee, and the fee of the refund signed with it)
    // counts against the budget too (issue 11, finding 5).
    let openFees = -1n;
    for (let i = 0; i < 48; i++) {
      const item = await paywall.browse(`${pricey.url}/articles/${i}`);
      assert.equal(item.status, 200, `item ${i}`);
      // Only the first item meets a 402; every later one rides on the credit topped up after the
      // previous receipt, its top-up payment inline in the credential.
      assert.equal(item.paid, i === 0, `item ${i} paid by a 402`);
      const [c] = await rig.call('channels.list', undefined);
      assert.ok(BigInt(c!.acknowledged) - BigInt(c!.spent) >= 1000n, `item ${i}: the receipt's top-up left credit for the next item`);
      if (openFees < 0n) {
        const [rec] = await rig.bg.store.channels();
        const funding = await esplora.getTx(c!.channelId!.split(':')[0]!);
        const refund = Transaction.fromHex(rec!.refund!.hex);
        openFees = funding.fee + BigInt(c!.capacity) - refund.outs.reduce((sum, o) => sum + o.value, 0n);
        assert.ok(openFees > 0n);
      }
      // Every approval the channel got, and its opening fees, were taken from the site's budget, to the satoshi.
      assert.equal((await paywall.budget.policy(pricey.url))!.spent, BigInt(c!.approved) + openFees, `item ${i}: budget spent = approved + opening fees`);
    }
    // 50,000 sat is all the server takes before the funding confirms.
    let [c] = await rig.call('channels.list', undefined);
    assert.equal(c!.signed, '50000');
    assert.equal((await paywall.browse(`${pricey.url}/articles/48`)).status, 200);
    assert.equal((await paywall.browse(`${pricey.url}/articles/49`)).status, 200);
    const refused = await paywall.browse(`${pricey.url}/articles/50`);
    assert.equal(refused.status, 402);
    assert.match(paywall.notes.at(-1)!, /until the channel funding confirms/);
    await devnet.mine(1);
    const item = await paywall.browse(`${pricey.url}/articles/50`);
    assert.equal(item.status, 200);
    assert.equal(item.paid, true);
    [c] = await rig.call('channels.list', undefined);
    assert.ok(BigInt(c!.signed) > 50_000n);
    const server = (await pricey.paychan.store.getChannel(c!.channelId!))!;
    assert.equal(server.paid, BigInt(c!.signed));
    assert.equal(server.spent, 51_000n);
    assert.equal(BigInt(c!.spent), 51_000n);
    assert.equal((await paywall.budget.policy(pricey.url))!.spent, BigInt(c!.approved) + openFees, 'budget spent = approved + opening fees');
    rig.db.close();
  } finally {
    await pricey.stop();
  }
});
