/**
 * paychanFetch (src/client/node) against the real merchant server and the devnet: one channel
 * pays hundreds of calls with exact totals on both sides, and each cap stops a payment with
 * nothing signed for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CapExceeded, openPaychanClient } from '../../src/client/node/index.ts';
import { fundedWalletFile, PASSWORD, useDevnetMerchant } from './helpers.ts';

const rig = useDevnetMerchant();

test('paychanFetch: 500 API calls paid from one channel; client and server agree to the satoshi', async () => {
  const path = await fundedWalletFile(rig.devnet, 1_000_000n);
  const client = await openPaychanClient({ path, password: PASSWORD, caps: { budget: 20_000n } });
  const host = new URL(rig.merchant.url).host;
  const first = await client.fetch(`${rig.merchant.url}/articles/0`);
  assert.equal(first.status, 200);
  assert.equal(await first.text(), 'content of /articles/0');
  await rig.devnet.mine(1);
  for (let i = 1; i < 500; i++) {
    const res = await client.fetch(`${rig.merchant.url}/articles/${i}`);
    assert.equal(res.status, 200, `call ${i}`);
    await res.arrayBuffer();
  }
  await client.flush(); // the last receipts, recorded after their responses
  const channels = await client.file.store.channels();
  assert.equal(channels.length, 1, 'one channel for all 500 calls');
  const ch = channels[0]!.channel;
  const server = (await rig.merchant.paychan.store.getChannel(`${ch.funding!.txid}:${ch.funding!.vout}`))!;
  assert.equal(server.spent, 500n * 10n, '500 calls at 10 sat');
  assert.equal(ch.signed, server.paid, 'client signed = server paid');
  assert.equal(ch.spent, server.spent, 'receipts keep the client exact');
  const payments = await client.file.store.payments(channels[0]!.id);
  assert.equal(payments.reduce((s, p) => s + p.increment, 0n), ch.signed, 'every signature stored; increments add up');
  assert.ok((await client.committed(host)) <= 20_000n);
  await client.close();
});

test('paychanFetch: over a cap the call fails with CapExceeded naming it, and nothing more is signed', async () => {
  const path = await fundedWalletFile(rig.devnet, 1_000_000n);
  const host = new URL(rig.merchant.url).host;

  // Max price: the 10 sat item is refused before anything is opened or signed.
  let client = await openPaychanClient({ path, password: PASSWORD, caps: { maxPrice: 9n } });
  await assert.rejects(client.fetch(`${rig.merchant.url}/articles/x`), (err: unknown) => err instanceof CapExceeded && err.cap === 'maxPrice' && err.limit === 9n);
  assert.equal((await client.file.store.channels()).length, 0);
  await client.close();

  // Max deposit: the server's smallest channel is above it.
  client = await openPaychanClient({ path, password: PASSWORD, caps: { maxDeposit: 1_000n } });
  await assert.rejects(client.fetch(`${rig.merchant.url}/articles/x`), (err: unknown) => err instanceof CapExceeded && err.cap === 'maxDeposit');
  assert.equal((await client.file.store.payments()).length, 0, 'no signature for a refused deposit');
  await client.close();

  // Budget: calls go through until the period's budget is committed, then stop.
  const budget = 2_000n;
  client = await openPaychanClient({ path, password: PASSWORD, caps: { budget } });
  let paid = 0;
  let refused: unknown = null;
  for (let i = 0; i < 400 && !refused; i++) {
    try {
      const res = await client.fetch(`${rig.merchant.url}/articles/b${i}`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      paid++;
      if (i === 0) await rig.devnet.mine(1);
    } catch (err) {
      refused = err;
    }
  }
  assert.ok(refused instanceof CapExceeded && refused.cap === 'budget', `stopped by the budget, got ${String(refused)}`);
  assert.ok(paid >= 50, `the budget paid for ${paid} calls before stopping`);
  const [record] = (await client.file.store.channels()).filter((r) => !r.abandoned);
  const signedAtRefusal = record!.channel.signed;
  await assert.rejects(client.fetch(`${rig.merchant.url}/articles/again`), (err: unknown) => err instanceof CapExceeded && err.cap === 'budget');
  const after = (await client.file.store.getChannel(record!.id))!;
  assert.equal(after.channel.signed, signedAtRefusal, 'nothing signed over the cap');
  const server = (await rig.merchant.paychan.store.getChannel(`${after.channel.funding!.txid}:${after.channel.funding!.vout}`))!;
  assert.ok(server.paid <= budget, `the server holds ${server.paid} sat, within the ${budget} sat budget`);
  assert.equal(server.spent, BigInt(paid) * 10n, 'delivered exactly what was paid for');
  assert.ok((await client.committed(host)) <= budget);
  await client.close();
});

test('paychanFetch: credit left unused when a budget period ends counts against the next one', async () => {
  const path = await fundedWalletFile(rig.devnet, 1_000_000n);
  const host = new URL(rig.merchant.url).host;
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  const budget = 2_000n;
  const client = await openPaychanClient({ path, password: PASSWORD, clock, caps: { budget, periodMs: 60_000 } });
  const call = async (name: string) => {
    const res = await client.fetch(`${rig.merchant.url}/articles/${name}`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  };
  await call('p1-0');
  await rig.devnet.mine(1);
  await call('p1-1');
  await client.flush();
  const [atReset] = (await client.file.store.channels()).filter((r) => !r.abandoned);
  const carried = atReset!.channel.approved - atReset!.channel.spent;
  assert.ok(carried > 100n, `the channel carries prepaid credit into the next period (${carried} sat)`);

  offset += 61_000; // the period ends
  let refused: unknown = null;
  for (let i = 0; i < 400 && !refused; i++) {
    try {
      await call(`p2-${i}`);
    } catch (err) {
      refused = err;
    }
  }
  assert.ok(refused instanceof CapExceeded && refused.cap === 'budget', `stopped by the budget, got ${String(refused)}`);
  const after = (await client.file.store.getChannel(atReset!.id))!;
  const newApprovals = after.channel.approved - atReset!.channel.approved;
  assert.ok(newApprovals <= budget - carried, `new approvals ${newApprovals} sat within the budget less the ${carried} sat carried over`);
  assert.ok((await client.committed(host)) <= budget);
  await client.close();
});
