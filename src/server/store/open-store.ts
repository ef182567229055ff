/**
 * Opens the store a site's database setting names: a postgres:// (or postgresql://) URL is a
 * PostgreSQL database, for several instances (the driver and that store are loaded only then);
 * anything else is a SQLite file, the embedded default.
 */
import type { Durability } from '../config.ts';
import type { ChannelStore } from './channel-store.ts';
import { isPostgresUrl } from './postgres/pool.ts';
import { SqliteChannelStore } from './sqlite-store.ts';

export { isPostgresUrl };

export async function openChannelStore(location: string, opts: { durability: Durability }): Promise<ChannelStore> {
  if (isPostgresUrl(location)) {
    const { PostgresChannelStore } = await import('./postgres/postgres-store.ts');
    return PostgresChannelStore.open(location, { durability: opts.durability });
  }
  return new SqliteChannelStore(location, { durability: opts.durability });
}
