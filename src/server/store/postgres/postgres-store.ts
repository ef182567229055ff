/**
 * The ChannelStore on PostgreSQL, for several server instances on one database.
 *
 * Durability: every transaction that stores a payment commits with synchronous_commit on, so the
 * WAL is flushed before the caller hears of it and content is only released after that; an
 * update marked `durable: false` (a debit alone) commits with it off, as SQLite's store does.
 *
 * Concurrency: `updateChannel` reads the channel with SELECT … FOR UPDATE inside its transaction,
 * so a read-check-write by any instance waits for another's on the same channel to commit and
 * then decides from the committed record: no credit is spent twice and no increment is lost.
 * `updateChannels` locks its rows in id order, so two batches cannot deadlock each other; a
 * deadlock or serialization failure anyway is retried by `inTransaction`. A refused update (its
 * callback throws) rolls back, leaving every table as it was.
 *
 * Two checks span rows no single row lock covers, so each takes a transaction-scoped advisory
 * lock of its own before it reads: the proposal bounds (count, then insert) and the zero-conf
 * total (sum every unconfirmed channel, then raise one). Locking the rows involved would not do:
 * a new proposal or a newly funded channel is a row nobody could have locked yet. The lock is
 * released only when the transaction ends, after its writes are visible, so the next holder's
 * count or sum includes them: two instances cannot both pass the last free slot or the cap.
 */
import { ProtocolError } from '../../../core/errors.ts';
import type { PendingOpen, ServerChannel } from '../../../core/server-channel.ts';
import type {
  ChannelChange,
  ChannelEvent,
  ChannelPageQuery,
  ChannelsChange,
  ChannelStore,
  EventBucketSum,
  NewChannelEvent,
  PendingOpenBounds,
  SettlementPatch,
  SettlementRecord,
  SettlementStatus,
  StoredPendingOpen,
  StoreView,
  UpdateOptions,
} from '../channel-store.ts';
import { MONEY_EVENT_KINDS } from '../channel-store.ts';
import { assertRoomForProposal, type UnfundedProposals } from '../open-bounds.ts';
import { assertUnconfirmedTotal } from '../../zero-conf.ts';
import {
  CHANNEL_COLUMNS,
  NO_EXPIRY_BOUND,
  START_CURSOR,
  channelFromRow,
  channelInsertParams,
  eventFromRow,
  pendingFromRow,
  pendingInsertParams,
  settlementFromRow,
  type ChannelRow,
  type EventRow,
  type PendingOpenRow,
  type SettlementChannelRow,
  type SettlementRow,
  PAYOUT_INDEX_SQL,
} from '../rows.ts';
import { migratePostgres } from './migrations.ts';
import { connectPool, type PgPool, type PgPoolClient, type PgQueryable } from './pool.ts';
import { inTransaction, isUniqueViolation } from './transaction.ts';
import { PostgresWatcherLease } from './watcher-lease.ts';

export interface PostgresStoreOptions {
  /** Clock for timestamps; tests may fix it. */
  now?: () => number;
  /** Pool size when the store opens its own pool (default 10). */
  maxConnections?: number;
  /** As the config's: 'normal' commits every update with synchronous_commit off (a server crash may lose the last ones). */
  durability?: 'full' | 'normal';
}

const INSERT_CHANNEL_KEYS = [
  'id', 'network', 'funding_txid', 'funding_vout', 'funding_tx', 'server_pubkey', 'client_pubkey', 'expiry', 'capacity',
  'change_script', 'server_key_index', 'token_hash', 'state', 'paid', 'signature', 'spent', 'funding_confirmed',
  'settlement_txid', 'close_reason', 'created_at', 'updated_at',
] as const;

const INSERT_PENDING_KEYS = [
  'open_id', 'version', 'network', 'client_pubkey', 'capacity', 'expiry', 'change_script', 'token_hash',
  'server_key_index', 'server_pubkey', 'created_at', 'client',
] as const;

function insertSql(table: string, keys: readonly string[]): string {
  return `INSERT INTO ${table} (${keys.join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')})`;
}

const INSERT_CHANNEL = insertSql('channels', INSERT_CHANNEL_KEYS);
const INSERT_PENDING = insertSql('pending_opens', INSERT_PENDING_KEYS);

