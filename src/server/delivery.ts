/**
 * A charge stands only if the item was delivered. The gate debits the price before the content
 * handler runs (so content is never released unpaid, and two requests racing on one channel
 * cannot both spend the same credit): that debit is a reservation. This file watches the
 * response and decides what becomes of it when the status line goes out:
 *
 *   - 2xx and 3xx (304 included): delivered, the debit stands;
 *   - 1xx is not final and decides nothing;
 *   - 400 and above (a missing page, 410, a failing upstream or handler, the proxy's own 502 and
 *     504): nothing was delivered, so the debit is released and the receipt says `charged="0"`;
 *   - a reader gone before any status was sent got nothing either: released too.
 *
 * The receipt is a header, so it is decided with the status; a response that fails after its
 * status went out (an upstream dying mid-body) stays charged. The release is committed before
 * the response ends, so once a client has read the whole answer the store shows the credit back.
 */
import type { ServerResponse } from 'node:http';
import { formatReceipt, RECEIPT_HEADER, type Receipt } from '../core/http-binding.ts';
import type { Logger } from './logger.ts';

/** Whether a final status delivers the item paid for. */
export function delivers(status: number): boolean {
  return status >= 200 && status < 400;
}

/**
 * Keeps `receipt`'s charge if `res` delivers, else calls `release` (which must undo the debit)
 * and rewrites the receipt to charge nothing.
 */
export function chargeOnDelivery(res: ServerResponse, receipt: Receipt, release: () => Promise<unknown>, logger: Logger): void {
  let released: Promise<void> | null = null;
  const releaseOnce = (why: string): void => {
    released ??= release().then(
      () => logger.debug('charge released', { why, charged: receipt.charged.toString() }),
      (err: unknown) => logger.error('charge not released', { why, error: err instanceof Error ? err.message : String(err) }),
    );
  };

  /** Called with the final status before it goes out. */
  const decide = (status: number): void => {
    if (status < 200 || delivers(status) || released) return;
    res.setHeader(RECEIPT_HEADER, formatReceipt({ ...receipt, charged: 0n, spent: receipt.spent - receipt.charged }));
    releaseOnce(`status ${status}`);
  };

  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    decide(status);
    return (writeHead as (...a: unknown[]) => ServerResponse).call(this, status, ...rest);
  } as typeof res.writeHead;

  // The response ends only once a release is committed, so its end means the credit is back.
  const end = res.end;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (!res.headersSent) decide(res.statusCode);
    const finish = () => (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    if (!released) return finish();
    void released.then(finish);
    return this;
  } as typeof res.end;

  res.once('close', () => {
    if (!res.headersSent) releaseOnce('the reader left before any answer');
  });
}
