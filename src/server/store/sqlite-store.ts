/**
 * The ChannelStore on SQLite (better-sqlite3) in WAL mode.
 *
 * Durability: with `durability: 'full'` (synchronous=FULL) a commit fsyncs the write-ahead log
 * before the caller hears of it, so content is only released once the signature that pays for it
 * would survive a power cut; only an update marked `durable: false` (a debit alone, which moves
 * no money) commits without waiting for the fsync. 'normal' (synchronous=NORMAL) skips the fsync
 * always: a crash of the process still loses nothing, a power cut may lose the latest commits.
 *
 * Concurrency: better-sqlite3 is synchronous and every `updateChannel` callback is synchronous,
 * so a read-check-write runs start to finish with nothing else in between in this process; each
 * batch is a BEGIN IMMEDIATE transaction, which takes SQLite's write lock before reading, so
 * other processes on the same file wait rather than interleave.
 *
 * Group commit: updates that arrive in the same turn of the event loop share one transaction and
 * one fsync; the busier the server, the more payments share each fsync. An update's callback
 * decides before anything of it is written, so a refused update writes nothing and leaves the
 * others in the batch alone. A failing write (a database error, never a protocol refusal) fails
 * the whole batch, which then rolls back as one.
 */
import Database from 'better-sqlite3';
import { ProtocolError } from '../../core/errors.ts';
import type { PendingOpen, ServerChannel } from '../../core/server-channel.ts';
import type {
  ChannelChange,
  ChannelEvent,
  ChannelPageQuery,
  ChannelsChange,
  ChannelStore,
  EventBucketSum,
  PendingOpenBounds,
  SettlementPatch,
  SettlementRecord,
  SettlementStatus,
  StoredPendingOpen,
  StoreView,
  UpdateOptions,
} from './channel-store.ts';
import { MONEY_EVENT_KINDS } from './channel-store.ts';
import { migrate } from './migrations.ts';
import { assertRoomForProposal, type UnfundedProposals } from './open-bounds.ts';
import { assertUnconfirmedTotal } from '../zero-conf.ts';
import {
  CHANNEL_COLUMNS,
  NO_EXPIRY_BOUND,
  START_CURSOR,
  channelFromParts,
  channelFromRow,
  channelInsertParams,
  eventFromRow,
  fixedFromRow,
  pendingFromRow,
  pendingInsertParams,
  settlementFromRow,
  type ChannelRow,
  type ChannelStateRow,
  type EventRow,
  type FixedPart,
  type PendingOpenRow,
  type SettlementChannelRow,
  type SettlementRow,
  PAYOUT_INDEX_SQL,
} from './rows.ts';

export interface SqliteStoreOptions {
  durability?: 'full' | 'normal';
  /** How long to wait for another process's write lock before failing. */
  busyTimeoutMs?: number;
  /** Clock for timestamps; tests may fix it. */
  now?: () => number;
}

