/**
 * The watcher's decisions against a scripted chain (no node): what the devnet cannot easily
 * stage. Also its fee rule, its configuration and its timer (the store methods it relies on are in test/server/store/contract.ts).
 */
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction } from 'bitcoinjs-lib';
import { EsploraError, type EsploraFeeEstimates } from '../../src/chain/esplora.ts';
import { parseEsploraFees } from '../../src/chain/fee-rates.ts';
import { txidFromHash } from '../../src/core/bytes.ts';
import { fixedTip } from '../../src/server/chain.ts';
import { settleChannel } from '../../src/server/channel-service.ts';
import { loadConfig, type ConfigInput } from '../../src/server/config.ts';
import { createServerContext } from '../../src/server/context.ts';
import { ServerKeys } from '../../src/server/keys.ts';
import { silentLogger } from '../../src/server/logger.ts';
import { createPaychan } from '../../src/server/paychan.ts';
import { SqliteChannelStore } from '../../src/server/store/sqlite-store.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';
import { bumpedFeeRate, SettlementWatcher, type Scheduler, type WatcherChain, type WatcherContext } from '../../src/server/watcher/index.ts';
import { TEST_SEED, tempDbPath } from './helpers/server.ts';
import { stubChain, syntheticChannel, type SyntheticChannel } from './helpers/synthetic-channel.ts';

const CONFIRMED = { confirmed: true as const, block_height: 1, block_hash: '00'.repeat(32), block_time: 0 };

/** A chain in memory: transactions are known once broadcast, confirmed by `mine()`. */
class ScriptedChain implements WatcherChain {
  tip = 1_000;
  estimates: EsploraFeeEstimates = { '6': 3 };
  readonly txs = new Map<string, { tx: Transaction; confirmed: boolean }>();
  readonly sent: string[] = [];
  /** Return an error to refuse a broadcast. */
  refuse: (tx: Transaction) => Error | null = () => null;

  async getTipHeight() {
    return this.tip;
  }
  async getFeeRates() {
    return parseEsploraFees(this.estimates);
  }
  async getTxStatus(txid: string) {
    return this.txs.get(txid)?.confirmed ? CONFIRMED : { confirmed: false as const };
  }
  async getTx(txid: string) {
    const t = this.txs.get(txid);
    if (!t) throw new EsploraError(404, 'Transaction not found');
    return { txid, status: t.confirmed ? CONFIRMED : { confirmed: false as const } };
  }
  async getOutspend(txid: string, vout: number) {
    for (const [id, t] of this.txs) {
      const vin = t.tx.ins.findIndex((i) => txidFromHash(i.hash) === txid && i.index === vout);
      if (vin >= 0) return { spent: true, txid: id, vin, status: t.confirmed ? CONFIRMED : { confirmed: false as const } };
    }
    return { spent: false };
  }
  async broadcast(hex: string) {
    const tx = Transaction.fromHex(hex);
    this.sent.push(tx.getId());
    const err = this.refuse(tx);
    if (err) throw err;
    this.txs.set(tx.getId(), { tx, confirmed: false });
    return tx.getId();
  }
  mine(blocks = 1) {
    for (const t of this.txs.values()) t.confirmed = true;
    this.tip += blocks;
  }
  spends(tx: Transaction, ch: SyntheticChannel): boolean {
    return tx.ins.some((i) => txidFromHash(i.hash) === ch.params.funding.txid && i.index === ch.params.funding.vout);
  }
}

const refusal = (reason: string) => new EsploraError(400, `sendrawtransaction RPC error: {"code":-26,"message":"${reason}"}`);

