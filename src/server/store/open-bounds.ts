/**
 * The refusal both stores give a proposal beyond its bounds (ChannelStore.proposeOpen): one rule,
 * so SQLite and PostgreSQL answer the same count with the same RATE_LIMITED and retryAfter.
 */
import { ProtocolError } from '../../core/errors.ts';
import type { PendingOpenBounds } from './channel-store.ts';

/** How many unfunded proposals wait, and when the oldest of them was made (null: none). */
export interface UnfundedProposals {
  n: number;
  oldest: number | null;
}

/** Throws RATE_LIMITED, with the seconds until the oldest proposal expires, when either count is at its bound. */
export function assertRoomForProposal(mine: UnfundedProposals, all: UnfundedProposals, bounds: PendingOpenBounds, now: number): void {
  for (const [count, limit, whose] of [[mine, bounds.perClient, 'from this address'], [all, bounds.total, 'on this server']] as const) {
    if (count.n < limit) continue;
    const retryAfter = Math.max(1, Math.ceil(((count.oldest ?? now) + bounds.ttlMs - now) / 1000));
    throw new ProtocolError('RATE_LIMITED', `${limit} channel proposals ${whose} are waiting to be funded; retry in ${retryAfter} s`, { retryAfter });
  }
}