interface QueuedUpdate {
  /** Decides and writes one update inside the batch transaction (see `apply`). */
  run: () => Outcome;
  /** Must reach the disk before it resolves (UpdateOptions.durable). */
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

const PARAMS_CACHE_SIZE = 10_000;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class SqliteChannelStore implements ChannelStore {
  readonly db: Database.Database;
  private readonly now: () => number;
  private queue: QueuedUpdate[] = [];
  /** durability 'full': durable updates are fsynced before they resolve. */
  private readonly fullSync: boolean;
  private sync: 'FULL' | 'NORMAL';
  private flushScheduled = false;
  private closed = false;
  /**
   * What is fixed at funding (parameters, key index, token hash), so one object per channel is
   * reused: the core caches the per-channel part of the payment digest on the params object, and
   * the hot path then reads only the columns a channel's life changes (see `readChannel`). Safe
   * to keep across other processes' writes: a channel id is its funding outpoint, which only the
   * one open whose script it pays (a fresh server key each) can fund, so no write changes these.
   */
  private readonly fixedById = new Map<string, FixedPart>();

  private readonly stmt;
  /** Read inside a write transaction, so it sees the batch's own earlier writes. */
  private readonly view: StoreView = { unconfirmedPaid: () => this.stmt.unconfirmedPaid.get() as bigint };
  private readonly applyBatch: Database.Transaction<(ops: QueuedUpdate[]) => Outcome[]>;

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.db = new Database(path, { timeout: opts.busyTimeoutMs ?? 5_000 });
    this.db.pragma('journal_mode = WAL');
    this.fullSync = opts.durability !== 'normal';
    this.sync = this.fullSync ? 'FULL' : 'NORMAL';
    this.db.pragma(`synchronous = ${this.sync}`);
    migrate(this.db);
    const db = this.db;
    this.stmt = {
      nextKeyIndex: db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'server_key_index' RETURNING value - 1 AS idx"),
      // The payout counter is made by its first use: no migration, and databases without one start at 0.
      nextPayoutIndex: db.prepare(PAYOUT_INDEX_SQL),
      insertPending: db.prepare(`INSERT INTO pending_opens (open_id, version, network, client_pubkey, capacity, expiry,
        change_script, token_hash, server_key_index, server_pubkey, created_at, client)
        VALUES (@open_id, @version, @network, @client_pubkey, @capacity, @expiry, @change_script, @token_hash,
        @server_key_index, @server_pubkey, @created_at, @client)`),
      getPending: db.prepare('SELECT * FROM pending_opens WHERE open_id = ?'),
      listUnfundedPending: db.prepare('SELECT * FROM pending_opens WHERE channel_id IS NULL AND created_at >= ? ORDER BY created_at, open_id'),
      prunePending: db.prepare('DELETE FROM pending_opens WHERE channel_id IS NULL AND created_at < ?'),
      // Count and oldest creation time of the unfunded proposals, of everyone or of one client.
      unfundedPending: db.prepare('SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM pending_opens WHERE channel_id IS NULL'),
      unfundedPendingOf: db.prepare('SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM pending_opens WHERE channel_id IS NULL AND client = ?'),
      linkPending: db.prepare('UPDATE pending_opens SET channel_id = ? WHERE open_id = ?'),
      unlinkPending: db.prepare('UPDATE pending_opens SET channel_id = NULL WHERE open_id = ? AND channel_id = ?'),
      insertChannel: db.prepare(`INSERT INTO channels (id, network, funding_txid, funding_vout, funding_tx, server_pubkey,
        client_pubkey, expiry, capacity, change_script, server_key_index, token_hash, state, paid, signature, spent,
        funding_confirmed, settlement_txid, close_reason, created_at, updated_at)
        VALUES (@id, @network, @funding_txid, @funding_vout, @funding_tx, @server_pubkey, @client_pubkey, @expiry,
        @capacity, @change_script, @server_key_index, @token_hash, @state, @paid, @signature, @spent,
        @funding_confirmed, @settlement_txid, @close_reason, @created_at, @updated_at)`),
      getChannel: db.prepare('SELECT * FROM channels WHERE id = ?'),
      // better-sqlite3 builds a named object per row: 22 columns with blobs cost ~4x these 7.
      getChannelState: db.prepare(`SELECT state, paid, signature, spent, funding_confirmed, settlement_txid, close_reason
        FROM channels WHERE id = ?`),
      hasChannel: db.prepare('SELECT 1 FROM channels WHERE id = ?').pluck(),
      unconfirmedPaid: db.prepare("SELECT COALESCE(SUM(paid), 0) FROM channels WHERE funding_confirmed = 0 AND state <> 'closed'").pluck().safeIntegers(),
      // Positional parameters: binding named ones costs ~3x. Without `state` when it is unchanged
      // (every payment and debit), so SQLite leaves the channels_by_state index, and its page in
      // the WAL, alone.
      updateChannel: db.prepare(`UPDATE channels SET state = ?, paid = ?, signature = ?, spent = ?, funding_confirmed = ?,
        settlement_txid = ?, close_reason = ?, updated_at = ? WHERE id = ?`),
      updateChannelSameState: db.prepare(`UPDATE channels SET paid = ?, signature = ?, spent = ?, funding_confirmed = ?,
        settlement_txid = ?, close_reason = ?, updated_at = ? WHERE id = ?`),
      deleteChannel: db.prepare('DELETE FROM channels WHERE id = ?'),
      listChannels: db.prepare('SELECT * FROM channels ORDER BY created_at, id'),
      listChannelsByState: db.prepare('SELECT * FROM channels WHERE state = ? ORDER BY created_at, id'),
      // Keyset pages in the order of the index each reads: channels_by_state_expiry, channels_unconfirmed_by_expiry.
      pageByState: db.prepare(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE state = ? AND expiry <= ? AND (expiry, id) > (?, ?)
        ORDER BY expiry, id LIMIT ?`),
      pageUnconfirmed: db.prepare(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE funding_confirmed = 0 AND state <> 'closed'
        AND expiry <= ? AND (expiry, id) > (?, ?) ORDER BY expiry, id LIMIT ?`),
      openSummary: db.prepare("SELECT COUNT(*) AS count, MIN(expiry) AS earliestExpiry FROM channels WHERE state = 'open'"),
      insertEvent: db.prepare(`INSERT INTO channel_events (channel_id, at, kind, amount, paid, spent, ref)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      deleteEvents: db.prepare('DELETE FROM channel_events WHERE channel_id = ?'),
      listEvents: db.prepare('SELECT * FROM channel_events ORDER BY id'),
      listEventsOf: db.prepare('SELECT * FROM channel_events WHERE channel_id = ? ORDER BY id'),
      sumEventsByBucket: db
        .prepare(`SELECT at / @size AS bucket, kind, SUM(amount) AS amount FROM channel_events
          WHERE at >= @since AND kind IN (${MONEY_EVENT_KINDS.map((k) => `'${k}'`).join(', ')}) GROUP BY bucket, kind ORDER BY bucket, kind`)
        .safeIntegers(),
      insertSettlement: db.prepare(`INSERT INTO settlements (txid, hex, fee, payout, fee_rate_kvb, status, detail, created_at, updated_at,
        bump_height, replaces)
        VALUES (@txid, @hex, @fee, @payout, @fee_rate_kvb, @status, @detail, @created_at, @created_at, @bump_height, @replaces)
        ON CONFLICT (txid) DO UPDATE SET status = excluded.status, detail = excluded.detail, bump_height = excluded.bump_height,
        replaces = excluded.replaces, updated_at = excluded.updated_at`),
      insertSettlementChannel: db.prepare('INSERT OR IGNORE INTO settlement_channels (txid, channel_id, amount) VALUES (?, ?, ?)'),
      patchSettlement: db.prepare(`UPDATE settlements SET status = @status, detail = @detail, bump_height = @bump_height,
        updated_at = @updated_at WHERE txid = @txid`),
      listSettlementsByStatus: db.prepare('SELECT * FROM settlements WHERE status IN (SELECT value FROM json_each(?)) ORDER BY created_at, rowid'),
      listSettlementsOfChannel: db.prepare(`SELECT s.* FROM settlements s JOIN settlement_channels c ON c.txid = s.txid
        WHERE c.channel_id = ? ORDER BY s.created_at, s.rowid`),
      listSettlements: db.prepare('SELECT * FROM settlements ORDER BY created_at, rowid'),
      getFundingTx: db.prepare('SELECT funding_tx FROM channels WHERE id = ?').pluck(),
      getSettlement: db.prepare('SELECT * FROM settlements WHERE txid = ?'),
      getSettlementChannels: db.prepare('SELECT channel_id, amount FROM settlement_channels WHERE txid = ? ORDER BY rowid'),
    };
    this.applyBatch = db.transaction((ops: QueuedUpdate[]) => ops.map((op) => op.run()));
  }

  async allocateKeyIndex(): Promise<number> {
    const row = this.stmt.nextKeyIndex.get() as { idx: number };
    return row.idx;
  }

  async allocatePayoutIndex(): Promise<number> {
    const row = this.stmt.nextPayoutIndex.get() as { idx: number };
    return row.idx;
  }

  async addPendingOpen(open: PendingOpen): Promise<void> {
    this.stmt.insertPending.run(pendingInsertParams(open, this.now()));
  }

  async proposeOpen(client: string, bounds: PendingOpenBounds, build: (serverKeyIndex: number) => PendingOpen): Promise<PendingOpen> {
    // The key handed out must survive a power cut, or its index could be handed out again.
    this.setSync(this.fullSync ? 'FULL' : 'NORMAL');
    return this.db
      .transaction(() => {
        const now = this.now();
        this.stmt.prunePending.run(now - bounds.ttlMs);
        const mine = this.stmt.unfundedPendingOf.get(client) as UnfundedProposals;
        const all = this.stmt.unfundedPending.get() as UnfundedProposals;
        assertRoomForProposal(mine, all, bounds, now);
        const { idx } = this.stmt.nextKeyIndex.get() as { idx: number };
        const open = build(idx);
        this.stmt.insertPending.run(pendingInsertParams(open, now, client));
        return open;
      })
      .immediate();
  }

  async getPendingOpen(openId: string): Promise<StoredPendingOpen | null> {
    const row = this.stmt.getPending.get(openId) as PendingOpenRow | undefined;
    return row ? pendingFromRow(row) : null;
  }

  async listPendingOpens(since: number): Promise<StoredPendingOpen[]> {
    return (this.stmt.listUnfundedPending.all(since) as PendingOpenRow[]).map(pendingFromRow);
  }

  async addFundedChannel(openId: string, channel: ServerChannel, fundingTxHex: string, opts: { zeroConfTotalLimit?: bigint } = {}): Promise<void> {
    // Stored before its funding is broadcast: it must survive a power cut after the broadcast.
    this.setSync(this.fullSync ? 'FULL' : 'NORMAL');
    this.db
      .transaction(() => {
        const pending = this.stmt.getPending.get(openId) as PendingOpenRow | undefined;
        if (!pending) throw new ProtocolError('UNKNOWN_CHANNEL', `no open ${openId}`);
        if (pending.channel_id !== null) throw new ProtocolError('FUNDING_MISMATCH', `open ${openId} is already funded by ${pending.channel_id}`);
        if (this.stmt.hasChannel.get(channel.id)) throw new ProtocolError('FUNDING_MISMATCH', `${channel.id} already funds a channel`);
        const limit = opts.zeroConfTotalLimit;
        if (limit !== undefined && !channel.fundingConfirmed) assertUnconfirmedTotal(this.view.unconfirmedPaid() + channel.paid, limit);
        const now = this.now();
        // The fixed part is cached from the first read of the row on, never from the caller's object.
        this.fixedById.delete(channel.id);
        this.stmt.insertChannel.run(channelInsertParams(channel, fundingTxHex, now));
        this.stmt.insertEvent.run(channel.id, now, 'funded', channel.paid, channel.paid, channel.spent, channel.params.funding.txid);
        this.stmt.linkPending.run(channel.id, openId);
      })
      .immediate();
  }

  async removeUnbroadcastChannel(openId: string, channelId: string): Promise<void> {
    this.db
      .transaction(() => {
        this.stmt.deleteEvents.run(channelId);
        this.stmt.deleteChannel.run(channelId);
        this.fixedById.delete(channelId);
        this.stmt.unlinkPending.run(openId, channelId);
      })
      .immediate();
  }

  async getChannel(id: string): Promise<ServerChannel | null> {
    return this.readChannel(id);
  }

  /** A channel from its mutable columns plus the cached fixed part; the whole row only on a cache miss. */
  private readChannel(id: string): ServerChannel | null {
    const fixed = this.fixedById.get(id);
    if (!fixed) {
      const row = this.stmt.getChannel.get(id) as ChannelRow | undefined;
      return row ? this.channelFrom(row) : null;
    }
    const live = this.stmt.getChannelState.get(id) as ChannelStateRow | undefined;
    return live ? channelFromParts(id, fixed, live) : null;
  }

  updateChannel<T>(id: string, change: (channel: ServerChannel, view: StoreView) => ChannelChange<T>, opts: UpdateOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return this.enqueue<T>(() => this.apply(id, change as (ch: ServerChannel, view: StoreView) => ChannelChange<unknown>), opts.durable ?? true);
  }

  updateChannels<T>(ids: readonly string[], change: (channels: ServerChannel[]) => ChannelsChange<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    const list = [...ids];
    return this.enqueue<T>(() => this.applyMany(list, change as (chs: ServerChannel[]) => ChannelsChange<unknown>), true);
  }

  private enqueue<T>(run: () => Outcome, durable: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, durable, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate runs after the poll phase, so every request read in this turn joins the batch.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const ops = this.queue;
    this.queue = [];
    if (ops.length === 0) return;
    let outcomes: Outcome[];
    try {
      // One fsync for the batch when any update in it must survive a power cut (see UpdateOptions).
      this.setSync(this.fullSync && ops.some((op) => op.durable) ? 'FULL' : 'NORMAL');
      outcomes = this.applyBatch.immediate(ops);
    } catch (err) {
      // The commit itself failed (disk full, lock timeout): nothing was written for anyone.
      for (const op of ops) op.reject(err);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? ops[i]!.resolve(o.value) : ops[i]!.reject(o.error)));
  }

  /** SQLite's synchronous level for the next commits: FULL fsyncs the WAL at each commit, NORMAL only at checkpoints. */
  private setSync(level: 'FULL' | 'NORMAL'): void {
    if (level === this.sync) return;
    this.db.pragma(`synchronous = ${level}`);
    this.sync = level;
  }

  private channelFrom(row: ChannelRow): ServerChannel {
    let fixed = this.fixedById.get(row.id);
    if (!fixed) {
      fixed = fixedFromRow(row);
      // A bounded cache: beyond it, the oldest entry goes (Maps iterate in insertion order).
      if (this.fixedById.size >= PARAMS_CACHE_SIZE) this.fixedById.delete(this.fixedById.keys().next().value!);
      this.fixedById.set(row.id, fixed);
    }
    return channelFromParts(row.id, fixed, row);
  }

  private writeChannel(ch: ServerChannel, before: ServerChannel, now: number): void {
    const confirmed = ch.fundingConfirmed ? 1 : 0;
    if (ch.state === before.state) {
      this.stmt.updateChannelSameState.run(ch.paid, ch.signature, ch.spent, confirmed, ch.settlementTxid, ch.closeReason, now, ch.id);
    } else {
      this.stmt.updateChannel.run(ch.state, ch.paid, ch.signature, ch.spent, confirmed, ch.settlementTxid, ch.closeReason, now, ch.id);
    }
  }

  /** Decides one update (nothing written if it is refused), then writes it; refusals are outcomes, write errors throw. */
  private apply(id: string, decide: (ch: ServerChannel, view: StoreView) => ChannelChange<unknown>): Outcome {
    const before = this.readChannel(id);
    if (!before) return { ok: false, error: new ProtocolError('UNKNOWN_CHANNEL', `no channel ${id}`) };
    let change: ChannelChange<unknown>;
    try {
      change = decide(before, this.view);
      if (change.channel.id !== before.id) throw new Error('an update must not change a channel id');
    } catch (error) {
      return { ok: false, error };
    }
    const { channel, events = [], settlement, result } = change;
    const now = this.now();
    if (channel !== before) this.writeChannel(channel, before, now);
    for (const e of events) this.stmt.insertEvent.run(channel.id, now, e.kind, e.amount, channel.paid, channel.spent, e.ref ?? null);
    if (settlement) this.insertSettlement(settlement);
    return { ok: true, value: result };
  }

  /** `apply` for several channels: all are read, one decision is taken, then everything is written. */
  private applyMany(ids: string[], decide: (chs: ServerChannel[]) => ChannelsChange<unknown>): Outcome {
    if (new Set(ids).size !== ids.length) return { ok: false, error: new Error('updateChannels got the same channel twice') };
    const before: ServerChannel[] = [];
    for (const id of ids) {
      const ch = this.readChannel(id);
      if (!ch) return { ok: false, error: new ProtocolError('UNKNOWN_CHANNEL', `no channel ${id}`) };
      before.push(ch);
    }
    let change: ChannelsChange<unknown>;
    try {
      change = decide(before);
      if (change.channels.length !== before.length || change.channels.some((c, i) => c.id !== before[i]!.id)) {
        throw new Error('an update must return every channel it was given, in order, with the same ids');
      }
      if (change.events?.some((e) => !ids.includes(e.channelId))) throw new Error('an event names a channel outside the update');
      // Checked here, so a bad patch is refused like any other decision instead of failing the whole batch's write.
      for (const p of change.settlementPatches ?? []) if (!this.stmt.getSettlement.get(p.txid)) throw new Error(`no settlement ${p.txid}`);
    } catch (error) {
      return { ok: false, error };
    }
    const { channels, events = [], settlement, settlementPatches = [], result } = change;
    const now = this.now();
    const after = new Map<string, ServerChannel>();
    channels.forEach((ch, i) => {
      after.set(ch.id, ch);
      if (ch !== before[i]) this.writeChannel(ch, before[i]!, now);
    });
    for (const e of events) {
      const ch = after.get(e.channelId)!;
      this.stmt.insertEvent.run(ch.id, now, e.kind, e.amount, ch.paid, ch.spent, e.ref ?? null);
    }
    if (settlement) this.insertSettlement(settlement);
    for (const { txid, patch } of settlementPatches) this.patchSettlement(txid, patch, now);
    return { ok: true, value: result };
  }

  private patchSettlement(txid: string, patch: SettlementPatch, now: number): void {
    const row = this.stmt.getSettlement.get(txid) as SettlementRow | undefined;
    if (!row) throw new Error(`no settlement ${txid}`);
    this.stmt.patchSettlement.run({
      txid,
      status: patch.status ?? row.status,
      detail: patch.detail !== undefined ? patch.detail : row.detail,
      bump_height: patch.bumpHeight !== undefined ? patch.bumpHeight : row.bump_height,
      updated_at: now,
    });
  }

  /**
   * Signatures are deterministic (RFC 6979), so rebuilding a settlement the node once refused,
   * from the same payments at the same fee rate, yields the very same transaction: the record
   * is then brought back rather than duplicated.
   */
  private insertSettlement(s: SettlementRecord): void {
    this.stmt.insertSettlement.run({
      txid: s.txid,
      hex: s.hex,
      fee: s.fee,
      payout: s.payout,
      fee_rate_kvb: s.feeRateKvb,
      status: s.status,
      detail: s.detail,
      created_at: s.createdAt,
      bump_height: s.bumpHeight ?? null,
      replaces: s.replaces ?? null,
    });
    for (const c of s.channels) this.stmt.insertSettlementChannel.run(s.txid, c.channelId, c.amount);
  }

  async updateSettlement(txid: string, patch: SettlementPatch): Promise<void> {
    this.db.transaction(() => this.patchSettlement(txid, patch, this.now())).immediate();
  }

  async getSettlement(txid: string): Promise<SettlementRecord | null> {
    const row = this.stmt.getSettlement.get(txid) as SettlementRow | undefined;
    return row ? this.settlementFrom(row) : null;
  }

  async listSettlements(filter: { status?: readonly SettlementStatus[]; channelId?: string } = {}): Promise<SettlementRecord[]> {
    let rows: SettlementRow[];
    if (filter.channelId !== undefined) rows = this.stmt.listSettlementsOfChannel.all(filter.channelId) as SettlementRow[];
    else if (filter.status) rows = this.stmt.listSettlementsByStatus.all(JSON.stringify(filter.status)) as SettlementRow[];
    else rows = this.stmt.listSettlements.all() as SettlementRow[];
    if (filter.channelId !== undefined && filter.status) rows = rows.filter((r) => filter.status!.includes(r.status));
    return rows.map((r) => this.settlementFrom(r));
  }

  async getFundingTx(channelId: string): Promise<string | null> {
    const blob = this.stmt.getFundingTx.get(channelId) as Buffer | null | undefined;
    return blob && blob.length > 0 ? blob.toString('hex') : null;
  }

  private settlementFrom(row: SettlementRow): SettlementRecord {
    return settlementFromRow(row, this.stmt.getSettlementChannels.all(row.txid) as SettlementChannelRow[]);
  }

  async listChannels(filter: { state?: ServerChannel['state'] } = {}): Promise<ServerChannel[]> {
    const rows = (filter.state ? this.stmt.listChannelsByState.all(filter.state) : this.stmt.listChannels.all()) as ChannelRow[];
    return rows.map((r) => channelFromRow(r));
  }

  async listChannelPage(q: ChannelPageQuery): Promise<ServerChannel[]> {
    const { expiry, id } = q.after ?? START_CURSOR;
    const bound = q.expiryAtMost ?? NO_EXPIRY_BOUND;
    const rows = (
      q.of === 'unconfirmed' ? this.stmt.pageUnconfirmed.all(bound, expiry, id, q.limit) : this.stmt.pageByState.all(q.of, bound, expiry, id, q.limit)
    ) as ChannelRow[];
    // Not through the fixed-part cache: a pass over every channel would evict the ones payments use.
    return rows.map((r) => channelFromRow(r));
  }

  async openChannelSummary(): Promise<{ count: number; earliestExpiry: number | null }> {
    return this.stmt.openSummary.get() as { count: number; earliestExpiry: number | null };
  }

  async listEvents(channelId?: string): Promise<ChannelEvent[]> {
    const rows = (channelId === undefined ? this.stmt.listEvents.all() : this.stmt.listEventsOf.all(channelId)) as EventRow[];
    return rows.map(eventFromRow);
  }

  async sumEventsByBucket(since: number, bucketMs: number): Promise<EventBucketSum[]> {
    const rows = this.stmt.sumEventsByBucket.all({ since: BigInt(since), size: BigInt(bucketMs) }) as { bucket: bigint; kind: EventBucketSum['kind']; amount: bigint }[];
    return rows.map((r) => ({ bucket: Number(r.bucket), kind: r.kind, amount: r.amount }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let updates already queued finish before the handle goes away.
    if (this.queue.length > 0) this.flush();
    this.db.close();
  }
}
