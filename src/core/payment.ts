import { sha256 } from '@noble/hashes/sha2';
import { concatBytes, hashFromTxid } from './bytes.ts';
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

/*
 * The BIP143 digest of the settlement template a payment signs: version 2, locktime 0, the
 * channel input (sequence 0xfffffffd) and, below full capacity, the change output at index 0.
 * Written out directly rather than through a bitcoinjs Transaction because the server computes
 * one per payment it verifies; test/server/sighash.test.ts checks it byte for byte against
 * bitcoinjs-lib's hashForWitnessV0.
 */
const ZERO_HASH = new Uint8Array(32);

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

function u64le(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

function varBytes(bytes: Uint8Array): Uint8Array {
  // Channel and change scripts are far below 0xfd bytes, so the length is one byte.
  if (bytes.length >= 0xfd) throw new ProtocolError('SYNTAX_ERROR', 'script too long for a payment template');
  return concatBytes(Uint8Array.of(bytes.length), bytes);
}

const sha256d = (b: Uint8Array): Uint8Array => sha256(sha256(b));

type Sha256 = ReturnType<typeof sha256.create>;

/**
 * Everything a channel's digests share, cached per params object (channel records are immutable,
 * so an object's params never change): the SHA-256 state after the preimage's fixed prefix (the
 * version through nSequence, ~190 bytes, so each payment hashes 2 blocks of it instead of 4),
 * and the change output's serialization with room for its amount in front.
 */
interface DigestTemplate {
  prefix: Sha256;
  /** u64le(change) || varBytes(changeScript); the amount is rewritten for each digest. */
  changeOutput: Uint8Array;
  changeView: DataView;
  /**
   * The last digest computed, by amount: a server checks each payment twice, before and under
   * its store lock, and the store hands back the same params object (sqlite-store's fixed part).
   */
  last: { amount: bigint; digest: Uint8Array } | null;
}

const templates = new WeakMap<ChannelParams, DigestTemplate>();

function digestTemplate(params: ChannelParams, script: Uint8Array | undefined): DigestTemplate {
  if (script === undefined) {
    const cached = templates.get(params);
    if (cached) return cached;
  }
  const prefix = sha256.create().update(
    concatBytes(
      u32le(SETTLEMENT_VERSION),
      ZERO_HASH, // hashPrevouts: ANYONECANPAY
      ZERO_HASH, // hashSequence: ANYONECANPAY
      hashFromTxid(params.funding.txid),
      u32le(params.funding.vout),
      varBytes(script ?? channelScript(params)),
      u64le(params.capacity),
      u32le(CHANNEL_INPUT_SEQUENCE),
    ),
  );
  const changeOutput = concatBytes(new Uint8Array(8), varBytes(params.changeScript));
  const template = { prefix, changeOutput, changeView: new DataView(changeOutput.buffer, changeOutput.byteOffset, 8), last: null };
  if (script === undefined) templates.set(params, template);
  return template;
}

/** nLockTime || nHashType, the preimage's last 8 bytes, for each of the two payment sighash types. */
const TAIL_SINGLE = concatBytes(u32le(SETTLEMENT_LOCKTIME), u32le(PAYMENT_SIGHASH_SINGLE));
const TAIL_NONE = concatBytes(u32le(SETTLEMENT_LOCKTIME), u32le(PAYMENT_SIGHASH_NONE));

/** The BIP143 digest the client signs for a payment of `amount` (cumulative). */
export function paymentSighash(params: ChannelParams, amount: bigint, script?: Uint8Array): Uint8Array {
  checkPaymentAmount(params, amount);
  const t = digestTemplate(params, script);
  // A copy: the caller may keep or change what it gets.
  if (t.last?.amount === amount) return t.last.digest.slice();
  const single = paymentHashType(params, amount) === PAYMENT_SIGHASH_SINGLE;
  let hashOutputs: Uint8Array = ZERO_HASH;
  if (single) {
    // SINGLE commits to the output at the input's index (the change); NONE to no output.
    // The shared buffer is safe to rewrite: it is hashed right here, synchronously.
    t.changeView.setBigUint64(0, params.capacity - amount, true);
    hashOutputs = sha256d(t.changeOutput);
  }
  const digest = sha256(t.prefix.clone().update(hashOutputs).update(single ? TAIL_SINGLE : TAIL_NONE).digest());
  t.last = { amount, digest: digest.slice() };
  return digest;
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
  script?: Uint8Array,
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
