/**
 * The client's side of one channel as a pure state machine. Its one job beyond bookkeeping is
 * refusal: it never signs above what the user approved, never signs for a channel other than the
 * one the user approved, and never moves an amount backwards.
 *
 *   proposed --server answers--> accepted --funding built--> funding --server accepts--> open
 *   open --close asked--> closing --settlement seen--> closed
 *   any funded state --expiry reached, refund broadcast--> refunding --refund seen--> closed
 *
 * Every transition returns a new record; callers persist it before they act on it.
 */
import { equalBytes } from './bytes.ts';
import { formatChannelId, type ChannelParams } from './channel.ts';
import type { OpenRequest, OpenResponse } from './messages.ts';
import { payableAmount, signPayment, type Payment } from './payment.ts';
import { channelScript, p2wshAddress } from './script.ts';
import { nobleSecp, type Secp } from './secp.ts';
import { PROTOCOL_VERSIONS } from './terms.ts';

export type ClientChannelState = 'proposed' | 'accepted' | 'funding' | 'open' | 'closing' | 'refunding' | 'closed';

/** Why the client refuses to do something; shown to the user. */
export class ClientRefusal extends Error {
  constructor(
    readonly reason: 'EXCEEDS_APPROVAL' | 'TERMS_MISMATCH' | 'BAD_STATE' | 'AMOUNT_NOT_INCREASING' | 'EXCEEDS_CAPACITY',
    message: string,
  ) {
    super(message);
    this.name = 'ClientRefusal';
  }
}

export interface ClientChannel {
  endpoint: string;
  state: ClientChannelState;
  request: OpenRequest;
  clientKeyIndex: number;
  /** Filled in once the server has answered the open request. */
  openId: string | null;
  serverPubkey: Uint8Array | null;
  /** Filled in once the funding transaction is built. */
  funding: { txid: string; vout: number; hex: string } | null;
  /** Highest cumulative amount the user allows this channel to pay. */
  approved: bigint;
  /** Highest cumulative amount signed: what the server can take at worst. */
  signed: bigint;
  signature: Uint8Array | null;
  /** Highest cumulative amount the server has acknowledged. */
  acknowledged: bigint;
  /** Price total the server reports as delivered (from receipts and status). */
  spent: bigint;
  closingTxid: string | null;
  /**
   * The payment the cooperative close carried (signClose): what the settlement should pay the
   * server, at most `signed`. Absent or null until the wallet closes.
   */
  closePayment?: Payment | null;
}

export function propose(endpoint: string, request: OpenRequest, clientKeyIndex: number, approved: bigint): ClientChannel {
  if (!PROTOCOL_VERSIONS.includes(request.version)) throw new ClientRefusal('TERMS_MISMATCH', `version ${request.version} unsupported`);
  if (approved < 0n) throw new ClientRefusal('EXCEEDS_APPROVAL', 'approval must not be negative');
  return {
    endpoint,
    state: 'proposed',
    request,
    clientKeyIndex,
    openId: null,
    serverPubkey: null,
    funding: null,
    approved,
    signed: 0n,
    signature: null,
    acknowledged: 0n,
    spent: 0n,
    closingTxid: null,
  };
}

/** The server's answer must describe exactly the channel the client asked for. */
export function acceptOpenResponse(ch: ClientChannel, res: OpenResponse): ClientChannel {
  expectState(ch, 'proposed');
  const req = ch.request;
  if (res.capacity !== req.capacity || res.expiry !== req.expiry) {
    throw new ClientRefusal('TERMS_MISMATCH', `server answered ${res.capacity} sat until ${res.expiry}; asked for ${req.capacity} sat until ${req.expiry}`);
  }
  if (equalBytes(res.serverPubkey, req.clientPubkey)) {
    throw new ClientRefusal('TERMS_MISMATCH', 'server key equals the client key');
  }
  const script = channelScript({ serverPubkey: res.serverPubkey, clientPubkey: req.clientPubkey, expiry: req.expiry });
  if (!equalBytes(script, res.script) || p2wshAddress(script, req.network) !== res.address) {
    throw new ClientRefusal('TERMS_MISMATCH', 'server sent a channel script or address that is not the agreed one');
  }
  return { ...ch, state: 'accepted', openId: res.openId, serverPubkey: res.serverPubkey };
}

/** The funding transaction is built and signed; persist this before broadcasting or sending it. */
export function attachFunding(ch: ClientChannel, funding: { txid: string; vout: number; hex: string }): ClientChannel {
  expectState(ch, 'accepted');
  return { ...ch, state: 'funding', funding };
}

export function channelParams(ch: ClientChannel): ChannelParams {
  if (!ch.serverPubkey || !ch.funding) throw new ClientRefusal('BAD_STATE', 'channel has no funding yet');
  return {
    network: ch.request.network,
    serverPubkey: ch.serverPubkey,
    clientPubkey: ch.request.clientPubkey,
    expiry: ch.request.expiry,
    capacity: ch.request.capacity,
    changeScript: ch.request.changeScript,
    funding: { txid: ch.funding.txid, vout: ch.funding.vout },
  };
}

export function channelId(ch: ClientChannel): string | null {
  return ch.funding ? formatChannelId(ch.funding) : null;
}

/**
 * Signs a new cumulative amount. The amount is rounded up to the full capacity when the change
 * left would be dust; the rounded amount is what is checked against the approval.
 */
