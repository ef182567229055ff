/** The ClientStore contract (contract.ts) on both stores: IndexedDB (fake-indexeddb) and SQLite. */
import 'fake-indexeddb/auto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteClientStore } from '../../../src/client/node/sqlite-store.ts';
import { openPaychanDb } from '../../../src/extension/background/storage/db.ts';
import { Store } from '../../../src/extension/background/storage/store.ts';
import { freshDbName } from '../../extension/helpers.ts';
import { storeContract } from './contract.ts';

storeContract({
  name: 'IndexedDB store',
  async open() {
    const name = freshDbName();
    const dbs = [await openPaychanDb(name)];
    return {
      store: new Store(dbs[0]!),
      async reopen() {
        dbs.push(await openPaychanDb(name));
        return new Store(dbs.at(-1)!);
      },
      close: () => dbs.forEach((db) => db.close()),
    };
  },
});

storeContract({
  name: 'SQLite store',
  async open() {
    const path = join(mkdtempSync(join(tmpdir(), 'paychan-store-')), 'wallet.db');
    const stores = [new SqliteClientStore(path)];
    return {
      store: stores[0]!,
      async reopen() {
        stores.push(new SqliteClientStore(path));
        return stores.at(-1)!;
      },
      close: () => stores.forEach((s) => s.close()),
    };
  },
});
