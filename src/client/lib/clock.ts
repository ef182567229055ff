/** Time and wake-ups, injected so tests control them and the service worker uses `alarms`. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * MV3 service workers are stopped when idle, so timers do not survive; `browser.alarms` does.
 * Names are the unit of scheduling: creating an alarm with a name replaces the previous one.
 */
export interface Alarms {
  /** Fires once at `when` (ms since epoch), or repeatedly every `periodMinutes` when given. */
  create(name: string, opts: { when?: number; periodMinutes?: number }): Promise<void>;
  clear(name: string): Promise<void>;
  onAlarm(listener: (name: string) => void): void;
}

/** In-process alarms for tests and Node: `fire(name)` runs the listeners as the browser would. */
export class ManualAlarms implements Alarms {
  readonly scheduled = new Map<string, { when?: number; periodMinutes?: number }>();
  private listeners: ((name: string) => void)[] = [];

  async create(name: string, opts: { when?: number; periodMinutes?: number }): Promise<void> {
    this.scheduled.set(name, opts);
  }
  async clear(name: string): Promise<void> {
    this.scheduled.delete(name);
  }
  onAlarm(listener: (name: string) => void): void {
    this.listeners.push(listener);
  }
  fire(name: string): void {
    const opts = this.scheduled.get(name);
    if (opts && opts.periodMinutes === undefined) this.scheduled.delete(name);
    for (const l of this.listeners) l(name);
  }
}