describe('watcher decisions on a scripted chain', () => {
  let tmp: ReturnType<typeof tempDbPath>;
  let store: SqliteChannelStore;
  let chain: ScriptedChain;
  const keys = new ServerKeys(TEST_SEED, 'regtest');

  function context(config: ConfigInput = {}): WatcherContext {
    const cfg = loadConfig({ env: {}, overrides: { dbPath: tmp.dbPath, ...config } });
    const ctx = createServerContext({ config: cfg, store, chain, tip: fixedTip(chain.tip), seed: TEST_SEED, secp: tinySecp, logger: silentLogger });
    return { ...ctx, chain };
  }
  const watcher = (config: ConfigInput = {}) => new SettlementWatcher(context(config));
  /** A confirmed channel expiring soon enough to be due now (default margin: 36 blocks). */
  const dueChannel = (firstPayment: bigint, capacity = 100_000n) => syntheticChannel(store, keys, { capacity, expiry: chain.tip + 10, firstPayment });

  beforeEach(() => {
    tmp = tempDbPath();
    store = new SqliteChannelStore(tmp.dbPath);
    chain = new ScriptedChain();
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  test('a batch the node refuses is split: the good channels settle one by one, the spoiler is reopened', async () => {
    const [a, b, bad] = [await dueChannel(5_000n), await dueChannel(6_000n), await dueChannel(7_000n)];
    chain.refuse = (tx) => (chain.spends(tx, bad) ? refusal('bad-txns-inputs-missingorspent') : null);
    const report = await watcher().tick();
    // The batch first; then one by one, in the watcher's (expiry, id) order, which random ids make any.
    const [batch, ...single] = report.settlements;
    assert.deepEqual([batch!.channels.length, batch!.outcome], [3, 'rejected']);
    assert.deepEqual(
      single.map((s) => [s.channels, s.outcome]).sort(),
      [[[a.id], 'broadcast'], [[b.id], 'broadcast'], [[bad.id], 'rejected']].sort(),
    );
    assert.equal((await store.getChannel(a.id))!.state, 'closing');
    assert.equal((await store.getChannel(b.id))!.state, 'closing');
    const spoiler = (await store.getChannel(bad.id))!;
    assert.deepEqual([spoiler.state, spoiler.settlementTxid], ['open', null]);
    assert.deepEqual((await store.listEvents(bad.id)).map((e) => e.kind).slice(-2), ['settling', 'settle_reverted']);
    const rejected = await store.listSettlements({ status: ['rejected'] });
    assert.equal(rejected.length, 2);
    assert.match(rejected[0]!.detail!, /missingorspent/);
  });

  test('a pass reads only the channels it acts on: it never lists every channel, and leaves those not due alone', async () => {
    const due = await dueChannel(5_000n);
    const far = await syntheticChannel(store, keys, { capacity: 100_000n, expiry: chain.tip + 1_000, firstPayment: 5_000n });
    const unconfirmed = await syntheticChannel(store, keys, { capacity: 100_000n, expiry: chain.tip + 1_000, firstPayment: 5_000n, confirmed: false });
    chain.txs.set(unconfirmed.params.funding.txid, { tx: new Transaction(), confirmed: true });
    // A store whose full listings fail: a pass that loaded every open channel would settle nothing.
    const paging = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'listChannels') return () => Promise.reject(new Error('a watcher pass must not list every channel'));
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const report = await new SettlementWatcher({ ...context(), store: paging }).tick();
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.settlements.map((s) => s.channels), [[due.id]]);
    assert.deepEqual(report.fundingConfirmed, [unconfirmed.id]);
    assert.deepEqual([(await store.getChannel(far.id))!.state, (await store.getChannel(unconfirmed.id))!.state], ['open', 'open']);
  });

  test('an unreachable node leaves the settlement stored, and the next tick sends it', async () => {
    const ch = await dueChannel(5_000n);
    chain.refuse = () => new EsploraError(0, '', 'connect ECONNREFUSED');
    const w = watcher();
    let report = await w.tick();
    assert.equal(report.settlements[0]!.outcome, 'pending');
    const [stored] = await store.listSettlements();
    assert.equal(stored!.status, 'built');
    assert.equal((await store.getChannel(ch.id))!.state, 'closing');

    chain.refuse = () => null;
    report = await w.tick();
    assert.deepEqual(report.resent, [{ txid: stored!.txid, outcome: 'broadcast' }]);
    assert.deepEqual(report.settlements, []);
    assert.deepEqual(chain.sent, [stored!.txid, stored!.txid]);
    chain.mine();
    report = await w.tick();
    assert.deepEqual(report.confirmed, [stored!.txid]);
    assert.equal((await store.getChannel(ch.id))!.closeReason, 'settled');
  });

  test('the bump rate follows a rising estimate; at the maximum rate there is nothing left to bump', async () => {
    await dueChannel(50_000n);
    const w = watcher({ maxFeeRate: 30n });
    const first = (await w.tick()).settlements[0]!;
    assert.equal(first.feeRateKvb, 3_000n);
    chain.tip += 3; // three blocks, none with the settlement
    chain.estimates = { '6': 20.2 };
    const bump = (await w.tick()).bumps[0]!;
    assert.deepEqual([bump.from, bump.feeRateKvb, bump.outcome], [first.txid, 20_200n, 'broadcast'], 'the estimate as it is, not rounded up to whole sat/vB');

    chain.tip += 3;
    chain.estimates = { '6': 100 };
    const second = (await w.tick()).bumps[0]!;
    assert.deepEqual([second.from, second.feeRateKvb], [bump.to, 30_000n], 'capped');

    chain.tip += 3;
    const report = await w.tick();
    assert.deepEqual(report.bumps, [], 'at the cap already');
    assert.equal((await store.getSettlement(second.to))!.bumpHeight, chain.tip + 3, 'looked at again later');
  });

  test('a fractional estimate is settled at as it is, and its bump still outbids it by 1 sat/vB (BIP125 rule 4)', async () => {
    await dueChannel(50_000n);
    chain.estimates = { '6': 2.5 };
    const w = watcher();
    const first = (await w.tick()).settlements[0]!;
    assert.equal(first.feeRateKvb, 2_500n, 'not rounded up to 3 sat/vB');
    const original = (await store.getSettlement(first.txid))!;
    const vsize = Transaction.fromHex(original.hex).virtualSize();
    assert.ok(original.fee >= (BigInt(vsize) * 5n + 1n) / 2n && original.fee < BigInt(vsize) * 3n, `fee ${original.fee} for ${vsize} vB at 2.5 sat/vB`);

    chain.tip += 3; // not mined: bumped at 1.5 × 2.5 sat/vB
    const bump = (await w.tick()).bumps[0]!;
    const replacement = (await store.getSettlement(bump.to))!;
    assert.equal(bump.feeRateKvb, 3_750n);
    const newVsize = BigInt(Transaction.fromHex(replacement.hex).virtualSize());
    assert.ok(replacement.fee >= original.fee + newVsize, `rule 4: ${replacement.fee} pays at least ${original.fee} + 1 sat/vB × ${newVsize} vB`);
  });

  test('the floor is the operator\'s rate or the node\'s minimum relay fee, whichever is higher, never a sub-floor estimate', async () => {
    await dueChannel(50_000n);
    chain.estimates = { '6': 0.25 };
    assert.equal((await watcher({ feeRate: 2n }).tick()).settlements[0]!.feeRateKvb, 2_000n, 'an operator floor of 2 sat/vB');
    await dueChannel(50_000n);
    assert.equal((await watcher().tick()).settlements[0]!.feeRateKvb, 1_000n, 'the default: Esplora publishes no minimum, so Core\'s default 1 sat/vB');
    await dueChannel(50_000n);
    chain.estimates = { '6': 0.8 };
    assert.equal((await watcher({ feeRate: '0.5' }).tick()).settlements[0]!.feeRateKvb, 1_000n, 'an operator floor below the node minimum: the node minimum');
    await dueChannel(50_000n);
    chain.estimates = { '6': 1.234 };
    assert.equal((await watcher({ feeRate: 1n }).tick()).settlements[0]!.feeRateKvb, 1_234n, 'above the floor: the estimate to the millisatoshi per vbyte');
  });

  test('a bump the payout cannot afford offers what it can, then stops', async () => {
    await dueChannel(5_000n);
    const w = watcher();
    const first = (await w.tick()).settlements[0]!;
    chain.tip += 3;
    chain.estimates = { '6': 150 };
    const bump = (await w.tick()).bumps[0]!;
    const replacement = (await store.getSettlement(bump.to))!;
    assert.ok(bump.feeRateKvb >= first.feeRateKvb + 1_000n && bump.feeRateKvb < 150_000n, `rate ${bump.feeRateKvb}`);
    assert.equal(replacement.feeRateKvb, bump.feeRateKvb);
    assert.ok(replacement.payout >= 294n && replacement.payout < 294n + 200n, 'nearly all of it goes to the fee, leaving a payout above dust');
    assert.equal(replacement.payout + replacement.fee, 5_000n);

    chain.tip += 3;
    const report = await w.tick();
    assert.deepEqual([report.bumps, report.errors], [[], []]);
    assert.equal((await store.getSettlement(bump.to))!.bumpHeight, chain.tip + 3);
  });

  test('a cooperative-close settlement is scheduled for a bump when sent, bumped by the watcher, and followed to confirmation', async () => {
    const ch = await dueChannel(5_000n);
    const ctx = context();
    const { settlementTxid: txid } = await settleChannel(ctx, ch.id);
    const sent = (await store.getSettlement(txid!))!;
    assert.deepEqual([sent.status, sent.feeRateKvb, sent.bumpHeight], ['broadcast', 3_000n, chain.tip + 3]);

    const w = new SettlementWatcher(ctx);
    chain.tip += 3; // three blocks, none with the settlement
    const report = await w.tick();
    assert.deepEqual([report.settlements, report.errors], [[], []], 'closing already: not settled twice');
    assert.deepEqual(
      report.bumps.map((b) => [b.from, b.feeRateKvb, b.outcome]),
      [[txid, 4_500n, 'broadcast']],
    );
    chain.txs.delete(txid!); // the replacement took its place in the mempool
    chain.mine();
    assert.deepEqual((await w.tick()).confirmed, [report.bumps[0]!.to]);
    assert.equal((await store.getChannel(ch.id))!.closeReason, 'settled');
  });

  test('an older fee level confirming after all closes the channels under its txid', async () => {
    const ch = await dueChannel(5_000n);
    const w = watcher();
    const first = (await w.tick()).settlements[0]!;
    chain.tip += 3;
    const bump = (await w.tick()).bumps[0]!;
    assert.equal(bump.outcome, 'broadcast');
    // A miner had the original and mines it; the replacement never made it.
    chain.txs.delete(bump.to);
    chain.txs.get(first.txid)!.confirmed = true;
    const report = await w.tick();
    assert.deepEqual(report.confirmed, [first.txid]);
    assert.deepEqual(report.resent, [], 'the dead replacement is not sent again');
    const closed = (await store.getChannel(ch.id))!;
    assert.deepEqual([closed.closeReason, closed.settlementTxid], ['settled', first.txid]);
    await w.tick();
    assert.equal((await store.getSettlement(bump.to))!.status, 'rejected');
  });

  test('a funding spent before expiry by something unknown is not taken for a refund', async () => {
    const ch = await syntheticChannel(store, keys, { capacity: 100_000n, expiry: chain.tip + 100, firstPayment: 5_000n });
    await store.updateChannel(ch.id, (c) => ({ channel: { ...c, state: 'closing', settlementTxid: 'ab'.repeat(32) }, result: null }));
    const stranger = new Transaction();
    stranger.addInput(Buffer.from(ch.params.funding.txid, 'hex').reverse(), ch.params.funding.vout);
    stranger.addOutput(Buffer.from('0014' + '11'.repeat(20), 'hex'), 1_000n);
    chain.txs.set(stranger.getId(), { tx: stranger, confirmed: true });
    const report = await watcher().tick();
    assert.deepEqual(report.refunded, []);
    assert.equal((await store.getChannel(ch.id))!.state, 'closing');
  });
});

