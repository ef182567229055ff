/**
 * The channel operations behind the HTTP API and the paywall, free of HTTP: each takes decoded
 * input, consults the core state machine, commits through the store, and returns what to send.
 * Every failure is a ProtocolError thrown before anything is written.
 */
import { randomBytes } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import { formatChannelId, type Outpoint } from '../core/channel.ts';
import { ProtocolError } from '../core/errors.ts';
import type { Credential } from '../core/http-binding.ts';
import type { ChannelStatus, FundRequest, OpenRequest, OpenResponse, PaymentBody } from '../core/messages.ts';
import { channelScript, p2wshAddress } from '../core/script.ts';
import {
  acceptFunding,
  acceptOpen,
  acceptPayment,
  debit,
  markFundingConfirmed,
  markSettling,
  type PendingOpen,
  type ServerChannel,
} from '../core/server-channel.ts';
import { checkOpenProposal } from '../core/terms.ts';
import { buildSettlementTx } from '../core/transactions.ts';
import { classifyBroadcastError, settlementFeeRate } from './chain.ts';
import type { ServerContext } from './context.ts';
import { assertToken } from './http/credential.ts';
import type { NewChannelEvent } from './store/channel-store.ts';

export function statusOf(ch: ServerChannel): ChannelStatus {
  return {
    channelId: ch.id,
    state: ch.state,
    capacity: ch.params.capacity,
    expiry: ch.params.expiry,
    paid: ch.paid,
    spent: ch.spent,
    fundingConfirmed: ch.fundingConfirmed,
    settlementTxid: ch.settlementTxid,
  };
}

export async function openChannel(ctx: ServerContext, request: OpenRequest): Promise<OpenResponse> {
  acceptOpen(ctx.config.terms, request, await ctx.tip.height());
  const serverKeyIndex = await ctx.store.allocateKeyIndex();
  const serverPubkey = ctx.keys.channelKey(serverKeyIndex).publicKey;
  const open: PendingOpen = { openId: randomBytes(16).toString('hex'), request, serverKeyIndex, serverPubkey };
  await ctx.store.addPendingOpen(open);
  const script = channelScript({ serverPubkey, clientPubkey: request.clientPubkey, expiry: request.expiry });
  ctx.logger.info('channel proposed', { openId: open.openId, capacity: request.capacity, expiry: request.expiry, serverKeyIndex });
  return {
    openId: open.openId,
    serverPubkey,
    script,
    address: p2wshAddress(script, request.network),
    capacity: request.capacity,
    expiry: request.expiry,
  };
}

function fundingOutpoint(fundingTx: Uint8Array, vout: number): string | null {
  try {
    return formatChannelId({ txid: Transaction.fromBuffer(Buffer.from(fundingTx)).getId(), vout });
  } catch {
    return null;
  }
}

/**
 * Stores the channel, then broadcasts its funding: stored first so a crash after the broadcast
 * cannot lose a channel that exists on chain. If the node refuses the funding, the channel is
 * removed again and the open is left as it was, so the client can retry with a good transaction.
 */
export async function fundChannel(ctx: ServerContext, openId: string, req: FundRequest): Promise<ChannelStatus> {
  const pending = await ctx.store.getPendingOpen(openId);
  if (!pending) throw new ProtocolError('UNKNOWN_CHANNEL', `no channel proposal ${openId}`);
  if (pending.channelId !== null) {
    // A retried fund request (the first answer was lost) gets the same answer; any other is refused.
    const existing = await ctx.store.getChannel(pending.channelId);
    if (existing && fundingOutpoint(req.fundingTx, req.fundingVout) === existing.id) return statusOf(existing);
    throw new ProtocolError('FUNDING_MISMATCH', `proposal ${openId} is already funded by ${pending.channelId}`);
  }
  // The expiry was checked against the tip at open; the chain has moved since.
  checkOpenProposal(ctx.config.terms, pending.request, await ctx.tip.height());
  const channel = acceptFunding(pending, req.fundingTx, req.fundingVout, req.payment, ctx.config.terms, ctx.policy);
  const hex = Buffer.from(req.fundingTx).toString('hex');
  await ctx.store.addFundedChannel(openId, channel, hex);
  try {
    await ctx.chain.broadcast(hex);
  } catch (err) {
    const failure = classifyBroadcastError(err);
    if (failure !== 'already_known') {
      await ctx.store.removeUnbroadcastChannel(openId, channel.id);
      const reason = (err as Error).message;
      ctx.logger.warn('funding refused', { openId, channelId: channel.id, failure, reason });
      if (failure === 'conflict') throw new ProtocolError('FUNDING_DOUBLE_SPENT', `the node refused the funding transaction: ${reason}`);
      if (failure === 'invalid') throw new ProtocolError('FUNDING_MISMATCH', `the node refused the funding transaction: ${reason}`);
      throw new ProtocolError('INTERNAL', 'the chain backend is unreachable; retry the funding request');
    }
  }
  ctx.logger.info('channel funded', { channelId: channel.id, capacity: channel.params.capacity, firstPayment: channel.paid });
  return statusOf(channel);
}

