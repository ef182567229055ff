/**
 * Receipts, recorded off the paid page's critical path.
 *
 * A receipt that leaves credit for LOW_WATER_ITEMS more items at its price is bookkeeping only:
 * the paid-items history, and the channel's acknowledged and spent amounts. Such receipts wait
 * `delayMs` and are then recorded together, so the IndexedDB writes of a page's paid items do
 * not compete with loading it on a small machine (they were about half of what a warm paid
 * load cost over a free one). A receipt that shows credit running low is handled at once, after
 * the ones waiting, because the top-up it starts has to beat the next request. Anything that
 * reads what receipts record calls `flush` first: every message from an extension page (the
 * popup, the approval window: background/index.ts), and paying a 402.
 *
 * Receipts are cumulative and acknowledging one is monotone (core `acknowledge`), so of the
 * receipts waiting only the newest per channel is handed on; every paid item is kept. Losing the
 * waiting ones (the worker stopped) loses history lines, not money: the server holds the
 * signatures, and the next receipt carries the totals.
 */
import type { PaidItem } from './store.ts';
import { LOW_WATER_ITEMS, type ReceiptSeen } from './topup.ts';

export interface ReceiptQueueDeps {
  addItems(items: PaidItem[]): Promise<void>;
  /** Records a receipt with the wallet (its acknowledged and spent amounts); false when the wallet refused it. */
  record(r: ReceiptSeen): Promise<boolean>;
  /**
   * The top-up a recorded receipt may start (BackgroundTopUp.afterReceipt). Not waited for by
   * `seen` or `flush`: it takes the site's lock, which a payment waiting on the reader's approval
   * holds, and the approval window's own messages flush.
   */
  topUp(r: ReceiptSeen): Promise<unknown>;
  delayMs?: number;
}

export class ReceiptQueue {
  private items: PaidItem[] = [];
  /** By site and channel: a receipt from another site naming our channel never displaces the channel's own. */
  private newest = new Map<string, ReceiptSeen>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Who waits for the receipts the timer will record. */
  private waiters: (() => void)[] = [];
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly d: ReceiptQueueDeps) {}

  /** Takes a receipt and its paid item; resolves once they are recorded (not topped up). Never rejects. */
  seen(item: PaidItem, r: ReceiptSeen): Promise<void> {
    this.items.push(item);
    const key = `${r.site} ${r.channel}`;
    const held = this.newest.get(key);
    if (!held || (r.spent ?? 0n) >= (held.spent ?? 0n)) this.newest.set(key, r);
    if (!plenty(r)) return this.flush();
    this.timer ??= setTimeout(() => void this.flush(), this.d.delayMs ?? 250);
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Records everything waiting now; resolves when it and every earlier batch are recorded; top-ups follow. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const waiters = this.waiters;
    this.waiters = [];
    const items = this.items;
    const receipts = [...this.newest.values()];
    this.items = [];
    this.newest = new Map();
    if (items.length > 0 || receipts.length > 0) {
      this.done = this.done.then(async () => {
        // Only receipts the wallet accepted (from the site of the channel they name) make history
        // lines or top-ups.
        const accepted: ReceiptSeen[] = [];
        for (const r of receipts) if (await this.d.record(r).catch(() => false)) accepted.push(r);
        const ok = new Set(accepted.map((r) => `${r.site} ${r.channel}`));
        await this.d.addItems(items.filter((i) => ok.has(`${i.site} ${i.channel}`))).catch(() => undefined);
        for (const r of accepted) void this.d.topUp(r).catch(() => undefined);
      });
    }
    void this.done.then(() => waiters.forEach((w) => w()));
    return this.done;
  }
}

/** Credit left after this receipt covers LOW_WATER_ITEMS more items at its price. */
function plenty(r: ReceiptSeen): boolean {
  return r.paid !== undefined && r.spent !== undefined && r.paid - r.spent >= r.charged * LOW_WATER_ITEMS;
}
