/**
 * Where the server keeps channels. An interface, so SQLite (one machine) can later be joined by
 * PostgreSQL (several). Every method is async so a networked database can implement it; every
 * change to a channel goes through `updateChannel`, whose callback runs inside one write
 * transaction, so a read-check-write can never interleave with another on the same channel.
 */
import type { SatPerKvb } from '../../core/amounts.ts';
import type { PendingOpen, ServerChannel } from '../../core/server-channel.ts';
import type { WatcherLease } from './watcher-lease.ts';

export interface StoredPendingOpen extends PendingOpen {
  createdAt: number;
  /** The channel this open was funded into, once it was. */
  channelId: string | null;
}

/**
 * The audit trail the admin tools read. `amount` is what the event moved: the first payment for
 * `funded`, the increment for `payment`, the price for `debit` (and for the `release` that undoes
 * it when the item was not delivered), the amount settled for `settling`.
 */
export type ChannelEventKind = 'funded' | 'payment' | 'debit' | 'release' | 'settling' | 'settle_reverted' | 'fee_bumped' | 'closed';

export interface ChannelEvent {
  channelId: string;
  /** Milliseconds since the epoch. */
  at: number;
  kind: ChannelEventKind;
  amount: bigint;
  /** The channel's cumulative paid and spent after the event. */
  paid: bigint;
  spent: bigint;
  /** What the event was about: the resource path of a debit, the txid of a settlement. */
  ref: string | null;
}

/** The sum of one kind of money event over one time bucket: what the dashboard charts. */
export interface EventBucketSum {
  /** Bucket number: floor(at / bucketMs). */
  bucket: number;
  kind: 'funded' | 'payment' | 'debit' | 'release';
  amount: bigint;
}

/** The kinds whose amounts move money: payments signed over (funded, payment) and items served (debit less release). */
export const MONEY_EVENT_KINDS = ['funded', 'payment', 'debit', 'release'] as const;

export interface NewChannelEvent {
  kind: ChannelEventKind;
  amount: bigint;
  ref?: string | null;
}

export type SettlementStatus = 'built' | 'broadcast' | 'rejected' | 'confirmed';

export interface SettlementRecord {
  txid: string;
  hex: string;
  fee: bigint;
  payout: bigint;
  /** Sat/kvB (1 sat/vB is 1000). */
  feeRateKvb: SatPerKvb;
  status: SettlementStatus;
  /** Why it was rejected, when it was. */
  detail: string | null;
  /** Each settled channel and the amount it contributed, in the settlement's input order. */
  channels: { channelId: string; amount: bigint }[];
  createdAt: number;
  /**
   * From this tip height on, a settlement still unconfirmed is fee-bumped (the watcher sets it at
   * broadcast); absent or null: not scheduled yet.
   */
  bumpHeight?: number | null;
  /** The settlement this one replaces at a higher fee (RBF); absent or null for a first settlement. */
  replaces?: string | null;
}

/** Fields of a settlement that change after it is recorded; absent fields are left as they are. */
export interface SettlementPatch {
  status?: SettlementStatus;
  detail?: string | null;
  bumpHeight?: number | null;
}

export interface UpdateOptions {
  /**
   * Default true: the commit survives a power cut before the promise resolves (SQLite: the WAL is
   * fsynced). False only for a change that carries no new signature and no state, i.e. a debit
   * of prepaid credit: it is committed (a crash of the process loses nothing) and reaches the disk
   * with the next durable commit or checkpoint. A power cut in between can forget such debits, so
   * the reader may be served again items already paid for; no payment, and so no money, is lost.
   */
  durable?: boolean;
}

/** Where a page of channels starts: just after the last channel of the previous page. */
export interface ChannelCursor {
  expiry: number;
  id: string;
}

/**
 * One page of the channels the settlement watcher looks at, in (expiry, id) order, read through
 * an index so a pass touches only the channels it acts on, however many are open. Keyset paging
 * (each page starts after the previous page's last key) visits every channel matching at the
 * start of a pass once, whatever is inserted or changed meanwhile.
 */
export interface ChannelPageQuery {
  /** Channels in that state, or every channel not closed whose funding has not confirmed. */
  of: 'open' | 'closing' | 'unconfirmed';
  /** Only channels expiring at this height or before. */
  expiryAtMost?: number;
  after?: ChannelCursor | null;
  /** Channels per page, at least 1. */
  limit: number;
}

/** The cursor that continues after `channel`. */
export const cursorAfter = (channel: ServerChannel): ChannelCursor => ({ expiry: channel.params.expiry, id: channel.id });

/** Every page of the channels `query` selects, one page read at a time. */
export async function* channelPages(store: Pick<ChannelStore, 'listChannelPage'>, query: Omit<ChannelPageQuery, 'after'>): AsyncGenerator<ServerChannel[]> {
  let after: ChannelCursor | null = null;
  for (;;) {
    const page = await store.listChannelPage({ ...query, after });
    if (page.length > 0) yield page;
    if (page.length < query.limit) return;
    after = cursorAfter(page.at(-1)!);
  }
}

/** What an `updateChannel` callback decides: the new record, its audit events, and a result. */
export interface ChannelChange<T> {
  /** Return the record it was given, unchanged, to write nothing. */
  channel: ServerChannel;
  events?: NewChannelEvent[];
  /** A settlement built from this channel, recorded in the same transaction. */
  settlement?: SettlementRecord;
  result: T;
}

