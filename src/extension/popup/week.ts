/**
 * What the reader spent in the last seven days, per site: on content (the items' day totals) and
 * on network fees (the funding of channels opened in that time, and a refund's fee when one was
 * broadcast). A settlement's fee is the site's, so it is not the reader's cost.
 */
import type { DayTotalView } from '../shared/paywall-views.ts';
import { channelFeesSince } from '../shared/channel-fees.ts';
import type { ChannelSummary } from '../shared/types.ts';

export const WEEK_MS = 7 * 86_400_000;

export interface SiteWeek {
  site: string;
  content: bigint;
  fees: bigint;
}

/** A channel's site: the origin of its channel API (the site it pays, as history names it). */
function siteOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return endpoint;
  }
}

/** Per site, most spent first; `since` is where the week starts (ms since epoch). */
export function weekSpend(days: DayTotalView[], channels: ChannelSummary[], since: number): SiteWeek[] {
  const by = new Map<string, SiteWeek>();
  const row = (site: string) => by.get(site) ?? by.set(site, { site, content: 0n, fees: 0n }).get(site)!;
  for (const d of days) if (d.day >= since) row(d.site).content += BigInt(d.amount);
  for (const c of channels) {
    const fees = channelFeesSince(c, since);
    if (fees > 0n) row(siteOf(c.endpoint)).fees += fees;
  }
  return [...by.values()].sort((a, b) => (b.content + b.fees > a.content + a.fees ? 1 : b.content + b.fees < a.content + a.fees ? -1 : 0));
}

/** A channel's on-chain event as a history line: when, for which site, what happened, its fee to the reader. */
export interface ChainEvent {
  at: number;
  site: string;
  what: string;
  fee: bigint | null;
}

/**
 * The on-chain events of the reader's channels: each funding (its fee is the reader's), and the
 * settlement (the site pays its fee) or refund (its fee comes out of the deposit) that closed it.
 */
export function chainEvents(channels: ChannelSummary[]): ChainEvent[] {
  const out: ChainEvent[] = [];
  for (const c of channels) {
    if (c.outcome === 'abandoned') continue;
    const site = siteOf(c.endpoint);
    out.push({ at: c.createdAt, site, what: 'Channel funded', fee: c.fundingFee ? BigInt(c.fundingFee) : null });
    if (c.state === 'closed' && c.outcome === 'settled') out.push({ at: c.updatedAt, site, what: 'Settled on chain (the site paid the fee)', fee: null });
    if (c.state === 'closed' && c.outcome === 'refunded') out.push({ at: c.updatedAt, site, what: 'Deposit refunded', fee: c.refundFee ? BigInt(c.refundFee) : null });
  }
  return out.sort((a, b) => b.at - a.at);
}
