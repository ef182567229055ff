/**
 * What every ChannelStore promises, as one suite over a store factory (keyv's test-suite
 * pattern): sqlite.test.ts and postgres.test.ts run it, then add what only their backend has.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../../src/core/errors.ts';
import type { ServerChannel } from '../../../src/core/server-channel.ts';
import { ServerKeys } from '../../../src/server/keys.ts';
import { channelPages, cursorAfter, type ChannelCursor, type ChannelPageQuery, type ChannelStore, type PendingOpenBounds, type SettlementRecord, type StoreView } from '../../../src/server/store/channel-store.ts';
import { checkUnconfirmedTotal } from '../../../src/server/zero-conf.ts';
import { accessTokenHash } from '../../../src/core/http-binding.ts';
import type { PendingOpen } from '../../../src/core/server-channel.ts';
import { TEST_SEED } from '../helpers/server.ts';
import { syntheticChannel } from '../helpers/synthetic-channel.ts';

/** One database for one test. */
export interface StoreFixture {
  store: ChannelStore;
  /** Another store on the same database (a second instance, or the same one after a restart). */
  open(): Promise<ChannelStore>;
  /** Every row of every table, and the schema version: what a refusal must leave as it found. */
  snapshot(): Promise<Record<string, unknown[]>>;
  /** The schema version recorded in the database. */
  schemaVersion(): Promise<number>;
  /** Closes every store it opened and removes the database. */
  cleanup(): Promise<void>;
}

export interface StoreFactory {
  name: string;
  /** A fresh, empty database with a store open on it; `now` is the clock of every store it opens. */
  create(opts?: { now?: () => number }): Promise<StoreFixture>;
  /** The number of migrations this backend has. */
  migrations: number;
}

const keys = new ServerKeys(TEST_SEED, 'regtest');
const UNKNOWN = `${'00'.repeat(32)}:0`;

function withStore(factory: StoreFactory, body: (f: StoreFixture) => Promise<void>, opts?: { now?: () => number }): () => Promise<void> {
  return async () => {
    const f = await factory.create(opts);
    try {
      await body(f);
    } finally {
      await f.cleanup();
    }
  };
}

const debit = (amount: bigint) => (c: ServerChannel) => ({
  channel: { ...c, spent: c.spent + amount },
  events: [{ kind: 'debit' as const, amount }],
  result: c.spent + amount,
});

/** What channel-service's proposals store: an open for the given key index (the request's content does not matter here). */
const proposal = (serverKeyIndex: number): PendingOpen => ({
  openId: `open-${serverKeyIndex}-${Math.random().toString(16).slice(2)}`,
  request: {
    version: 1,
    network: 'regtest',
    clientPubkey: keys.channelKey(1_000 + serverKeyIndex).publicKey,
    capacity: 100_000n,
    expiry: 2_000,
    changeScript: new Uint8Array(22),
    tokenHash: accessTokenHash(new Uint8Array(32)),
  },
  serverKeyIndex,
  serverPubkey: keys.channelKey(serverKeyIndex).publicKey,
});

/** A payment of `by` more on the channel, refused as channel-service refuses it past the zero-conf total `limit`. */
const raise = (by: bigint, limit: bigint) => (c: ServerChannel, view: StoreView) => {
  const next = { ...c, paid: c.paid + by };
  checkUnconfirmedTotal(c, next, view, limit);
  return { channel: next, events: [{ kind: 'payment' as const, amount: by }], result: next.paid };
};

