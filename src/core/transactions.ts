import { Transaction } from 'bitcoinjs-lib';
import { hashFromTxid, txidFromHash } from './bytes.ts';
import { dustThreshold, feeForVsize, type SatPerKvb } from './amounts.ts';
import type { ChannelParams } from './channel.ts';
import { ProtocolError } from './errors.ts';
import {
  CHANNEL_INPUT_SEQUENCE,
  checkPaymentAmount,
  PAYMENT_SIGHASH_SINGLE,
  paymentHashType,
  SETTLEMENT_LOCKTIME,
  SETTLEMENT_VERSION,
} from './payment.ts';
import { channelScript, p2wpkhOutputScript } from './script.ts';
import { decodeTxSignature, nobleSecp, SIGHASH_ALL, signWithHashType, type Secp } from './secp.ts';

/** A P2WPKH coin the signer holds the key for (wallet coins, server fee coins). */
export interface WalletCoin {
  txid: string;
  vout: number;
  value: bigint;
  privateKey: Uint8Array;
}

export interface TxOutput {
  script: Uint8Array;
  value: bigint;
}

export interface BuiltTx {
  tx: Transaction;
  hex: string;
  txid: string;
  fee: bigint;
  vsize: number;
}

/** Wallet and refund transactions signal RBF too, so a stuck one can be bumped. */
const RBF_SEQUENCE = 0xfffffffd;
/** Worst-case witness signature: 72-byte low-S DER plus the sighash byte. */
const MAX_SIG = new Uint8Array(73);
const DUMMY_PUBKEY = new Uint8Array(33);

function finish(tx: Transaction, fee: bigint): BuiltTx {
  return { tx, hex: tx.toHex(), txid: tx.getId(), fee, vsize: tx.virtualSize() };
}

function p2wpkhScriptCode(pubkey: Uint8Array): Uint8Array {
  // BIP143: the scriptCode of a P2WPKH input is the P2PKH script of its key hash.
  const program = p2wpkhOutputScript(pubkey).subarray(2);
  return Uint8Array.from([0x76, 0xa9, 0x14, ...program, 0x88, 0xac]);
}

function signWalletInputs(tx: Transaction, coins: readonly WalletCoin[], firstIndex: number, secp: Secp): void {
  coins.forEach((coin, i) => {
    const pubkey = secp.publicKey(coin.privateKey);
    const digest = tx.hashForWitnessV0(firstIndex + i, p2wpkhScriptCode(pubkey), coin.value, SIGHASH_ALL);
    tx.setWitness(firstIndex + i, [signWithHashType(secp, digest, coin.privateKey, SIGHASH_ALL), pubkey]);
  });
}

/**
 * A wallet transaction spending P2WPKH coins to `outputs`, with change to `changeScript` when
 * it is above dust (otherwise it goes to the fee). Spends every coin given: coin selection is
 * the caller's (see selectCoins).
 */
export function buildWalletTx(opts: {
  coins: readonly WalletCoin[];
  outputs: readonly TxOutput[];
  changeScript: Uint8Array;
  feeRateKvb: SatPerKvb;
  secp?: Secp;
}): BuiltTx & { changeVout: number | null } {
  const secp = opts.secp ?? nobleSecp;
  if (opts.coins.length === 0) throw new ProtocolError('SYNTAX_ERROR', 'no coins to spend');
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = 0;
  for (const coin of opts.coins) tx.addInput(hashFromTxid(coin.txid), coin.vout, RBF_SEQUENCE);
  for (const out of opts.outputs) tx.addOutput(out.script, out.value);
  const changeVout = tx.addOutput(opts.changeScript, 0n);
  opts.coins.forEach((_, i) => tx.setWitness(i, [MAX_SIG, DUMMY_PUBKEY]));

  const inputTotal = opts.coins.reduce((sum, c) => sum + c.value, 0n);
  const outputTotal = opts.outputs.reduce((sum, o) => sum + o.value, 0n);
  const feeWithChange = feeForVsize(tx.virtualSize(), opts.feeRateKvb);
  const change = inputTotal - outputTotal - feeWithChange;
  let fee = feeWithChange;
  let finalChangeVout: number | null = changeVout;
  if (change >= dustThreshold(opts.changeScript)) {
    tx.outs[changeVout]!.value = change;
  } else {
    tx.outs.pop();
    finalChangeVout = null;
    fee = inputTotal - outputTotal;
    if (fee < feeForVsize(tx.virtualSize(), opts.feeRateKvb)) {
      throw new ProtocolError('SYNTAX_ERROR', `coins worth ${inputTotal} sat do not cover ${outputTotal} sat plus the fee`);
    }
  }
  signWalletInputs(tx, opts.coins, 0, secp);
  return { ...finish(tx, fee), changeVout: finalChangeVout };
}

