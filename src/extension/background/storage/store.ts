/** The typed storage the services use; the UI never touches it. */
import type { NetworkName } from '../../../core/network.ts';
import type { IDBPIndex, StoreNames } from 'idb';
import type { ClientStore } from '../../../client/storage/client-store.ts';
import type { Db, PaychanDB } from './db.ts';
import type { AddressRecord, ChannelRecord, PaymentRecord, SentRecord, SiteRecord } from '../../../client/storage/records.ts';

export class Store implements ClientStore {
  constructor(readonly db: Db) {}

  getMeta<T>(key: string): Promise<T | undefined> {
    return this.db.get('meta', key) as Promise<T | undefined>;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.db.put('meta', value, key);
  }

  /** Hands out the next value of a persistent counter; atomic within one IndexedDB transaction. */
  async nextCounter(key: string): Promise<number> {
    const tx = this.db.transaction('meta', 'readwrite');
    const current = ((await tx.store.get(key)) as number | undefined) ?? 0;
    await tx.store.put(current + 1, key);
    await tx.done;
    return current;
  }

  addresses(network: NetworkName): Promise<AddressRecord[]> {
    return this.db.getAllFromIndex('addresses', 'network', network);
  }

  async putAddresses(records: AddressRecord[]): Promise<void> {
    const tx = this.db.transaction('addresses', 'readwrite');
    await Promise.all([...records.map((r) => tx.store.put(r)), tx.done]);
  }

  sent(network: NetworkName): Promise<SentRecord[]> {
    return this.db.getAllFromIndex('sent', 'network', network);
  }

  getSent(txid: string): Promise<SentRecord | undefined> {
    return this.db.get('sent', txid);
  }

  async putSent(...records: SentRecord[]): Promise<void> {
    const tx = this.db.transaction('sent', 'readwrite');
    await Promise.all([...records.map((r) => tx.store.put(r)), tx.done]);
  }

  async deleteSent(txid: string): Promise<void> {
    await this.db.delete('sent', txid);
  }

  channels(): Promise<ChannelRecord[]> {
    return this.db.getAll('channels');
  }

  channelsFor(endpoint: string): Promise<ChannelRecord[]> {
    return this.db.getAllFromIndex('channels', 'endpoint', endpoint);
  }

  getChannel(id: string): Promise<ChannelRecord | undefined> {
    return this.db.get('channels', id);
  }

  async putChannel(record: ChannelRecord): Promise<void> {
    await this.db.put('channels', record);
  }

  /**
   * Channels restored from a backup, and the channel key counter raised to at least `nextIndex`,
   * in one transaction: all of them are stored, or none.
   */
  async putRestoredChannels(records: ChannelRecord[], counterKey: string, nextIndex: number): Promise<void> {
    const tx = this.db.transaction(['channels', 'meta'], 'readwrite');
    const channels = tx.objectStore('channels');
    const meta = tx.objectStore('meta');
    // The counter is read before any add: a refused add aborts the transaction, and an await
    // between the adds and Promise.all would leave their rejections unhandled.
    const current = ((await meta.get(counterKey)) as number | undefined) ?? 0;
    const puts = records.map((r) => channels.add(r));
    if (current < nextIndex) puts.push(meta.put(nextIndex, counterKey));
    await Promise.all([...puts, tx.done]);
  }

  /**
   * Stores a channel together with the payment it just signed, in one transaction: either both
   * are on disk before the signature leaves the extension, or neither is and it never leaves.
   */
  async putChannelWithPayment(record: ChannelRecord, payment: PaymentRecord): Promise<number> {
    const tx = this.db.transaction(['channels', 'payments'], 'readwrite');
    const [, seq] = await Promise.all([tx.objectStore('channels').put(record), tx.objectStore('payments').add(payment), tx.done]);
    return seq;
  }

  /** Marks the payments up to `paid` as acknowledged by the server. */
  async acknowledgePayments(channel: string, paid: bigint): Promise<void> {
    const tx = this.db.transaction('payments', 'readwrite');
    await markAcknowledged(tx.store.index('channel'), channel, paid);
    await tx.done;
  }

  /**
   * Stores a channel with what the server acknowledged and marks its payments up to `paid`
   * acknowledged, in one transaction.
   */
  async putChannelAcknowledging(record: ChannelRecord, paid: bigint): Promise<void> {
    const tx = this.db.transaction(['channels', 'payments'], 'readwrite');
    const put = tx.objectStore('channels').put(record);
    // A failed put aborts the transaction: tx.done reports it.
    put.catch(() => undefined);
    await markAcknowledged(tx.objectStore('payments').index('channel'), record.id, paid);
    await Promise.all([put, tx.done]);
  }

  payments(channel?: string): Promise<PaymentRecord[]> {
    return channel === undefined ? this.db.getAll('payments') : this.db.getAllFromIndex('payments', 'channel', channel);
  }

  sites(): Promise<SiteRecord[]> {
    return this.db.getAll('sites');
  }

  getSite(endpoint: string): Promise<SiteRecord | undefined> {
    return this.db.get('sites', endpoint);
  }

  async putSite(site: SiteRecord): Promise<void> {
    await this.db.put('sites', site);
  }

  async deleteSite(endpoint: string): Promise<void> {
    await this.db.delete('sites', endpoint);
  }
}

/**
 * Newest first, stopping at the first acknowledged payment: amounts only grow, so everything
 * older is acknowledged already, and this stays constant-time as the history grows.
 */
async function markAcknowledged<Tx extends ArrayLike<StoreNames<PaychanDB>>>(
  index: IDBPIndex<PaychanDB, Tx, 'payments', 'channel', 'readwrite'>,
  channel: string,
  paid: bigint,
): Promise<void> {
  let cursor = await index.openCursor(channel, 'prev');
  while (cursor && !cursor.value.acknowledged) {
    if (cursor.value.amount <= paid) await cursor.update({ ...cursor.value, acknowledged: true });
    cursor = await cursor.continue();
  }
}
