/** The store contract on SQLite (a fresh file per test). */
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../../src/server/store/migrations.ts';
import { SqliteChannelStore } from '../../../src/server/store/sqlite-store.ts';
import type { ChannelStore } from '../../../src/server/store/channel-store.ts';
import { tempDbPath } from '../helpers/server.ts';
import { snapshot } from '../helpers/snapshot.ts';
import { storeContract } from './contract.ts';

storeContract({
  name: 'SQLite',
  migrations: MIGRATIONS.length,
  async create(opts = {}) {
    const tmp = tempDbPath();
    const opened: ChannelStore[] = [];
    const open = async () => {
      const s = new SqliteChannelStore(tmp.dbPath, opts);
      opened.push(s);
      return s;
    };
    return {
      store: await open(),
      open,
      snapshot: async () => snapshot(tmp.dbPath),
      async schemaVersion() {
        const db = new Database(tmp.dbPath, { readonly: true });
        try {
          return db.pragma('user_version', { simple: true }) as number;
        } finally {
          db.close();
        }
      },
      async cleanup() {
        for (const s of opened) await s.close();
        tmp.cleanup();
      },
    };
  },
});
