/**
 * The SQLite schema as numbered migrations; `PRAGMA user_version` records how many ran. Never
 * edit a released migration: append a new one. Amounts are INTEGER satoshis (all fit in 53 bits).
 */
import type Database from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: channels, the opens that precede them, their audit trail and settlements.
  `
  CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT;
  INSERT INTO counters (name, value) VALUES ('server_key_index', 0);

  CREATE TABLE pending_opens (
    open_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    network TEXT NOT NULL,
    client_pubkey BLOB NOT NULL,
    capacity INTEGER NOT NULL,
    expiry INTEGER NOT NULL,
    change_script BLOB NOT NULL,
    token_hash BLOB NOT NULL,
    server_key_index INTEGER NOT NULL UNIQUE,
    server_pubkey BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    channel_id TEXT
  ) STRICT;

  CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    network TEXT NOT NULL,
    funding_txid TEXT NOT NULL,
    funding_vout INTEGER NOT NULL,
    funding_tx BLOB,
    server_pubkey BLOB NOT NULL,
    client_pubkey BLOB NOT NULL,
    expiry INTEGER NOT NULL,
    capacity INTEGER NOT NULL,
    change_script BLOB NOT NULL,
    server_key_index INTEGER NOT NULL UNIQUE,
    token_hash BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closing', 'closed')),
    paid INTEGER NOT NULL,
    signature BLOB NOT NULL,
    spent INTEGER NOT NULL,
    funding_confirmed INTEGER NOT NULL,
    settlement_txid TEXT,
    close_reason TEXT CHECK (close_reason IN ('settled', 'refunded', 'double_spent')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (0 <= spent AND spent <= paid AND paid <= capacity)
  ) STRICT;
  CREATE INDEX channels_by_state ON channels (state);

  CREATE TABLE channel_events (
    id INTEGER PRIMARY KEY,
    channel_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    amount INTEGER NOT NULL,
    paid INTEGER NOT NULL,
    spent INTEGER NOT NULL,
    ref TEXT
  ) STRICT;
  CREATE INDEX channel_events_by_channel ON channel_events (channel_id, id);

  CREATE TABLE settlements (
    txid TEXT PRIMARY KEY,
    hex TEXT NOT NULL,
    fee INTEGER NOT NULL,
    payout INTEGER NOT NULL,
    fee_rate INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('built', 'broadcast', 'rejected', 'confirmed')),
    detail TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE settlement_channels (
    txid TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    PRIMARY KEY (txid, channel_id)
  ) STRICT;
  CREATE INDEX settlement_channels_by_channel ON settlement_channels (channel_id);
  `,
  // 2: the settlement watcher: when a stuck settlement is fee-bumped, and which one a bump replaces.
  `
  ALTER TABLE settlements ADD COLUMN bump_height INTEGER;
  ALTER TABLE settlements ADD COLUMN replaces TEXT;
  CREATE INDEX settlements_by_status ON settlements (status);
  `,
  // 3: cooperative closes used to be sent without a bump height, and the watcher bumps only
  // settlements that have one. Such a settlement has waited an unknown time: due now.
  `
  UPDATE settlements SET bump_height = 0 WHERE status = 'broadcast' AND bump_height IS NULL;
  `,
  // 4: open proposals are bounded per client address and expire: who proposed each (null for
  // older rows), and indexes to count and prune the unfunded ones; zero-conf exposure is capped
  // across channels.
  `
  ALTER TABLE pending_opens ADD COLUMN client TEXT;
  CREATE INDEX pending_opens_unfunded ON pending_opens (created_at) WHERE channel_id IS NULL;
  CREATE INDEX pending_opens_unfunded_by_client ON pending_opens (client, created_at) WHERE channel_id IS NULL;
  -- What is held on channels whose funding has not confirmed, summed for the zero-conf total limit.
  CREATE INDEX channels_unconfirmed ON channels (paid) WHERE funding_confirmed = 0 AND state <> 'closed';
  `,
  // 5 (settlement fee rates in sat/kvB): rates were whole sat/vB, rounded up; they are now kept
  // in sat/kvB so fractional and sub-1 sat/vB rates are exact. The column is renamed so no
  // reader can mistake one unit for the other.
  `
  ALTER TABLE settlements RENAME COLUMN fee_rate TO fee_rate_kvb;
  UPDATE settlements SET fee_rate_kvb = fee_rate_kvb * 1000;
  `,
  // 6: the settlement watcher pages through channels by (expiry, id) instead of loading every open
  // one: those in a state, and those not closed whose funding has not confirmed, each in that
  // order, so a pass reads only the channels due or unconfirmed. The new index also serves what
  // channels_by_state did.
  `
  DROP INDEX channels_by_state;
  CREATE INDEX channels_by_state_expiry ON channels (state, expiry, id);
  CREATE INDEX channels_unconfirmed_by_expiry ON channels (expiry, id) WHERE funding_confirmed = 0 AND state <> 'closed';
  `,
];

/** Brings a database up to the newest schema; safe when several processes start at once. */
export function migrate(db: Database.Database): number {
  const run = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(`database schema ${current} is newer than this server (${MIGRATIONS.length}); upgrade the server`);
    }
    for (let v = current; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
    return MIGRATIONS.length;
  });
  // IMMEDIATE takes the write lock before reading the version, so two starting servers cannot both migrate.
  return run.immediate();
}
