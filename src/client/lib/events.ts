import type { BackgroundEvent } from '../../extension/shared/types.ts';

/** Fans background events out to whoever listens (the popup's Port while it is open). */
export class Events {
  private readonly listeners = new Set<(e: BackgroundEvent) => void>();

  subscribe(listener: (e: BackgroundEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: BackgroundEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A closed port must not stop the others from hearing about it.
      }
    }
  }
}
