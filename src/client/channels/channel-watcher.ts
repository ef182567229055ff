/**
 * Keeps stored channels true to the server and the chain, whatever happened to the service
 * worker in between: resumes channels whose funding or payment never got an answer, notices
 * settlements, and broadcasts the refund once a channel expires unsettled. Runs at start-up, on
 * an alarm, and before a channel with loose ends is paid on again.
 */
import { Transaction } from 'bitcoinjs-lib';
import { beginClose, beginRefund, channelParams, markClosed } from '../../core/client-channel.ts';
import { ProtocolError } from '../../core/errors.ts';
import type { NetworkName } from '../../core/network.ts';
import { buildRefundTx } from '../../core/transactions.ts';
import { channelId, type ChannelBook } from './channel-book.ts';
import { closeCooperatively, lastUsedAt, recordSettlement } from './channel-close.ts';
import { UnreachableError } from '../lib/errors.ts';
import type { KeyRing } from '../wallet/keys.ts';
import type { KeyedMutex } from '../lib/mutex.ts';
import type { SessionService } from '../session/session-service.ts';
import type { SettingsService } from '../session/settings.ts';
import type { ChannelRecord } from '../storage/records.ts';

export const CHANNELS_ALARM = 'paychan-channels';
/** How often the alarm looks at channels: refunds are due per block, so minutes are plenty. */
export const CHANNELS_ALARM_MINUTES = 10;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Blocks ahead of the server's settlement margin at which the wallet closes (the alarm runs every 10 minutes). */
export const CLOSE_BEFORE_MARGIN_BLOCKS = 6;

export class ChannelWatcher {
  constructor(private readonly d: { book: ChannelBook; session: SessionService; mutex: KeyedMutex; settings: SettingsService }) {}

  private get deps() {
    return this.d.book.d;
  }

  /**
   * Asks the server where a channel stands and finishes what was interrupted: re-sends the
   * funding if the server never got it, or the newest signature if the server holds less.
   * Throws UnreachableError when the server cannot be asked (nothing changes then).
   */
  async resume(record: ChannelRecord, ring: KeyRing): Promise<ChannelRecord> {
    const { book } = this.d;
    const ch = record.channel;
    if (record.abandoned || ch.state === 'closed') return record;
    if (ch.state === 'proposed' || ch.state === 'accepted') return book.abandon(record, 'interrupted before anything was signed');
    if (ch.state !== 'funding' && ch.state !== 'open') return record;
    let r = record;
    try {
      r = await book.applyStatus(r, await this.deps.api.status(r.endpoint, channelId(r), book.credential(r, ring)));
    } catch (err) {
      if (!(err instanceof ProtocolError) || err.code !== 'UNKNOWN_CHANNEL' || ch.state !== 'funding') throw err;
      // The server never stored the funding: send it again.
      try {
        r = await book.resendFunding(r);
      } catch (fundErr) {
        // The server's chain backend being unavailable is no refusal: try again next time.
        if (!(fundErr instanceof ProtocolError) || fundErr.code === 'CHAIN_UNAVAILABLE') throw fundErr;
        if (await this.onChain(r.network, ch.funding!.txid)) {
          // Funded on chain but unknown to the server: only the refund can bring it back.
          return book.save({ ...r, lastError: fundErr.message });
        }
        return book.abandon(r, fundErr.message);
      }
    }
    if (r.channel.state === 'open' && r.channel.signed > r.channel.acknowledged) r = await book.resend(r, r.channel.acknowledged, ring);
    if (r.channel.funding && !r.fundingConfirmed) {
      await this.deps.chain.broadcast(r.network, r.channel.funding.hex, r.channel.funding.txid).catch(() => undefined);
    }
    return r;
  }

  /** Looks at every channel that may still hold money; one failing channel does not stop the rest. */
  async check(): Promise<ChannelRecord[]> {
    const ring = this.d.session.isUnlocked() ? await this.d.session.keys().catch(() => null) : null;
    const out: ChannelRecord[] = [];
    for (const record of await this.deps.store.channels()) {
      if (record.channel.state === 'closed') continue;
      const checked = await this.d.mutex
        .run(`endpoint:${record.endpoint}`, () => this.checkOne(record.id, ring))
        .catch(async (err: unknown) => {
          const latest = (await this.deps.store.getChannel(record.id))!;
          return this.d.book.save({ ...latest, lastError: (err as Error).message });
        });
      out.push(checked);
    }
    return out;
  }

