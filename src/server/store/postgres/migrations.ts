/**
 * The PostgreSQL schema as numbered migrations, numbered as SQLite's (../migrations.ts) so one
 * version means one schema on either backend. `paychan_schema` records how many ran. Never edit
 * a released migration: append a new one. Amounts are BIGINT satoshis; times are milliseconds.
 */
import type { PgPool } from './pool.ts';

export const PG_MIGRATIONS: readonly string[] = [
  // 1: channels, the opens that precede them, their audit trail and settlements.
  `
  CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
  );
  INSERT INTO counters (name, value) VALUES ('server_key_index', 0);

  CREATE TABLE pending_opens (
    open_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    network TEXT NOT NULL,
    client_pubkey BYTEA NOT NULL,
    capacity BIGINT NOT NULL,
    expiry INTEGER NOT NULL,
    change_script BYTEA NOT NULL,
    token_hash BYTEA NOT NULL,
    server_key_index INTEGER NOT NULL UNIQUE,
    server_pubkey BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    channel_id TEXT
  );

  CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    network TEXT NOT NULL,
    funding_txid TEXT NOT NULL,
    funding_vout INTEGER NOT NULL,
    funding_tx BYTEA,
    server_pubkey BYTEA NOT NULL,
    client_pubkey BYTEA NOT NULL,
    expiry INTEGER NOT NULL,
    capacity BIGINT NOT NULL,
    change_script BYTEA NOT NULL,
    server_key_index INTEGER NOT NULL UNIQUE,
    token_hash BYTEA NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closing', 'closed')),
    paid BIGINT NOT NULL,
    signature BYTEA NOT NULL,
    spent BIGINT NOT NULL,
    funding_confirmed INTEGER NOT NULL,
    settlement_txid TEXT,
    close_reason TEXT CHECK (close_reason IN ('settled', 'refunded', 'double_spent')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (0 <= spent AND spent <= paid AND paid <= capacity)
  );
  CREATE INDEX channels_by_state ON channels (state);

  CREATE TABLE channel_events (
    id BIGSERIAL PRIMARY KEY,
    channel_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    amount BIGINT NOT NULL,
    paid BIGINT NOT NULL,
    spent BIGINT NOT NULL,
    ref TEXT
  );
  CREATE INDEX channel_events_by_channel ON channel_events (channel_id, id);

  CREATE TABLE settlements (
    txid TEXT PRIMARY KEY,
    seq BIGSERIAL,
    hex TEXT NOT NULL,
    fee BIGINT NOT NULL,
    payout BIGINT NOT NULL,
    fee_rate BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('built', 'broadcast', 'rejected', 'confirmed')),
    detail TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );

  CREATE TABLE settlement_channels (
    txid TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (txid, channel_id)
  );
  CREATE INDEX settlement_channels_by_channel ON settlement_channels (channel_id);
  `,
  // 2: the settlement watcher: when a stuck settlement is fee-bumped, and which one a bump replaces.
  `
  ALTER TABLE settlements ADD COLUMN bump_height INTEGER;
  ALTER TABLE settlements ADD COLUMN replaces TEXT;
  CREATE INDEX settlements_by_status ON settlements (status);
  `,
  // 3: as SQLite's 3 (cooperative closes once sent without a bump height): due now.
  `
  UPDATE settlements SET bump_height = 0 WHERE status = 'broadcast' AND bump_height IS NULL;
  `,
  // 4: as SQLite's 4: who proposed each open (null for older rows), indexes to count and prune
  // the unfunded ones, and one to sum what unconfirmed channels hold for the zero-conf total cap.
  `
  ALTER TABLE pending_opens ADD COLUMN client TEXT;
  CREATE INDEX pending_opens_unfunded ON pending_opens (created_at) WHERE channel_id IS NULL;
  CREATE INDEX pending_opens_unfunded_by_client ON pending_opens (client, created_at) WHERE channel_id IS NULL;
  CREATE INDEX channels_unconfirmed ON channels (paid) WHERE funding_confirmed = 0 AND state <> 'closed';
  `,
  // 5: as SQLite's 5: settlement fee rates in sat/kvB (they were whole sat/vB).
  `
  ALTER TABLE settlements RENAME COLUMN fee_rate TO fee_rate_kvb;
  UPDATE settlements SET fee_rate_kvb = fee_rate_kvb * 1000;
  `,
  // 6: as SQLite's 6: the watcher pages through channels by (expiry, id).
  `
  DROP INDEX channels_by_state;
  CREATE INDEX channels_by_state_expiry ON channels (state, expiry, id);
  CREATE INDEX channels_unconfirmed_by_expiry ON channels (expiry, id) WHERE funding_confirmed = 0 AND state <> 'closed';
  `,
];

/** The advisory lock key that serialises migrations across every instance starting at once. */
const MIGRATION_LOCK = 0x7061_7963; // 'payc'

/**
 * Brings the database up to the newest schema, in one transaction under a transaction-scoped
 * advisory lock: instances starting together wait for the first, then find nothing left to do.
 */
export async function migratePostgres(pool: PgPool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS paychan_schema (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM paychan_schema');
    const current = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query('INSERT INTO paychan_schema (version) VALUES (0)');
    if (current > PG_MIGRATIONS.length) {
      throw new Error(`database schema ${current} is newer than this server (${PG_MIGRATIONS.length}); upgrade the server`);
    }
    for (let v = current; v < PG_MIGRATIONS.length; v++) await client.query(PG_MIGRATIONS[v]!);
    await client.query('UPDATE paychan_schema SET version = $1', [PG_MIGRATIONS.length]);
    await client.query('COMMIT');
    return PG_MIGRATIONS.length;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
