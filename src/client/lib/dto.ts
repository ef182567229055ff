/** Storage records → the JSON-safe summaries the UI receives. */
import { Transaction } from 'bitcoinjs-lib';
import { formatChannelId } from '../../core/channel.ts';
import type { ChannelSummary, ChannelSummaryState, PaymentSummary, SatString } from '../views.ts';
import type { ChannelRecord, PaymentRecord } from '../storage/records.ts';

export function channelSummary(r: ChannelRecord): ChannelSummary {
  const ch = r.channel;
  return {
    id: r.id,
    channelId: ch.funding ? formatChannelId(ch.funding) : null,
    endpoint: r.endpoint,
    network: r.network,
    state: summaryState(r),
    capacity: String(ch.request.capacity),
    expiry: ch.request.expiry,
    approved: String(ch.approved),
    signed: String(ch.signed),
    acknowledged: String(ch.acknowledged),
    spent: String(ch.spent),
    credit: String(ch.signed - ch.spent),
    closingTxid: ch.closingTxid,
    closeAmount: ch.closePayment ? String(ch.closePayment.amount) : null,
    settled: r.settled === undefined || r.settled === null ? null : String(r.settled),
    keptCredit: r.settled !== undefined && r.settled !== null && r.settled > ch.spent ? String(r.settled - ch.spent) : null,
    fundingFee: fundingFee(r),
    refundFee: r.refund ? String(ch.request.capacity - outputsTotal(r.refund.hex)) : null,
    outcome: outcome(r),
    lastError: r.lastError,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** Inputs − outputs of the funding; unknown when the spent coins are (a channel restored from a backup). */
function fundingFee(r: ChannelRecord): SatString | null {
  const hex = r.channel.funding?.hex;
  if (!hex || r.fundingInputs.length === 0) return null;
  const fee = r.fundingInputs.reduce((sum, coin) => sum + coin.value, 0n) - outputsTotal(hex);
  return fee >= 0n ? String(fee) : null;
}

function outputsTotal(hex: string): bigint {
  return Transaction.fromHex(hex).outs.reduce((sum, out) => sum + BigInt(out.value), 0n);
}

function summaryState(r: ChannelRecord): ChannelSummaryState {
  if (r.abandoned) return 'closed';
  switch (r.channel.state) {
    case 'proposed':
    case 'accepted':
    case 'funding':
      return 'opening';
    default:
      return r.channel.state;
  }
}

function outcome(r: ChannelRecord): ChannelSummary['outcome'] {
  if (r.abandoned) return 'abandoned';
  const ch = r.channel;
  if (ch.state === 'refunding') return 'refunded';
  if (ch.state !== 'closing' && ch.state !== 'closed') return null;
  // The channel closed by the refund the wallet signed (stored before it is broadcast), else by
  // the site's settlement. A refund replaced by fee is stored as the new one, and whichever of
  // the two confirmed is the closing txid: an older refund winning reads as a settlement here.
  return r.refund !== null && ch.closingTxid === r.refund.txid ? 'refunded' : 'settled';
}

export function paymentSummary(p: PaymentRecord, channelId: string): PaymentSummary {
  return {
    seq: p.seq ?? 0,
    channel: channelId,
    endpoint: p.endpoint,
    amount: String(p.amount),
    increment: String(p.increment),
    at: p.at,
    acknowledged: p.acknowledged,
  };
}
