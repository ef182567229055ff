/**
 * The fee rates a wallet or server acts on. Read at most once per `ttlMs` and once per
 * `epoch` the caller names (the chain tip: estimates move with blocks); when the backend
 * cannot answer (after the client's own retries), the last good reading is used with its age,
 * so the caller can say how old it is. There is no silent fallback to a floor rate: with no
 * reading ever, `current()` throws FeeRatesUnavailable.
 */
import type { FeeRates } from './fee-rates.ts';

export interface FeeReading {
  rates: FeeRates;
  /** When the backend gave these rates (ms since the epoch). */
  readAt: number;
  ageMs: number;
  /** False when this is the last good reading because a fresh one failed. */
  fresh: boolean;
}

export class FeeRatesUnavailable extends Error {
  constructor(cause: unknown) {
    super(`no fee estimate: the chain backend did not answer (${cause instanceof Error ? cause.message : String(cause)})`);
    this.name = 'FeeRatesUnavailable';
  }
}

export class FeeOracle {
  private last: { rates: FeeRates; readAt: number; epoch: number | undefined } | null = null;
  private inFlight: Promise<FeeReading> | null = null;

  constructor(
    private readonly read: () => Promise<FeeRates>,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  current(epoch?: number): Promise<FeeReading> {
    const last = this.last;
    if (last && last.epoch === epoch && this.now() - last.readAt < this.ttlMs) {
      return Promise.resolve({ rates: last.rates, readAt: last.readAt, ageMs: this.now() - last.readAt, fresh: true });
    }
    this.inFlight ??= this.read()
      .then((rates): FeeReading => {
        this.last = { rates, readAt: this.now(), epoch };
        return { rates, readAt: this.last.readAt, ageMs: 0, fresh: true };
      })
      .catch((err: unknown): FeeReading => {
        if (!this.last) throw new FeeRatesUnavailable(err);
        return { rates: this.last.rates, readAt: this.last.readAt, ageMs: this.now() - this.last.readAt, fresh: false };
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }
}
