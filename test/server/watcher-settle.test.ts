/**
 * The settlement watcher against a real regtest node over HTTP: it follows funding confirmations,
 * settles a channel the margin before expiry (not a block earlier), settles channels that fall due
 * together in one batch transaction, and closes them once that transaction confirms.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex } from '../../src/core/bytes.ts';
import { feeForVsize } from '../../src/core/amounts.ts';
import { parseChallenge } from '../../src/core/http-binding.ts';
import { DEFAULT_BEHAVIOUR } from '../../src/devnet/index.ts';
import { ServerKeys } from '../../src/server/keys.ts';
import { TEST_SEED } from './helpers/server.ts';
import { fundedChannel, mineTo, watchedSuite } from './watcher-fixture.ts';

const PAYOUT_SCRIPT = bytesToHex(new ServerKeys(TEST_SEED, 'regtest').defaultPayoutScript());
/** The devnet's estimate for the default 6-block target. */
const DEVNET_RATE = 3_000n; // sat/kvB

/**
 * The fee is the rate times the size estimated with 73-byte signatures, so it may exceed the rate
 * times the real size by a byte or so of signature per input, never fall short of it.
 */
function assertFeeRate(fee: bigint, weight: number, inputs: number, rate: bigint): void {
  const vsize = Math.ceil(weight / 4);
  assert.ok(fee >= feeForVsize(vsize, rate), `fee ${fee} below ${rate} sat/kvB of ${vsize} vB`);
  assert.ok(fee <= feeForVsize(vsize + inputs, rate), `fee ${fee} well above ${rate} sat/kvB of ${vsize} vB`);
}

