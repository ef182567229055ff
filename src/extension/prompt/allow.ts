/**
 * What the approval window says about "Allow with budget", as plain functions so they can be
 * tested without a browser: where the site's budget period stands, and why the budget typed in
 * would not pay for this item.
 */
import type { ApprovalView } from '../shared/paywall-views.ts';
import { fmtSats } from '../popup/format.ts';

/** "Spent 1,000 of 1,000 sat this period (0 sat left)."; null for a site without a policy or spend. */
export function periodLine(view: Pick<ApprovalView, 'period'>): string | null {
  const p = view.period;
  if (!p) return null;
  const spent = BigInt(p.spent);
  const budget = BigInt(p.budget);
  if (p.mode !== 'auto' || budget === 0n) return spent > 0n ? `Spent ${fmtSats(spent)} at this site this period.` : null;
  const left = budget > spent ? budget - spent : 0n;
  return `Spent ${fmtSats(spent, false)} of ${fmtSats(budget)} this period (${fmtSats(left)} left).`;
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
    return `This period has already spent ${fmtSats(spent)}, so this budget would not cover this payment (${fmtSats(commitment)}): it must be at least ${fmtSats(spent + commitment)}.`;
  }
  return null;
}