export function signNext(
  ch: ClientChannel,
  wanted: bigint,
  clientPrivateKey: Uint8Array,
  secp: Secp = nobleSecp,
): { channel: ClientChannel; payment: Payment } {
  if (ch.state !== 'funding' && ch.state !== 'open') throw new ClientRefusal('BAD_STATE', `cannot pay on a ${ch.state} channel`);
  const params = channelParams(ch);
  if (wanted > params.capacity) throw new ClientRefusal('EXCEEDS_CAPACITY', `${wanted} sat exceeds the channel's ${params.capacity} sat`);
  const amount = payableAmount(params, wanted);
  if (amount <= ch.signed) throw new ClientRefusal('AMOUNT_NOT_INCREASING', `${amount} sat is not above the ${ch.signed} sat already signed`);
  if (amount > ch.approved) {
    throw new ClientRefusal('EXCEEDS_APPROVAL', `paying ${amount} sat in total would exceed the ${ch.approved} sat you approved`);
  }
  if (!equalBytes(secp.publicKey(clientPrivateKey), params.clientPubkey)) {
    throw new ClientRefusal('TERMS_MISMATCH', 'key does not belong to this channel');
  }
  const signature = signPayment(params, amount, clientPrivateKey, secp);
  return { channel: { ...ch, signed: amount, signature }, payment: { amount, signature } };
}

/** Raises (never lowers) the cumulative approval, e.g. when the user grants a bigger budget. */
export function raiseApproval(ch: ClientChannel, approved: bigint): ClientChannel {
  if (approved < ch.approved) throw new ClientRefusal('EXCEEDS_APPROVAL', 'approvals only grow; close the channel to stop paying');
  return { ...ch, approved };
}

/** The server acknowledged the channel as funded (first payment accepted). */
export function fundingAccepted(ch: ClientChannel, acknowledged: bigint): ClientChannel {
  expectState(ch, 'funding');
  return acknowledge({ ...ch, state: 'open' }, acknowledged, 0n);
}

/**
 * Records what the server says it holds. The server can never have more than we signed; a report
 * above that is a lying or broken server, and is ignored rather than believed.
 */
export function acknowledge(ch: ClientChannel, paid: bigint, spent: bigint): ClientChannel {
  if (paid > ch.signed || spent > paid) return ch;
  return {
    ...ch,
    acknowledged: paid > ch.acknowledged ? paid : ch.acknowledged,
    spent: spent > ch.spent ? spent : ch.spent,
  };
}

/**
 * How much to sign next to keep `target` sats of credit prepaid after an item of `price`, within
 * the approval and the capacity; null when nothing (more) can be signed.
 */
export function nextTopUp(ch: ClientChannel, price: bigint, target: bigint): bigint | null {
  const capacity = ch.request.capacity;
  const credit = ch.signed - ch.spent;
  if (credit >= price + target) return null;
  let wanted = ch.spent + price + target;
  if (wanted > ch.approved) wanted = ch.approved;
  if (wanted > capacity) wanted = capacity;
  if (wanted <= ch.signed || wanted - ch.spent < price) return null;
  return wanted;
}

/**
 * The payment a cooperative close carries (docs/protocol.md §5): what the server delivered, or
 * `minimum` if that is more (a server's floor), rounded up for dust, and never above `signed`, so
 * a close signs nothing the server could not already take. This is the one place a payment below
 * `signed` is signed: the channel moves to closing with it, and no payment follows a close.
 */
export function signClose(
  ch: ClientChannel,
  minimum: bigint,
  clientPrivateKey: Uint8Array,
  secp: Secp = nobleSecp,
): { channel: ClientChannel; payment: Payment } {
  if (ch.state !== 'open' && ch.state !== 'funding' && ch.state !== 'closing') throw new ClientRefusal('BAD_STATE', `cannot close a ${ch.state} channel`);
  if (ch.signed === 0n) throw new ClientRefusal('BAD_STATE', 'nothing was paid on this channel');
  const params = channelParams(ch);
  if (!equalBytes(secp.publicKey(clientPrivateKey), params.clientPubkey)) {
    throw new ClientRefusal('TERMS_MISMATCH', 'key does not belong to this channel');
  }
  const owed = payableAmount(params, ch.spent > minimum ? ch.spent : minimum);
  const amount = owed < ch.signed ? owed : ch.signed;
  const payment = { amount, signature: signPayment(params, amount, clientPrivateKey, secp) };
  return { channel: { ...ch, state: 'closing', closePayment: payment }, payment };
}

export function beginClose(ch: ClientChannel): ClientChannel {
  if (ch.state !== 'open' && ch.state !== 'funding') throw new ClientRefusal('BAD_STATE', `cannot close a ${ch.state} channel`);
  return { ...ch, state: 'closing' };
}

export function beginRefund(ch: ClientChannel, refundTxid: string, tip: number): ClientChannel {
  if (!ch.funding) throw new ClientRefusal('BAD_STATE', 'nothing to refund: never funded');
  if (tip < ch.request.expiry) throw new ClientRefusal('BAD_STATE', `refund is valid from height ${ch.request.expiry}`);
  if (ch.state === 'closed') throw new ClientRefusal('BAD_STATE', 'channel already closed');
  return { ...ch, state: 'refunding', closingTxid: refundTxid };
}

export function markClosed(ch: ClientChannel, spendingTxid: string): ClientChannel {
  return { ...ch, state: 'closed', closingTxid: spendingTxid };
}

function expectState(ch: ClientChannel, state: ClientChannelState): void {
  if (ch.state !== state) throw new ClientRefusal('BAD_STATE', `expected a ${state} channel, found ${ch.state}`);
}
