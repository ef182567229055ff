/**
 * What the channel services share: storing a channel (and telling the popup), the credential for
 * it, signing-then-storing-then-sending a payment, and folding a server status into the record.
 */
import { hexToBytes } from '../../core/bytes.ts';
import {
  acknowledge,
  beginClose,
  channelId as coreChannelId,
  fundingAccepted,
  signNext,
  type ClientChannel,
} from '../../core/client-channel.ts';
import type { Credential } from '../../core/http-binding.ts';
import type { ChannelStatus } from '../../core/messages.ts';
import type { Secp } from '../../core/secp.ts';
import type { ChannelApi } from './channel-api.ts';
import type { ChainService } from '../wallet/chain-service.ts';
import type { Clock } from '../lib/clock.ts';
import { channelSummary, paymentSummary } from '../lib/dto.ts';
import type { Events } from '../lib/events.ts';
import type { KeyRing } from '../wallet/keys.ts';
import type { Durability } from '../storage/client-store.ts';
import type { ChannelRecord, PaymentRecord } from '../storage/records.ts';
import type { ClientStore } from '../storage/client-store.ts';

export interface BookDeps {
  store: ClientStore;
  api: ChannelApi;
  chain: ChainService;
  clock: Clock;
  events: Events;
  secp?: Secp;
}

export class ChannelBook {
  constructor(readonly d: BookDeps) {}

  async save(record: ChannelRecord, durability?: Durability): Promise<ChannelRecord> {
    const next = { ...record, updatedAt: this.d.clock.now() };
    await this.d.store.putChannel(next, durability);
    this.d.events.emit({ type: 'channel', data: channelSummary(next) });
    return next;
  }

  /** Nothing was signed or the server refused the funding: the channel never existed. */
  async abandon(record: ChannelRecord, why: string): Promise<ChannelRecord> {
    return this.save({ ...record, abandoned: true, lastError: why });
  }

  credential(record: ChannelRecord, ring: KeyRing): Credential {
    const funding = record.channel.funding;
    if (!funding) throw new Error('channel has no outpoint yet');
    return { channel: { txid: funding.txid, vout: funding.vout }, token: ring.accessToken(record.network, record.channel.clientKeyIndex) };
  }

  /**
   * The credential with the newest stored payment riding along while the server has not
   * acknowledged it (§6.2: the server applies it before debiting; a replay changes nothing).
   * Once acknowledged it is left out, to keep the header small.
   */
  inlineCredential(record: ChannelRecord, ring: KeyRing): Credential {
    const base = this.credential(record, ring);
    const ch = record.channel;
    if (!ch.signature || ch.signed <= ch.acknowledged) return base;
    return { ...base, payment: { amount: ch.signed, signature: ch.signature } };
  }

  /**
   * Signs `wanted` (cumulative) and stores the signature with the new amount, in one IndexedDB
   * transaction. Nothing is sent: callers send only what this has stored.
   */
  async sign(record: ChannelRecord, wanted: bigint, ring: KeyRing): Promise<ChannelRecord> {
    const key = ring.channelKey(record.network, record.channel.clientKeyIndex);
    const before = record.channel.signed;
    const { channel, payment } = signNext(record.channel, wanted, key.privateKey, ...(this.d.secp ? [this.d.secp] : []));
    const signedRecord = { ...record, channel, updatedAt: this.d.clock.now() };
    const p: PaymentRecord = { channel: record.id, endpoint: record.endpoint, amount: payment.amount, increment: payment.amount - before, signature: payment.signature, at: this.d.clock.now(), acknowledged: false };
    p.seq = await this.d.store.putChannelWithPayment(signedRecord, p);
    this.d.events.emit({ type: 'payment', data: paymentSummary(p, signedRecord.channel.funding ? channelId(signedRecord) : record.id) });
    return signedRecord;
  }

  /** Signs, stores, and only then sends. If the answer never comes, the next check re-sends it. */
  async pay(record: ChannelRecord, wanted: bigint, ring: KeyRing): Promise<ChannelRecord> {
    const signed = await this.sign(record, wanted, ring);
    const ch = signed.channel;
    const status = await this.d.api.pay(record.endpoint, channelId(signed), { amount: ch.signed, signature: ch.signature! }, this.credential(signed, ring));
    return this.applyStatus(signed, status);
  }

  /** Re-sends the newest stored signature when the server holds less than it. */
  async resend(record: ChannelRecord, serverPaid: bigint, ring: KeyRing): Promise<ChannelRecord> {
    const ch = record.channel;
    if (!ch.signature || serverPaid >= ch.signed) return record;
    const status = await this.d.api.pay(record.endpoint, channelId(record), { amount: ch.signed, signature: ch.signature }, this.credential(record, ring));
    return this.applyStatus(record, status);
  }

  /** Re-sends the funding with the stored first payment; the server answers the same for a replay. */
  async resendFunding(record: ChannelRecord): Promise<ChannelRecord> {
    const ch = record.channel;
    if (!ch.funding || !ch.openId || !ch.signature) throw new Error('channel has no stored funding to send');
    const status = await this.d.api.fund(record.endpoint, ch.openId, {
      fundingTx: hexToBytes(ch.funding.hex),
      fundingVout: ch.funding.vout,
      payment: { amount: ch.signed, signature: ch.signature },
    });
    return this.applyStatus(record, status);
  }

  /** Folds what the server reports into the record; a server claiming more than we signed is ignored. */
  async applyStatus(record: ChannelRecord, status: ChannelStatus): Promise<ChannelRecord> {
    let ch: ClientChannel = record.channel;
    if (ch.state === 'funding' && status.state !== 'closed' && status.paid <= ch.signed) ch = fundingAccepted(ch, status.paid);
    ch = acknowledge(ch, status.paid, status.spent);
    if (status.state !== 'open' && (ch.state === 'open' || ch.state === 'funding')) ch = beginClose(ch);
    if (status.settlementTxid && ch.state === 'closing') ch = { ...ch, closingTxid: status.settlementTxid };
    // The channel and its payments' acknowledgements in one transaction.
    const next = { ...record, channel: ch, fundingConfirmed: record.fundingConfirmed || status.fundingConfirmed, lastError: null, updatedAt: this.d.clock.now() };
    await this.d.store.putChannelAcknowledging(next, ch.acknowledged);
    this.d.events.emit({ type: 'channel', data: channelSummary(next) });
    return next;
  }
}

export function channelId(record: ChannelRecord): string {
  const id = coreChannelId(record.channel);
  if (id === null) throw new Error('channel has no outpoint yet');
  return id;
}
