/**
 * What the approval window says an item really costs before anything is signed: the price, the
 * credit paid ahead, a new channel's estimated network fees, and the total they add up to; then
 * the deposit a new channel locks and until when. Plain functions, tested without a browser.
 */
import type { ApprovalView } from '../shared/paywall-views.ts';
import { fmtExpiry, fmtFeeRate, fmtSats } from '../popup/format.ts';

export type CostRow = [label: string, value: string];

type CostView = Pick<ApprovalView, 'price' | 'commitment' | 'prepaid' | 'fees'>;

/**
 * The lines of "what this costs now", ending in the total counted against the budget. The lines
 * before the total add up to it: price, less the credit an open channel already holds, plus new
 * credit and the fees.
 */
export function costRows(view: CostView): CostRow[] {
  const price = BigInt(view.price);
  const total = BigInt(view.commitment);
  const prepaid = BigInt(view.prepaid);
  const fees = view.fees;
  const feeSum = fees ? BigInt(fees.funding) + BigInt(fees.refund) : 0n;
  const rows: CostRow[] = [['Price of this item', fmtSats(price)]];
  const covered = price + prepaid + feeSum - total;
  if (covered > 0n) rows.push(['Paid from credit you prepaid', fmtSats(-covered)]);
  if (prepaid > 0n) rows.push(['Prepaid credit for later items', fmtSats(prepaid)]);
  if (fees) {
    rows.push([`Network fee to open the channel (at ${fmtFeeRate(fees.rateKvb)})`, `≈ ${fmtSats(fees.funding)}`]);
    rows.push(['Network fee of a refund, only if the site vanishes', `≈ ${fmtSats(fees.refund)}`]);
  }
  rows.push(['= Counted against your budget now', fmtSats(total)]);
  return rows;
}

/** Until when a new channel's deposit is locked at the latest: a date, with the blocks as detail. */
export function lockedUntil(view: Pick<ApprovalView, 'expiryBlocks' | 'createdAt'>): string {
  return view.expiryBlocks === null ? '—' : fmtExpiry(view.expiryBlocks, view.createdAt);
}

/** What happens to credit paid ahead and not used. */
export function unusedCreditLine(view: Pick<ApprovalView, 'prepaid' | 'deposit'>): string {
  const credit = BigInt(view.prepaid) > 0n ? `The ${fmtSats(view.prepaid)} of prepaid credit, if you do not use it, comes` : 'Prepaid credit you do not use comes';
  const deposit = view.deposit !== null ? ' The rest of the deposit comes back too, or after expiry even if the site disappears (less the refund fee).' : '';
  return `${credit} back to you when the channel closes.${deposit}`;
}