  private async checkOne(id: string, ring: KeyRing | null): Promise<ChannelRecord> {
    const { book } = this.d;
    let r = (await this.deps.store.getChannel(id))!;
    const ch = r.channel;
    if (ch.state === 'closed') return r;
    if (!ch.funding) return r.abandoned ? r : book.abandon(r, 'interrupted before anything was signed');
    if (r.abandoned) {
      // A server that kept a refused funding could still broadcast it; if it does, refund it.
      if (!(await this.onChain(r.network, ch.funding.txid))) return r;
      r = await book.save({ ...r, abandoned: false, lastError: 'the funding appeared on chain after it was given up' });
    }
    const client = await this.deps.chain.client(r.network);
    const outspend = await client.getOutspend(ch.funding.txid, ch.funding.vout);
    // What the site's settlement paid it, read before the channel is marked closed (a failed
    // read is retried at the next check).
    if (outspend.spent && outspend.txid) r = await recordSettlement(book, r, outspend.txid);
    if (outspend.spent && outspend.status?.confirmed) {
      return book.save({ ...r, channel: markClosed(r.channel, outspend.txid ?? r.channel.closingTxid ?? '') });
    }
    if (outspend.spent) {
      // Settled or refunded in the mempool: stop paying, but keep watching until it confirms,
      // since an unconfirmed spend can still vanish and leave the refund to do.
      if (ch.state === 'open' || ch.state === 'funding') return book.save({ ...r, channel: { ...beginClose(ch), closingTxid: outspend.txid ?? null } });
      return r;
    }
    const tip = await this.deps.chain.tip(r.network, { fresh: true });
    if (tip >= ch.request.expiry) return this.refund(r, tip, ring);
    if (!ring) return r;
    // A close whose answer never came is sent again, so the unused credit still comes back.
    if (ch.state === 'closing' && ch.closePayment && !ch.closingTxid) return this.attempt(r, () => closeCooperatively(book, r, ring));
    if (ch.state !== 'funding' && ch.state !== 'open') return r;
    return this.attempt(r, async () => {
      const resumed = await this.resume(r, ring);
      return this.nearMargin(resumed, tip) || (await this.idle(resumed)) ? closeCooperatively(book, resumed, ring) : resumed;
    });
  }

  /**
   * An open channel about to reach the server's settlement margin: the server would settle it at
   * the newest payment, unused credit included; a close now settles it at what was delivered.
   */
  private nearMargin(r: ChannelRecord, tip: number): boolean {
    if (r.channel.state !== 'open' || r.settleMarginBlocks === undefined) return false;
    return tip >= r.channel.request.expiry - r.settleMarginBlocks - CLOSE_BEFORE_MARGIN_BLOCKS;
  }

  /** A step that talks to the server: a refusal or no answer is recorded on the channel, not thrown. */
  private async attempt(r: ChannelRecord, step: () => Promise<ChannelRecord>): Promise<ChannelRecord> {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof UnreachableError) && !(err instanceof ProtocolError)) throw err;
      return this.d.book.save({ ...(await this.deps.store.getChannel(r.id))!, lastError: err.message });
    }
  }

  /**
   * An open channel with no payment for `closeIdleChannelsAfterDays`: closing it brings its unused
   * credit back now; left alone, the site would settle it at the highest payment before expiry.
   */
  private async idle(r: ChannelRecord): Promise<boolean> {
    if (r.channel.state !== 'open' || r.abandoned) return false;
    const days = (await this.d.settings.get()).closeIdleChannelsAfterDays;
    if (days <= 0) return false;
    return this.deps.clock.now() - (await lastUsedAt(this.d.book, r)) >= days * DAY_MS;
  }

  /**
   * After expiry the funding output is the client's alone. The refund signed at funding time is
   * used unless the wallet is unlocked and fees have risen (or, restored from a backup, there is
   * none), then a fresh one at today's rate.
   * It is stored as the closing transaction before it is broadcast.
   */
  private async refund(record: ChannelRecord, tip: number, ring: KeyRing | null): Promise<ChannelRecord> {
    const { book } = this.d;
    const ch = record.channel;
    if (!(await this.onChain(record.network, ch.funding!.txid))) {
      return book.abandon(record, 'the funding never reached the chain');
    }
    let r = record;
    let refund = r.refund;
    if (ch.state !== 'refunding' || !refund || ch.closingTxid !== refund.txid) {
      const rate = (await this.deps.chain.feeRates(r.network)).normal;
      if (ring && (!refund || rate > refund.feeRateKvb)) {
        // A channel restored from a backup without its refund pays back to its change script (ours).
        const destination = refund ? Transaction.fromHex(refund.hex).outs[0]!.script : ch.request.changeScript;
        const key = ring.channelKey(r.network, ch.clientKeyIndex);
        const built = buildRefundTx(channelParams(ch), { clientPrivateKey: key.privateKey, destinationScript: destination, feeRateKvb: rate });
        refund = { txid: built.txid, hex: built.hex, feeRateKvb: rate };
      }
      if (!refund) throw new Error(`channel ${r.id} has no refund transaction`);
      r = await book.save({ ...r, refund, channel: beginRefund(ch, refund.txid, tip) });
    }
    await this.deps.chain.broadcast(r.network, refund.hex, refund.txid);
    return r;
  }

  private async onChain(network: NetworkName, txid: string): Promise<boolean> {
    const client = await this.deps.chain.client(network);
    return client.getTx(txid).then(
      () => true,
      (err: unknown) => {
        if ((err as { status?: number }).status === 404) return false;
        throw err;
      },
    );
  }
}
