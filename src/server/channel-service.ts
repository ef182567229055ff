/**
 * The channel operations behind the HTTP API and the paywall, free of HTTP: each takes decoded
 * input, consults the core state machine, commits through the store, and returns what to send.
 * Every failure is a ProtocolError thrown before anything is written.
 */
import { randomBytes } from 'node:crypto';
import { equalBytes } from '../core/bytes.ts';
import { Transaction } from 'bitcoinjs-lib';
import { formatChannelId, type Outpoint } from '../core/channel.ts';
import { ProtocolError } from '../core/errors.ts';
import type { Credential } from '../core/http-binding.ts';
import type { ChannelStatus, FundRequest, OpenRequest, OpenResponse, PaymentBody } from '../core/messages.ts';
import { channelScript, p2wshAddress } from '../core/script.ts';
import {
  acceptClosePayment,
  acceptFunding,
  acceptOpen,
  acceptPayment,
  debit,
  markFundingConfirmed,
  type PendingOpen,
  type ServerChannel,
} from '../core/server-channel.ts';
import { checkOpenProposal } from '../core/terms.ts';
import { EsploraError } from '../chain/esplora-error.ts';
import { classifyBroadcastError } from './chain.ts';
import type { ServerContext } from './context.ts';
import { assertToken } from './http/credential.ts';
import { precheckPayment, withStoredCredit } from './payment-checks.ts';
import { checkUnconfirmedTotal } from './zero-conf.ts';
import type { NewChannelEvent, SettlementRecord } from './store/channel-store.ts';
import { newSettlementFeeRate, recordSettlement, sendSettlement } from './watcher/settlement.ts';

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

/**
 * Stores a proposal and hands out a fresh server key for it. Proposals are bounded per client
 * address and in all, and expire unfunded after config.openProposalTtlMs; a key index is taken
 * only by a proposal that is stored (store.proposeOpen).
 */