export function storeContract(factory: StoreFactory): void {
  const it = (name: string, body: (f: StoreFixture) => Promise<void>, opts?: { now?: () => number }) => test(name, withStore(factory, body, opts));
  let clock = 0;

  describe(`ChannelStore contract: ${factory.name}`, () => {
    it('migrations run once and record the schema version, even when stores open together', async (f) => {
      const more = await Promise.all([f.open(), f.open(), f.open()]);
      assert.equal(more.length, 3);
      assert.equal(await f.schemaVersion(), factory.migrations);
    });

    it('key indexes are handed out once, across instances and restarts', async (f) => {
      const other = await f.open();
      const got = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? f.store : other).allocateKeyIndex()));
      assert.deepEqual([...got].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
      await other.close();
      const again = await f.open();
      assert.equal(await again.allocateKeyIndex(), 20);
    });

    it('payout indexes are handed out once, across instances and restarts, apart from key indexes', async (f) => {
      const other = await f.open();
      await f.store.allocateKeyIndex();
      const got = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? f.store : other).allocatePayoutIndex()));
      assert.deepEqual([...got].sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
      await other.close();
      const again = await f.open();
      assert.equal(await again.allocatePayoutIndex(), 10);
    });

    it('an open is kept, funded once, and undone when its funding is refused', async (f) => {
      const ch = await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 1_000n });
      const stored = (await f.store.getChannel(ch.id))!;
      assert.deepEqual([stored.paid, stored.spent, stored.state, stored.params.capacity], [1_000n, 0n, 'open', 100_000n]);
      assert.deepEqual(stored.params.clientPubkey, ch.params.clientPubkey);
      const [open] = (await f.snapshot()).pending_opens as { open_id: string }[];
      const pending = (await f.store.getPendingOpen(open!.open_id))!;
      assert.equal(pending.channelId, ch.id);
      assert.equal(typeof pending.createdAt, 'number');
      assert.equal(pending.request.capacity, 100_000n);
      const before = await f.snapshot();
      await assert.rejects(f.store.addFundedChannel(open!.open_id, stored, ''), { code: 'FUNDING_MISMATCH' });
      await assert.rejects(f.store.addFundedChannel('nope', stored, ''), { code: 'UNKNOWN_CHANNEL' });
      assert.deepEqual(await f.snapshot(), before, 'a refused funding writes nothing');
      await f.store.removeUnbroadcastChannel(open!.open_id, ch.id);
      assert.equal(await f.store.getChannel(ch.id), null);
      assert.equal((await f.store.getPendingOpen(open!.open_id))!.channelId, null);
      assert.deepEqual(await f.store.listEvents(ch.id), []);
    });

    it('a refused update and an unknown channel write nothing; the others commit', async (f) => {
      const ch = await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2000, firstPayment: 1_000n });
      const results = await Promise.allSettled([
        f.store.updateChannel(ch.id, debit(10n)),
        f.store.updateChannel(ch.id, () => {
          throw new ProtocolError('INSUFFICIENT_CREDIT', 'no');
        }),
        f.store.updateChannel(ch.id, debit(20n)),
        f.store.updateChannel(UNKNOWN, (c) => ({ channel: c, result: 4 })),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected']);
      assert.equal((results[1] as PromiseRejectedResult).reason.code, 'INSUFFICIENT_CREDIT');
      assert.equal((results[3] as PromiseRejectedResult).reason.code, 'UNKNOWN_CHANNEL');
      assert.equal((await f.store.getChannel(ch.id))!.spent, 30n);
      assert.deepEqual(
        (await f.store.listEvents(ch.id)).map((e) => [e.kind, e.amount, e.paid, e.spent]),
        [['funded', 1_000n, 1_000n, 0n], ['debit', 10n, 1_000n, 10n], ['debit', 20n, 1_000n, 30n]],
      );
      const before = await f.snapshot();
      await assert.rejects(f.store.updateChannel(ch.id, () => {
        throw new ProtocolError('INSUFFICIENT_CREDIT', 'no');
      }));
      // spent above paid breaks the table's CHECK: the database refuses it, and nothing stays.
      await assert.rejects(f.store.updateChannel(ch.id, (c) => ({ channel: { ...c, spent: c.paid + 1n }, events: [{ kind: 'debit', amount: 1n }], result: 0 })));
      assert.deepEqual(await f.snapshot(), before);
    });

    it('racing debits through two instances spend each satoshi once; racing payments keep the highest', async (f) => {
      const other = await f.open();
      const ch = await syntheticChannel(f.store, keys, { capacity: 1_000_000n, expiry: 2000, firstPayment: 1_000n });
      const charge = (c: ServerChannel) => {
        if (c.paid - c.spent < 30n) throw new ProtocolError('INSUFFICIENT_CREDIT', 'spent');
        return debit(30n)(c);
      };
      const debits = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => (i % 2 ? f.store : other).updateChannel(ch.id, charge)));
      const ok = debits.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<bigint>).value);
      assert.equal(ok.length, 33);
      assert.deepEqual([...ok].sort((a, b) => (a < b ? -1 : 1)), Array.from({ length: 33 }, (_, i) => 30n * BigInt(i + 1)));
      const pays = Array.from({ length: 30 }, (_, i) => ch.sign(2_000n + 100n * BigInt(i)));
      await Promise.allSettled(
        pays.map((p, i) =>
          (i % 2 ? f.store : other).updateChannel(ch.id, (c) => {
            if (p.amount <= c.paid) throw new ProtocolError('AMOUNT_DECREASED', 'lower');
            return { channel: { ...c, paid: p.amount, signature: p.signature }, events: [{ kind: 'payment', amount: p.amount - c.paid }], result: null };
          }),
        ),
      );
      const stored = (await other.getChannel(ch.id))!;
      assert.deepEqual([stored.paid, stored.spent], [pays.at(-1)!.amount, 990n]);
      assert.deepEqual(stored.signature, pays.at(-1)!.signature);
      const payments = (await f.store.listEvents(ch.id)).filter((e) => e.kind === 'payment');
      assert.equal(payments.reduce((s, e) => s + e.amount, 0n), stored.paid - 1_000n, 'increments add up to the total: none lost');
    });

    it('updateChannels is all or nothing; settlements upsert, list and patch; the funding is kept', async (f) => {
      const { store } = f;
      const a = await syntheticChannel(store, keys, { capacity: 50_000n, expiry: 2_000, firstPayment: 1_000n });
      const b = await syntheticChannel(store, keys, { capacity: 50_000n, expiry: 2_000, firstPayment: 1_000n });
      const before = await f.snapshot();
      await assert.rejects(
        store.updateChannels([a.id, b.id], () => {
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      await assert.rejects(store.updateChannels([a.id, UNKNOWN], (c) => ({ channels: c, result: null })), { code: 'UNKNOWN_CHANNEL' });
      await assert.rejects(store.updateChannels([a.id, a.id], (c) => ({ channels: c, result: null })), /twice/);
      await assert.rejects(store.updateChannels([a.id, b.id], (c) => ({ channels: [c[1]!, c[0]!], result: null })), /in order/);
      assert.deepEqual(await f.snapshot(), before);

      const record: SettlementRecord = {
        txid: 'cd'.repeat(32),
        hex: '00',
        fee: 300n,
        payout: 1_700n,
        feeRateKvb: 2_000n,
        status: 'built',
        detail: null,
        channels: [
          { channelId: b.id, amount: 1_000n },
          { channelId: a.id, amount: 1_000n },
        ],
        createdAt: 1,
        bumpHeight: null,
        replaces: null,
      };
      const result = await store.updateChannels([b.id, a.id], (chans) => ({
        channels: chans.map((c) => ({ ...c, state: 'closing' as const, settlementTxid: record.txid })),
        events: chans.map((c) => ({ channelId: c.id, kind: 'settling' as const, amount: c.paid, ref: record.txid })),
        settlement: record,
        result: 'ok',
      }));
      assert.equal(result, 'ok');
      assert.deepEqual([(await store.getChannel(a.id))!.state, (await store.getChannel(b.id))!.state], ['closing', 'closing']);
      assert.deepEqual(await store.getSettlement(record.txid), record, 'channels kept in input order');
      assert.deepEqual((await store.listChannels({ state: 'closing' })).map((c) => c.id).sort(), [a.id, b.id].sort());
      assert.deepEqual(await store.listChannels({ state: 'open' }), []);
      const patched = await f.snapshot();
      await assert.rejects(
        store.updateChannels([a.id], (c) => ({ channels: [{ ...c[0]!, state: 'open' }], settlementPatches: [{ txid: 'ee'.repeat(32), patch: { status: 'rejected' } }], result: null })),
        /no settlement/,
      );
      assert.deepEqual(await f.snapshot(), patched, 'a patch naming an unknown settlement refuses the whole update');

      await store.updateSettlement(record.txid, { status: 'rejected', detail: 'refused' });
      await store.updateSettlement(record.txid, { bumpHeight: 77 });
      assert.deepEqual(await store.listSettlements({ status: ['rejected'] }), [{ ...record, status: 'rejected', detail: 'refused', bumpHeight: 77 }]);
      assert.deepEqual(await store.listSettlements({ status: ['built', 'broadcast'] }), []);
      assert.equal((await store.listSettlements({ channelId: b.id })).length, 1);
      assert.equal((await store.listSettlements({ channelId: b.id, status: ['confirmed'] })).length, 0);
      await store.updateChannels([a.id, b.id], (chans) => ({ channels: chans, settlement: record, result: null }));
      assert.deepEqual(await store.getSettlement(record.txid), record, 'the same transaction built again brings its record back');
      assert.equal((await store.listSettlements()).length, 1);
      assert.equal(await store.getFundingTx(a.id), null, 'synthetic channels keep no funding');
    });

    it('proposeOpen: bounded per client and in total, refusals take no key index, expired proposals are pruned', async (f) => {
      clock = 1_000_000;
      const bounds: PendingOpenBounds = { perClient: 2, total: 3, ttlMs: 10_000 };
      const propose = (client: string, store: ChannelStore = f.store) => store.proposeOpen(client, bounds, proposal);
      const a1 = await propose('10.0.0.1');
      const a2 = await propose('10.0.0.1');
      assert.deepEqual([a1.serverKeyIndex, a2.serverKeyIndex], [0, 1]);
      assert.deepEqual((await f.store.getPendingOpen(a1.openId))!.request.capacity, 100_000n);
      const before = await f.snapshot();
      await assert.rejects(propose('10.0.0.1'), (err: ProtocolError) => {
        assert.equal(err.code, 'RATE_LIMITED');
        assert.match(err.message, /2 channel proposals from this address/);
        assert.equal(err.extra.retryAfter, 10);
        return true;
      });
      assert.deepEqual(await f.snapshot(), before, 'a refused proposal writes nothing');
      clock += 4_000;
      assert.equal((await propose('10.0.0.2')).serverKeyIndex, 2, 'the refusal took no key index');
      await assert.rejects(propose('10.0.0.3'), (err: ProtocolError) => {
        assert.equal(err.code, 'RATE_LIMITED');
        assert.match(err.message, /3 channel proposals on this server/);
        assert.equal(err.extra.retryAfter, 6, 'seconds until the oldest proposal expires');
        return true;
      });
      clock += 6_001;
      const c1 = await propose('10.0.0.3');
      assert.equal(c1.serverKeyIndex, 3, "expired proposals' key indexes are not handed out again");
      assert.equal(await f.store.getPendingOpen(a1.openId), null, 'expired unfunded proposals are pruned');
      assert.equal(await f.store.getPendingOpen(a2.openId), null);
      assert.deepEqual(((await f.snapshot()).pending_opens as { client: string }[]).map((r) => r.client).sort(), ['10.0.0.2', '10.0.0.3']);
      // Racing proposals through two instances fill the one free slot once.
      const other = await f.open();
      const raced = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => propose(`10.0.1.${i}`, i % 2 ? other : f.store)));
      assert.equal(raced.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(raced.every((r) => r.status === 'fulfilled' || (r.reason as ProtocolError).code === 'RATE_LIMITED'));
    }, { now: () => clock });

    it('listPendingOpens: unfunded proposals made at or after a time, oldest first; funded ones are not listed', async (f) => {
      clock = 2_000_000;
      const bounds: PendingOpenBounds = { perClient: 10, total: 10, ttlMs: 60_000 };
      const older = await f.store.proposeOpen('10.0.0.1', bounds, proposal);
      clock += 1_000;
      const newer = await f.store.proposeOpen('10.0.0.2', bounds, proposal);
      await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 1_000n });
      const listed = await f.store.listPendingOpens(0);
      assert.deepEqual(listed.map((o) => o.openId), [older.openId, newer.openId]);
      assert.deepEqual([listed[0]!.createdAt, listed[0]!.channelId, listed[0]!.request.capacity], [2_000_000, null, 100_000n]);
      assert.deepEqual((await f.store.listPendingOpens(clock)).map((o) => o.openId), [newer.openId]);
    }, { now: () => clock });

    it('sumEventsByBucket: money events summed per bucket and kind from a time on, in integer sat', async (f) => {
      const HOUR = 3_600_000;
      clock = 10 * HOUR;
      const ch = await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 1_000n });
      clock = 11 * HOUR + 5;
      await f.store.updateChannel(ch.id, debit(10n));
      await f.store.updateChannel(ch.id, debit(5n));
      await f.store.updateChannel(ch.id, (c) => ({ channel: { ...c, spent: c.spent - 5n }, events: [{ kind: 'release', amount: 5n }], result: null }));
      clock = 12 * HOUR;
      await f.store.updateChannel(ch.id, (c) => ({ channel: { ...c, paid: c.paid + 500n }, events: [{ kind: 'payment', amount: 500n }, { kind: 'settling', amount: 1_500n }], result: null }));
      assert.deepEqual(await f.store.sumEventsByBucket(0, HOUR), [
        { bucket: 10, kind: 'funded', amount: 1_000n },
        { bucket: 11, kind: 'debit', amount: 15n },
        { bucket: 11, kind: 'release', amount: 5n },
        { bucket: 12, kind: 'payment', amount: 500n },
      ]);
      assert.deepEqual((await f.store.sumEventsByBucket(11 * HOUR, HOUR)).map((r) => r.bucket), [11, 11, 12]);
      assert.deepEqual(await f.store.sumEventsByBucket(0, 24 * HOUR), [
        { bucket: 0, kind: 'debit', amount: 15n },
        { bucket: 0, kind: 'funded', amount: 1_000n },
        { bucket: 0, kind: 'payment', amount: 500n },
        { bucket: 0, kind: 'release', amount: 5n },
      ]);
    }, { now: () => clock });

    it('the unconfirmed total: the view sums unconfirmed channels not closed; funding and payments stop at the cap', async (f) => {
      const a = await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 1_000n, confirmed: false });
      const b = await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 2_000n, confirmed: false });
      const confirmed = await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 5_000n });
      const closed = await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 7_000n, confirmed: false });
      await f.store.updateChannel(closed.id, (c) => ({ channel: { ...c, state: 'closed', closeReason: 'refunded' }, result: null }));
      const seen = (id: string) => f.store.updateChannel(id, (c, view) => ({ channel: c, result: view.unconfirmedPaid() }));
      assert.deepEqual([await seen(a.id), await seen(confirmed.id)], [3_000n, 3_000n]);
      assert.equal(await f.store.updateChannel(a.id, raise(2_000n, 5_000n)), 3_000n, 'up to the cap');
      const before = await f.snapshot();
      await assert.rejects(f.store.updateChannel(b.id, raise(1n, 5_000n)), { code: 'UNCONFIRMED_LIMIT' });
      assert.deepEqual(await f.snapshot(), before, 'a payment past the cap writes nothing');
      assert.equal(await f.store.updateChannel(confirmed.id, raise(1_000n, 5_000n)), 6_000n, 'a confirmed channel is not held to it');
      await assert.rejects(
        syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 1n, confirmed: false, zeroConfTotalLimit: 5_000n }),
        { code: 'UNCONFIRMED_LIMIT' },
      );
      await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 1_000n, confirmed: false, zeroConfTotalLimit: 6_000n });
      await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 9_000n, zeroConfTotalLimit: 6_000n });
      assert.equal((await f.store.listChannels()).length, 6, 'the refused funding stored no channel');
      assert.equal(await seen(a.id), 6_000n);
    });

    it('racing raises on unconfirmed channels through two instances never pass the total cap together', async (f) => {
      const other = await f.open();
      const chans = [];
      for (let i = 0; i < 10; i++) chans.push(await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 1_000n, confirmed: false }));
      // 10 000 held; room for five more raises of 1 000 under 15 000.
      const raised = await Promise.allSettled(chans.map((ch, i) => (i % 2 ? other : f.store).updateChannel(ch.id, raise(1_000n, 15_000n))));
      assert.equal(raised.filter((r) => r.status === 'fulfilled').length, 5);
      assert.ok(raised.every((r) => r.status === 'fulfilled' || (r.reason as ProtocolError).code === 'UNCONFIRMED_LIMIT'));
      // And fundings racing each other and those raises: 15 000 held, room for 3 000 under 18 000.
      const more = await Promise.allSettled([
        ...chans.map((ch, i) => (i % 2 ? other : f.store).updateChannel(ch.id, raise(1_000n, 18_000n))),
        ...Array.from({ length: 4 }, (_, i) =>
          syntheticChannel(i % 2 ? other : f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 1_000n, confirmed: false, zeroConfTotalLimit: 18_000n }),
        ),
      ]);
      assert.equal(more.filter((r) => r.status === 'fulfilled').length, 3);
      const held = (await f.store.listChannels()).filter((c) => !c.fundingConfirmed).reduce((s, c) => s + c.paid, 0n);
      assert.equal(held, 18_000n);
    });

    it('a release gives a debit back and is listed with it', async (f) => {
      const ch = await syntheticChannel(f.store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 1_000n });
      await f.store.updateChannel(ch.id, (c) => ({ channel: { ...c, spent: c.spent + 40n }, events: [{ kind: 'debit', amount: 40n, ref: '/item/1' }], result: null }));
      await f.store.updateChannel(ch.id, (c) => ({ channel: { ...c, spent: c.spent - 40n }, events: [{ kind: 'release', amount: 40n, ref: '/item/1' }], result: null }), { durable: false });
      assert.deepEqual(
        (await f.store.listEvents(ch.id)).map((e) => [e.kind, e.amount, e.paid, e.spent, e.ref]),
        [['funded', 1_000n, 1_000n, 0n, ch.params.funding.txid], ['debit', 40n, 1_000n, 40n, '/item/1'], ['release', 40n, 1_000n, 0n, '/item/1']],
      );
      assert.equal((await (await f.open()).getChannel(ch.id))!.spent, 0n);
    });

    it('channel pages: each matching channel once, in (expiry, id) order, whatever is inserted or changed between pages', async (f) => {
      const make = (expiry: number, confirmed = true) => syntheticChannel(f.store, keys, { capacity: 100_000n, expiry, firstPayment: 1_000n, confirmed });
      const setState = (id: string, state: ServerChannel['state']) =>
        f.store.updateChannel(id, (c) => ({ channel: { ...c, state, settlementTxid: 'ab'.repeat(32) }, result: null }));
      type Listed = { id: string; params: { expiry: number } };
      const order = (chs: Listed[]) => [...chs].sort((x, y) => x.params.expiry - y.params.expiry || (x.id < y.id ? -1 : 1)).map((c) => c.id);
      // Several channels share an expiry, so ids break ties, across page boundaries too.
      const open: Listed[] = [];
      for (const expiry of [1_500, 1_200, 1_500, 1_300, 1_200, 1_500, 1_100, 1_400]) open.push(await make(expiry));
      const unconfirmedOpen = await make(1_350, false);
      open.push(unconfirmedOpen);
      const closing = [await make(1_250), await make(1_600, false)];
      for (const c of closing) await setState(c.id, 'closing');
      await setState((await make(1_000, false)).id, 'closed');

      // Pages of 3 by hand; after the first (1 100, 1 200, 1 200): a channel is added before the
      // cursor (not listed by this pass), one after it (listed), and one not yet listed closes.
      const visited: string[] = [];
      let after: ChannelCursor | null = null;
      const changed: { early?: Listed; late?: Listed; closed?: Listed } = {};
      for (;;) {
        const page = await f.store.listChannelPage({ of: 'open', after, limit: 3 });
        assert.ok(page.length <= 3);
        visited.push(...page.map((c) => c.id));
        if (page.length < 3) break;
        after = cursorAfter(page.at(-1)!);
        if (changed.early) continue;
        changed.early = await make(1_000);
        changed.late = await make(1_450);
        changed.closed = open.find((c) => c.id === order(open).find((id) => !visited.includes(id)))!;
        await setState(changed.closed.id, 'closing');
      }
      const stillOpen = open.filter((c) => c !== changed.closed);
      assert.deepEqual(visited, order([...stillOpen, changed.late!]), 'every open channel once, in order');

      const all = async (q: Omit<ChannelPageQuery, 'after' | 'limit'>, limit = 2) => {
        const ids: string[] = [];
        for await (const page of channelPages(f.store, { ...q, limit })) ids.push(...page.map((c) => c.id));
        return ids;
      };
      const nowOpen = [...stillOpen, changed.early!, changed.late!];
      assert.deepEqual(await all({ of: 'open' }), order(nowOpen));
      // A full last page ends with one more read, which finds nothing.
      assert.deepEqual(await all({ of: 'open' }, nowOpen.length), order(nowOpen));
      assert.deepEqual(await all({ of: 'open', expiryAtMost: 1_200 }), order(nowOpen.filter((c) => c.params.expiry <= 1_200)));
      assert.equal((await all({ of: 'open', expiryAtMost: 1_200 })).length, 4);
      assert.deepEqual(await all({ of: 'closing' }, 1), order([...closing, changed.closed!]));
      // Not closed and funding unconfirmed, open or closing; the closed one is not among them.
      assert.deepEqual(await all({ of: 'unconfirmed' }, 1), order([unconfirmedOpen, closing[1]!]));
      assert.deepEqual(await f.store.listChannelPage({ of: 'open', expiryAtMost: 999, limit: 10 }), []);
      assert.deepEqual(await f.store.openChannelSummary(), { count: nowOpen.length, earliestExpiry: 1_000 });
    });

    it('the open channel summary of an empty store', async (f) => {
      assert.deepEqual(await f.store.openChannelSummary(), { count: 0, earliestExpiry: null });
    });

    it('closed stores refuse work', async (f) => {
      const other = await f.open();
      await other.close();
      await other.close();
      await assert.rejects(other.updateChannel(UNKNOWN, (c) => ({ channel: c, result: null })), /closed/);
    });
  });
}
