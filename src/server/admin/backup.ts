/**
 * `paychan-admin backup FILE`: a consistent copy of the live SQLite database, made with SQLite's
 * online backup API while the server keeps running (a plain file copy of a database in WAL mode
 * can miss committed pages still in the -wal file, or catch a page half written).
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AdminError } from './settle.ts';

export async function backupDatabase(dbPath: string, target: string): Promise<{ pages: number }> {
  if (existsSync(target)) throw new AdminError(`${target} already exists: a backup never overwrites a file`);
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const result = await db.backup(target);
    const copy = new Database(target, { readonly: true });
    try {
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new AdminError(`the backup ${target} fails SQLite's integrity check: ${String(check)}`);
    } finally {
      copy.close();
    }
    return { pages: result.totalPages };
  } finally {
    db.close();
  }
}
