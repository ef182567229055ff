/**
 * Wires the background services together from their dependencies. The MV3 entry (index.ts)
 * passes the browser's implementations; tests pass fake-indexeddb, an in-memory session and
 * manual alarms, and re-create everything over the same database to simulate a restart.
 */
import type { FetchLike } from '../../chain/esplora.ts';
import type { Secp } from '../../core/secp.ts';
import { ChannelApi } from '../../client/channels/channel-api.ts';
import { ChannelBackupService } from '../../client/channels/channel-backup.ts';
import { ChannelBook } from '../../client/channels/channel-book.ts';
import { ChannelService } from '../../client/channels/channel-service.ts';
import { CHANNELS_ALARM, CHANNELS_ALARM_MINUTES, ChannelWatcher } from '../../client/channels/channel-watcher.ts';
import { ChainService } from '../../client/wallet/chain-service.ts';
import { systemClock, type Alarms, type Clock } from '../../client/lib/clock.ts';
import { Events } from '../../client/lib/events.ts';
import { createHandlers } from './messaging/handlers.ts';
import { KeyedMutex } from '../../client/lib/mutex.ts';
import { createRouter, type Router } from './messaging/router.ts';
import { SessionService } from '../../client/session/session-service.ts';
import type { SessionStore } from '../../client/session/session.ts';
import { SettingsService } from '../../client/session/settings.ts';
import type { Db } from './storage/db.ts';
import { Store } from './storage/store.ts';
import { Vault } from '../../client/session/vault.ts';
import { SendService } from '../../client/wallet/wallet-send.ts';
import { HistoryService } from '../../client/wallet/wallet-history.ts';
import { WalletService } from '../../client/wallet/wallet-service.ts';

export interface BackgroundDeps {
  db: Db;
  session: SessionStore;
  alarms: Alarms;
  clock?: Clock;
  /** For Esplora. */
  chainFetch?: FetchLike;
  /** For the servers' channel APIs. */
  apiFetch?: FetchLike;
  secp?: Secp;
  /** Created by the caller when something must subscribe before the background is ready. */
  events?: Events;
}

export function createBackground(deps: BackgroundDeps) {
  const clock = deps.clock ?? systemClock;
  const store = new Store(deps.db);
  const events = deps.events ?? new Events();
  const mutex = new KeyedMutex();
  const settings = new SettingsService(store);
  const vault = new Vault();
  const session = new SessionService({ store, vault, session: deps.session, settings, alarms: deps.alarms, clock, events });
  const chain = new ChainService(settings, deps.chainFetch);
  const wallet = new WalletService({ store, chain, session, settings, mutex, clock });
  const send = new SendService({ wallet, chain, session, store, clock });
  const history = new HistoryService({ wallet, chain, store });
  const api = new ChannelApi(deps.apiFetch);
  const book = new ChannelBook({ store, api, chain, clock, events, ...(deps.secp ? { secp: deps.secp } : {}) });
  const watcher = new ChannelWatcher({ book, session, mutex, settings });
  const channels = new ChannelService({ book, watcher, session, wallet, settings, mutex });
  const backup = new ChannelBackupService({ store, vault, session, settings, clock, events, watcher });
  const router: Router = createRouter(
    createHandlers({ store, clock, settings, session, chain, wallet, send, history, channels, watcher, backup }),
    () => session.touch(),
  );

  return {
    store,
    events,
    settings,
    session,
    chain,
    wallet,
    send,
    history,
    channels,
    watcher,
    backup,
    router,
    /**
     * Start-up, including after the browser stopped the service worker: pick the session back
     * up, keep the periodic channel check scheduled, and look at every channel now (refunds due
     * while the browser was closed go out here).
     */
    async start(): Promise<void> {
      deps.alarms.onAlarm((name) => {
        if (name === CHANNELS_ALARM) void watcher.check().catch(() => undefined);
        else void session.onAlarm(name);
      });
      await session.resume();
      await deps.alarms.create(CHANNELS_ALARM, { periodMinutes: CHANNELS_ALARM_MINUTES });
      await watcher.check().catch(() => undefined);
    },
  };
}

export type Background = ReturnType<typeof createBackground>;
