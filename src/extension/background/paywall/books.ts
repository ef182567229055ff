/**
 * What a site really cost the reader in a budget period, read from the stored books: the items
 * it served (their receipts, in the paywall's items store) and the network fees of its channels
 * (the wallet's channel records). Prepaid credit not yet used is not spent: it comes back when
 * the channel closes, so it is reported beside the spend, not in it. The budget's cap is another
 * figure (policy.ts `spent`): it counts what was signed, credit included, because signed credit is
 * money at risk if the site vanishes. docs/security.md explains the difference.
 */
import { sameSite } from '../../../core/site.ts';
import { channelFeesSince } from '../../shared/channel-fees.ts';
import type { ChannelSummary } from '../../shared/types.ts';

/** Channel states whose deposit is still locked, and whose unused credit has not come back yet. */
export const LOCKING_STATES: readonly ChannelSummary['state'][] = ['opening', 'open', 'closing', 'refunding'];

export interface SiteBooks {
  /** Items served in the period and what they were charged. */
  items: number;
  charged: bigint;
  /** Network fees of the site's channels in the period: fundings, and refunds that were broadcast. */
  fees: bigint;
  /** Signed to the site and not yet used, on channels not yet closed: comes back at close. */
  prepaid: bigint;
  /** Deposits the site's channels not yet closed lock. */
  locked: bigint;
}

/**
 * The channel part of a site's books: the fees its channels cost since `since` (ms,
 * channel-fees.ts), and the credit and deposits of those not yet closed. A channel belongs to the site when its channel API
 * is on the same site.
 */
export function channelBooks(channels: readonly ChannelSummary[], site: string, since: number): Pick<SiteBooks, 'fees' | 'prepaid' | 'locked'> {
  let fees = 0n;
  let prepaid = 0n;
  let locked = 0n;
  for (const c of channels) {
    if (!sameSite(c.endpoint, site)) continue;
    fees += channelFeesSince(c, since);
    if (LOCKING_STATES.includes(c.state)) {
      prepaid += BigInt(c.credit);
      locked += BigInt(c.capacity);
    }
  }
  return { fees, prepaid, locked };
}

/**
 * What a site's channels not yet closed carry into a new budget period: approvals the earlier
 * periods counted and no item has used yet (prepaid credit, and approved headroom the wallet may
 * still sign without asking the budget). The site can take all of it in the new period, so the new
 * period's cap counts it from its start (policy.ts `rollPeriod`). `used` is, per channel (local
 * id), what its items had used when the period began: the part of its approvals earlier periods
 * lost for good, which a close in this period cannot give back (`returnedAtClose`).
 */
export interface CarriedCredit {
  total: bigint;
  used: Record<string, bigint>;
}

export const NOTHING_CARRIED: CarriedCredit = { total: 0n, used: {} };

export function carriedCredit(channels: readonly ChannelSummary[], site: string): CarriedCredit {
  let total = 0n;
  const used: Record<string, bigint> = {};
  for (const c of channels) {
    if (!sameSite(c.endpoint, site) || !LOCKING_STATES.includes(c.state)) continue;
    const spent = BigInt(c.spent);
    const unused = BigInt(c.approved) - spent;
    if (unused > 0n) total += unused;
    used[c.id] = spent;
  }
  return { total, used };
}

/**
 * What a closed channel gave back of what the current period's cap counts for it: its approvals
 * (prepaid credit included) less what its settlement paid the site (nothing after a refund), and
 * never what its items had used before the period began (`usedBefore`, 0 for a channel opened in
 * the period): those were lost in an earlier period and the current one never counted them. Zero
 * while it is not closed, and when the settlement is not known yet. The refund's fee set aside at
 * the opening is not included: the refund may have been re-signed at another fee since, and the
 * budget never counts less than may have left.
 */
export function returnedAtClose(c: ChannelSummary, usedBefore = 0n): bigint {
  if (c.state !== 'closed') return 0n;
  let kept: bigint;
  if (c.outcome === 'refunded') kept = 0n;
  else if (c.outcome === 'settled') {
    const paid = c.settled ?? c.closeAmount;
    if (paid === null || paid === undefined) return 0n;
    kept = BigInt(paid);
  } else return 0n;
  const back = BigInt(c.approved) - (kept > usedBefore ? kept : usedBefore);
  return back > 0n ? back : 0n;
}
