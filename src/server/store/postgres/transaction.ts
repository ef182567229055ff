/**
 * Transactions on PostgreSQL: one executor that runs a unit of work in BEGIN … COMMIT on one
 * pooled connection and retries it when the server aborts it for a serialization failure or a
 * deadlock (aperture's executor), plus the mapping of driver errors the store reports.
 */
import type { PgPool, PgPoolClient } from './pool.ts';

/** SQLSTATEs after which the whole transaction may simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 10;

export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const isUniqueViolation = (err: unknown): boolean => sqlState(err) === '23505';

export interface TxOptions {
  /** Default true: wait for the WAL flush at commit (synchronous_commit on). */
  durable?: boolean;
}

/**
 * Runs `work` in one transaction and commits it. A throw from `work` rolls everything back and
 * rejects with that error; a retryable abort runs `work` again from the start, so it must
 * derive everything it writes from what it reads inside.
 */
export async function inTransaction<T>(pool: PgPool, work: (client: PgPoolClient) => Promise<T>, opts: TxOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      // A debit alone moves no money: committed, but not waited on to reach the disk (UpdateOptions).
      // One simple-protocol query for both statements: one round trip.
      await client.query(opts.durable === false ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error;
      }
      if (RETRYABLE.has(sqlState(err) ?? '') && attempt < MAX_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
        continue;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
