/**
 * The server's side of one channel as a pure state machine: every transition takes the current
 * record and a message and returns a new record, or throws a ProtocolError and changes nothing.
 * Storage and transport live elsewhere (src/server); this file decides what is acceptable.
 *
 *   pending --fund--> open --settle--> closing --confirmed--> closed
 *                      |  \--refund seen / funding double-spent-------> closed
 *                      +-- pay / debit (stay open)
 */
import { Transaction } from 'bitcoinjs-lib';
import { equalBytes } from './bytes.ts';
import { formatChannelId, type ChannelParams } from './channel.ts';
import { ProtocolError } from './errors.ts';
import type { OpenRequest } from './messages.ts';
import { checkPaymentAmount, verifyPayment, type Payment } from './payment.ts';
import { channelScript, p2wshOutputScript } from './script.ts';
import { nobleSecp, type Secp } from './secp.ts';
import { checkOpenProposal, type ServerTerms } from './terms.ts';

/** An open request the server accepted and holds a fresh key for, awaiting funding. */
export interface PendingOpen {
  openId: string;
  request: OpenRequest;
  serverKeyIndex: number;
  serverPubkey: Uint8Array;
}

export type ServerChannelState = 'open' | 'closing' | 'closed';

export type CloseReason = 'settled' | 'refunded' | 'double_spent';

export interface ServerChannel {
  id: string;
  params: ChannelParams;
  serverKeyIndex: number;
  tokenHash: Uint8Array;
  state: ServerChannelState;
  /** Cumulative amount the client has signed for; `signature` is that payment's signature. */
  paid: bigint;
  signature: Uint8Array;
  /** Sum of the prices of items delivered against this channel. */
  spent: bigint;
  fundingConfirmed: boolean;
  settlementTxid: string | null;
  closeReason: CloseReason | null;
}

export interface ServerPolicy {
  secp?: Secp;
  /** The server stops taking payments this many blocks before expiry, when it must settle. */
  settleMarginBlocks: number;
  /** Payments accepted before the funding transaction confirms, at most. */
  zeroConfLimit: bigint;
}

export function credit(ch: ServerChannel): bigint {
  return ch.paid - ch.spent;
}

/** Validates an open request; the caller then reserves a fresh server key for it. */
export function acceptOpen(terms: ServerTerms, request: OpenRequest, tip: number): void {
  checkOpenProposal(terms, request, tip);
}

/**
 * Funding: the client hands over its (signed) funding transaction and the first payment. The
 * output at `fundingVout` must be exactly the agreed P2WSH with exactly the agreed capacity.
 */
export function acceptFunding(
  pending: PendingOpen,
  fundingTx: Uint8Array,
  fundingVout: number,
  first: Payment,
  terms: ServerTerms,
  policy: ServerPolicy,
): ServerChannel {
  let tx: Transaction;
  try {
    tx = Transaction.fromBuffer(fundingTx);
  } catch (err) {
    throw new ProtocolError('SYNTAX_ERROR', `fundingTx does not decode: ${(err as Error).message}`);
  }
  const req = pending.request;
  const keys = { serverPubkey: pending.serverPubkey, clientPubkey: req.clientPubkey, expiry: req.expiry };
  const output = tx.outs[fundingVout];
  if (!output) throw new ProtocolError('FUNDING_MISMATCH', `fundingTx has no output ${fundingVout}`);
  if (!equalBytes(output.script, p2wshOutputScript(channelScript(keys)))) {
    throw new ProtocolError('FUNDING_MISMATCH', 'funding output does not pay the channel script');
  }
  if (output.value !== req.capacity) {
    throw new ProtocolError('FUNDING_MISMATCH', `funding output holds ${output.value} sat, agreed ${req.capacity}`);
  }
  const params: ChannelParams = {
    ...keys,
    network: req.network,
    capacity: req.capacity,
    changeScript: req.changeScript,
    funding: { txid: tx.getId(), vout: fundingVout },
  };
  if (first.amount < terms.minFirstPayment) {
    throw new ProtocolError('FIRST_PAYMENT_TOO_SMALL', `first payment must be at least ${terms.minFirstPayment} sat`, {
      minFirstPayment: terms.minFirstPayment.toString(),
    });
  }
  if (first.amount > policy.zeroConfLimit) {
    throw new ProtocolError('UNCONFIRMED_LIMIT', `at most ${policy.zeroConfLimit} sat is accepted before the funding confirms`);
  }
  verifyPayment(params, first.amount, first.signature, policy.secp ?? nobleSecp);
  return {
    id: formatChannelId(params.funding),
    params,
    serverKeyIndex: pending.serverKeyIndex,
    tokenHash: req.tokenHash,
    state: 'open',
    paid: first.amount,
    signature: first.signature,
    spent: 0n,
    fundingConfirmed: false,
    settlementTxid: null,
    closeReason: null,
  };
}