export async function openChannel(ctx: ServerContext, request: OpenRequest, client: string): Promise<OpenResponse> {
  acceptOpen(ctx.config.terms, request, await ctx.tip.height());
  const { config } = ctx;
  const bounds = { perClient: config.maxPendingOpensPerClient, total: config.maxPendingOpens, ttlMs: config.openProposalTtlMs };
  const open = await ctx.store.proposeOpen(client, bounds, (serverKeyIndex): PendingOpen => ({
    openId: randomBytes(16).toString('hex'),
    request,
    serverKeyIndex,
    serverPubkey: ctx.keys.channelKey(serverKeyIndex).publicKey,
  }));
  const { serverPubkey, serverKeyIndex } = open;
  const script = channelScript({ serverPubkey, clientPubkey: request.clientPubkey, expiry: request.expiry });
  ctx.logger.info('channel proposed', { openId: open.openId, capacity: request.capacity, expiry: request.expiry, serverKeyIndex, client });
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
 * If the chain backend gives no verdict (rate limit, outage), the channel stays stored and the
 * client is told to retry (503 CHAIN_UNAVAILABLE): the retried request sends the funding again.
 */
export async function fundChannel(ctx: ServerContext, openId: string, req: FundRequest): Promise<ChannelStatus> {
  const pending = await ctx.store.getPendingOpen(openId);
  // An expired proposal answers as it will once pruned.
  const expired = pending !== null && pending.channelId === null && Date.now() - pending.createdAt >= ctx.config.openProposalTtlMs;
  if (!pending || expired) throw new ProtocolError('UNKNOWN_CHANNEL', `no channel proposal ${openId}${expired ? ' (it expired unfunded)' : ''}`);
  const hex = Buffer.from(req.fundingTx).toString('hex');
  if (pending.channelId !== null) {
    // A retried fund request (the first answer was lost, or the chain was unavailable) gets the same answer; any other is refused.
    const existing = await ctx.store.getChannel(pending.channelId);
    if (!existing || fundingOutpoint(req.fundingTx, req.fundingVout) !== existing.id) {
      throw new ProtocolError('FUNDING_MISMATCH', `proposal ${openId} is already funded by ${pending.channelId}`);
    }
    if (existing.state === 'open' && !existing.fundingConfirmed) await broadcastFunding(ctx, openId, existing, hex);
    return statusOf(existing);
  }
  // The expiry was checked against the tip at open; the chain has moved since.
  checkOpenProposal(ctx.config.terms, pending.request, await ctx.tip.height());
  const channel = acceptFunding(pending, req.fundingTx, req.fundingVout, req.payment, ctx.config.terms, ctx.policy);
  await ctx.store.addFundedChannel(openId, channel, hex, { zeroConfTotalLimit: ctx.config.zeroConfTotalLimit });
  await broadcastFunding(ctx, openId, channel, hex);
  ctx.logger.info('channel funded', { channelId: channel.id, capacity: channel.params.capacity, firstPayment: channel.paid });
  return statusOf(channel);
}

/** Seconds a client is asked to wait when the chain backend named no time itself. */
const CHAIN_RETRY_SECONDS = 10;

/** Sends a stored channel's funding; only the node's verdict removes the channel (see classifyBroadcastError). */
async function broadcastFunding(ctx: ServerContext, openId: string, channel: ServerChannel, hex: string): Promise<void> {
  try {
    await ctx.chain.broadcast(hex);
  } catch (err) {
    const failure = classifyBroadcastError(err);
    if (failure === 'already_known') return;
    const reason = (err as Error).message;
    if (failure === 'unavailable') {
      const retryAfter = err instanceof EsploraError && err.retryAfterMs !== null ? Math.ceil(err.retryAfterMs / 1000) : CHAIN_RETRY_SECONDS;
      ctx.logger.warn('funding not sent: chain backend unavailable; the channel is kept', { openId, channelId: channel.id, reason, retryAfter });
      throw new ProtocolError('CHAIN_UNAVAILABLE', 'the chain backend is unavailable; retry the funding request', { retryAfter });
    }
    await ctx.store.removeUnbroadcastChannel(openId, channel.id);
    ctx.logger.warn('funding refused', { openId, channelId: channel.id, failure, reason });
    if (failure === 'conflict') throw new ProtocolError('FUNDING_DOUBLE_SPENT', `the node refused the funding transaction: ${reason}`);
    throw new ProtocolError('FUNDING_MISMATCH', `the node refused the funding transaction: ${reason}`);
  }
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
  const policy = await precheckPayment(ctx, channelId, payment);
  const tip = await ctx.tip.height();
  const after = await withFundingRecheck(ctx, channelId, (confirmed) =>
    ctx.store.updateChannel(channelId, (ch, view) => {
      const current = confirmed ? markFundingConfirmed(ch) : ch;
      const next = acceptPayment(current, payment, tip, policy);
      checkUnconfirmedTotal(ch, next, view, ctx.config.zeroConfTotalLimit);
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
 * debit, all in one store transaction, committed before this resolves. Fsynced too when a
 * payment rides along; a debit alone moves no money and skips the fsync (UpdateOptions.durable).
 *
 * Every refusal after the token check carries `credit`, the credit stored when it was refused. A
 * valid payment riding along is kept even when the debit is refused (credit still below the
 * price): it is a payment the client signed and sent, and the 402 then reports the credit with it.
 */
export async function charge(ctx: ServerContext, credential: Credential, price: bigint, ref: string): Promise<Charge> {
  const channelId = formatChannelId(credential.channel);
  // A debit alone needs no chain and no verify before the lock: the token is checked inside it.
  const policy = credential.payment ? await precheckPayment(ctx, channelId, credential.payment, credential) : ctx.policy;
  const tip = await ctx.tip.height();
  const outcome = await withFundingRecheck(ctx, channelId, (confirmed) =>
    ctx.store.updateChannel(channelId, (ch, view) => {
      assertToken(credential.token, ch.tokenHash);
      let paid = confirmed ? markFundingConfirmed(ch) : ch;
      try {
        if (credential.payment) paid = acceptPayment(paid, credential.payment, tip, policy);
        checkUnconfirmedTotal(ch, paid, view, ctx.config.zeroConfTotalLimit);
      } catch (err) {
        throw withStoredCredit(err, ch);
      }
      const events = paymentEvents(ch, paid);
      let next: ServerChannel;
      try {
        next = debit(paid, price, tip, ctx.policy);
      } catch (err) {
        if (paid.paid === ch.paid) throw withStoredCredit(err, ch);
        return { channel: paid, events, result: { channel: paid, refusal: withStoredCredit(err, paid) } };
      }
      if (price > 0n) events.push({ kind: 'debit', amount: price, ref: ref.slice(0, 300) });
      return { channel: next, events, result: { channel: next, refusal: null } };
    }, { durable: credential.payment !== undefined }),
  );
  if (outcome.refusal) throw outcome.refusal;
  return { channel: outcome.channel, outpoint: credential.channel, charged: price };
}

/**
 * Undoes a charge whose item was not delivered (see delivery.ts): the price goes back to the
 * channel's credit. Not fsynced, like the debit it undoes; at worst a power cut keeps the debit.
 */
export async function releaseCharge(ctx: ServerContext, channelId: string, price: bigint, ref: string): Promise<ServerChannel> {
  return ctx.store.updateChannel(
    channelId,
    (ch) => {
      if (ch.spent < price) throw new Error(`cannot release ${price} sat: channel ${channelId} has spent only ${ch.spent}`);
      const next: ServerChannel = { ...ch, spent: ch.spent - price };
      return { channel: next, events: [{ kind: 'release', amount: price, ref: ref.slice(0, 300) }], result: next };
    },
    { durable: false },
  );
}

async function storedChannel(ctx: ServerContext, channelId: string): Promise<ServerChannel> {
  const ch = await ctx.store.getChannel(channelId);
  if (!ch) throw new ProtocolError('UNKNOWN_CHANNEL', `no channel ${channelId}`);
  return ch;
}

/**
 * Loads a channel for a credential-holder; the credential must name the same channel. An unknown
 * channel is UNKNOWN_CHANNEL whatever the credential (channel ids are public outpoints), so a
 * resuming client tells a channel the server forgot from a wrong token (BAD_CREDENTIAL).
 */
export async function authorizedChannel(ctx: ServerContext, channelId: string, credential: Credential | null): Promise<ServerChannel> {
  const ch = await storedChannel(ctx, channelId);
  if (!credential) throw new ProtocolError('BAD_CREDENTIAL', 'this endpoint needs the channel credential');
  if (formatChannelId(credential.channel) !== channelId) throw new ProtocolError('BAD_CREDENTIAL', 'credential is for another channel');
  assertToken(credential.token, ch.tokenHash);
  return ch;
}

export async function channelStatus(ctx: ServerContext, channelId: string, credential: Credential | null): Promise<ChannelStatus> {
  return statusOf(await authorizedChannel(ctx, channelId, credential));
}

/**
 * Cooperative close: the client asks the server to settle now (see settleChannel), optionally
 * with a final payment, which the settlement then pays: verified like any payment, and allowed
 * below the newest one down to what was delivered (acceptClosePayment), so unused credit goes back.
 */
export async function closeChannel(ctx: ServerContext, channelId: string, credential: Credential | null, payment: PaymentBody | null = null): Promise<ChannelStatus> {
  await authorizedChannel(ctx, channelId, credential);
  return settleChannel(ctx, channelId, payment);
}

/**
 * Settles now with the latest payment: a client's cooperative close, or the operator's "settle
 * now" (paychan-admin), which holds no credential. Takes the watcher's settlement path
 * (watcher/settlement.ts): the fee cap and the lower rate for a small channel, the settlement
 * recorded in the transaction that marks the channel closing (no payment slips in between, and a
 * crash after the broadcast still knows the txid), and a node refusal reopening the channel in
 * one store transaction. A close of a channel already closing sends again a settlement that never
 * reached the node.
 */
export async function settleChannel(ctx: ServerContext, channelId: string, payment: PaymentBody | null = null): Promise<ChannelStatus> {
  const existing = await storedChannel(ctx, channelId);
  if (existing.state === 'closed') throw new ProtocolError('CHANNEL_CLOSED', `channel ${channelId} is closed`);
  let record: SettlementRecord | null = null;
  if (existing.state === 'open') {
    const feeRateKvb = await newSettlementFeeRate(ctx);
    const { minFirstPayment } = ctx.config.terms;
    record = await withFundingRecheck(ctx, channelId, (confirmed) =>
      recordSettlement(ctx, [channelId], feeRateKvb, (ch) => ch.state === 'open', Date.now(), (ch) => {
        const current = confirmed ? markFundingConfirmed(ch) : ch;
        return payment ? acceptClosePayment(current, payment, minFirstPayment, ctx.policy) : current;
      }),
    );
  }
  const settling = record ? null : await storedChannel(ctx, channelId);
  if (payment && settling && !(settling.paid === payment.amount && equalBytes(settling.signature, payment.signature))) {
    // A retried close carries the payment it settles with; another payment comes too late.
    throw new ProtocolError('CHANNEL_CLOSED', `channel ${channelId} is already settling at ${settling.paid} sat`, { paid: settling.paid.toString() });
  }
  if (settling) {
    const current = settling;
    const unsent = current.state === 'closing' && current.settlementTxid ? await ctx.store.getSettlement(current.settlementTxid) : null;
    if (unsent?.status === 'built') record = unsent;
  }
  if (record) {
    const unreachable = new ProtocolError('CHAIN_UNAVAILABLE', 'the chain backend is unavailable; the settlement is kept and a retried close sends it', { retryAfter: CHAIN_RETRY_SECONDS });
    let tip: number;
    try {
      tip = await ctx.tip.height();
    } catch (err) {
      // The bump height is reckoned from the tip: without it the settlement waits for a retry, as with no node.
      ctx.logger.warn('settlement not sent: cannot read the chain tip', { txid: record.txid, error: err });
      throw unreachable;
    }
    const sent = await sendSettlement(ctx, record, tip);
    if (sent.outcome === 'pending') throw unreachable;
    if (sent.outcome === 'rejected') throw new ProtocolError('INTERNAL', `the node refused the settlement: ${sent.reason}`);
  }
  return statusOf(await storedChannel(ctx, channelId));
}