describe('settlement watcher on the devnet', () => {
  const suite = watchedSuite();

  test('funding confirmations are tracked, once', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const alice = await fundedChannel(srv, wallet, { capacity: 100_000n, first: 1_000n, expiryBlocks: 100 });
    let report = await srv.watcher.tick();
    assert.deepEqual(report.fundingConfirmed, []);
    assert.deepEqual(report.errors, []);
    assert.equal((await srv.paychan.store.getChannel(alice.channelId))!.fundingConfirmed, false);

    await devnet.mine(1);
    report = await srv.watcher.tick();
    assert.deepEqual(report.fundingConfirmed, [alice.channelId]);
    assert.equal((await alice.status()).fundingConfirmed, true);
    // Beyond the zero-conf limit (50,000 sat) now.
    assert.equal((await alice.pay(60_000n)).paid, 60_000n);

    report = await srv.watcher.tick();
    assert.deepEqual(report.fundingConfirmed, [], 'nothing to do twice');
    assert.deepEqual(report.settlements, []);
    assert.deepEqual(report.errors, []);
  });

  test('a fractional estimate (2.5 sat/vB) settles at 2500 sat/kvB and the chain takes exactly that fee, not 3 sat/vB', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const bob = await fundedChannel(srv, wallet, { capacity: 60_000n, first: 5_000n, expiryBlocks: 20 });
    await devnet.mine(1);
    await mineTo(devnet, bob.channel!.request.expiry - 5);
    devnet.setBehaviour({ feeRates: { '1': 4.75, '6': 2.5, '144': 2.1 } });
    try {
      const report = await srv.watcher.tick();
      assert.deepEqual(report.errors, []);
      const { txid, feeRateKvb, outcome } = report.settlements[0]!;
      assert.deepEqual([feeRateKvb, outcome], [2_500n, 'broadcast']);
      const record = (await srv.paychan.store.getSettlement(txid))!;
      await devnet.mine(1);
      const mined = await devnet.esplora.getTx(txid);
      assert.ok(mined.status.confirmed, 'mined at 2.5 sat/vB');
      assert.equal(mined.fee, record.fee, 'the fee on chain is the one recorded');
      assertFeeRate(mined.fee, mined.weight, 1, 2_500n);
      assert.ok(mined.fee < BigInt(Math.ceil(mined.weight / 4)) * 3n, `fee ${mined.fee}: less than 3 sat/vB would pay`);
    } finally {
      devnet.setBehaviour(DEFAULT_BEHAVIOUR);
    }
  });

  test('a channel is settled the margin before expiry, not a block earlier, and closed once confirmed', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const alice = await fundedChannel(srv, wallet, { capacity: 60_000n, first: 3_000n, expiryBlocks: 20 });
    for (let i = 1; i <= 7; i++) {
      const res = await fetch(`${srv.url}/item/${i}`, { headers: { authorization: alice.credential() } });
      assert.equal(res.status, 200);
    }
    await alice.pay(4_321n);
    const expiry = alice.channel!.request.expiry;

    await mineTo(devnet, expiry - 5 - 1);
    let report = await srv.watcher.tick();
    assert.deepEqual(report.settlements, [], 'one block before the margin: nothing to settle');
    assert.equal((await alice.status()).state, 'open');

    await devnet.mine(1); // tip = expiry − settleMarginBlocks
    report = await srv.watcher.tick();
    assert.deepEqual(report.errors, []);
    assert.equal(report.settlements.length, 1);
    const { txid, outcome, channels, feeRateKvb } = report.settlements[0]!;
    assert.equal(outcome, 'broadcast');
    assert.deepEqual(channels, [alice.channelId]);
    assert.equal(feeRateKvb, DEVNET_RATE);
    const status = await alice.status();
    assert.equal(status.state, 'closing');
    assert.equal(status.settlementTxid, txid);

    // In the mempool, exactly as recorded.
    const inMempool = await devnet.esplora.getTx(txid);
    assert.equal(inMempool.status.confirmed, false);
    const record = (await srv.paychan.store.getSettlement(txid))!;
    assert.equal(record.status, 'broadcast');
    assert.equal(record.bumpHeight, expiry - 5 + 3, 'bumped if still unconfirmed three blocks on');
    assert.equal(await devnet.esplora.getTxHex(txid), record.hex);

    // Payments and items are refused from the margin on.
    const late = await fetch(`${srv.url}/item/late`, { headers: { authorization: alice.credential() } });
    assert.equal(late.status, 402);
    assert.equal(parseChallenge(late.headers.get('www-authenticate')!)!.error, 'channel_closed');

    await devnet.mine(1);
    report = await srv.watcher.tick();
    assert.deepEqual(report.confirmed, [txid]);
    const closed = (await srv.paychan.store.getChannel(alice.channelId))!;
    assert.equal(closed.state, 'closed');
    assert.equal(closed.closeReason, 'settled');
    assert.equal(closed.settlementTxid, txid);
    assert.equal(closed.fundingConfirmed, true);
    assert.equal((await srv.paychan.store.getSettlement(txid))!.status, 'confirmed');

    // To the satoshi: the client's change, the server's payout, and the fee between them.
    const tx = await devnet.esplora.getTx(txid);
    assert.equal(tx.status.confirmed, true);
    assert.equal(tx.vin.length, 1);
    assert.equal(`${tx.vin[0]!.txid}:${tx.vin[0]!.vout}`, alice.channelId);
    assert.equal(tx.vin[0]!.sequence, 0xfffffffd);
    assert.equal(tx.vout.length, 2);
    assert.equal(tx.vout[0]!.scriptpubkey, bytesToHex(wallet.script));
    assert.equal(tx.vout[0]!.value, 60_000n - 4_321n);
    assert.equal(tx.vout[1]!.scriptpubkey, PAYOUT_SCRIPT);
    assert.equal(tx.vout[1]!.value, 4_321n - tx.fee);
    assert.equal(tx.fee, record.fee);
    assert.equal(tx.vout[1]!.value, record.payout);
    assertFeeRate(tx.fee, tx.weight, tx.vin.length, DEVNET_RATE);

    const events = (await srv.paychan.store.listEvents(alice.channelId)).map((e) => [e.kind, e.ref]);
    assert.deepEqual(events.slice(-2), [['settling', txid], ['closed', txid]]);

    report = await srv.watcher.tick();
    assert.deepEqual([report.confirmed, report.settlements, report.errors], [[], [], []], 'a repeated tick changes nothing');
  });

  test('channels that fall due together settle in one transaction, small and fully paid ones included', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    // Different expiries, all due by the time the watcher looks; one too small to pay for its own
    // settlement, one paid in full (no change output, signed SIGHASH_NONE).
    const plan = [
      { capacity: 40_000n, first: 2_000n, expiryBlocks: 20 },
      { capacity: 30_000n, first: 500n, expiryBlocks: 21 },
      { capacity: 20_000n, first: 20_000n, expiryBlocks: 22 },
      { capacity: 25_000n, first: 7_777n, expiryBlocks: 23 },
    ];
    const clients = [];
    for (const p of plan) clients.push(await fundedChannel(srv, wallet, p));
    const ids = clients.map((c) => c.channelId);
    // A channel that is not due yet stays out of the batch.
    const later = await fundedChannel(srv, wallet, { capacity: 30_000n, first: 1_000n, expiryBlocks: 60 });

    await mineTo(devnet, clients[3]!.channel!.request.expiry - 5);
    let report = await srv.watcher.tick();
    assert.deepEqual(report.errors, []);
    assert.equal(report.settlements.length, 1, 'one batch');
    const batch = report.settlements[0]!;
    assert.equal(batch.outcome, 'broadcast');
    assert.deepEqual([...batch.channels].sort(), [...ids].sort());
    assert.equal((await later.status()).state, 'open');

    await devnet.mine(1);
    report = await srv.watcher.tick();
    assert.deepEqual(report.confirmed, [batch.txid]);

    const tx = await devnet.esplora.getTx(batch.txid);
    assert.equal(tx.status.confirmed, true);
    const record = (await srv.paychan.store.getSettlement(batch.txid))!;
    assert.equal(record.status, 'confirmed');
    // Input i pairs with output i for the channels that keep change; the fully paid one comes after them.
    const order = record.channels.map((c) => c.channelId);
    assert.deepEqual(
      tx.vin.map((i) => `${i.txid}:${i.vout}`),
      order,
    );
    assert.equal(order[3], ids[2], 'the fully paid channel is the last input');
    assert.equal(tx.vout.length, 4, 'three change outputs and the payout');
    for (let i = 0; i < 3; i++) {
      const p = plan[ids.indexOf(order[i]!)]!;
      assert.equal(tx.vout[i]!.value, p.capacity - p.first, `change of ${order[i]}`);
      assert.equal(tx.vout[i]!.scriptpubkey, bytesToHex(wallet.script));
      assert.equal(record.channels[i]!.amount, p.first);
    }
    const paid = plan.reduce((sum, p) => sum + p.first, 0n);
    assert.equal(tx.vout[3]!.scriptpubkey, PAYOUT_SCRIPT);
    assert.equal(tx.vout[3]!.value, paid - tx.fee);
    assert.equal(tx.vout[3]!.value, record.payout);
    assert.equal(tx.fee, record.fee);
    assertFeeRate(tx.fee, tx.weight, tx.vin.length, DEVNET_RATE);

    for (const id of ids) {
      const ch = (await srv.paychan.store.getChannel(id))!;
      assert.deepEqual([ch.state, ch.closeReason, ch.settlementTxid], ['closed', 'settled', batch.txid], id);
    }
    assert.equal((await later.status()).state, 'open');
  });
});
