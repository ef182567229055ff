/**
 * The IndexedDB schema. Each version's migration runs once, in order, inside the upgrade
 * transaction, so a browser that skipped releases still reaches the current shape; a migration
 * is never edited after it ships, only followed by a new one.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore, type IDBPTransaction, type StoreNames } from 'idb';
import type { AddressRecord, ChannelRecord, PaymentRecord, SentRecord, SiteRecord } from '../../../client/storage/records.ts';

export interface PaychanDB extends DBSchema {
  meta: { key: string; value: unknown };
  addresses: { key: [string, number, number]; value: AddressRecord; indexes: { network: string } };
  sent: { key: string; value: SentRecord; indexes: { network: string } };
  channels: { key: string; value: ChannelRecord; indexes: { endpoint: string; network: string } };
  payments: { key: number; value: PaymentRecord; indexes: { channel: string } };
  sites: { key: string; value: SiteRecord };
}

export type Db = IDBPDatabase<PaychanDB>;
type UpgradeTx = IDBPTransaction<PaychanDB, StoreNames<PaychanDB>[], 'versionchange'>;

export const MIGRATIONS: ReadonlyArray<(db: Db, tx: UpgradeTx) => void> = [
  // v1: the on-chain wallet.
  (db) => {
    db.createObjectStore('meta');
    db.createObjectStore('addresses', { keyPath: ['network', 'chain', 'index'] }).createIndex('network', 'network');
    db.createObjectStore('sent', { keyPath: 'txid' }).createIndex('network', 'network');
  },
  // v2: channels, their payments and per-site allowances.
  (db) => {
    const channels = db.createObjectStore('channels', { keyPath: 'id' });
    channels.createIndex('endpoint', 'endpoint');
    channels.createIndex('network', 'network');
    db.createObjectStore('payments', { keyPath: 'seq', autoIncrement: true }).createIndex('channel', 'channel');
    db.createObjectStore('sites', { keyPath: 'endpoint' });
  },
  // v3: fee rates in sat/kvB. Sends and pre-signed refunds kept `feeRate` in whole sat/vB;
  // they now keep `feeRateKvb`, so a bump or a re-signed refund compares like with like.
  (_db, tx) => {
    void rewriteAll(tx.objectStore('sent'), (r) => {
      const old = r as SentRecord & { feeRate?: bigint };
      if (old.feeRate === undefined) return null;
      const { feeRate, ...rest } = old;
      return { ...rest, feeRateKvb: feeRate * 1000n };
    });
    void rewriteAll(tx.objectStore('channels'), (r) => {
      const refund = r.refund as (ChannelRecord['refund'] & { feeRate?: bigint }) | null;
      if (!refund || refund.feeRate === undefined) return null;
      const { feeRate, ...rest } = refund;
      return { ...r, refund: { ...rest, feeRateKvb: feeRate * 1000n } };
    });
  },
];

/**
 * Rewrites every record of an upgrade transaction's store that `change` returns a new value for.
 * Runs inside the versionchange transaction: the database opens only once it is done, and a
 * failed write aborts the upgrade, leaving the old schema and data as they were.
 */
async function rewriteAll<S extends 'sent' | 'channels'>(
  store: IDBPObjectStore<PaychanDB, StoreNames<PaychanDB>[], S, 'versionchange'>,
  change: (value: PaychanDB[S]['value']) => PaychanDB[S]['value'] | null,
): Promise<void> {
  for (let cursor = await store.openCursor(); cursor; cursor = await cursor.continue()) {
    const next = change(cursor.value);
    if (next) await cursor.update(next);
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;
export const DB_NAME = 'paychan';

/** Opens (and migrates) the database; `version` is for tests that exercise an old schema. */
export function openPaychanDb(name = DB_NAME, version = SCHEMA_VERSION): Promise<Db> {
  return openDB<PaychanDB>(name, version, {
    upgrade(db, oldVersion, newVersion, tx) {
      for (let v = oldVersion; v < (newVersion ?? version); v++) MIGRATIONS[v]!(db, tx);
    },
  });
}
