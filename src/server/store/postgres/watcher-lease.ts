/**
 * The settlement watcher's lease on PostgreSQL: a session-level advisory lock held on one
 * dedicated connection. PostgreSQL releases it the moment that session ends, so an instance that
 * dies (killed, crashed, its host gone once TCP notices) frees it with no expiry to wait out,
 * and the next instance to try takes over. Every `hold()` checks the connection is still alive
 * first: an instance whose session was cut no longer believes it has the lease.
 */
import type { WatcherLease } from '../watcher-lease.ts';
import type { PgPool, PgPoolClient } from './pool.ts';

/** The advisory lock key for the watcher ('pcwa'); migrations use another. */
export const WATCHER_LOCK = 0x7063_7761;

export class PostgresWatcherLease implements WatcherLease {
  private session: PgPoolClient | null = null;
  /** Stops listening for the held session's errors once it goes back to the pool. */
  private unlisten: () => void = () => undefined;

  constructor(private readonly pool: PgPool) {}

  async hold(): Promise<boolean> {
    if (this.session) {
      try {
        await this.session.query('SELECT 1');
        return true;
      } catch (err) {
        this.drop(err as Error);
      }
    }
    const session = await this.pool.connect();
    let got = false;
    try {
      const { rows } = await session.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [WATCHER_LOCK]);
      got = rows[0]?.got === true;
    } catch (err) {
      session.release(err as Error);
      throw err;
    }
    if (!got) {
      session.release();
      return false;
    }
    this.session = session;
    const onError = (err: Error) => this.drop(err);
    session.on?.('error', onError);
    this.unlisten = () => session.off?.('error', onError);
    return true;
  }

  private drop(err: Error): void {
    const s = this.session;
    this.session = null;
    this.unlisten();
    s?.release(err);
  }

  async release(): Promise<void> {
    const s = this.session;
    if (!s) return;
    this.session = null;
    this.unlisten();
    try {
      await s.query('SELECT pg_advisory_unlock($1)', [WATCHER_LOCK]);
      s.release();
    } catch (err) {
      // Destroying the connection ends the session, which releases the lock just the same.
      s.release(err as Error);
    }
  }
}
