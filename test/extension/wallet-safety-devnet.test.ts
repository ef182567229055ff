/**
 * The wallet's own guards from issue 11 against the real merchant server and devnet: a 402's
 * channel API must be on the paying page's site, the paywall's limit (fees included) travels with
 * the payment and bounds it, a new channel needs leave, and receipts count only from the
 * channel's own site.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
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

async function challengeFor(path: string): Promise<string> {
  const res = await fetch(`${merchant.url}${path}`);
  await res.arrayBuffer();
  assert.equal(res.status, 402);
  return res.headers.get('www-authenticate')!;
}

test('finding 1: a challenge naming another site\'s channel API is refused by the wallet; nothing opens', async () => {
  const endpoint = `${merchant.url}/paychan/v1`;
  const rig = await fundedRig(devnet, 1_000_000n, endpoint);
  const challenge = await challengeFor('/articles/1');
  const out = await rig.raw('pay', { url: 'http://evil.test/paid', challenge });
  assert.equal(out.error?.code, 'SITE_REFUSED', JSON.stringify(out));
  assert.match(out.error!.message, /another site/);
  assert.deepEqual(await rig.call('channels.list', undefined), []);
  rig.db.close();
});

test('findings 5 and 11: the limit sent with the payment bounds approval plus fees; no new channel without leave', async () => {
  // No standing allowance: the payment's limit is its whole leave, written nowhere else.
  const rig = await fundedRig(devnet, 1_000_000n, null);
  const challenge = await challengeFor('/articles/1');
  const refused = await rig.raw('pay', { url: `${merchant.url}/articles/1`, challenge, limit: '1500', maxNewDeposit: '0' });
  assert.equal(refused.error?.code, 'NEW_CHANNEL_APPROVAL');
  // The first payment (1000) fits, the fees do not: nothing is broadcast, nothing is approved.
  const tight = await rig.raw('pay', { url: `${merchant.url}/articles/1`, challenge, limit: '1000', maxNewDeposit: '50000' });
  assert.equal(tight.error?.code, 'APPROVAL_REQUIRED', JSON.stringify(tight));
  assert.ok((await rig.call('channels.list', undefined)).every((c) => c.approved === '0' || c.state === 'closed'));
  const paid = await rig.call('pay', { url: `${merchant.url}/articles/1`, challenge, limit: '2500', maxNewDeposit: '50000' });
  assert.equal(paid.opened, true);
  const fees = BigInt(paid.fees);
  assert.ok(fees > 0n, 'the funding and refund fees are reported');
  // The next item on the open channel: the approval grows by at most its limit.
  const next = await rig.call('pay', { url: `${merchant.url}/articles/2`, challenge: await challengeFor('/articles/2'), limit: '0', maxNewDeposit: '0' });
  assert.equal(next.approved, '0');
  assert.equal(next.opened, false);
  assert.ok(BigInt(paid.approved) + fees <= 2500n, `approved ${paid.approved} + fees ${paid.fees} within the limit`);
  const [c] = (await rig.call('channels.list', undefined)).filter((x) => x.state === 'open' || x.state === 'opening');
  assert.equal(c!.approved, paid.approved, 'the channel is approved no further than counted');
  // The funding's real fee is what was reported, with the refund's on top.
  const funding = await (await fetch(`${devnet.url}/tx/${c!.channelId!.split(':')[0]}`)).json() as { fee: number };
  assert.ok(BigInt(funding.fee) < fees);
  rig.db.close();
});

test('finding 8: a receipt naming our channel counts only when it comes from the channel\'s site', async () => {
  const endpoint = `${merchant.url}/paychan/v1`;
  const rig = await fundedRig(devnet, 1_000_000n, endpoint);
  const res = await fetchPaid(rig, `${merchant.url}/articles/1`);
  assert.equal(res.status, 200);
  const [before] = await rig.call('channels.list', undefined);
  const forged = `Paychan channel="${before!.channelId}", charged="10", paid="${before!.signed}", spent="${before!.signed}"`;
  assert.equal(await rig.call('pay.receipt', { receipt: forged, url: 'http://evil.test/x' }), null, 'another site\'s receipt is ignored');
  const [after] = await rig.call('channels.list', undefined);
  assert.equal(after!.spent, before!.spent, 'the books did not move');
  const own = await rig.call('pay.receipt', { receipt: res.receipt!, url: `${merchant.url}/articles/1` });
  assert.equal(own?.spent, before!.spent);
  rig.db.close();
});
