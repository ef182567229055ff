/**
 * The one path every settlement takes, whoever asks for it: the watcher settling channels that
 * fall due or bumping a stuck settlement, a client's cooperative close, the operator's "settle
 * now". A settlement is built at a rate capped by `maxFeeRate` (lowered for channels too small to
 * pay it), recorded in the store transaction that marks its channels closing, and only then
 * broadcast; what the node answers is recorded in one store transaction too.
 */
import { Transaction } from 'bitcoinjs-lib';
import { DEFAULT_MIN_RELAY_KVB, dustThreshold, type SatPerKvb } from '../../core/amounts.ts';
import { markSettling, type ServerChannel } from '../../core/server-channel.ts';
import { buildSettlementTx, type BuiltTx, type SettlementChannel } from '../../core/transactions.ts';
import { classifyBroadcastError, settlementFeeRate } from '../chain.ts';
import type { ServerContext } from '../context.ts';
import type { SettlementRecord } from '../store/channel-store.ts';
import { capped } from './fees.ts';

/** What became of a broadcast: accepted (or already known), refused for good, or to be retried. */
export type BroadcastOutcome = 'broadcast' | 'rejected' | 'pending';

/** Refused or pending, with the reason: the node's refusal, or the error that left it unsent. */
export type SendResult = { outcome: 'broadcast' } | { outcome: 'rejected' | 'pending'; reason: string };

/** The rate a new settlement is built at (sat/kvB): the chain's estimate, never above the operator's cap. */
export async function newSettlementFeeRate(ctx: ServerContext, tip?: number): Promise<SatPerKvb> {
  const { config } = ctx;
  return capped(await settlementFeeRate(ctx.fees, config.feeTargetBlocks, config.feeRateKvb, ctx.logger, tip), config.maxFeeRateKvb);
}

/** The address a recorded settlement pays: its last output (buildSettlementTx puts it there). A fee bump pays it again. */
export function settlementPayoutScript(rec: SettlementRecord): Uint8Array {
  return Transaction.fromHex(rec.hex).outs.at(-1)!.script;
}

/**
 * Builds and signs a settlement of `chans` paying `payoutScript` at `feeRateKvb`, or at the
 * highest rate below it that what they paid can cover while leaving a payout above dust.
 */
export function buildSettlement(
  ctx: ServerContext,
  chans: ServerChannel[],
  payoutScript: Uint8Array,
  feeRateKvb: SatPerKvb,
  replaces: string | null,
  createdAt: number,
): SettlementRecord {
  const { keys, policy } = ctx;
  const parts: SettlementChannel[] = chans.map((c) => ({
    params: c.params,
    amount: c.paid,
    clientSignature: c.signature,
    serverPrivateKey: keys.channelKey(c.serverKeyIndex).privateKey,
  }));
  const build = (rate: SatPerKvb) => buildSettlementTx({ channels: parts, payoutScript, feeRateKvb: rate, secp: policy.secp });
  let built: BuiltTx & { payout: bigint; order: string[] };
  let rate = feeRateKvb;
  try {
    built = build(rate);
  } catch (err) {
    // What the channels paid cannot cover this rate and still leave a payout above dust. The
    // most they can pay is still worth more than a refund at expiry, which pays the server nothing.
    const vsize = Number(build(1000n).fee); // the fee at 1 sat/vB is the vsize the fee is reckoned on
    const earned = parts.reduce((sum, p) => sum + p.amount, 0n);
    // The highest rate whose fee, ceil(vsize × rate / 1000), still leaves a payout above dust.
    const affordable = ((earned - dustThreshold(payoutScript)) * 1000n) / BigInt(vsize);
    if (affordable >= rate || affordable < DEFAULT_MIN_RELAY_KVB) throw err;
    rate = affordable;
    built = build(rate);
  }
  const paid = new Map(chans.map((c) => [c.id, c.paid]));
  return {
    txid: built.txid,
    hex: built.hex,
    fee: built.fee,
    payout: built.payout,
    feeRateKvb: rate,
    status: 'built',
    detail: null,
    channels: built.order.map((channelId) => ({ channelId, amount: paid.get(channelId)! })),
    createdAt,
    bumpHeight: null,
    replaces,
  };
}

/**
 * Settles those of the channels `ids` that `ready` accepts as they are inside the store
 * transaction (a payment or another settlement may have come in since the caller looked): builds
 * their settlement and records it with them marked closing, all in that transaction. `prepare`
 * turns a ready channel into the one to settle (a close applies its final payment there; if it
 * throws, nothing is written). Null when none was ready.
 */
export async function recordSettlement(
  ctx: ServerContext,
  ids: string[],
  feeRateKvb: SatPerKvb,
  ready: (channel: ServerChannel) => boolean,
  createdAt: number,
  prepare: (channel: ServerChannel) => ServerChannel = (c) => c,
): Promise<SettlementRecord | null> {
  // Taken (and, for an xpub, its index committed) before the settlement that pays it is built.
  const payout = await ctx.payout.take();
  let record: SettlementRecord | null = null;
  try {
    record = await recordPaying(ctx, payout.script, ids, feeRateKvb, ready, createdAt, prepare);
  } finally {
    if (!record) payout.release();
  }
  return record;
}

