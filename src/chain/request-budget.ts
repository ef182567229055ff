/**
 * How the Esplora client spends a public server's patience. mempool.space and blockstream.info
 * answer 429 (and ban repeat offenders behind a CDN 403 page) when a client asks too much, so
 * every request to one host goes through that host's budget: a few in flight at once, started
 * no closer together than a minimum interval, and all of them held back while the server has
 * said `Retry-After`. A failed request that may succeed later is retried after the server's
 * `Retry-After`, or after an exponential backoff with jitter when it named no time.
 */

export interface BudgetLimits {
  /** Requests in flight at once; default 4. */
  concurrency: number;
  /** Requests started per second at most; default 10. */
  perSecond: number;
}

export const DEFAULT_LIMITS: BudgetLimits = { concurrency: 4, perSecond: 10 };
/** A server on this machine (the devnet) has no one else to be fair to. */
export const LOOPBACK_LIMITS: BudgetLimits = { concurrency: 32, perSecond: 100_000 };

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One host's request budget, shared by every client that talks to that host. */
export class HostBudget {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStart = 0;
  private pausedUntil = 0;

  constructor(
    readonly limits: BudgetLimits,
    private readonly now: () => number = Date.now,
    private readonly sleep: Sleep = realSleep,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** The server asked for quiet: nothing starts for `ms`. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  /** When the next request could start, for logs and the UI. */
  get resumesAt(): number {
    return Math.max(this.pausedUntil, this.nextStart);
  }

  private async acquire(): Promise<void> {
    if (this.active < this.limits.concurrency) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over on release
    const interval = 1000 / this.limits.perSecond;
    for (;;) {
      const wait = Math.max(this.pausedUntil, this.nextStart) - this.now();
      if (wait <= 0) break;
      await this.sleep(wait);
    }
    this.nextStart = this.now() + interval;
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

const budgets = new Map<string, HostBudget>();

/**
 * The budget of the host `url` names (scheme, host and port), created on first use with
 * `limits`, by default DEFAULT_LIMITS, or LOOPBACK_LIMITS for a server on this machine.
 */
export function budgetFor(url: string, limits?: BudgetLimits): HostBudget {
  const { origin, hostname } = new URL(url);
  let budget = budgets.get(origin);
  if (!budget) {
    const loopback = hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
    budget = new HostBudget(limits ?? (loopback ? LOOPBACK_LIMITS : DEFAULT_LIMITS));
    budgets.set(origin, budget);
  }
  return budget;
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); null when
 * absent or unreadable.
 */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^[0-9]{1,9}$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Exponential backoff with full jitter: somewhere in [base·2^attempt / 2, base·2^attempt]. */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const ceiling = baseMs * 2 ** attempt;
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
