import { Transaction } from 'bitcoinjs-lib';
import { hashFromTxid } from './bytes.ts';
import { dustThreshold } from './amounts.ts';
import type { ChannelParams } from './channel.ts';
import { ProtocolError } from './errors.ts';
import { channelScript } from './script.ts';
import {
  decodeTxSignature,
  nobleSecp,
  SIGHASH_ANYONECANPAY,
  SIGHASH_NONE,
  SIGHASH_SINGLE,
  signWithHashType,
  type Secp,
} from './secp.ts';

/**
 * BIP143 commits an ANYONECANPAY signature to the transaction's version and nLockTime and to the
 * signed input's nSequence, so the protocol fixes them. The sequence signals RBF (BIP125) so the
 * server can fee-bump a settlement without asking the client to sign again.
 */
export const SETTLEMENT_VERSION = 2;
export const SETTLEMENT_LOCKTIME = 0;
export const CHANNEL_INPUT_SEQUENCE = 0xfffffffd;

/** Pays the server, keeps exactly the client's change output fixed. */
export const PAYMENT_SIGHASH_SINGLE = SIGHASH_SINGLE | SIGHASH_ANYONECANPAY; // 0x83
/** Used once the whole capacity is paid: no change output to protect. */
export const PAYMENT_SIGHASH_NONE = SIGHASH_NONE | SIGHASH_ANYONECANPAY; // 0x82

/** A payment states the cumulative amount paid to the server and signs for it. */
export interface Payment {
  amount: bigint;
  signature: Uint8Array;
}

/**
 * The amount a client actually signs for when it wants to have paid `amount`: if the change left
 * would be dust it cannot be an output, so the whole capacity goes to the server and the client
 * accounts for all of it (accounting stays exact to the satoshi).
 */
export function payableAmount(params: ChannelParams, amount: bigint): bigint {
  const change = params.capacity - amount;
  if (change > 0n && change < dustThreshold(params.changeScript)) return params.capacity;
  return amount;
}

/** Checks an amount against the channel's capacity and the dust rule; throws ProtocolError. */
export function checkPaymentAmount(params: ChannelParams, amount: bigint): void {
  if (amount < 0n) throw new ProtocolError('SYNTAX_ERROR', 'amount must not be negative');
  if (amount > params.capacity) {
    throw new ProtocolError('AMOUNT_EXCEEDS_CAPACITY', `amount ${amount} exceeds capacity ${params.capacity}`, {
      capacity: params.capacity.toString(),
    });
  }
  const change = params.capacity - amount;
  if (change > 0n && change < dustThreshold(params.changeScript)) {
    throw new ProtocolError(
      'CHANGE_BELOW_DUST',
      `change of ${change} sat is below the ${dustThreshold(params.changeScript)} sat dust threshold; pay the full capacity instead`,
    );
  }
}

export function paymentHashType(params: ChannelParams, amount: bigint): number {
  return amount === params.capacity ? PAYMENT_SIGHASH_NONE : PAYMENT_SIGHASH_SINGLE;
}

/** The settlement template a payment signature commits to: the channel input and the change. */
function settlementTemplate(params: ChannelParams, amount: bigint): Transaction {
  const tx = new Transaction();
  tx.version = SETTLEMENT_VERSION;
  tx.locktime = SETTLEMENT_LOCKTIME;
  tx.addInput(hashFromTxid(params.funding.txid), params.funding.vout, CHANNEL_INPUT_SEQUENCE);
  if (amount < params.capacity) tx.addOutput(params.changeScript, params.capacity - amount);
  return tx;
}

/** The BIP143 digest the client signs for a payment of `amount` (cumulative). */
export function paymentSighash(params: ChannelParams, amount: bigint, script = channelScript(params)): Uint8Array {
  checkPaymentAmount(params, amount);
  const hashType = paymentHashType(params, amount);
  return settlementTemplate(params, amount).hashForWitnessV0(0, script, params.capacity, hashType);
}

/** Client side: signs a payment. Callers enforce approvals; see ClientChannel. */
export function signPayment(
  params: ChannelParams,
  amount: bigint,
  clientPrivateKey: Uint8Array,
  secp: Secp = nobleSecp,
): Uint8Array {
  return signWithHashType(secp, paymentSighash(params, amount), clientPrivateKey, paymentHashType(params, amount));
}

/**
 * Server side: checks that `signature` is the client's valid signature for a payment of `amount`.
 * Throws a ProtocolError naming what is wrong; returns nothing on success.
 */
export function verifyPayment(
  params: ChannelParams,
  amount: bigint,
  signature: Uint8Array,
  secp: Secp = nobleSecp,
  script = channelScript(params),
): void {
  const { compact, hashType } = decodeTxSignature(signature);
  checkPaymentAmount(params, amount);
  const expected = paymentHashType(params, amount);
  if (hashType !== expected) {
    throw new ProtocolError(
      'BAD_SIGHASH_TYPE',
      `payment of ${amount} must be signed with sighash 0x${expected.toString(16)}, got 0x${hashType.toString(16)}`,
    );
  }
  const digest = paymentSighash(params, amount, script);
  if (!secp.verify(compact, digest, params.clientPubkey)) {
    throw new ProtocolError('BAD_SIGNATURE', 'signature does not verify for this channel, amount and change output');
  }
}
