/**
 * The close reads its body (issue 12, bug 1, and "unused credit comes back"): a payment in
 * `POST {base}/channels/{id}/close` is verified exactly like any payment (same codes, nothing
 * stored on a refusal, the channel stays open), and the settlement pays it, on the devnet: the
 * server gets what it delivered, less the fee, and the client's change output the rest.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { client as cc } from '../../src/core/index.ts';
import { bytesToHex } from '../../src/core/bytes.ts';
import { encodePayment } from '../../src/core/messages.ts';
import { paymentHashType, paymentSighash, type Payment } from '../../src/core/payment.ts';
import { SIGHASH_ALL, signWithHashType } from '../../src/core/secp.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';
import type { ChannelClient } from './helpers/channel-client.ts';
import { assertProblem, post, refusedWithoutTrace, send } from './helpers/problems.ts';
import { fundedChannel, watchedSuite, type WatchedServer } from './watcher-fixture.ts';

const closeUrl = (c: ChannelClient) => `${c.endpoint}/channels/${c.channelId}/close`;
const closeWith = (c: ChannelClient, body: unknown) => post(closeUrl(c), body, { authorization: c.credential() });

/** A signature by `key` over the settlement template of `amount` on `c`'s channel. */
function sigFor(c: ChannelClient, amount: bigint, key = c.key, hashType?: number): Uint8Array {
  const params = cc.channelParams(c.mustChannel());
  return signWithHashType(tinySecp, paymentSighash(params, amount), key, hashType ?? paymentHashType(params, amount));
}

/** Buys `n` items at 10 sat over HTTP. */
async function buy(srv: WatchedServer, c: ChannelClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await send(`${srv.url}/item/${i}`, { headers: { authorization: c.credential() } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
}

describe('a close carries a payment', () => {
  const suite = watchedSuite();

  test('each refused close body leaves the store as it was and the channel open; the honest one is settled', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const alice = await fundedChannel(srv, wallet, { capacity: 50_000n, first: 2_000n, expiryBlocks: 100 });
    await alice.pay(3_000n);
    await buy(srv, alice, 60); // 600 delivered
    const bob = await fundedChannel(srv, wallet, { capacity: 50_000n, first: 2_000n, expiryBlocks: 100 });
    const refused = (body: unknown, status: number, code: string) => refusedWithoutTrace(srv.dbPath, () => closeWith(alice, body), status, code);
    const body = (amount: bigint | string, signature: Uint8Array) => ({ amount: String(amount), signature: bytesToHex(signature) });

    await refused(body(3_500n, sigFor(alice, 3_500n, Uint8Array.from(randomBytes(32)))), 400, 'BAD_SIGNATURE');
    const below = await refused(body(590n, sigFor(alice, 590n)), 409, 'AMOUNT_DECREASED');
    assert.equal(below.body.minimum, '600', 'the refusal names the floor: what was delivered');
    await refused(body(3_000n, sigFor(alice, 3_000n, Uint8Array.from(randomBytes(32)))), 409, 'CONFLICTING_SIGNATURE');
    await refused(body(50_001n, sigFor(alice, 3_500n)), 400, 'AMOUNT_EXCEEDS_CAPACITY');
    await refused({ amount: '1e4', signature: bytesToHex(sigFor(alice, 3_500n)) }, 400, 'SYNTAX_ERROR');
    await refused(body(3_500n, sigFor(alice, 3_500n, alice.key, SIGHASH_ALL)), 400, 'BAD_SIGHASH_TYPE');
    await refused('{"amount":"3500","signature":', 400, 'SYNTAX_ERROR');
    await refused(body(3_500n, sigFor(bob, 3_500n, bob.key)), 400, 'BAD_SIGNATURE'); // another channel's signature
    await refused({ amount: 3_500, signature: bytesToHex(sigFor(alice, 3_500n)) }, 400, 'SYNTAX_ERROR');
    assert.equal((await alice.status()).state, 'open');

    // The honest close of the issue: a final payment above the newest, which the settlement pays.
    const final: Payment = alice.sign(3_120n);
    const answer = await closeWith(alice, encodePayment(final));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual([answer.body.state, answer.body.paid, answer.body.spent], ['closing', '3120', '600']);
    const settlement = (await srv.paychan.store.getSettlement(answer.body.settlementTxid as string))!;
    assert.deepEqual(settlement.channels, [{ channelId: alice.channelId, amount: 3_120n }]);
    const tx = await devnet.esplora.getTx(settlement.txid);
    assert.equal(tx.vout[0]!.value, 50_000n - 3_120n, "the client's change output");
    const kinds = (await srv.paychan.store.listEvents(alice.channelId)).map((e) => [e.kind, e.amount, e.paid]);
    assert.deepEqual(kinds.slice(-2), [['payment', 120n, 3_120n], ['settling', 3_120n, 3_120n]]);

    // A retried close with the same payment gets the same answer; another payment is too late.
    const retried = await closeWith(alice, encodePayment(final));
    assert.deepEqual([retried.status, retried.body.settlementTxid], [200, settlement.txid]);
    assertProblem(await closeWith(alice, { amount: '3130', signature: bytesToHex(sigFor(alice, 3_130n)) }), 410, 'CHANNEL_CLOSED');
  });

  test('a close at what was delivered settles the server exactly that, less the fee; the client gets the rest on chain', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const alice = await fundedChannel(srv, wallet, { capacity: 40_000n, first: 2_000n, expiryBlocks: 100 });
    await buy(srv, alice, 70); // 700 delivered, 1,300 of prepaid credit unused
    const spent = (await alice.status()).spent;
    const close = cc.signClose(cc.acknowledge(alice.mustChannel(), 2_000n, spent), 0n, alice.key, tinySecp).payment;
    assert.equal(close.amount, 700n);

    const answer = await closeWith(alice, encodePayment(close));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual([answer.body.paid, answer.body.spent, answer.body.credit], ['700', '700', '0']);
    const txid = answer.body.settlementTxid as string;
    const record = (await srv.paychan.store.getSettlement(txid))!;
    await devnet.mine(1);
    const tx = await devnet.esplora.getTx(txid);
    assert.equal(tx.status.confirmed, true, 'the node mined the settlement');
    assert.equal(tx.vout.length, 2);
    assert.deepEqual([tx.vout[0]!.scriptpubkey, tx.vout[0]!.value], [bytesToHex(wallet.script), 40_000n - 700n], 'capacity − delivered to the client');
    assert.equal(tx.vout[1]!.value, 700n - tx.fee, 'delivered − fee to the server');
    assert.deepEqual([record.payout, record.fee], [700n - tx.fee, tx.fee]);
    const ch = (await srv.paychan.store.getChannel(alice.channelId))!;
    assert.deepEqual([ch.state, ch.paid, ch.spent], ['closing', 700n, 700n]);
  });

  test('an empty body (no bytes, or {}) settles at the newest payment', async () => {
    const { wallet } = suite;
    const srv = await suite.server();
    const alice = await fundedChannel(srv, wallet, { capacity: 30_000n, first: 1_500n, expiryBlocks: 100 });
    const empty = await send(closeUrl(alice), { method: 'POST', headers: { authorization: alice.credential() } });
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.equal(empty.body.paid, '1500');
    const bob = await fundedChannel(srv, wallet, { capacity: 30_000n, first: 1_500n, expiryBlocks: 100 });
    const braces = await closeWith(bob, {});
    assert.deepEqual([braces.status, braces.body.paid], [200, '1500']);
  });
});
