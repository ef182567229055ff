/**
 * Databases for the watcher benchmark: `total` open channels, of which `DUE` are due for
 * settlement and `UNCONFIRMED` wait for their funding to confirm (real channels, with real
 * signatures, made through the store), and the rest clones of one confirmed channel far from
 * expiry, inserted by one SQL statement (through the store, 100 000 fsynced fundings would take
 * minutes). Clones get their own funding outpoint, key index and expiry.
 */
import pg from 'pg';
import { ServerKeys } from '../src/server/keys.ts';
import type { ChannelStore } from '../src/server/store/channel-store.ts';
import { openChannelStore } from '../src/server/store/open-store.ts';
import { SqliteChannelStore } from '../src/server/store/sqlite-store.ts';
import { syntheticChannel } from '../test/server/helpers/synthetic-channel.ts';

export const WATCHER_BENCH_SEED = new Uint8Array(32).fill(9);
export const WATCHER_BENCH_TIP = 1_000;
const DUE = 20;
const UNCONFIRMED = 20;
/** Key indexes of clones start here, past every real channel's. */
const CLONE_KEY_BASE = 1_000_000;

const CLONE_COLUMNS = `network, funding_tx, server_pubkey, client_pubkey, capacity, change_script, token_hash, state, paid,
  signature, spent, funding_confirmed, settlement_txid, close_reason, created_at, updated_at`;

/** Fills the empty database at `location` (a SQLite file or a postgres:// URL). */
export async function fillWatcherBench(location: string, total: number): Promise<{ due: number }> {
  const store: ChannelStore = await openChannelStore(location, { durability: 'normal' });
  const keys = new ServerKeys(WATCHER_BENCH_SEED, 'regtest');
  const make = (expiry: number, confirmed: boolean) => syntheticChannel(store, keys, { capacity: 100_000n, expiry, firstPayment: 5_000n, confirmed });
  for (let i = 0; i < DUE; i++) await make(WATCHER_BENCH_TIP + 10, true);
  for (let i = 0; i < UNCONFIRMED; i++) await make(WATCHER_BENCH_TIP + 2_000 + i, false);
  const template = (await make(WATCHER_BENCH_TIP + 3_000, true)).id;
  const clones = total - DUE - UNCONFIRMED - 1;
  // Expiries spread over 2 000 heights, all far beyond the settlement margin.
  if (store instanceof SqliteChannelStore) {
    store.db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO channels (id, funding_txid, funding_vout, expiry, server_key_index, ${CLONE_COLUMNS})
         SELECT printf('%064x:0', i), printf('%064x', i), 0, ? + i % 2000, ? + i, ${CLONE_COLUMNS}
         FROM n, (SELECT * FROM channels WHERE id = ?)`,
      )
      .run(clones, WATCHER_BENCH_TIP + 3_000, CLONE_KEY_BASE, template);
    await store.close();
  } else {
    await store.close();
    const client = new pg.Client({ connectionString: location });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO channels (id, funding_txid, funding_vout, expiry, server_key_index, ${CLONE_COLUMNS})
         SELECT lpad(to_hex(i), 64, '0') || ':0', lpad(to_hex(i), 64, '0'), 0, $2 + i % 2000, $3 + i, ${CLONE_COLUMNS}
         FROM generate_series(1, $1::int) i, (SELECT * FROM channels WHERE id = $4) t`,
        [clones, WATCHER_BENCH_TIP + 3_000, CLONE_KEY_BASE, template],
      );
      // What autovacuum would soon have done; SQLite's plans need no statistics.
      await client.query('ANALYZE channels');
    } finally {
      await client.end();
    }
  }
  return { due: DUE };
}
