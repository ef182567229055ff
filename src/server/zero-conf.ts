/**
 * The zero-conf exposure across channels. Each channel takes at most zeroConfLimit before its
 * funding confirms (core/server-channel.ts); this caps what all unconfirmed channels hold
 * together (config.zeroConfTotalLimit), so a client chaining unconfirmed fundings, each spending
 * the change of the one before, cannot take the per-channel limit on each of them and then
 * double-spend the first. Checked in the same store transaction that would raise the total.
 */
import { ProtocolError } from '../core/errors.ts';
import type { ServerChannel } from '../core/server-channel.ts';
import type { StoreView } from './store/channel-store.ts';

export function assertUnconfirmedTotal(total: bigint, limit: bigint): void {
  if (total > limit) {
    throw new ProtocolError('UNCONFIRMED_LIMIT', `the server holds at most ${limit} sat in payments on unconfirmed fundings across all channels; wait for the funding to confirm`);
  }
}

/** Refuses `after` when it raises what an unconfirmed channel holds past the total limit. */
export function checkUnconfirmedTotal(before: ServerChannel, after: ServerChannel, view: StoreView, limit: bigint): void {
  if (after.fundingConfirmed || after.paid <= before.paid) return;
  assertUnconfirmedTotal(view.unconfirmedPaid() - (before.fundingConfirmed ? 0n : before.paid) + after.paid, limit);
}
