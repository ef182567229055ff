/**
 * What a program lets one host take: a most per item, a budget per period and a most per
 * channel deposit. A request over a cap fails with CapExceeded naming the cap, before anything
 * is signed.
 *
 * The budget counts what the engine commits to the host, as the extension's paywall does: the
 * growth of its channels' approvals (the most the client will ever sign on them) plus the fees
 * of a channel opened for it. Signatures never exceed approvals, so the host can never be paid
 * more than the budget within a period.
 */
import type { ClientStore } from '../storage/client-store.ts';

export interface HostCaps {
  /** The most one item may cost (sats). */
  maxPrice: bigint;
  /** The most committed to the host per period (sats): approvals plus channel fees. */
  budget: bigint;
  /** The period's length in milliseconds. */
  periodMs: number;
  /** The most a channel opened with the host may lock (sats). */
  maxDeposit: bigint;
}

export const DEFAULT_CAPS: HostCaps = {
  maxPrice: 100n,
  budget: 10_000n,
  periodMs: 24 * 60 * 60 * 1000,
  maxDeposit: 50_000n,
};

export type CapName = 'maxPrice' | 'budget' | 'maxDeposit';

/** A payment a cap forbids; nothing was signed or sent for it. */
export class CapExceeded extends Error {
  readonly code = 'CAP_EXCEEDED';
  constructor(
    readonly cap: CapName,
    readonly host: string,
    /** The cap's value (sats). */
    readonly limit: bigint,
    message: string,
  ) {
    super(message);
    this.name = 'CapExceeded';
  }
}

interface Period {
  start: number;
  committed: bigint;
}

/** Per-host budget periods, in the wallet's store so a restarted process keeps counting. */
export class BudgetLedger {
  constructor(private readonly store: ClientStore) {}

  private key(host: string): string {
    return `budget:${host}`;
  }

  /**
   * The host's current period (a fresh one when the last has ended). A fresh period starts from
   * `carried`: credit earlier periods approved on channels still open that no item has used yet.
   * The host can take all of it in the new period, so the new period's budget counts it.
   */
  async current(host: string, caps: HostCaps, now: number, carried: () => Promise<bigint>): Promise<Period> {
    const stored = await this.store.getMeta<Period>(this.key(host));
    if (!stored || now - stored.start >= caps.periodMs) return { start: now, committed: await carried() };
    return stored;
  }

  /** Starts the host's next period if its current one has ended, counting what it carries over. */
  async roll(host: string, caps: HostCaps, now: number, carried: () => Promise<bigint>): Promise<void> {
    const stored = await this.store.getMeta<Period>(this.key(host));
    if (stored && now - stored.start >= caps.periodMs) await this.set(host, { start: now, committed: await carried() });
  }

  async set(host: string, period: Period): Promise<void> {
    await this.store.setMeta(this.key(host), period);
  }
}
