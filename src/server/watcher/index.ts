/** The settlement watcher: follows channels on chain and settles them in time (see watcher.ts). */
export {
  SettlementWatcher,
  MAX_BATCH_CHANNELS,
  realScheduler,
  type Scheduler,
  type TickReport,
  type WatcherContext,
  type WatcherOptions,
} from './watcher.ts';
export { isWatcherChain, isNotFound, type WatcherChain } from './chain.ts';
export { bumpedFeeRate } from './fees.ts';
export type { BroadcastOutcome } from './settlement.ts';