function assertPayable(ch: ServerChannel, tip: number, policy: ServerPolicy): void {
  if (ch.state !== 'open') throw new ProtocolError('CHANNEL_CLOSED', `channel ${ch.id} is ${ch.state}`);
  if (tip >= ch.params.expiry - policy.settleMarginBlocks) {
    throw new ProtocolError('CHANNEL_EXPIRING', `channel ${ch.id} expires at ${ch.params.expiry} and is being settled; open a new one`);
  }
}

/**
 * A new cumulative payment. Returns the channel unchanged for an exact replay (same amount, same
 * signature), so a retried request is harmless.
 */
export function acceptPayment(ch: ServerChannel, payment: Payment, tip: number, policy: ServerPolicy): ServerChannel {
  assertPayable(ch, tip, policy);
  return applyPayment(ch, payment, policy);
}

/** The checks every payment gets, cheapest first; the signature is verified last. */
function applyPayment(ch: ServerChannel, payment: Payment, policy: ServerPolicy): ServerChannel {
  if (payment.amount < ch.paid) {
    throw new ProtocolError('AMOUNT_DECREASED', `amount ${payment.amount} is below the ${ch.paid} already paid`, { paid: ch.paid.toString() });
  }
  if (payment.amount === ch.paid) {
    if (equalBytes(payment.signature, ch.signature)) return ch;
    throw new ProtocolError('CONFLICTING_SIGNATURE', `a different signature for the same amount ${ch.paid}`, { paid: ch.paid.toString() });
  }
  // An amount no channel state could accept is refused as such, not as "wait for confirmation".
  checkPaymentAmount(ch.params, payment.amount);
  if (!ch.fundingConfirmed && payment.amount > policy.zeroConfLimit) {
    throw new ProtocolError('UNCONFIRMED_LIMIT', `at most ${policy.zeroConfLimit} sat is accepted before the funding confirms`);
  }
  verifyPayment(ch.params, payment.amount, payment.signature, policy.secp ?? nobleSecp);
  return { ...ch, paid: payment.amount, signature: payment.signature };
}

/**
 * The least a close may settle at: what was delivered, and at least `minFirstPayment` (what makes
 * a settlement worth its fee), never more than the client already paid.
 */
export function closeFloor(ch: ServerChannel, minFirstPayment: bigint): bigint {
  const owed = ch.spent > minFirstPayment ? ch.spent : minFirstPayment;
  return owed < ch.paid ? owed : ch.paid;
}

/**
 * The payment a cooperative close carries (docs/protocol.md §5), which the settlement then pays.
 * Verified like any payment (same codes), with one difference that only a close has: the amount
 * may be below the newest payment, down to `closeFloor`, so credit the client paid ahead and never
 * used goes back to its change output. The settlement margin does not apply: the server settles
 * now. The record keeps the close payment as its newest, so the settlement is built from it.
 */
export function acceptClosePayment(ch: ServerChannel, payment: Payment, minFirstPayment: bigint, policy: ServerPolicy): ServerChannel {
  if (ch.state !== 'open') throw new ProtocolError('CHANNEL_CLOSED', `channel ${ch.id} is ${ch.state}`);
  if (payment.amount >= ch.paid) return applyPayment(ch, payment, policy);
  const floor = closeFloor(ch, minFirstPayment);
  if (payment.amount < floor) {
    throw new ProtocolError('AMOUNT_DECREASED', `a close of ${payment.amount} is below the ${floor} owed (${ch.spent} delivered, ${minFirstPayment} at least)`, {
      paid: ch.paid.toString(),
      minimum: floor.toString(),
    });
  }
  verifyPayment(ch.params, payment.amount, payment.signature, policy.secp ?? nobleSecp);
  return { ...ch, paid: payment.amount, signature: payment.signature };
}

/** Delivers one item: takes its price out of the prepaid credit. */
export function debit(ch: ServerChannel, price: bigint, tip: number, policy: ServerPolicy): ServerChannel {
  assertPayable(ch, tip, policy);
  if (price < 0n) throw new ProtocolError('INTERNAL', 'negative price');
  if (credit(ch) < price) {
    throw new ProtocolError('INSUFFICIENT_CREDIT', `credit of ${credit(ch)} sat does not cover the price of ${price} sat`, {
      credit: credit(ch).toString(),
    });
  }
  return { ...ch, spent: ch.spent + price };
}

export function markFundingConfirmed(ch: ServerChannel): ServerChannel {
  return ch.fundingConfirmed ? ch : { ...ch, fundingConfirmed: true };
}

/** The settlement was broadcast (or rebroadcast with a higher fee). */
export function markSettling(ch: ServerChannel, settlementTxid: string): ServerChannel {
  if (ch.state === 'closed') throw new ProtocolError('CHANNEL_CLOSED', `channel ${ch.id} is already closed`);
  return { ...ch, state: 'closing', settlementTxid };
}

export function markClosed(ch: ServerChannel, reason: CloseReason, spendingTxid: string | null): ServerChannel {
  return { ...ch, state: 'closed', closeReason: reason, settlementTxid: reason === 'settled' ? spendingTxid : ch.settlementTxid };
}
