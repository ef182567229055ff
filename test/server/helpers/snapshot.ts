/**
 * Every row of every table of a store's SQLite file, read through a separate connection: what a
 * refused request must leave exactly as it found.
 */
import Database from 'better-sqlite3';

export function snapshot(dbPath: string): Record<string, unknown[]> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    const out: Record<string, unknown[]> = {};
    for (const t of tables) out[t] = db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all();
    out.user_version = [db.pragma('user_version', { simple: true })];
    return out;
  } finally {
    db.close();
  }
}