test('bumpedFeeRate (sat/kvB): half as much again, at least the estimate and the 1 sat/vB incremental relay fee more, never above the cap', () => {
  assert.equal(bumpedFeeRate(3_000n, 3_000n, 200_000n), 4_500n);
  assert.equal(bumpedFeeRate(2_000n, 2_000n, 200_000n), 3_000n);
  assert.equal(bumpedFeeRate(1_000n, 1_000n, 200_000n), 2_000n);
  assert.equal(bumpedFeeRate(250n, 250n, 200_000n), 1_250n, 'a sub-1 sat/vB rate still gains the full increment');
  assert.equal(bumpedFeeRate(4_000n, 2_000n, 200_000n), 6_000n);
  assert.equal(bumpedFeeRate(10_000n, 40_500n, 200_000n), 40_500n);
  assert.equal(bumpedFeeRate(150_000n, 1_000n, 200_000n), 200_000n);
  assert.equal(bumpedFeeRate(199_500n, 500_000n, 200_000n), null, 'the cap leaves less than the increment');
  assert.equal(bumpedFeeRate(200_000n, 500_000n, 200_000n), null);
});

test('watcher configuration: defaults, partial overrides, environment, checks', () => {
  const d = loadConfig({ env: {} });
  assert.deepEqual([d.feeBumpAfterBlocks, d.maxFeeRateKvb, d.watcher], [3, 200_000n, { enabled: true, intervalMs: 30_000 }]);
  assert.deepEqual(loadConfig({ env: {}, overrides: { watcher: { enabled: false } } }).watcher, { enabled: false, intervalMs: 30_000 });
  const env = loadConfig({ env: { PAYCHAN_WATCHER: 'false', PAYCHAN_WATCHER_INTERVAL_MS: '5000', PAYCHAN_FEE_BUMP_AFTER_BLOCKS: '6', PAYCHAN_MAX_FEE_RATE: '50' } });
  assert.deepEqual([env.watcher, env.feeBumpAfterBlocks, env.maxFeeRateKvb], [{ enabled: false, intervalMs: 5_000 }, 6, 50_000n]);
  assert.throws(() => loadConfig({ env: {}, overrides: { watcher: { intervalMs: 10 } } }), /intervalMs/);
  assert.throws(() => loadConfig({ env: {}, overrides: { feeRate: 3n, maxFeeRate: 2n } }), /maxFeeRate/);
  assert.throws(() => loadConfig({ env: {}, overrides: { feeBumpAfterBlocks: 0 } }), /feeBumpAfterBlocks/);
  assert.throws(() => loadConfig({ env: {}, overrides: { watcher: { every: 1 } } as unknown as ConfigInput }), /watcher\.every is not a setting/);
});

