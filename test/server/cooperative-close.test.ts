/**
 * The cooperative close (POST {base}/channels/{id}/close) over real HTTP against the devnet. It
 * settles through the watcher's settlement path, so it keeps to the operator's fee cap, pays a
 * lower rate where a small channel cannot afford the estimate, reopens a channel the node refuses
 * to settle in one store update, and keeps a settlement the node could not be reached for.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EsploraError } from '../../src/chain/esplora.ts';
import { dustThreshold, feeForVsize } from '../../src/core/amounts.ts';
import { ServerKeys } from '../../src/server/keys.ts';
import type { ChannelClient } from './helpers/channel-client.ts';
import { assertProblem, post } from './helpers/problems.ts';
import { TEST_SEED } from './helpers/server.ts';
import { snapshot } from './helpers/snapshot.ts';
import { chainWithBroadcast, fundedChannel, mineTo, watchedSuite } from './watcher-fixture.ts';

/** The devnet's estimate for the default 6-block target. */
const DEVNET_RATE = 3_000n; // sat/kvB
const PAYOUT_DUST = dustThreshold(new ServerKeys(TEST_SEED, 'regtest').defaultPayoutScript());

type Row = Record<string, unknown>;
const rows = (snap: Record<string, unknown[]>, table: string) => snap[table] as Row[];

/** The close request as the wallet sends it, answered as it came. */
function close(client: ChannelClient) {
  return post(`${client.endpoint}/channels/${client.channelId}/close`, {}, { authorization: client.credential() });
}

