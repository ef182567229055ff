/**
 * Wires the background from the client engine (src/client) and the extension's own parts: its
 * IndexedDB store and its message router. The MV3 entry (index.ts) passes the browser's
 * implementations; tests pass fake-indexeddb, an in-memory session and manual alarms, and
 * re-create everything over the same database to simulate a restart.
 */
import { createEngine, type EngineDeps } from '../../client/engine.ts';
import { createHandlers } from './messaging/handlers.ts';
import { createRouter, type Router } from './messaging/router.ts';
import type { Db } from './storage/db.ts';
import { Store } from './storage/store.ts';

/** The engine's ports, with the extension's IndexedDB for its store. */
export interface BackgroundDeps extends Omit<EngineDeps, 'store'> {
  db: Db;
}

export function createBackground(deps: BackgroundDeps) {
  const store = new Store(deps.db);
  const engine = createEngine({ ...deps, store });
  const router: Router = createRouter(createHandlers({ ...engine, store }), () => engine.session.touch());
  return { ...engine, store, router };
}

export type Background = ReturnType<typeof createBackground>;