/** Largest-first selection of enough coins to pay `target` plus the fee of spending them. */
export function selectCoins<C extends { value: bigint }>(coins: readonly C[], target: bigint, feeRateKvb: SatPerKvb): C[] {
  // Per P2WPKH input ~68 vB; fixed part with two outputs ~ 11 + 43 + 31 vB.
  const sorted = [...coins].sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
  const chosen: C[] = [];
  let total = 0n;
  for (const coin of sorted) {
    chosen.push(coin);
    total += coin.value;
    const fee = feeForVsize(11 + 43 + 31 + 68 * chosen.length, feeRateKvb);
    if (total >= target + fee) return chosen;
  }
  throw new ProtocolError('SYNTAX_ERROR', `not enough funds: need ${target} sat plus fees, have ${total} sat`);
}

/** The client's funding transaction: the channel's P2WSH output at index 0, then change. */
export function buildFundingTx(opts: {
  coins: readonly WalletCoin[];
  capacity: bigint;
  channelOutputScript: Uint8Array;
  changeScript: Uint8Array;
  feeRateKvb: SatPerKvb;
  secp?: Secp;
}): BuiltTx & { vout: number } {
  const built = buildWalletTx({
    coins: opts.coins,
    outputs: [{ script: opts.channelOutputScript, value: opts.capacity }],
    changeScript: opts.changeScript,
    feeRateKvb: opts.feeRateKvb,
    ...(opts.secp ? { secp: opts.secp } : {}),
  });
  return { ...built, vout: 0 };
}

/**
 * The client's refund: spends the ELSE branch alone once the chain reaches `expiry`
 * (nLockTime = expiry, so the first block that may include it is expiry + 1).
 */
export function buildRefundTx(
  params: ChannelParams,
  opts: { clientPrivateKey: Uint8Array; destinationScript: Uint8Array; feeRateKvb: SatPerKvb; secp?: Secp },
): BuiltTx {
  const secp = opts.secp ?? nobleSecp;
  const script = channelScript(params);
  const tx = new Transaction();
  tx.version = 2;
  tx.locktime = params.expiry;
  tx.addInput(hashFromTxid(params.funding.txid), params.funding.vout, RBF_SEQUENCE);
  tx.addOutput(opts.destinationScript, 0n);
  tx.setWitness(0, [MAX_SIG, new Uint8Array(0), script]);
  const fee = feeForVsize(tx.virtualSize(), opts.feeRateKvb);
  const value = params.capacity - fee;
  if (value < dustThreshold(opts.destinationScript)) {
    throw new ProtocolError('SYNTAX_ERROR', `refund of ${params.capacity} sat cannot pay a ${fee} sat fee`);
  }
  tx.outs[0]!.value = value;
  const digest = tx.hashForWitnessV0(0, script, params.capacity, SIGHASH_ALL);
  tx.setWitness(0, [signWithHashType(secp, digest, opts.clientPrivateKey, SIGHASH_ALL), new Uint8Array(0), script]);
  return finish(tx, fee);
}

/** One channel's part in a settlement: its latest payment and the server's key for it. */
export interface SettlementChannel {
  params: ChannelParams;
  amount: bigint;
  clientSignature: Uint8Array;
  serverPrivateKey: Uint8Array;
}

