/**
 * The client engine wired from its ports: storage (IndexedDB in the extension, SQLite in Node),
 * where unlocked keys may live, alarms, a clock and the two fetches (Esplora, channel APIs).
 * The extension's background adds its router and paywall on top; the Node library and the
 * `paychan` CLI use it as it is.
 */
import type { FetchLike } from '../chain/esplora.ts';
import type { Secp } from '../core/secp.ts';
import { ChannelApi } from './channels/channel-api.ts';
import { ChannelBackupService } from './channels/channel-backup.ts';
import { ChannelBook } from './channels/channel-book.ts';
import { ChannelService } from './channels/channel-service.ts';
import { CHANNELS_ALARM, CHANNELS_ALARM_MINUTES, ChannelWatcher } from './channels/channel-watcher.ts';
import { systemClock, type Alarms, type Clock } from './lib/clock.ts';
import { Events } from './lib/events.ts';
import { KeyedMutex } from './lib/mutex.ts';
import { SessionService } from './session/session-service.ts';
import type { SessionStore } from './session/session.ts';
import { SettingsService } from './session/settings.ts';
import { Vault } from './session/vault.ts';
import type { ClientStore } from './storage/client-store.ts';
import { ChainService } from './wallet/chain-service.ts';
import { SendService } from './wallet/wallet-send.ts';
import { HistoryService } from './wallet/wallet-history.ts';
import { WalletService } from './wallet/wallet-service.ts';

export interface EngineDeps {
  store: ClientStore;
  session: SessionStore;
  alarms: Alarms;
  clock?: Clock;
  /** For Esplora. */
  chainFetch?: FetchLike;
  /** For the servers' channel APIs. */
  apiFetch?: FetchLike;
  secp?: Secp;
  /** Created by the caller when something must subscribe before the engine is ready. */
  events?: Events;
}

export function createEngine(deps: EngineDeps) {
  const clock = deps.clock ?? systemClock;
  const store = deps.store;
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

  return {
    store,
    clock,
    events,
    mutex,
    settings,
    session,
    chain,
    wallet,
    send,
    history,
    book,
    channels,
    watcher,
    backup,
    /**
     * Start-up, including after the browser stopped the service worker: pick the session back
     * up, keep the periodic channel check scheduled, and look at every channel now (refunds due
     * while the process was away go out here).
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

export type Engine = ReturnType<typeof createEngine>;
