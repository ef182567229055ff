/**
 * Crash points: the service worker dies (every in-memory object dropped, IndexedDB and
 * storage.session kept) with the network failing before a request reached the server, or after
 * the server acted on it but before its answer arrived. Nothing may be lost and the next start
 * must finish the job, against the real merchant server on the devnet.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { FetchLike } from '../../src/chain/esplora.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { fetchPaid, fundedRig, PASSWORD, restart, startMerchant, type MerchantRig, type Rig } from './helpers.ts';

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

/** A fetch for the channel API that fails once, on the next POST whose URL contains `match`. */
function faultyFetch() {
  const fault = { mode: null as null | 'before' | 'after', match: '' };
  const fetchImpl: FetchLike = async (url, init) => {
    if (fault.mode && url.includes(fault.match) && init?.method === 'POST') {
      const mode = fault.mode;
      fault.mode = null;
      if (mode === 'before') throw new TypeError('network down: the request never left');
      const res = await fetch(url, init);
      await res.text();
      throw new TypeError('connection reset: the server acted but its answer was lost');
    }
    return fetch(url, init);
  };
  return { fault, fetchImpl };
}

async function onlyChannel(rig: Rig) {
  const list = await rig.bg.store.channels();
  assert.equal(list.length, 1);
  return list[0]!;
}

async function serverPaid(channelId: string): Promise<bigint> {
  return (await merchant.paychan.store.getChannel(channelId))!.paid;
}

test('crash: a payment lost before or after reaching the server is re-sent or recognised on restart', async () => {
  const { fault, fetchImpl } = faultyFetch();
  const endpoint = `${merchant.url}/paychan/v1`;
  let rig = await fundedRig(devnet, 500_000n, endpoint);
  rig = await restart(rig, { apiFetch: fetchImpl });
  assert.equal((await fetchPaid(rig, `${merchant.url}/articles/1`)).status, 200);
  const id = (await onlyChannel(rig)).id;
  const cid = (await rig.call('channels.list', undefined))[0]!.channelId!;
  assert.equal(await serverPaid(cid), 1000n);

  // 1. Persisted and signed, then the network fails before the server sees it.
  fault.mode = 'before';
  fault.match = '/payments';
  await assert.rejects(rig.bg.channels.topUp(id, 5_000n), /never left/);
  let rec = await onlyChannel(rig);
  assert.ok(rec.channel.signed > 1000n, 'the signature was stored before sending');
  assert.equal(rec.channel.acknowledged, 1000n);
  assert.equal(await serverPaid(cid), 1000n, 'the server never got it');
  const pending = (await rig.bg.store.payments(id)).filter((p) => !p.acknowledged);
  assert.equal(pending.length, 1);
  assert.equal(pending[0]!.amount, rec.channel.signed);

  rig = await restart(rig, { apiFetch: fetchImpl }); // start() checks channels
  rec = await onlyChannel(rig);
  assert.equal(rec.channel.acknowledged, rec.channel.signed, 'resent on start-up');
  assert.equal(await serverPaid(cid), rec.channel.signed);
  const afterFirst = rec.channel.signed;

  // 2. The server stores the payment; its answer is lost; the worker dies.
  fault.mode = 'after';
  await assert.rejects(rig.bg.channels.topUp(id, 9_000n), /answer was lost/);
  rec = await onlyChannel(rig);
  assert.ok(rec.channel.signed > afterFirst);
  assert.equal(await serverPaid(cid), rec.channel.signed, 'the server has it');
  assert.equal(rec.channel.acknowledged, afterFirst, 'we do not know that yet');
  rig = await restart(rig, { apiFetch: fetchImpl });
  rec = await onlyChannel(rig);
  assert.equal(rec.channel.acknowledged, rec.channel.signed);
  assert.equal(await serverPaid(cid), rec.channel.signed);

  // 3. Same without a restart: the next payment on the channel finishes the loose end first.
  fault.mode = 'after';
  await assert.rejects(rig.bg.channels.topUp(id, 12_000n));
  const signedBefore = (await onlyChannel(rig)).channel.signed;
  assert.equal((await fetchPaid(rig, `${merchant.url}/articles/2`)).status, 200);
  rec = await onlyChannel(rig);
  assert.equal(rec.channel.signed, signedBefore, 'no new signature was needed');
  assert.equal(rec.channel.acknowledged, signedBefore);

  // Totals: the server's paid and spent equal ours exactly; every stored payment is acknowledged.
  const server = (await merchant.paychan.store.getChannel(cid))!;
  assert.equal(server.paid, rec.channel.signed);
  assert.equal(server.spent, rec.channel.spent);
  assert.equal(server.spent, 20n);
  assert.ok((await rig.bg.store.payments(id)).every((p) => p.acknowledged));
  rig.db.close();
});

for (const mode of ['before', 'after'] as const) {
  test(`crash: funding lost ${mode} reaching the server; resumed after a browser restart once unlocked`, async () => {
    const { fault, fetchImpl } = faultyFetch();
    const endpoint = `${merchant.url}/paychan/v1`;
    let rig = await fundedRig(devnet, 500_000n, endpoint);
    rig = await restart(rig, { apiFetch: fetchImpl });
    fault.mode = mode;
    fault.match = '/fund';
    const res = await fetch(`${merchant.url}/articles/f`);
    const challenge = res.headers.get('www-authenticate')!;
    await res.arrayBuffer();
    const failed = await rig.raw('pay', { url: `${merchant.url}/articles/f`, challenge });
    assert.equal(failed.error?.code, 'UNREACHABLE');
    let rec = await onlyChannel(rig);
    assert.equal(rec.channel.state, 'funding');
    assert.ok(rec.channel.funding && rec.channel.signature && rec.refund, 'funding, first payment and refund stored');
    const cid = `${rec.channel.funding.txid}:${rec.channel.funding.vout}`;
    assert.equal((await merchant.paychan.store.getChannel(cid)) !== null, mode === 'after');
    // The funding's coins stay reserved: nothing else may spend them meanwhile.
    const coins = await rig.bg.wallet.coins('regtest');
    assert.ok(coins.every((c) => !rec.fundingInputs.some((i) => i.txid === c.txid && i.vout === c.vout)));

    // The browser restarts: locked, so the channel cannot be resumed yet, but nothing is lost.
    rig = await restart(rig, { apiFetch: fetchImpl, browserRestart: true });
    assert.equal((await onlyChannel(rig)).channel.state, 'funding');
    await rig.call('wallet.unlock', { password: PASSWORD });
    await rig.call('channels.check', undefined);
    rec = await onlyChannel(rig);
    assert.equal(rec.channel.state, 'open');
    assert.equal(rec.channel.acknowledged, 1000n);
    assert.equal((await merchant.paychan.store.getChannel(cid))!.paid, 1000n);

    assert.equal((await fetchPaid(rig, `${merchant.url}/articles/f`)).status, 200);
    assert.equal((await rig.bg.store.channels()).length, 1, 'the resumed channel is used, no second one');
    rig.db.close();
  });
}