/**
 * The server's settlement of one or many channels in one transaction. A SIGHASH_SINGLE payment
 * covers the output at its own input's index, so channels that keep change come first with their
 * change outputs at the same indexes; fully paid channels (SIGHASH_NONE) follow; then the
 * server's fee coins. The last output pays the server what it earned, less the fee, plus any
 * fee coins.
 */
export function buildSettlementTx(opts: {
  channels: readonly SettlementChannel[];
  payoutScript: Uint8Array;
  feeRateKvb: SatPerKvb;
  feeCoins?: readonly WalletCoin[];
  secp?: Secp;
}): BuiltTx & { payout: bigint; order: string[] } {
  const secp = opts.secp ?? nobleSecp;
  const feeCoins = opts.feeCoins ?? [];
  if (opts.channels.length === 0) throw new ProtocolError('SYNTAX_ERROR', 'nothing to settle');
  const seen = new Set<string>();
  for (const ch of opts.channels) {
    const key = `${ch.params.funding.txid}:${ch.params.funding.vout}`;
    if (seen.has(key)) throw new ProtocolError('SYNTAX_ERROR', `channel ${key} appears twice`);
    seen.add(key);
    checkPaymentAmount(ch.params, ch.amount);
    const { hashType } = decodeTxSignature(ch.clientSignature);
    if (hashType !== paymentHashType(ch.params, ch.amount)) {
      throw new ProtocolError('BAD_SIGHASH_TYPE', `payment signature for ${key} has the wrong sighash type`);
    }
  }
  const withChange = opts.channels.filter((c) => paymentHashType(c.params, c.amount) === PAYMENT_SIGHASH_SINGLE);
  const fullyPaid = opts.channels.filter((c) => paymentHashType(c.params, c.amount) !== PAYMENT_SIGHASH_SINGLE);
  const ordered = [...withChange, ...fullyPaid];

  const tx = new Transaction();
  tx.version = SETTLEMENT_VERSION;
  tx.locktime = SETTLEMENT_LOCKTIME;
  for (const ch of ordered) tx.addInput(hashFromTxid(ch.params.funding.txid), ch.params.funding.vout, CHANNEL_INPUT_SEQUENCE);
  for (const coin of feeCoins) tx.addInput(hashFromTxid(coin.txid), coin.vout, RBF_SEQUENCE);
  for (const ch of withChange) tx.addOutput(ch.params.changeScript, ch.params.capacity - ch.amount);
  const payoutVout = tx.addOutput(opts.payoutScript, 0n);

  const scripts = ordered.map((ch) => channelScript(ch.params));
  ordered.forEach((ch, i) => tx.setWitness(i, [ch.clientSignature, MAX_SIG, Uint8Array.of(1), scripts[i]!]));
  feeCoins.forEach((_, i) => tx.setWitness(ordered.length + i, [MAX_SIG, DUMMY_PUBKEY]));

  const fee = feeForVsize(tx.virtualSize(), opts.feeRateKvb);
  const earned = ordered.reduce((sum, ch) => sum + ch.amount, 0n) + feeCoins.reduce((sum, c) => sum + c.value, 0n);
  const payout = earned - fee;
  if (payout < dustThreshold(opts.payoutScript)) {
    throw new ProtocolError('SYNTAX_ERROR', `settlement would pay ${payout} sat after a ${fee} sat fee, below dust`);
  }
  tx.outs[payoutVout]!.value = payout;

  ordered.forEach((ch, i) => {
    const digest = tx.hashForWitnessV0(i, scripts[i]!, ch.params.capacity, SIGHASH_ALL);
    const serverSig = signWithHashType(secp, digest, ch.serverPrivateKey, SIGHASH_ALL);
    tx.setWitness(i, [ch.clientSignature, serverSig, Uint8Array.of(1), scripts[i]!]);
  });
  signWalletInputs(tx, feeCoins, ordered.length, secp);
  return { ...finish(tx, fee), payout, order: ordered.map((c) => `${c.params.funding.txid}:${c.params.funding.vout}`) };
}

export { txidFromHash };
