/**
 * The storage the client engine runs on. The extension implements it on IndexedDB
 * (extension/background/storage/store.ts), Node on SQLite (client/node/sqlite-store.ts).
 *
 * What every implementation must keep: the methods marked "one transaction" store all of their
 * records or none, so a signature is never on disk without the channel state it belongs to (and
 * never leaves before both are). Records come back as they were stored: bigints and byte arrays
 * intact.
 */
import type { NetworkName } from '../../core/network.ts';
import type { AddressRecord, ChannelRecord, PaymentRecord, SentRecord, SiteRecord } from './records.ts';

export type Durability = 'strict' | 'relaxed';

export interface ClientStore {
  getMeta<T>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
  /** Hands out the next value of a persistent counter (0 first); atomic. */
  nextCounter(key: string): Promise<number>;

  addresses(network: NetworkName): Promise<AddressRecord[]>;
  putAddresses(records: AddressRecord[]): Promise<void>;

  sent(network: NetworkName): Promise<SentRecord[]>;
  getSent(txid: string): Promise<SentRecord | undefined>;
  putSent(...records: SentRecord[]): Promise<void>;
  deleteSent(txid: string): Promise<void>;

  channels(): Promise<ChannelRecord[]>;
  channelsFor(endpoint: string): Promise<ChannelRecord[]>;
  getChannel(id: string): Promise<ChannelRecord | undefined>;
  /**
   * `relaxed`: a write whose loss in a power cut costs nothing the server cannot tell us again (a
   * receipt's paid and spent): it need not reach the disk before this resolves. A process kill
   * loses no committed write either way; signatures are never written relaxed. A store may treat
   * it as strict (the IndexedDB one does: the browser's default durability for every write).
   */
  putChannel(record: ChannelRecord, durability?: Durability): Promise<void>;
  /** Restored channels (added, never replacing one) and the key counter raised to `nextIndex`: one transaction. */
  putRestoredChannels(records: ChannelRecord[], counterKey: string, nextIndex: number): Promise<void>;
  /** The channel with the payment it just signed: one transaction. Answers the payment's sequence number. */
  putChannelWithPayment(record: ChannelRecord, payment: PaymentRecord): Promise<number>;
  /** The channel with its payments up to `paid` marked acknowledged: one transaction. */
  putChannelAcknowledging(record: ChannelRecord, paid: bigint): Promise<void>;
  payments(channel?: string): Promise<PaymentRecord[]>;

  sites(): Promise<SiteRecord[]>;
  getSite(endpoint: string): Promise<SiteRecord | undefined>;
  putSite(site: SiteRecord): Promise<void>;
  deleteSite(endpoint: string): Promise<void>;
}