/**
 * Runs a store update as if the funding were still unconfirmed; only when that is refused for
 * the zero-conf limit does it ask the chain, and retries once if the funding has confirmed since
 * we last looked. The common path costs no extra read and no chain call.
 */
async function withFundingRecheck<T>(ctx: ServerContext, channelId: string, run: (confirmed: boolean) => Promise<T>): Promise<T> {
  try {
    return await run(false);
  } catch (err) {
    if (!(err instanceof ProtocolError && err.code === 'UNCONFIRMED_LIMIT')) throw err;
    const ch = await ctx.store.getChannel(channelId);
    if (!ch || ch.fundingConfirmed) throw err;
    let confirmed = false;
    try {
      confirmed = (await ctx.chain.getTxStatus(ch.params.funding.txid)).confirmed;
    } catch (chainErr) {
      ctx.logger.warn('cannot check funding confirmation', { channelId, error: chainErr });
    }
    if (!confirmed) throw err;
    return run(true);
  }
}

function paymentEvents(before: ServerChannel, after: ServerChannel): NewChannelEvent[] {
  return after.paid > before.paid ? [{ kind: 'payment', amount: after.paid - before.paid }] : [];
}

export async function pay(ctx: ServerContext, channelId: string, payment: PaymentBody): Promise<ChannelStatus> {
  const tip = await ctx.tip.height();
  const after = await withFundingRecheck(ctx, channelId, (confirmed) =>
    ctx.store.updateChannel(channelId, (ch) => {
      const current = confirmed ? markFundingConfirmed(ch) : ch;
      const next = acceptPayment(current, payment, tip, ctx.policy);
      return { channel: next, events: paymentEvents(ch, next), result: next };
    }),
  );
  return statusOf(after);
}

/** What a paid request learns: the channel after the debit. */
export interface Charge {
  channel: ServerChannel;
  outpoint: Outpoint;
  charged: bigint;
}

/**
 * Charges one item to a credential: token check, the optional payment riding along, and the
 * debit, all in one store transaction, committed before this resolves.
 */
export async function charge(ctx: ServerContext, credential: Credential, price: bigint, ref: string): Promise<Charge> {
  const channelId = formatChannelId(credential.channel);
  const tip = await ctx.tip.height();
  const after = await withFundingRecheck(ctx, channelId, (confirmed) =>
    ctx.store.updateChannel(channelId, (ch) => {
      assertToken(credential.token, ch.tokenHash);
      let next = confirmed ? markFundingConfirmed(ch) : ch;
      if (credential.payment) next = acceptPayment(next, credential.payment, tip, ctx.policy);
      const events = paymentEvents(ch, next);
      next = debit(next, price, tip, ctx.policy);
      if (price > 0n) events.push({ kind: 'debit', amount: price, ref: ref.slice(0, 300) });
      return { channel: next, events, result: next };
    }),
  );
  return { channel: after, outpoint: credential.channel, charged: price };
}

/** Loads a channel for a credential-holder; the credential must name the same channel. */
export async function authorizedChannel(ctx: ServerContext, channelId: string, credential: Credential | null): Promise<ServerChannel> {
  if (!credential) throw new ProtocolError('BAD_CREDENTIAL', 'this endpoint needs the channel credential');
  if (formatChannelId(credential.channel) !== channelId) throw new ProtocolError('BAD_CREDENTIAL', 'credential is for another channel');
  const ch = await ctx.store.getChannel(channelId);
  if (!ch) throw new ProtocolError('UNKNOWN_CHANNEL', `no channel ${channelId}`);
  assertToken(credential.token, ch.tokenHash);
  return ch;
}