function recordPaying(
  ctx: ServerContext,
  payoutScript: Uint8Array,
  ids: string[],
  feeRateKvb: SatPerKvb,
  ready: (channel: ServerChannel) => boolean,
  createdAt: number,
  prepare: (channel: ServerChannel) => ServerChannel,
): Promise<SettlementRecord | null> {
  return ctx.store.updateChannels(ids, (chans) => {
    const due = chans.filter(ready);
    if (due.length === 0) return { channels: chans, result: null };
    const settled = due.map(prepare);
    const record = buildSettlement(ctx, settled, payoutScript, feeRateKvb, null, createdAt);
    const raised = settled.flatMap((c, i) => (c.paid > due[i]!.paid ? [{ channelId: c.id, kind: 'payment' as const, amount: c.paid - due[i]!.paid }] : []));
    return {
      channels: chans.map((c) => {
        const i = due.indexOf(c);
        return i < 0 ? c : markSettling(settled[i]!, record.txid);
      }),
      events: [...raised, ...settled.map((c) => ({ channelId: c.id, kind: 'settling' as const, amount: c.paid, ref: record.txid }))],
      settlement: record,
      result: record,
    };
  });
}

/**
 * Broadcasts a recorded settlement and records what the node said. Once it is sent, a fee bump
 * is scheduled `feeBumpAfterBlocks` after `tip`; an unreachable node leaves the record as it is
 * for a later attempt.
 */
export async function sendSettlement(ctx: ServerContext, rec: SettlementRecord, tip: number): Promise<SendResult> {
  try {
    await ctx.chain.broadcast(rec.hex);
  } catch (err) {
    const failure = classifyBroadcastError(err);
    const reason = err instanceof Error ? err.message : String(err);
    if (failure === 'unavailable') {
      ctx.logger.warn('settlement not sent: chain backend unreachable', { txid: rec.txid, reason });
      return { outcome: 'pending', reason };
    }
    if (failure !== 'already_known') {
      await rejectSettlement(ctx, rec, tip, reason);
      return { outcome: 'rejected', reason };
    }
  }
  if (rec.status !== 'broadcast' || rec.bumpHeight === null || rec.bumpHeight === undefined) {
    await ctx.store.updateSettlement(rec.txid, { status: 'broadcast', bumpHeight: rec.bumpHeight ?? tip + ctx.config.feeBumpAfterBlocks });
  }
  ctx.logger.info('settlement broadcast', { txid: rec.txid, channels: rec.channels.length, feeRateKvb: rec.feeRateKvb, replaces: rec.replaces ?? null });
  return { outcome: 'broadcast' };
}

/**
 * The node refused a settlement for good. A refused fee bump hands its channels back to the
 * settlement it meant to replace, which is tried again `feeBumpAfterBlocks` later (bcoin, for
 * one, refuses every replacement). Any other refusal reopens the channels, so a new settlement
 * can be built for them from what the chain says then. Channels and settlements change in one
 * store transaction: no reader ever sees a channel reopened while its settlement still counts.
 */
async function rejectSettlement(ctx: ServerContext, rec: SettlementRecord, tip: number, reason: string): Promise<void> {
  const { store, config } = ctx;
  const original = rec.replaces ? await store.getSettlement(rec.replaces) : null;
  const fallBack = original !== null && original.status !== 'rejected' && original.status !== 'confirmed';
  await store.updateChannels(
    rec.channels.map((c) => c.channelId),
    (chans) => {
      const waitsOnIt = (c: ServerChannel) => c.state === 'closing' && c.settlementTxid === rec.txid;
      const next = chans.map((c): ServerChannel => {
        if (!waitsOnIt(c)) return c;
        return fallBack ? { ...c, settlementTxid: original.txid } : { ...c, state: 'open', settlementTxid: null };
      });
      const reverted = fallBack ? [] : next.filter((c, i) => c !== chans[i]);
      return {
        channels: next,
        events: reverted.map((c) => ({ channelId: c.id, kind: 'settle_reverted' as const, amount: c.paid, ref: rec.txid })),
        settlementPatches: [
          { txid: rec.txid, patch: { status: 'rejected', detail: reason.slice(0, 500) } },
          ...(fallBack ? [{ txid: original.txid, patch: { bumpHeight: tip + config.feeBumpAfterBlocks } }] : []),
        ],
        result: null,
      };
    },
  );
  const fields = { txid: rec.txid, replaces: rec.replaces ?? null, reason };
  if (fallBack) ctx.logger.warn('fee bump refused: the previous settlement stays in charge', fields);
  else ctx.logger.error('settlement refused by the node: its channels are open again', fields);
}
