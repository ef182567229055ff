/**
 * What the approval window says about "Allow with budget", as plain functions so they can be
 * tested without a browser: where the site's budget period stands, and why the budget typed in
 * would not pay for this item.
 */
import type { ApprovalView } from '../shared/paywall-views.ts';
import { fmtSats } from '../popup/format.ts';

/**
 * Where the site's period stands: what the reader really spent (items served and network fees,
 * from the books), the prepaid credit not yet used (which comes back at close), and, with a
 * budget, what the budget counts: both, because signed credit is at risk until it is used, and
 * what it holds beyond them until the period resets (a refund fee set aside, payments in progress).
 * Null for a site without a policy or anything to say.
 */
export function periodLine(view: Pick<ApprovalView, 'period'>): string | null {
  const p = view.period;
  if (!p) return null;
  const counted = BigInt(p.spent);
  const budget = BigInt(p.budget);
  const parts: string[] = [];
  let held = 0n;
  if (p.books) {
    const charged = BigInt(p.books.charged);
    const fees = BigInt(p.books.fees);
    const prepaid = BigInt(p.books.prepaid);
    const items = `${p.books.items.toLocaleString('en-US')} item${p.books.items === 1 ? '' : 's'}`;
    if (charged + fees > 0n) parts.push(`Spent ${fmtSats(charged + fees)} at this site this period: ${fmtSats(charged)} on ${items}, ${fmtSats(fees)} in network fees.`);
    if (prepaid > 0n) parts.push(`${fmtSats(prepaid)} prepaid, not yet used; comes back when the channel closes.`);
    held = counted - charged - fees - prepaid;
  } else if (counted > 0n && (p.mode !== 'auto' || budget === 0n)) parts.push(`${fmtSats(counted)} committed at this site this period (items, prepaid credit and fees).`);
  if (p.mode === 'auto' && budget > 0n) {
    const left = budget > counted ? budget - counted : 0n;
    const heldText = held > 0n ? `, ${fmtSats(held)} of it held until the period resets` : '';
    parts.push(`Budget: ${fmtSats(counted, false)} of ${fmtSats(budget)} counted${heldText} (${fmtSats(left)} left).`);
  }
  return parts.length ? parts.join(' ') : null;
}

/**
 * Why "Allow" with these values would not pay for this item, or null when it would. "Allow"
 * keeps the period and what it spent, so the budget must hold the spend so far plus this
 * payment; a smaller one would save the policy and then reserve nothing.
 */
export function allowProblem(view: Pick<ApprovalView, 'price' | 'commitment' | 'period'>, maxPrice: bigint | null, budget: bigint | null, days: number | null): string | null {
  if (maxPrice === null || budget === null || days === null) return 'Enter whole numbers.';
  const price = BigInt(view.price);
  if (maxPrice < price) return `The price limit must be at least this item's ${fmtSats(price)}.`;
  const commitment = BigInt(view.commitment);
  const spent = view.period ? BigInt(view.period.spent) : 0n;
  if (budget < spent + commitment) {
    if (spent === 0n) return `The budget must cover at least this payment, ${fmtSats(commitment)}.`;
    return `This period's budget already counts ${fmtSats(spent)}, so this budget would not cover this payment (${fmtSats(commitment)}): it must be at least ${fmtSats(spent + commitment)}.`;
  }
  return null;
}
