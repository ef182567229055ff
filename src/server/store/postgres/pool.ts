/**
 * The part of node-postgres (`pg`) the store uses, as structural types (as kysely's dialects do),
 * so nothing here imports `pg` itself: a caller may pass its own Pool, and `connectPool` loads the
 * driver only when a site actually names a postgres:// database. A SQLite-only site never needs it.
 */
export interface PgResult<R> {
  rows: R[];
  rowCount: number | null;
}

export interface PgQueryable {
  query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<PgResult<R>>;
}

export interface PgPoolClient extends PgQueryable {
  /** Back to the pool; with an error, the connection is destroyed instead. */
  release(err?: Error | boolean): void;
  on?(event: 'error', listener: (err: Error) => void): unknown;
  off?(event: 'error', listener: (err: Error) => void): unknown;
}

export interface PgPool extends PgQueryable {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}

/** True for a postgres:// or postgresql:// URL: the store's location names a PostgreSQL database. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export interface PoolOptions {
  /** Connections at most (default 10). */
  max?: number;
}

/** A `pg` Pool for `url`, the driver loaded on first use. */
export async function connectPool(url: string, opts: PoolOptions = {}): Promise<PgPool> {
  let pg: typeof import('pg').default;
  try {
    pg = (await import('pg')).default;
  } catch {
    throw new Error(`a postgres:// database needs the pg driver: npm install pg (for ${redactUrl(url)})`);
  }
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10 });
  // An idle connection the server drops must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool as unknown as PgPool;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return 'postgres://…';
  }
}
