/**
 * Who runs the settlement watcher when several server instances share one database. A store
 * whose database several instances can share offers a lease (ChannelStore.watcherLease); the
 * watcher's timer then runs a pass only while `hold()` says this instance has it.
 */
export interface WatcherLease {
  /** Takes the lease if it is free, or confirms this instance still has it; false: another instance has it. */
  hold(): Promise<boolean>;
  /** Gives it up, so another instance takes over at its next try. */
  release(): Promise<void>;
}
