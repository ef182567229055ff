/**
 * What every ClientStore must do (src/client/storage/client-store.ts), as a suite over a store
 * factory: the IndexedDB store (fake-indexeddb) and the SQLite one run the same cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientStore } from '../../../src/client/storage/client-store.ts';
import type { ChannelRecord, PaymentRecord } from '../../../src/client/storage/records.ts';
import { propose } from '../../../src/core/client-channel.ts';

export interface StoreFactory {
  name: string;
  /** A fresh store; `reopen` gives a new store object over the same data. */
  open(): Promise<{ store: ClientStore; reopen(): Promise<ClientStore>; close(): void }>;
}

function channel(id: string, endpoint: string): ChannelRecord {
  const request = {
    version: 1,
    network: 'regtest' as const,
    clientPubkey: Uint8Array.from({ length: 33 }, (_, i) => i + 2),
    capacity: 2_099_999_997_690_000n,
    expiry: 1234,
    changeScript: Uint8Array.of(0, 20, 1, 2, 3),
    tokenHash: new Uint8Array(32).fill(7),
  };
  return {
    id,
    network: 'regtest',
    endpoint,
    channel: propose(endpoint, request, 3, 5000n),
    fundingInputs: [{ txid: 'aa'.repeat(32), vout: 1, value: 90_000n, chain: 1, index: 4 }],
    zeroConfLimit: 1000n,
    fundingConfirmed: false,
    abandoned: false,
    refund: { txid: 'bb'.repeat(32), hex: '00', feeRateKvb: 1000n },
    createdAt: 1,
    updatedAt: 1,
    lastError: null,
  };
}

function payment(ch: string, amount: bigint): PaymentRecord {
  return { channel: ch, endpoint: 'https://a.example/paychan/v1', amount, increment: 10n, signature: Uint8Array.of(1, 2, amount > 255n ? 255 : Number(amount)), at: Number(amount), acknowledged: false };
}

export function storeContract(f: StoreFactory): void {
  test(`${f.name}: records come back exactly (bigints, bytes), from a reopened store too`, async () => {
    const { store, reopen, close } = await f.open();
    const r = channel('regtest/3', 'https://a.example/paychan/v1');
    await store.putChannel(r);
    await store.setMeta('settings', { policy: { maxDeposit: '1' }, n: 5n });
    await store.putSite({ endpoint: r.endpoint, allowance: 2_099_999_997_690_000n, updatedAt: 9 });
    for (const s of [store, await reopen()]) {
      assert.deepEqual(await s.getChannel('regtest/3'), r);
      assert.deepEqual(await s.getMeta('settings'), { policy: { maxDeposit: '1' }, n: 5n });
      assert.equal((await s.getSite(r.endpoint))!.allowance, 2_099_999_997_690_000n);
    }
    close();
  });

  test(`${f.name}: channels by endpoint, sites and sends`, async () => {
    const { store, close } = await f.open();
    await store.putChannel(channel('regtest/1', 'https://a.example/paychan/v1'));
    await store.putChannel(channel('regtest/2', 'https://b.example/paychan/v1'));
    await store.putChannel({ ...channel('regtest/1', 'https://a.example/paychan/v1'), lastError: 'x' }, 'relaxed');
    assert.deepEqual((await store.channels()).map((c) => c.id), ['regtest/1', 'regtest/2']);
    assert.deepEqual((await store.channelsFor('https://a.example/paychan/v1')).map((c) => c.lastError), ['x']);
    const sent = { txid: 'cc'.repeat(32), network: 'regtest' as const, hex: '00', coins: [], outputs: [{ script: Uint8Array.of(1), value: 5n }], changeScript: Uint8Array.of(2), feeRateKvb: 1000n, fee: 141n, createdAt: 1, replacedBy: null };
    await store.putSent(sent);
    assert.deepEqual(await store.getSent(sent.txid), sent);
    assert.equal((await store.sent('regtest')).length, 1);
    await store.deleteSent(sent.txid);
    assert.equal(await store.getSent(sent.txid), undefined);
    await store.putSite({ endpoint: 'e', allowance: 1n, updatedAt: 1 });
    await store.deleteSite('e');
    assert.deepEqual(await store.sites(), []);
    close();
  });

  test(`${f.name}: a payment is stored with its channel; acknowledging marks the payments up to paid`, async () => {
    const { store, close } = await f.open();
    const r = channel('regtest/1', 'https://a.example/paychan/v1');
    const seqs = [];
    for (const amount of [10n, 20n, 30n]) seqs.push(await store.putChannelWithPayment({ ...r, updatedAt: Number(amount) }, payment(r.id, amount)));
    assert.ok(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!, 'sequence numbers grow');
    assert.equal((await store.getChannel(r.id))!.updatedAt, 30);
    await store.putChannelAcknowledging({ ...r, lastError: 'acked' }, 20n);
    const payments = await store.payments(r.id);
    assert.deepEqual(payments.map((p) => [p.amount, p.acknowledged]), [[10n, true], [20n, true], [30n, false]]);
    assert.deepEqual(payments[2]!.signature, Uint8Array.of(1, 2, 30));
    assert.equal((await store.getChannel(r.id))!.lastError, 'acked');
    assert.equal((await store.payments()).length, 3);
    close();
  });

  test(`${f.name}: restored channels and the key counter go in together, or not at all`, async () => {
    const { store, close } = await f.open();
    assert.deepEqual([await store.nextCounter('k'), await store.nextCounter('k')], [0, 1]);
    await store.putRestoredChannels([channel('regtest/7', 'https://a.example/paychan/v1')], 'k', 8);
    assert.equal(await store.nextCounter('k'), 8);
    await store.putChannel(channel('regtest/9', 'https://a.example/paychan/v1'));
    // One of them exists: the whole restore is refused, the counter stays.
    await assert.rejects(store.putRestoredChannels([channel('regtest/10', 'x'), channel('regtest/9', 'x')], 'k', 20));
    assert.equal(await store.getChannel('regtest/10'), undefined);
    assert.equal(await store.nextCounter('k'), 9);
    close();
  });
}
