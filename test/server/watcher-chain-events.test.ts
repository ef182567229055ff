/**
 * The watcher noticing what others do on chain, against a real regtest node over HTTP: the
 * client's refund after expiry, a funding double-spent before it confirms (in the mempool or in
 * a block), and a funding the node merely forgot.
 *
 * bcoin's mempool refuses any conflicting transaction, so a double spend is staged the way it
 * happens on a Bitcoin Core node: the funding (which signals RBF) leaves the mempool, replaced
 * by the client's payment to itself, and that payment may then be mined.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction } from 'bitcoinjs-lib';
import { parseChallenge } from '../../src/core/http-binding.ts';
import { buildRefundTx, buildWalletTx } from '../../src/core/transactions.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';
import { fundedChannel, mineTo, watchedSuite, type WatchedServer } from './watcher-fixture.ts';
import type { ChannelClient } from './helpers/channel-client.ts';

describe('watcher: refunds and double spends', () => {
  const suite = watchedSuite();

  /** The client spends its funding's input back to itself, as a replacement of the funding. */
  async function doubleSpendFunding(client: ChannelClient): Promise<string> {
    const { devnet, wallet } = suite;
    const funding = Transaction.fromHex(client.funding!.hex);
    assert.equal(funding.ins.length, 1);
    const input = funding.ins[0]!;
    const txid = Buffer.from(input.hash).reverse().toString('hex');
    const prev = await devnet.esplora.getTx(txid);
    const coin = { txid, vout: input.index, value: prev.vout[input.index]!.value, privateKey: wallet.privateKey };
    const conflict = buildWalletTx({ coins: [coin], outputs: [], changeScript: wallet.script, feeRateKvb: 5000n, secp: tinySecp });
    devnet.evict(client.funding!.txid);
    assert.equal(await devnet.esplora.broadcast(conflict.hex), conflict.txid);
    return conflict.txid;
  }

  async function assertNoCredit(srv: WatchedServer, client: ChannelClient): Promise<void> {
    const res = await fetch(`${srv.url}/item/after`, { headers: { authorization: client.credential() } });
    assert.equal(res.status, 402);
    assert.equal(parseChallenge(res.headers.get('www-authenticate')!)!.error, 'channel_closed');
    await assert.rejects(client.pay(client.channel!.signed + 100n), { code: 'CHANNEL_CLOSED' });
  }

  test("a client's refund after expiry closes the channel as refunded, and nothing is settled", async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const alice = await fundedChannel(srv, wallet, { capacity: 50_000n, first: 2_000n, expiryBlocks: 20 });
    await devnet.mine(1);
    assert.deepEqual((await srv.watcher.tick()).fundingConfirmed, [alice.channelId]);
    const params = (await srv.paychan.store.getChannel(alice.channelId))!.params;

    // The server was away the whole time; the chain reaches expiry and the client takes its deposit back.
    await mineTo(devnet, params.expiry);
    const refund = buildRefundTx(params, { clientPrivateKey: alice.key, destinationScript: wallet.script, feeRateKvb: 3000n, secp: tinySecp });
    assert.equal(await devnet.esplora.broadcast(refund.hex), refund.txid);

    let report = await srv.watcher.tick();
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.refunded, [alice.channelId], 'noticed while the refund is still in the mempool');
    assert.deepEqual(report.settlements, [], 'the channel was due, but its funding is gone');
    const ch = (await srv.paychan.store.getChannel(alice.channelId))!;
    assert.deepEqual([ch.state, ch.closeReason, ch.settlementTxid], ['closed', 'refunded', null]);
    assert.deepEqual(await srv.paychan.store.listSettlements(), []);
    const closed = (await srv.paychan.store.listEvents(alice.channelId)).at(-1)!;
    assert.deepEqual([closed.kind, closed.ref, closed.amount], ['closed', refund.txid, 2_000n]);

    await devnet.mine(1);
    report = await srv.watcher.tick();
    assert.deepEqual([report.refunded, report.settlements, report.errors], [[], [], []]);
  });

  test('a funding replaced in the mempool before it confirms: closed as double_spent, no more credit', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const alice = await fundedChannel(srv, wallet, { capacity: 50_000n, first: 5_000n, expiryBlocks: 100 });
    const ok = await fetch(`${srv.url}/item/1`, { headers: { authorization: alice.credential() } });
    assert.equal(ok.status, 200, 'zero-conf credit is served while the funding is pending');
    assert.deepEqual((await srv.watcher.tick()).doubleSpent, []);

    const conflict = await doubleSpendFunding(alice);
    const report = await srv.watcher.tick();
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.doubleSpent, [alice.channelId]);
    const ch = (await srv.paychan.store.getChannel(alice.channelId))!;
    assert.deepEqual([ch.state, ch.closeReason, ch.fundingConfirmed], ['closed', 'double_spent', false]);
    assert.equal((await srv.paychan.store.listEvents(alice.channelId)).at(-1)!.ref, conflict);
    await assertNoCredit(srv, alice);

    await devnet.mine(1);
    assert.deepEqual((await srv.watcher.tick()).doubleSpent, [], 'once is enough');
  });

  test('a funding whose input was spent in a block by another transaction: closed as double_spent', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const bob = await fundedChannel(srv, wallet, { capacity: 30_000n, first: 1_000n, expiryBlocks: 100 });
    const conflict = await doubleSpendFunding(bob);
    await devnet.mine(1);
    assert.equal((await devnet.esplora.getTx(conflict)).status.confirmed, true);

    const report = await srv.watcher.tick();
    assert.deepEqual(report.doubleSpent, [bob.channelId]);
    assert.equal((await srv.paychan.store.getChannel(bob.channelId))!.closeReason, 'double_spent');
    await assertNoCredit(srv, bob);
  });

  test('a funding the node forgot is handed to it again and the channel stays open', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const carol = await fundedChannel(srv, wallet, { capacity: 30_000n, first: 1_000n, expiryBlocks: 100 });
    devnet.evict(carol.funding!.txid);
    await assert.rejects(devnet.esplora.getTx(carol.funding!.txid), { status: 404 });

    const report = await srv.watcher.tick();
    assert.deepEqual([report.doubleSpent, report.errors], [[], []]);
    assert.equal((await devnet.esplora.getTx(carol.funding!.txid)).status.confirmed, false, 'back in the mempool');
    assert.equal((await carol.status()).state, 'open');
    await devnet.mine(1);
    assert.deepEqual((await srv.watcher.tick()).fundingConfirmed, [carol.channelId]);
  });

  test('a funding the node forgot and refuses again (its parent vanished): closed as double_spent', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const dave = await fundedChannel(srv, wallet, { capacity: 30_000n, first: 1_000n, expiryBlocks: 100 });
    const parent = Buffer.from(Transaction.fromHex(dave.funding!.hex).ins[0]!.hash).reverse().toString('hex');
    devnet.evict(parent); // takes the funding with it

    const report = await srv.watcher.tick();
    assert.deepEqual(report.doubleSpent, [dave.channelId]);
    assert.equal((await srv.paychan.store.getChannel(dave.channelId))!.closeReason, 'double_spent');
    await assertNoCredit(srv, dave);
  });
});
