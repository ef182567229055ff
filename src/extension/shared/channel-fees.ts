/**
 * The network fees a channel cost the reader since a time: its funding's fee when it was opened
 * then, and its refund's fee when a refund was broadcast then (it comes out of the deposit). A
 * settlement's fee is the site's. One rule for every screen that says what was spent (Home's week,
 * a site's budget period), so their figures agree.
 */
import type { ChannelSummary } from './types.ts';

export function channelFeesSince(c: ChannelSummary, since: number): bigint {
  let fees = 0n;
  if (c.createdAt >= since && c.fundingFee) fees += BigInt(c.fundingFee);
  if (c.outcome === 'refunded' && c.updatedAt >= since && c.refundFee) fees += BigInt(c.refundFee);
  return fees;
}