describe('cooperative close on the devnet', () => {
  const suite = watchedSuite();

  test('the settlement keeps to maxFeeRate below the estimate, as the watcher does', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server({ config: { feeRate: 1n, maxFeeRate: 2n } });
    const closed = await fundedChannel(srv, wallet, { capacity: 50_000n, first: 4_000n, expiryBlocks: 100 });
    const due = await fundedChannel(srv, wallet, { capacity: 50_000n, first: 4_000n, expiryBlocks: 20 });

    const answer = await close(closed);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.state, 'closing');
    const txid = answer.body.settlementTxid as string;
    const record = (await srv.paychan.store.getSettlement(txid))!;
    assert.deepEqual([record.status, record.feeRateKvb], ['broadcast', 2_000n]);
    const tx = await devnet.esplora.getTx(txid);
    assert.equal(tx.fee, record.fee);
    const vsize = Math.ceil(tx.weight / 4);
    assert.ok(tx.fee >= feeForVsize(vsize, 2_000n) && tx.fee < feeForVsize(vsize, DEVNET_RATE), `fee ${tx.fee} for ${vsize} vB`);

    await mineTo(devnet, due.channel!.request.expiry - 5);
    const report = await srv.watcher.tick();
    assert.deepEqual(report.errors, []);
    assert.deepEqual(
      report.settlements.map((s) => [s.channels, s.feeRateKvb, s.outcome]),
      [[[due.channelId], 2_000n, 'broadcast']],
    );
  });

  test('a channel too small for the estimate settles at the most it can pay, the rate the watcher picks for the same channel', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const closed = await fundedChannel(srv, wallet, { capacity: 30_000n, first: 500n, expiryBlocks: 100 });
    const due = await fundedChannel(srv, wallet, { capacity: 30_000n, first: 500n, expiryBlocks: 20 });

    const answer = await close(closed);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const txid = answer.body.settlementTxid as string;
    const record = (await srv.paychan.store.getSettlement(txid))!;
    assert.ok(record.feeRateKvb >= 1_000n && record.feeRateKvb < DEVNET_RATE, `rate ${record.feeRateKvb}`);
    assert.equal(record.payout + record.fee, 500n);
    assert.ok(record.payout >= PAYOUT_DUST, `payout ${record.payout} above dust`);
    assert.equal((await devnet.esplora.getTx(txid)).fee, record.fee, 'the node took it');

    await mineTo(devnet, due.channel!.request.expiry - 5);
    const report = await srv.watcher.tick();
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.confirmed, [txid], 'the close confirmed in the blocks mined since');
    assert.deepEqual(
      report.settlements.map((s) => [s.channels, s.feeRateKvb, s.outcome]),
      [[[due.channelId], record.feeRateKvb, 'broadcast']],
    );
    const ch = (await srv.paychan.store.getChannel(closed.channelId))!;
    assert.deepEqual([ch.state, ch.closeReason, ch.settlementTxid], ['closed', 'settled', txid]);
  });

  test('a close the node refuses reopens the channel and records the refusal in one store update', async () => {
    const { devnet, wallet } = suite;
    // One reading per store commit: rows written by one commit share a time, rows of two never do.
    let clock = Date.now();
    const srv = await suite.server({ storeClock: () => clock++ });
    const alice = await fundedChannel(srv, wallet, { capacity: 50_000n, first: 2_000n, expiryBlocks: 100 });
    devnet.evict(alice.funding!.txid); // the node forgets the funding: a settlement spending it is refused
    const before = snapshot(srv.dbPath);

    const answer = await close(alice);
    assertProblem(answer, 500, 'INTERNAL');
    assert.match(answer.body.detail!, /the node refused the settlement: .*missingorspent/);
    assert.equal((await alice.status()).state, 'open');

    const after = snapshot(srv.dbPath);
    const { updated_at: reopenedAt, ...channel } = rows(after, 'channels')[0]!;
    const { updated_at: fundedAt, ...channelBefore } = rows(before, 'channels')[0]!;
    assert.deepEqual(channel, channelBefore, 'the channel is as it was before the close');
    assert.ok((reopenedAt as number) > (fundedAt as number));
    const [settling, reverted, ...more] = rows(after, 'channel_events').slice(rows(before, 'channel_events').length);
    assert.deepEqual(more, []);
    const [settlement, ...others] = rows(after, 'settlements');
    assert.deepEqual(others, []);
    assert.deepEqual([settling!.kind, settling!.ref, reverted!.kind, reverted!.ref], ['settling', settlement!.txid, 'settle_reverted', settlement!.txid]);
    assert.equal(settlement!.status, 'rejected');
    assert.match(settlement!.detail as string, /missingorspent/);
    assert.ok((settling!.at as number) < (reverted!.at as number), 'recorded in a commit before the broadcast');
    assert.deepEqual([reopenedAt, settlement!.updated_at], [reverted!.at, reverted!.at], 'reopened and rejected in one commit');
    for (const table of ['counters', 'pending_opens', 'user_version']) assert.deepEqual(after[table], before[table], table);
  });

  test('an unreachable node keeps the built settlement, and a retried close sends that very one', async () => {
    const { devnet, wallet } = suite;
    let reachable = true;
    const chain = chainWithBroadcast(devnet, (hex) =>
      reachable ? devnet.esplora.broadcast(hex) : Promise.reject(new EsploraError(0, '', 'connect ECONNREFUSED')),
    );
    const srv = await suite.server({ chain });
    const alice = await fundedChannel(srv, wallet, { capacity: 50_000n, first: 2_000n, expiryBlocks: 100 });
    reachable = false;

    const refused = await close(alice);
    assertProblem(refused, 503, 'CHAIN_UNAVAILABLE');
    assert.match(refused.body.detail!, /unavailable.*retried close/);
    const kept = await alice.status();
    assert.equal(kept.state, 'closing');
    const stored = (await srv.paychan.store.getSettlement(kept.settlementTxid!))!;
    assert.deepEqual([stored.status, stored.bumpHeight], ['built', null]);
    await assert.rejects(devnet.esplora.getTx(stored.txid), { status: 404 });

    reachable = true;
    const retried = await close(alice);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    assert.deepEqual([retried.body.state, retried.body.settlementTxid], ['closing', stored.txid]);
    assert.equal(await devnet.esplora.getTxHex(stored.txid), stored.hex);
    const sent = (await srv.paychan.store.getSettlement(stored.txid))!;
    assert.deepEqual([sent.status, sent.bumpHeight], ['broadcast', (await devnet.tipHeight()) + 3]);
    assert.equal((await srv.paychan.store.listSettlements()).length, 1, 'nothing built twice');
  });
});
