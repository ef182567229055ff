/**
 * Where unlocked material may live besides memory: `storage.session`, which survives the service
 * worker being stopped but not the browser closing, and is not readable by content scripts.
 */
export interface SessionStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
}

/** Stands in for storage.session in Node tests: one instance per simulated browser session. */
export class MemorySessionStore implements SessionStore {
  private readonly data = new Map<string, unknown>();
  async get<T>(key: string): Promise<T | undefined> {
    return this.data.get(key) as T | undefined;
  }
  async set(key: string, value: unknown): Promise<void> {
    this.data.set(key, structuredClone(value));
  }
  async remove(key: string): Promise<void> {
    this.data.delete(key);
  }
}
