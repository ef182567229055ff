/**
 * A wallet in one SQLite file: the client engine over SqliteClientStore. The seed is in the file
 * only inside the vault, encrypted as the extension's (vault.ts: PBKDF2-SHA256 600,000 rounds,
 * AES-256-GCM); unlocked keys live in this process's memory only. No alarms run: a Node process
 * checks channels when asked (`paychan watch`, PaychanClient.check), not on a timer.
 */
import type { FetchLike } from '../../chain/esplora.ts';
import { createEngine, type Engine } from '../engine.ts';
import { ManualAlarms, type Clock } from '../lib/clock.ts';
import { MemorySessionStore } from '../session/session.ts';
import { SqliteClientStore } from './sqlite-store.ts';

export interface WalletFileOptions {
  /** The SQLite file (created when missing). */
  path: string;
  clock?: Clock;
  /** For Esplora. */
  chainFetch?: FetchLike;
  /** For the servers' channel APIs. */
  apiFetch?: FetchLike;
}

export interface WalletFile {
  engine: Engine;
  store: SqliteClientStore;
  close(): void;
}

export function openWalletFile(opts: WalletFileOptions): WalletFile {
  const store = new SqliteClientStore(opts.path);
  const engine = createEngine({
    store,
    session: new MemorySessionStore(),
    alarms: new ManualAlarms(),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.chainFetch ? { chainFetch: opts.chainFetch } : {}),
    ...(opts.apiFetch ? { apiFetch: opts.apiFetch } : {}),
  });
  return { engine, store, close: () => store.close() };
}