/** What an `updateChannels` callback decides, for several channels in one transaction. */
export interface ChannelsChange<T> {
  /** One record per id given, in the same order; return a record unchanged to write nothing for it. */
  channels: ServerChannel[];
  events?: (NewChannelEvent & { channelId: string })[];
  /** A settlement of these channels, recorded in the same transaction. */
  settlement?: SettlementRecord;
  /** Changes to settlements already recorded, in the same transaction. */
  settlementPatches?: { txid: string; patch: SettlementPatch }[];
  result: T;
}

/** How many unfunded open proposals may wait at once, and when one has expired. */
export interface PendingOpenBounds {
  /** Unfunded proposals from one client address, at most. */
  perClient: number;
  /** Unfunded proposals from everyone, at most. */
  total: number;
  /** Milliseconds a proposal lives; older unfunded ones are pruned. */
  ttlMs: number;
}

/** What an update's decision may read of other channels, inside its transaction. */
export interface StoreView {
  /** Paid on every channel not closed whose funding has not confirmed, this one included. */
  unconfirmedPaid(): bigint;
}

export interface ChannelStore {
  /** Reserves a server key index never handed out before. */
  allocateKeyIndex(): Promise<number>;
  /** Reserves a payout address index (of payoutXpub) never handed out before, committed before it returns. */
  allocatePayoutIndex(): Promise<number>;
  addPendingOpen(open: PendingOpen): Promise<void>;
  /**
   * Stores a new open proposal from `client` within `bounds`, in one write transaction: prunes
   * expired unfunded proposals, refuses with RATE_LIMITED (`retryAfter` seconds until a slot
   * frees) when the client or everyone is at the bound, and only then reserves a fresh key index
   * and stores what `build` makes of it. A refused proposal takes no key index. Pruned proposals'
   * key indexes are never handed out again.
   */
  proposeOpen(client: string, bounds: PendingOpenBounds, build: (serverKeyIndex: number) => PendingOpen): Promise<PendingOpen>;
  getPendingOpen(openId: string): Promise<StoredPendingOpen | null>;
  /** Open proposals not funded yet and created at or after `since` (ms), oldest first: the dashboard's pending proposals. */
  listPendingOpens(since: number): Promise<StoredPendingOpen[]>;
  /**
   * Stores a funded channel and links its open to it, atomically. Throws FUNDING_MISMATCH when
   * the open is already funded or the outpoint is already a channel, and UNCONFIRMED_LIMIT when
   * the new channel's first payment would take the unconfirmed total above `zeroConfTotalLimit`.
   */
  addFundedChannel(openId: string, channel: ServerChannel, fundingTxHex: string, opts?: { zeroConfTotalLimit?: bigint }): Promise<void>;
  /** Undoes `addFundedChannel` when the node refused the funding transaction. */
  removeUnbroadcastChannel(openId: string, channelId: string): Promise<void>;
  getChannel(id: string): Promise<ServerChannel | null>;
  /**
   * Runs `change` on the channel's current record inside one write transaction and commits the
   * result before resolving. If `change` throws, nothing is written and the promise rejects with
   * that error; an unknown channel rejects with UNKNOWN_CHANNEL. `change` must be synchronous.
   */
  updateChannel<T>(id: string, change: (channel: ServerChannel, view: StoreView) => ChannelChange<T>, opts?: UpdateOptions): Promise<T>;
  /**
   * `updateChannel` for several channels at once (a batch settlement and its fee bumps): the
   * callback sees every record, and everything it decides commits together or not at all.
   */
  updateChannels<T>(ids: readonly string[], change: (channels: ServerChannel[]) => ChannelsChange<T>): Promise<T>;
  updateSettlement(txid: string, patch: SettlementPatch): Promise<void>;
  getSettlement(txid: string): Promise<SettlementRecord | null>;
  /** Settlements, oldest first: those in the given states, or those that include the given channel. */
  listSettlements(filter?: { status?: readonly SettlementStatus[]; channelId?: string }): Promise<SettlementRecord[]>;
  /** The funding transaction the client handed over, as hex; null when none was kept. */
  getFundingTx(channelId: string): Promise<string | null>;
  /** Every channel (or those in one state), oldest first: for admin tools; the watcher pages with `listChannelPage`. */
  listChannels(filter?: { state?: ServerChannel['state'] }): Promise<ServerChannel[]>;
  listChannelPage(query: ChannelPageQuery): Promise<ServerChannel[]>;
  /** How many channels are open and the earliest expiry among them (null when none is), read from an index. */
  openChannelSummary(): Promise<{ count: number; earliestExpiry: number | null }>;
  listEvents(channelId?: string): Promise<ChannelEvent[]>;
  /** Amounts of MONEY_EVENT_KINDS summed per kind and per bucket of `bucketMs`, from `since` (ms) on, oldest first; summed in the database, so a long log is not read into memory. */
  sumEventsByBucket(since: number, bucketMs: number): Promise<EventBucketSum[]>;
  /**
   * Only on a database several server instances share (PostgreSQL): the lease that confines the
   * settlement watcher to one of them. Absent (SQLite): the watcher runs wherever it is enabled.
   */
  watcherLease?(): WatcherLease;
  close(): Promise<void>;
}
