/**
 * Fee bumps against the devnet. A batch settlement left unconfirmed for feeBumpAfterBlocks
 * (miners leave it out) is rebuilt at a higher fee rate, re-signed, and sent as a BIP125
 * replacement.
 *
 * bcoin 1.0.2's mempool has no replace-by-fee: it refuses the replacement
 * (`bad-txns-inputs-spent`). The first part runs against it unchanged and checks what the watcher
 * decides and builds, and that it falls back to the original. The second part puts Bitcoin
 * Core's replacement rule in front of the devnet (replaceByFeeChain: a conflicting transaction
 * paying enough more evicts the old one, then goes to the node over HTTP as usual), so the
 * replacement is accepted, mined, and closes the channels.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction } from 'bitcoinjs-lib';
import { hexToBytes } from '../../src/core/bytes.ts';
import { feeForVsize } from '../../src/core/amounts.ts';
import { verifyScripts } from '../helpers/script-check.ts';
import { fundedChannel, mineTo, replaceByFeeChain, watchedSuite, type WatchedServer } from './watcher-fixture.ts';
import type { SettlementRecord } from '../../src/server/store/channel-store.ts';

describe('watcher: fee bumps', () => {
  const suite = watchedSuite();
  let srv: WatchedServer;
  let ids: string[];
  let original: SettlementRecord;
  let replacement: SettlementRecord;

  before(async () => {
    srv = await suite.server();
  });

  test('a batch settlement left out of blocks is rebuilt at a higher rate after feeBumpAfterBlocks; bcoin refuses the replacement', async () => {
    const { devnet, wallet } = suite;
    const a = await fundedChannel(srv, wallet, { capacity: 40_000n, first: 3_000n });
    const b = await fundedChannel(srv, wallet, { capacity: 40_000n, first: 40_000n });
    const c = await fundedChannel(srv, wallet, { capacity: 40_000n, first: 600n });
    ids = [a.channelId, b.channelId, c.channelId];
    await devnet.mine(1);
    await mineTo(devnet, a.channel!.request.expiry - 5);
    const sent = (await srv.watcher.tick()).settlements;
    assert.equal(sent.length, 1);
    original = (await srv.paychan.store.getSettlement(sent[0]!.txid))!;
    const sentAt = await devnet.tipHeight();
    assert.equal(original.feeRateKvb, 3_000n);
    assert.equal(original.bumpHeight, sentAt + 3);

    await devnet.mineWithout([original.txid], 2);
    let report = await srv.watcher.tick();
    assert.deepEqual([report.bumps, report.confirmed, report.errors], [[], [], []], 'two blocks: still patient');

    await devnet.mineWithout([original.txid], 1);
    report = await srv.watcher.tick();
    assert.deepEqual(report.errors, []);
    assert.equal(report.bumps.length, 1);
    const bump = report.bumps[0]!;
    // max(estimate 3, ⌈3 × 1.5⌉ = 5, 3 + 1)
    assert.deepEqual([bump.from, bump.feeRateKvb, bump.outcome], [original.txid, 4_500n, 'rejected']);
    replacement = (await srv.paychan.store.getSettlement(bump.to))!;
    assert.equal(replacement.status, 'rejected');
    assert.match(replacement.detail!, /bad-txns-inputs-spent/);
    assert.equal(replacement.replaces, original.txid);
    assert.deepEqual(replacement.channels, original.channels, 'the same channels, linked to the replacement too');

    // The original stays in charge and is tried again three blocks on.
    const tip = await devnet.tipHeight();
    const now = (await srv.paychan.store.getSettlement(original.txid))!;
    assert.deepEqual([now.status, now.bumpHeight], ['broadcast', tip + 3]);
    for (const id of ids) {
      const ch = (await srv.paychan.store.getChannel(id))!;
      assert.deepEqual([ch.state, ch.settlementTxid], ['closing', original.txid]);
      assert.deepEqual((await srv.paychan.store.listEvents(id)).slice(-2).map((e) => [e.kind, e.ref]), [
        ['settling', original.txid],
        ['fee_bumped', replacement.txid],
      ]);
    }
    assert.equal((await devnet.esplora.getTx(original.txid)).status.confirmed, false);
    await assert.rejects(devnet.esplora.getTx(replacement.txid), { status: 404 });
  });

  test('the replacement spends the same channels, keeps every change output, pays more fee from the payout, and verifies', async () => {
    const { devnet } = suite;
    const s = Transaction.fromHex(original.hex);
    const r = Transaction.fromHex(replacement.hex);
    assert.deepEqual([r.version, r.locktime], [2, 0]);
    assert.deepEqual(
      r.ins.map((i) => [Buffer.from(i.hash).toString('hex'), i.index, i.sequence]),
      s.ins.map((i) => [Buffer.from(i.hash).toString('hex'), i.index, i.sequence]),
    );
    assert.ok(r.ins.every((i) => i.sequence === 0xfffffffd), 'every channel input signals replaceability');
    // The client signatures (witness item 0) are the same payments; the server's are new.
    r.ins.forEach((input, i) => {
      assert.deepEqual(input.witness[0], s.ins[i]!.witness[0]);
      assert.notDeepEqual(input.witness[1], s.ins[i]!.witness[1]);
    });
    assert.equal(r.outs.length, s.outs.length);
    const payout = r.outs.length - 1;
    for (let i = 0; i < payout; i++) assert.deepEqual([r.outs[i]!.script, r.outs[i]!.value], [s.outs[i]!.script, s.outs[i]!.value]);
    assert.deepEqual(r.outs[payout]!.script, s.outs[payout]!.script);
    assert.equal(r.outs[payout]!.value, original.payout - (replacement.fee - original.fee));
    assert.equal(replacement.payout + replacement.fee, original.payout + original.fee);
    // BIP125: more in total, by at least 1 sat/vB of its own size; and at the rate it claims.
    assert.ok(replacement.fee >= original.fee + BigInt(r.virtualSize()));
    assert.ok(replacement.fee >= feeForVsize(r.virtualSize(), 4_500n));

    const prevouts = [];
    for (const input of r.ins) {
      const funding = await devnet.esplora.getTx(Buffer.from(input.hash).reverse().toString('hex'));
      const out = funding.vout[input.index]!;
      prevouts.push({ script: hexToBytes(out.scriptpubkey), value: out.value });
    }
    verifyScripts(replacement.hex, prevouts);
    verifyScripts(original.hex, prevouts);
  });

  test('where the node replaces by fee, the replacement goes in, confirms, and closes the channels under its txid', async () => {
    const { devnet } = suite;
    // Same database, a node with Core's replacement rule in front.
    await srv.stop();
    const rbf = replaceByFeeChain(devnet);
    srv = await suite.server({ chain: rbf, dbPath: srv.dbPath });

    await devnet.mineWithout([original.txid], 3);
    let report = await srv.watcher.tick();
    assert.deepEqual(report.errors, []);
    assert.equal(report.bumps.length, 1);
    // Deterministic signatures: the same replacement as before, now accepted.
    assert.deepEqual(report.bumps[0], { from: original.txid, to: replacement.txid, feeRateKvb: 4_500n, outcome: 'broadcast' });
    assert.deepEqual(rbf.replaced, [original.txid]);
    await assert.rejects(devnet.esplora.getTx(original.txid), { status: 404 });
    const tip = await devnet.tipHeight();
    const bumped = (await srv.paychan.store.getSettlement(replacement.txid))!;
    assert.deepEqual([bumped.status, bumped.detail, bumped.bumpHeight], ['broadcast', null, tip + 3]);
    for (const id of ids) assert.equal((await srv.paychan.store.getChannel(id))!.settlementTxid, replacement.txid);

    report = await srv.watcher.tick();
    assert.deepEqual([report.bumps, report.resent, report.errors], [[], [], []]);
    const gone = (await srv.paychan.store.getSettlement(original.txid))!;
    assert.equal(gone.status, 'rejected', 'the replaced settlement left the mempool');

    await devnet.mine(1);
    report = await srv.watcher.tick();
    assert.deepEqual(report.confirmed, [replacement.txid]);
    const tx = await devnet.esplora.getTx(replacement.txid);
    assert.equal(tx.status.confirmed, true);
    assert.equal(tx.fee, replacement.fee);
    assert.equal(tx.vout.at(-1)!.value, replacement.payout);
    assert.equal(replacement.payout, 3_000n + 40_000n + 600n - replacement.fee);
    for (const id of ids) {
      const ch = (await srv.paychan.store.getChannel(id))!;
      assert.deepEqual([ch.state, ch.closeReason, ch.settlementTxid], ['closed', 'settled', replacement.txid]);
    }
  });
});