/** Advisory lock keys, distinct from the migrations' and the watcher's: proposals ('pcop'), the zero-conf total ('pczc'). */
const PROPOSAL_LOCK = 0x7063_6f70;
const ZERO_CONF_LOCK = 0x7063_7a63;

/** BIGINT columns come back as strings; the times among them are plain numbers in the records. */
const timesAsNumbers = <R extends { created_at?: unknown; at?: unknown }>(row: R): R => ({
  ...row,
  ...(row.created_at !== undefined ? { created_at: Number(row.created_at) } : {}),
  ...(row.at !== undefined ? { at: Number(row.at) } : {}),
});

export class PostgresChannelStore implements ChannelStore {
  readonly pool: PgPool;
  private readonly now: () => number;
  private readonly ownsPool: boolean;
  private readonly fullSync: boolean;
  private closed = false;

  private constructor(pool: PgPool, ownsPool: boolean, opts: PostgresStoreOptions) {
    this.pool = pool;
    this.ownsPool = ownsPool;
    this.now = opts.now ?? Date.now;
    this.fullSync = opts.durability !== 'normal';
  }

  /** Connects to `url` (loading the pg driver) and brings its schema up to date. */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresChannelStore> {
    const pool = await connectPool(url, opts.maxConnections !== undefined ? { max: opts.maxConnections } : {});
    try {
      await migratePostgres(pool);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresChannelStore(pool, true, opts);
  }

  /** On a pool the caller made and will end; migrates it first. */
  static async fromPool(pool: PgPool, opts: PostgresStoreOptions = {}): Promise<PostgresChannelStore> {
    await migratePostgres(pool);
    return new PostgresChannelStore(pool, false, opts);
  }

  /** The lock that lets exactly one instance on this database run the settlement watcher. */
  watcherLease(): PostgresWatcherLease {
    return new PostgresWatcherLease(this.pool);
  }

  private open(): void {
    if (this.closed) throw new Error('store is closed');
  }

  async allocateKeyIndex(): Promise<number> {
    this.open();
    const { rows } = await this.pool.query<{ idx: string }>(
      "UPDATE counters SET value = value + 1 WHERE name = 'server_key_index' RETURNING value - 1 AS idx",
    );
    return Number(rows[0]!.idx);
  }

  async allocatePayoutIndex(): Promise<number> {
    this.open();
    const { rows } = await this.pool.query<{ idx: string }>(PAYOUT_INDEX_SQL);
    return Number(rows[0]!.idx);
  }

  async addPendingOpen(open: PendingOpen): Promise<void> {
    this.open();
    const p = pendingInsertParams(open, this.now());
    await this.pool.query(INSERT_PENDING, INSERT_PENDING_KEYS.map((k) => p[k]));
  }

  async proposeOpen(client: string, bounds: PendingOpenBounds, build: (serverKeyIndex: number) => PendingOpen): Promise<PendingOpen> {
    this.open();
    // Always synchronous_commit on, whatever the durability: a key index handed out and then
    // forgotten by a crash could be handed out again.
    return inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [PROPOSAL_LOCK]);
      const now = this.now();
      await c.query('DELETE FROM pending_opens WHERE channel_id IS NULL AND created_at < $1', [now - bounds.ttlMs]);
      const count = async (sql: string, values: unknown[]): Promise<UnfundedProposals> => {
        const row = (await c.query<{ n: string; oldest: string | null }>(sql, values)).rows[0]!;
        return { n: Number(row.n), oldest: row.oldest === null ? null : Number(row.oldest) };
      };
      const unfunded = 'SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM pending_opens WHERE channel_id IS NULL';
      assertRoomForProposal(await count(`${unfunded} AND client = $1`, [client]), await count(unfunded, []), bounds, now);
      const { rows } = await c.query<{ idx: string }>("UPDATE counters SET value = value + 1 WHERE name = 'server_key_index' RETURNING value - 1 AS idx");
      const open = build(Number(rows[0]!.idx));
      const p = pendingInsertParams(open, now, client);
      await c.query(INSERT_PENDING, INSERT_PENDING_KEYS.map((k) => p[k]));
      return open;
    });
  }

  async getPendingOpen(openId: string): Promise<StoredPendingOpen | null> {
    this.open();
    const { rows } = await this.pool.query<PendingOpenRow>('SELECT * FROM pending_opens WHERE open_id = $1', [openId]);
    return rows[0] ? pendingFromRow(timesAsNumbers(rows[0])) : null;
  }

  async listPendingOpens(since: number): Promise<StoredPendingOpen[]> {
    this.open();
    const { rows } = await this.pool.query<PendingOpenRow>('SELECT * FROM pending_opens WHERE channel_id IS NULL AND created_at >= $1 ORDER BY created_at, open_id', [since]);
    return rows.map((r) => pendingFromRow(timesAsNumbers(r)));
  }

  async addFundedChannel(openId: string, channel: ServerChannel, fundingTxHex: string, opts: { zeroConfTotalLimit?: bigint } = {}): Promise<void> {
    this.open();
    try {
      await inTransaction(this.pool, async (c) => {
        const { rows } = await c.query<PendingOpenRow>('SELECT channel_id FROM pending_opens WHERE open_id = $1 FOR UPDATE', [openId]);
        const pending = rows[0];
        if (!pending) throw new ProtocolError('UNKNOWN_CHANNEL', `no open ${openId}`);
        if (pending.channel_id !== null) throw new ProtocolError('FUNDING_MISMATCH', `open ${openId} is already funded by ${pending.channel_id}`);
        const known = await c.query('SELECT 1 FROM channels WHERE id = $1', [channel.id]);
        if (known.rows.length > 0) throw new ProtocolError('FUNDING_MISMATCH', `${channel.id} already funds a channel`);
        const limit = opts.zeroConfTotalLimit;
        if (limit !== undefined && !channel.fundingConfirmed) assertUnconfirmedTotal((await lockedUnconfirmedPaid(c)) + channel.paid, limit);
        const now = this.now();
        const p = channelInsertParams(channel, fundingTxHex, now);
        await c.query(INSERT_CHANNEL, INSERT_CHANNEL_KEYS.map((k) => p[k]));
        await insertEvent(c, channel, { kind: 'funded', amount: channel.paid, ref: channel.params.funding.txid }, now);
        await c.query('UPDATE pending_opens SET channel_id = $1 WHERE open_id = $2', [channel.id, openId]);
      });
    } catch (err) {
      // Two opens racing to one outpoint: the primary key decides, as SQLite's check does.
      if (isUniqueViolation(err)) throw new ProtocolError('FUNDING_MISMATCH', `${channel.id} already funds a channel`);
      throw err;
    }
  }

  async removeUnbroadcastChannel(openId: string, channelId: string): Promise<void> {
    this.open();
    await inTransaction(this.pool, async (c) => {
      await c.query('DELETE FROM channel_events WHERE channel_id = $1', [channelId]);
      await c.query('DELETE FROM channels WHERE id = $1', [channelId]);
      await c.query('UPDATE pending_opens SET channel_id = NULL WHERE open_id = $1 AND channel_id = $2', [openId, channelId]);
    });
  }

  async getChannel(id: string): Promise<ServerChannel | null> {
    this.open();
    const { rows } = await this.pool.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE id = $1`, [id]);
    return rows[0] ? channelFromRow(rows[0]) : null;
  }

  async updateChannel<T>(id: string, change: (channel: ServerChannel, view: StoreView) => ChannelChange<T>, opts: UpdateOptions = {}): Promise<T> {
    this.open();
    return inTransaction(
      this.pool,
      async (c) => {
        const { rows } = await c.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE id = $1 FOR UPDATE`, [id]);
        if (!rows[0]) throw new ProtocolError('UNKNOWN_CHANNEL', `no channel ${id}`);
        const before = channelFromRow(rows[0]);
        const decided = await decideWithView(c, (view) => change(before, view));
        if (decided.channel.id !== before.id) throw new Error('an update must not change a channel id');
        const { channel, events = [], settlement, result } = decided;
        const now = this.now();
        if (channel !== before && events.length === 1) await writeChannelWithEvent(c, channel, events[0]!, now);
        else {
          if (channel !== before) await writeChannel(c, channel, now);
          for (const e of events) await insertEvent(c, channel, e, now);
        }
        if (settlement) await insertSettlement(c, settlement);
        return result;
      },
      { durable: this.fullSync && (opts.durable ?? true) },
    );
  }

  async updateChannels<T>(ids: readonly string[], change: (channels: ServerChannel[]) => ChannelsChange<T>): Promise<T> {
    this.open();
    const list = [...ids];
    if (new Set(list).size !== list.length) throw new Error('updateChannels got the same channel twice');
    return inTransaction(this.pool, async (c) => {
      // Locked in id order, whatever order the caller gave, so concurrent batches never deadlock.
      const { rows } = await c.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE id = ANY($1) ORDER BY id FOR UPDATE`, [list]);
      const byId = new Map(rows.map((r) => [r.id, channelFromRow(r)]));
      const before = list.map((id) => {
        const ch = byId.get(id);
        if (!ch) throw new ProtocolError('UNKNOWN_CHANNEL', `no channel ${id}`);
        return ch;
      });
      const decided = change(before);
      if (decided.channels.length !== before.length || decided.channels.some((ch, i) => ch.id !== before[i]!.id)) {
        throw new Error('an update must return every channel it was given, in order, with the same ids');
      }
      if (decided.events?.some((e) => !list.includes(e.channelId))) throw new Error('an event names a channel outside the update');
      for (const p of decided.settlementPatches ?? []) {
        const known = await c.query('SELECT 1 FROM settlements WHERE txid = $1', [p.txid]);
        if (known.rows.length === 0) throw new Error(`no settlement ${p.txid}`);
      }
      const { channels, events = [], settlement, settlementPatches = [], result } = decided;
      const now = this.now();
      const after = new Map<string, ServerChannel>();
      for (const [i, ch] of channels.entries()) {
        after.set(ch.id, ch);
        if (ch !== before[i]) await writeChannel(c, ch, now);
      }
      for (const e of events) await insertEvent(c, after.get(e.channelId)!, e, now);
      if (settlement) await insertSettlement(c, settlement);
      for (const { txid, patch } of settlementPatches) await patchSettlement(c, txid, patch, now);
      return result;
    });
  }

  async updateSettlement(txid: string, patch: SettlementPatch): Promise<void> {
    this.open();
    await inTransaction(this.pool, (c) => patchSettlement(c, txid, patch, this.now()));
  }

  async getSettlement(txid: string): Promise<SettlementRecord | null> {
    this.open();
    const { rows } = await this.pool.query<SettlementRow>('SELECT * FROM settlements WHERE txid = $1', [txid]);
    return rows[0] ? (await this.settlementsFrom(rows))[0]! : null;
  }

  async listSettlements(filter: { status?: readonly SettlementStatus[]; channelId?: string } = {}): Promise<SettlementRecord[]> {
    this.open();
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.channelId !== undefined) {
      values.push(filter.channelId);
      where.push(`txid IN (SELECT txid FROM settlement_channels WHERE channel_id = $${values.length})`);
    }
    if (filter.status) {
      values.push([...filter.status]);
      where.push(`status = ANY($${values.length})`);
    }
    const sql = `SELECT * FROM settlements ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, seq`;
    const { rows } = await this.pool.query<SettlementRow>(sql, values);
    return this.settlementsFrom(rows);
  }

  async getFundingTx(channelId: string): Promise<string | null> {
    this.open();
    const { rows } = await this.pool.query<{ funding_tx: Buffer | null }>('SELECT funding_tx FROM channels WHERE id = $1', [channelId]);
    const blob = rows[0]?.funding_tx;
    return blob && blob.length > 0 ? blob.toString('hex') : null;
  }

  /** The settlements with their channels, read in one query for the whole list. */
  private async settlementsFrom(rows: readonly SettlementRow[]): Promise<SettlementRecord[]> {
    if (rows.length === 0) return [];
    const { rows: channels } = await this.pool.query<SettlementChannelRow & { txid: string }>(
      'SELECT txid, channel_id, amount FROM settlement_channels WHERE txid = ANY($1) ORDER BY txid, position',
      [rows.map((r) => r.txid)],
    );
    const byTxid = new Map<string, SettlementChannelRow[]>();
    for (const c of channels) byTxid.set(c.txid, [...(byTxid.get(c.txid) ?? []), c]);
    return rows.map((r) => settlementFromRow(r, byTxid.get(r.txid) ?? []));
  }

  async listChannels(filter: { state?: ServerChannel['state'] } = {}): Promise<ServerChannel[]> {
    this.open();
    const { rows } = filter.state
      ? await this.pool.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM channels WHERE state = $1 ORDER BY created_at, id`, [filter.state])
      : await this.pool.query<ChannelRow>(`SELECT ${CHANNEL_COLUMNS} FROM channels ORDER BY created_at, id`);
    return rows.map(channelFromRow);
  }

  async listChannelPage(q: ChannelPageQuery): Promise<ServerChannel[]> {
    this.open();
    const after = q.after ?? START_CURSOR;
    // The same (expiry, id) order as the index each reads, channels_by_state_expiry or channels_unconfirmed_by_expiry.
    const which = q.of === 'unconfirmed' ? "funding_confirmed = 0 AND state <> 'closed'" : 'state = $5';
    const { rows } = await this.pool.query<ChannelRow>(
      `SELECT ${CHANNEL_COLUMNS} FROM channels WHERE ${which} AND expiry <= $1 AND (expiry, id) > ($2, $3)
       ORDER BY expiry, id LIMIT $4`,
      [q.expiryAtMost ?? NO_EXPIRY_BOUND, after.expiry, after.id, q.limit, ...(q.of === 'unconfirmed' ? [] : [q.of])],
    );
    return rows.map(channelFromRow);
  }

  async openChannelSummary(): Promise<{ count: number; earliestExpiry: number | null }> {
    this.open();
    const { rows } = await this.pool.query<{ count: string; earliest: number | null }>(
      "SELECT COUNT(*) AS count, MIN(expiry) AS earliest FROM channels WHERE state = 'open'",
    );
    return { count: Number(rows[0]!.count), earliestExpiry: rows[0]!.earliest };
  }

  async listEvents(channelId?: string): Promise<ChannelEvent[]> {
    this.open();
    const { rows } =
      channelId === undefined
        ? await this.pool.query<EventRow>('SELECT * FROM channel_events ORDER BY id')
        : await this.pool.query<EventRow>('SELECT * FROM channel_events WHERE channel_id = $1 ORDER BY id', [channelId]);
    return rows.map((r) => eventFromRow(timesAsNumbers(r)));
  }

  async sumEventsByBucket(since: number, bucketMs: number): Promise<EventBucketSum[]> {
    this.open();
    const { rows } = await this.pool.query<{ bucket: string; kind: EventBucketSum['kind']; amount: string }>(
      `SELECT at / $2 AS bucket, kind, SUM(amount)::text AS amount FROM channel_events
        WHERE at >= $1 AND kind = ANY($3) GROUP BY 1, 2 ORDER BY 1, 2`,
      [since, bucketMs, MONEY_EVENT_KINDS],
    );
    return rows.map((r) => ({ bucket: Number(r.bucket), kind: r.kind, amount: BigInt(r.amount) }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // pg's Pool.end waits for checked-out connections, so transactions under way finish first.
    if (this.ownsPool) await this.pool.end();
  }
}

/**
 * What every unconfirmed channel holds, read under ZERO_CONF_LOCK (see the header). The sum is
 * its own statement after the lock's: under READ COMMITTED a statement sees what committed before
 * it began, so reading in the statement that waited for the lock could miss the last holder's raise.
 */
async function lockedUnconfirmedPaid(c: PgQueryable): Promise<bigint> {
  await c.query('SELECT pg_advisory_xact_lock($1)', [ZERO_CONF_LOCK]);
  const { rows } = await c.query<{ total: string }>("SELECT COALESCE(SUM(paid), 0) AS total FROM channels WHERE funding_confirmed = 0 AND state <> 'closed'");
  return BigInt(rows[0]!.total);
}

/**
 * Runs an update's synchronous decision with a StoreView. The view cannot query on demand, and
 * taking the zero-conf lock for every update would serialise every payment and debit of every
 * instance; so the decision first runs with a view that only notes it was asked. Only a decision
 * that asks (one raising what an unconfirmed channel holds) runs again, with the total read under
 * the lock; the first run's outcome is dropped. Decisions are pure (inTransaction may rerun them).
 */
async function decideWithView<R>(c: PgQueryable, decide: (view: StoreView) => R): Promise<R> {
  let asked = false;
  const probe: StoreView = {
    unconfirmedPaid: () => {
      asked = true;
      throw new Error('the unconfirmed total is read under its lock');
    },
  };
  let first: { value: R } | { error: unknown };
  try {
    first = { value: decide(probe) };
  } catch (error) {
    first = { error };
  }
  if (asked) {
    const total = await lockedUnconfirmedPaid(c);
    return decide({ unconfirmedPaid: () => total });
  }
  if ('error' in first) throw first.error;
  return first.value;
}

async function writeChannel(c: PgQueryable, ch: ServerChannel, now: number): Promise<void> {
  await c.query(
    `UPDATE channels SET state = $1, paid = $2, signature = $3, spent = $4, funding_confirmed = $5, settlement_txid = $6,
     close_reason = $7, updated_at = $8 WHERE id = $9`,
    [ch.state, ch.paid, ch.signature, ch.spent, ch.fundingConfirmed ? 1 : 0, ch.settlementTxid, ch.closeReason, now, ch.id],
  );
}

/**
 * `writeChannel` and `insertEvent` in one statement, so one round trip: a payment or a debit, the
 * commonest update, changes the channel and records one event. (A data-modifying WITH always runs.)
 */
async function writeChannelWithEvent(c: PgQueryable, ch: ServerChannel, e: NewChannelEvent, now: number): Promise<void> {
  await c.query(
    `WITH written AS (UPDATE channels SET state = $1, paid = $2, signature = $3, spent = $4, funding_confirmed = $5, settlement_txid = $6,
     close_reason = $7, updated_at = $8 WHERE id = $9)
     INSERT INTO channel_events (channel_id, at, kind, amount, paid, spent, ref) VALUES ($9, $8, $10, $11, $2, $4, $12)`,
    [ch.state, ch.paid, ch.signature, ch.spent, ch.fundingConfirmed ? 1 : 0, ch.settlementTxid, ch.closeReason, now, ch.id, e.kind, e.amount, e.ref ?? null],
  );
}

async function insertEvent(c: PgQueryable, ch: ServerChannel, e: NewChannelEvent, now: number): Promise<void> {
  await c.query('INSERT INTO channel_events (channel_id, at, kind, amount, paid, spent, ref) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    ch.id, now, e.kind, e.amount, ch.paid, ch.spent, e.ref ?? null,
  ]);
}

/** As SQLite's: a settlement rebuilt identically (RFC 6979 signatures) brings its record back rather than duplicating it. */
async function insertSettlement(c: PgQueryable, s: SettlementRecord): Promise<void> {
  await c.query(
    `INSERT INTO settlements (txid, hex, fee, payout, fee_rate_kvb, status, detail, created_at, updated_at, bump_height, replaces)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)
     ON CONFLICT (txid) DO UPDATE SET status = excluded.status, detail = excluded.detail, bump_height = excluded.bump_height,
     replaces = excluded.replaces, updated_at = excluded.updated_at`,
    [s.txid, s.hex, s.fee, s.payout, s.feeRateKvb, s.status, s.detail, s.createdAt, s.bumpHeight ?? null, s.replaces ?? null],
  );
  for (const [i, ch] of s.channels.entries()) {
    await c.query('INSERT INTO settlement_channels (txid, channel_id, amount, position) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
      s.txid, ch.channelId, ch.amount, i,
    ]);
  }
}

async function patchSettlement(c: PgPoolClient | PgQueryable, txid: string, patch: SettlementPatch, now: number): Promise<void> {
  const { rows } = await c.query<SettlementRow>('SELECT status, detail, bump_height FROM settlements WHERE txid = $1 FOR UPDATE', [txid]);
  const row = rows[0];
  if (!row) throw new Error(`no settlement ${txid}`);
  await c.query('UPDATE settlements SET status = $1, detail = $2, bump_height = $3, updated_at = $4 WHERE txid = $5', [
    patch.status ?? row.status,
    patch.detail !== undefined ? patch.detail : row.detail,
    patch.bumpHeight !== undefined ? patch.bumpHeight : row.bump_height,
    now,
    txid,
  ]);
}