test('createPaychan runs the watcher on its scheduler, and close() stops it', async () => {
  const tmp = tempDbPath();
  const timers: { run: () => void; ms: number }[] = [];
  let cleared = 0;
  const scheduler: Scheduler = {
    setTimeout: (run, ms) => timers.push({ run, ms }),
    clearTimeout: () => void cleared++,
  };
  const chain = new ScriptedChain();
  const paychan = await createPaychan({ seed: TEST_SEED, logger: silentLogger, chain, scheduler, config: { dbPath: tmp.dbPath, watcher: { intervalMs: 1_234 } } });
  assert.ok(paychan.watcher);
  assert.deepEqual(timers.map((t) => t.ms), [1_234]);
  timers[0]!.run();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(timers.length, 2, 'the next tick is scheduled once this one ends');
  await paychan.close();
  assert.equal(cleared, 1);

  // A chain backend without getTx/getOutspend, or the watcher turned off: no watcher.
  const stub = await createPaychan({ seed: TEST_SEED, logger: silentLogger, chain: stubChain(), scheduler, config: { dbPath: tmp.dbPath } });
  assert.equal(stub.watcher, null);
  await stub.close();
  const off = await createPaychan({ seed: TEST_SEED, logger: silentLogger, chain, scheduler, config: { dbPath: tmp.dbPath, watcher: { enabled: false } } });
  assert.equal(off.watcher, null);
  await off.close();
  assert.equal(timers.length, 2);
  tmp.cleanup();
});
