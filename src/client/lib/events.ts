import type { ClientEvent } from '../views.ts';

/** Fans the engine's events out to whoever listens (the popup's Port while it is open). */
export class Events {
  private readonly listeners = new Set<(e: ClientEvent) => void>();

  subscribe(listener: (e: ClientEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ClientEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A closed port must not stop the others from hearing about it.
      }
    }
  }
}