export async function channelStatus(ctx: ServerContext, channelId: string, credential: Credential | null): Promise<ChannelStatus> {
  return statusOf(await authorizedChannel(ctx, channelId, credential));
}

/** Cooperative close: the client asks the server to settle now (see settleChannel). */
export async function closeChannel(ctx: ServerContext, channelId: string, credential: Credential | null): Promise<ChannelStatus> {
  await authorizedChannel(ctx, channelId, credential);
  return settleChannel(ctx, channelId);
}

/**
 * Settles now with the latest payment: a client's cooperative close, or the operator's "settle
 * now" (paychan-admin), which holds no credential. The settlement is built and recorded in the
 * same transaction that marks the channel closing, so no payment can slip in between and a
 * crash after the broadcast still knows the txid. A node refusal reopens the channel.
 */
export async function settleChannel(ctx: ServerContext, channelId: string): Promise<ChannelStatus> {
  const existing = await ctx.store.getChannel(channelId);
  if (!existing) throw new ProtocolError('UNKNOWN_CHANNEL', `no channel ${channelId}`);
  if (existing.state === 'closed') throw new ProtocolError('CHANNEL_CLOSED', `channel ${channelId} is closed`);
  const feeRate = existing.state === 'open' ? await settlementFeeRate(ctx.chain, ctx.config.feeTargetBlocks, ctx.config.feeRate) : 0n;
  const built = await ctx.store.updateChannel(channelId, (ch) => {
    if (ch.state !== 'open') return { channel: ch, result: { channel: ch, hex: null as string | null } };
    const tx = buildSettlementTx({
      channels: [{ params: ch.params, amount: ch.paid, clientSignature: ch.signature, serverPrivateKey: ctx.keys.channelKey(ch.serverKeyIndex).privateKey }],
      payoutScript: ctx.payoutScript,
      feeRate,
      secp: ctx.policy.secp,
    });
    const next = markSettling(ch, tx.txid);
    return {
      channel: next,
      events: [{ kind: 'settling', amount: ch.paid, ref: tx.txid }],
      settlement: {
        txid: tx.txid,
        hex: tx.hex,
        fee: tx.fee,
        payout: tx.payout,
        feeRate,
        status: 'built',
        detail: null,
        channels: [{ channelId: ch.id, amount: ch.paid }],
        createdAt: Date.now(),
      },
      result: { channel: next, hex: tx.hex as string | null },
    };
  });
  let hex = built.hex;
  const txid = built.channel.settlementTxid;
  if (hex === null && built.channel.state === 'closing' && txid) {
    // Closing already: rebroadcast if an earlier attempt never reached the node.
    const record = await ctx.store.getSettlement(txid);
    if (record?.status === 'built') hex = record.hex;
  }
  if (hex !== null && txid) await broadcastSettlement(ctx, channelId, txid, hex);
  return statusOf((await ctx.store.getChannel(channelId)) ?? built.channel);
}

async function broadcastSettlement(ctx: ServerContext, channelId: string, txid: string, hex: string): Promise<void> {
  try {
    await ctx.chain.broadcast(hex);
  } catch (err) {
    const failure = classifyBroadcastError(err);
    const reason = (err as Error).message;
    if (failure === 'unavailable') {
      ctx.logger.warn('settlement not broadcast yet', { channelId, txid, reason });
      throw new ProtocolError('INTERNAL', 'the chain backend is unreachable; the settlement is kept and a retried close sends it');
    }
    if (failure !== 'already_known') {
      await ctx.store.updateChannel(channelId, (ch) => {
        if (ch.state !== 'closing' || ch.settlementTxid !== txid) return { channel: ch, result: null };
        return { channel: { ...ch, state: 'open', settlementTxid: null }, events: [{ kind: 'settle_reverted', amount: ch.paid, ref: txid }], result: null };
      });
      await ctx.store.setSettlementStatus(txid, 'rejected', reason.slice(0, 500));
      ctx.logger.error('settlement refused by the node', { channelId, txid, reason });
      throw new ProtocolError('INTERNAL', `the node refused the settlement: ${reason}`);
    }
  }
  await ctx.store.setSettlementStatus(txid, 'broadcast');
  ctx.logger.info('settlement broadcast', { channelId, txid });
}

