/**
 * The client side of channels: opening from a server's terms, paying, keeping credit topped up,
 * closing. Everything that touches one endpoint runs under that endpoint's lock, so payments
 * from several tabs are serialised and the totals stay exact.
 */
import { formatChannelId } from '../../core/channel.ts';
import {
  acceptOpenResponse,
  acknowledge,
  attachFunding,
  beginClose,
  channelParams,
  nextTopUp,
  propose,
  raiseApproval,
  type ClientChannel,
} from '../../core/client-channel.ts';
import { ProtocolError } from '../../core/errors.ts';
import { accessTokenHash, formatCredential, parseChallenge, parseReceipt, type Challenge } from '../../core/http-binding.ts';
import { checkChallengeEndpoint, sameSite, SiteRefused } from '../../core/site.ts';
import { channelScript, p2wshOutputScript } from '../../core/script.ts';
import { checkTermsAcceptable, chooseChannelShape, EXPIRY_SLACK_BLOCKS, negotiateVersion, type ServerTerms } from '../../core/terms.ts';
import { buildFundingTx, buildRefundTx, selectCoins } from '../../core/transactions.ts';
import type { ChannelSummary, PayResult } from '../views.ts';
import { channelId, type ChannelBook } from './channel-book.ts';
import { closeCooperatively } from './channel-close.ts';
import { channelSummary } from '../lib/dto.ts';
import { UnreachableError, WalletError } from '../lib/errors.ts';
import { channelKeyCounter, type KeyRing } from '../wallet/keys.ts';
import type { KeyedMutex } from '../lib/mutex.ts';
import type { SessionService } from '../session/session-service.ts';
import { clientPolicy, type SettingsService } from '../session/settings.ts';
import type { ChannelRecord } from '../storage/records.ts';
import type { WalletService } from '../wallet/wallet-service.ts';
import type { ChannelWatcher } from './channel-watcher.ts';
import { payableAmount } from '../../core/payment.ts';

/** Errors after which a channel cannot take payments any more: retire it and open another. */
const RETIRING = new Set(['CHANNEL_CLOSED', 'CHANNEL_EXPIRING', 'UNKNOWN_CHANNEL']);

export interface ChannelServiceDeps {
  book: ChannelBook;
  watcher: ChannelWatcher;
  session: SessionService;
  wallet: WalletService;
  settings: SettingsService;
  mutex: KeyedMutex;
}

export class ChannelService {
  private readonly funded = new Map<string, { id: string; endpoint: string }>();

  constructor(private readonly d: ChannelServiceDeps) {}

  private get store() {
    return this.d.book.d.store;
  }

  /**
   * Makes sure the endpoint holds credit for the challenge's price; answers the credential header.
   * The challenge's channel API must be on the site of `url`, the page that got the 402 (and both
   * https where money is real), or nothing is paid: a page cannot point the wallet at another
   * site's channel. With `opts.limit` (the paywall's reservation) this payment grows the
   * endpoint's approvals, plus the on-chain fees of a channel it opens, by at most that much;
   * `opts.maxNewDeposit` is the most a channel it opens may lock (0: open none, ask first).
   */
  async pay(url: string, challengeHeader: string, opts: PayLimits = {}): Promise<PayResult> {
    let challenge: Challenge | null;
    try {
      challenge = parseChallenge(challengeHeader);
    } catch (err) {
      throw new WalletError('INVALID_REQUEST', `unreadable Paychan challenge from ${url}: ${(err as Error).message}`);
    }
    if (!challenge) throw new WalletError('INVALID_REQUEST', `no Paychan challenge in the response from ${url}`);
    const c = challenge;
    try {
      checkChallengeEndpoint(url, c.endpoint, (await this.d.settings.get()).network);
    } catch (err) {
      if (err instanceof SiteRefused) throw new WalletError('SITE_REFUSED', err.message, { endpoint: c.endpoint });
      throw err;
    }
    return this.d.mutex.run(`endpoint:${c.endpoint}`, () => this.payLocked(c, opts));
  }

  private async payLocked(challenge: Challenge, opts: PayLimits): Promise<PayResult> {
    const settings = await this.d.settings.get();
    const network = settings.network;
    const policy = clientPolicy(network, settings.policy);
    try {
      checkTermsAcceptable(challenge.terms, challenge.price, policy);
    } catch (err) {
      if (err instanceof ProtocolError) throw new WalletError('POLICY_REFUSED', err.message, { reason: err.code });
      throw err;
    }
    const ring = await this.d.session.keys();
    const endpoint = challenge.endpoint;
    const price = challenge.price;
    // The paywall's limit is this payment's whole leave; without one (a direct call), the
    // endpoint's standing allowance is.
    const stored = opts.limit === undefined ? await this.store.getSite(endpoint) : null;
    const site = { allowance: opts.limit ?? stored?.allowance ?? 0n };
    if (opts.limit === undefined && (!stored || stored.allowance < price)) {
      throw new WalletError('APPROVAL_REQUIRED', `paying ${endpoint} needs your approval`, {
        endpoint,
        price: String(price),
        minFirstPayment: String(challenge.terms.minFirstPayment),
        allowance: String(stored?.allowance ?? 0n),
      });
    }
    const target = BigInt(settings.policy.prepaidTarget);
    // What this payment adds to the approvals of the endpoint's channels (and the fees of a
    // channel it opens), so the paywall can count it against the site's budget.
    let grew = 0n;
    let fees = 0n;
    const left = () => (opts.limit === undefined ? null : opts.limit - grew - fees);
    for (let attempt = 0; ; attempt++) {
      let record = await this.usableChannel(endpoint, network, price, ring, challenge.error !== undefined);
      let opened = false;
      if (!record) {
        if (opts.maxNewDeposit === 0n) {
          throw new WalletError('NEW_CHANNEL_APPROVAL', `paying ${endpoint} needs a new channel, which needs your approval`, { endpoint, price: String(price) });
        }
        const room = left();
        const opening = await this.open(challenge, room ?? site.allowance, ring, target, room !== null, opts.maxNewDeposit);
        record = opening.record;
        opened = true;
        grew += record.channel.approved;
        fees += opening.fees;
      } else {
        const before = record.channel.approved;
        const room = left();
        const cap = room === null ? site.allowance : before + room;
        record = await this.raiseToAllowance(record, cap);
        grew += record.channel.approved - before;
      }
      try {
        record = await this.ensureCredit(record, price, target, site.allowance, ring);
      } catch (err) {
        if (attempt === 0 && err instanceof ProtocolError && RETIRING.has(err.code)) {
          await this.retire(record, err.message);
          continue;
        }
        throw err;
      }
      const ch = record.channel;
      return {
        authorization: formatCredential(this.d.book.inlineCredential(record, ring)),
        channelId: channelId(record),
        price: String(price),
        credit: String(ch.acknowledged - ch.spent),
        opened,
        approved: String(grew),
        fees: String(fees),
      };
    }
  }

  /** The newest channel with this endpoint that can still pay `price`, brought up to date first. */
  private async usableChannel(endpoint: string, network: string, price: bigint, ring: KeyRing, resync: boolean): Promise<ChannelRecord | null> {
    const candidates = (await this.store.channelsFor(endpoint))
      .filter((r) => r.network === network && !r.abandoned && (r.channel.state === 'open' || r.channel.state === 'funding'))
      .sort((a, b) => b.createdAt - a.createdAt);
    const tip = candidates.length ? await this.d.book.d.chain.tip(network as ChannelRecord['network']) : 0;
    for (let record of candidates) {
      const ch = record.channel;
      if (tip >= ch.request.expiry - EXPIRY_SLACK_BLOCKS) continue;
      // Approval is not checked here: ensureCredit raises it from the allowance or asks the user.
      if (ch.request.capacity - ch.spent < price) continue;
      // A funding or payment whose answer never came, or a server that says our credit is off:
      // ask the server where the channel stands before paying more.
      if (ch.state === 'funding' || ch.signed > ch.acknowledged || resync) {
        try {
          record = await this.d.watcher.resume(record, ring);
        } catch (err) {
          if (err instanceof UnreachableError) throw err;
          if (err instanceof ProtocolError && RETIRING.has(err.code)) {
            await this.retire(record, err.message);
            continue;
          }
          throw err;
        }
        if (record.channel.state !== 'open' || record.abandoned) continue;
      }
      return record;
    }
    return null;
  }

  /** An existing channel may be approved up to the site's allowance (never past its capacity). */
  private async raiseToAllowance(record: ChannelRecord, allowance: bigint): Promise<ChannelRecord> {
    const capped = allowance < record.channel.request.capacity ? allowance : record.channel.request.capacity;
    if (capped <= record.channel.approved) return record;
    return this.d.book.save({ ...record, channel: raiseApproval(record.channel, capped) });
  }

  /**
   * The server takes more than its zero-conf limit only once the funding confirms. Its last
   * status may predate the confirmation, so the chain is asked.
   */
  private async withConfirmation(record: ChannelRecord): Promise<ChannelRecord> {
    const funding = record.channel.funding;
    if (record.fundingConfirmed || !funding) return record;
    const status = await (await this.d.book.d.chain.client(record.network)).getTxStatus(funding.txid).catch(() => ({ confirmed: false }));
    return status.confirmed ? this.d.book.save({ ...record, fundingConfirmed: true }) : record;
  }

  private async ensureCredit(record: ChannelRecord, price: bigint, target: bigint, allowance: bigint, ring: KeyRing): Promise<ChannelRecord> {
    let r = record;
    const ch = r.channel;
    if (ch.acknowledged - ch.spent >= price) return r;
    let wanted = nextTopUp(ch, price, target);
    if (wanted !== null && wanted > r.zeroConfLimit) {
      r = await this.withConfirmation(r);
      if (!r.fundingConfirmed) wanted = r.zeroConfLimit;
    }
    if (wanted === null || wanted - ch.spent < price || wanted <= ch.signed) {
      if (!r.fundingConfirmed && ch.spent + price > r.zeroConfLimit) {
        throw new ProtocolError('UNCONFIRMED_LIMIT', 'the server takes no more until the channel funding confirms');
      }
      throw new WalletError('APPROVAL_REQUIRED', `the ${ch.approved} sat approved for this channel are used up`, {
        endpoint: r.endpoint,
        price: String(price),
        allowance: String(allowance),
        spent: String(ch.spent),
      });
    }
    return this.d.book.pay(r, wanted, ring);
  }

  /**
   * Opens a channel per the server's terms and the user's policy, funds it and makes the first
   * payment. With `feesCount`, the funding fee and the refund's fee come out of `allowance` too
   * (they leave the wallet for this site as surely as the payment does); a deposit above
   * `maxDeposit` is never locked.
   */
  private async open(challenge: Challenge, allowance: bigint, ring: KeyRing, target: bigint, feesCount = false, maxDeposit?: bigint): Promise<{ record: ChannelRecord; fees: bigint }> {
    const { api, chain, clock } = this.d.book.d;
    const settings = await this.d.settings.get();
    const network = settings.network;
    const policy = clientPolicy(network, settings.policy);
    const endpoint = challenge.endpoint;
    const termsRes = await api.terms(endpoint);
    const version = negotiateVersion(termsRes.versions);
    const terms: ServerTerms = termsRes.terms;
    checkTermsAcceptable(terms, challenge.price, policy);
    // Our own tip, not the server's: a server claiming a far tip would lock funds for longer.
    const tip = await chain.tip(network, { fresh: true });
    if (Math.abs(termsRes.tip - tip) > EXPIRY_SLACK_BLOCKS) {
      throw new WalletError('POLICY_REFUSED', `the server's chain tip ${termsRes.tip} disagrees with ours (${tip})`);
    }
    const shape = chooseChannelShape(terms, maxDeposit !== undefined && maxDeposit < policy.preferredDeposit ? { ...policy, preferredDeposit: maxDeposit, maxDeposit } : policy, tip);
    if (maxDeposit !== undefined && shape.capacity > maxDeposit) {
      throw new WalletError('NEW_CHANNEL_APPROVAL', `a channel with ${endpoint} would lock ${shape.capacity} sat, above the ${maxDeposit} sat you allow`, { endpoint });
    }
    let approved = allowance < shape.capacity ? allowance : shape.capacity;
    let first = challenge.price + target;
    if (first < terms.minFirstPayment) first = terms.minFirstPayment;
    if (first > approved) first = approved;
    if (first > termsRes.zeroConfLimit) first = termsRes.zeroConfLimit;
    if (first < terms.minFirstPayment || first < challenge.price) {
      throw new WalletError('APPROVAL_REQUIRED', `opening a channel with ${endpoint} needs a first payment of ${terms.minFirstPayment} sat`, {
        endpoint,
        price: String(challenge.price),
        minFirstPayment: String(terms.minFirstPayment),
        allowance: String(allowance),
      });
    }

    const keyIndex = await this.store.nextCounter(channelKeyCounter(network));
    const key = ring.channelKey(network, keyIndex);
    const change = await this.d.wallet.changeKey(network);
    const request = {
      version,
      network,
      clientPubkey: key.publicKey,
      capacity: shape.capacity,
      expiry: shape.expiry,
      changeScript: change.script,
      tokenHash: accessTokenHash(ring.accessToken(network, keyIndex)),
    };
    const now = clock.now();
    let record: ChannelRecord = await this.d.book.save({
      id: `${network}/${keyIndex}`,
      network,
      endpoint,
      channel: propose(endpoint, request, keyIndex, approved),
      fundingInputs: [],
      zeroConfLimit: termsRes.zeroConfLimit,
      settleMarginBlocks: termsRes.settleMarginBlocks,
      fundingConfirmed: false,
      abandoned: false,
      refund: null,
      createdAt: now,
      updatedAt: now,
      lastError: null,
    });

    let accepted: ClientChannel;
    try {
      accepted = acceptOpenResponse(record.channel, await api.open(endpoint, request));
    } catch (err) {
      // Nothing is signed yet: whatever the server did, no money can move.
      await this.d.book.abandon(record, (err as Error).message);
      throw err;
    }
    record = await this.d.book.save({ ...record, channel: accepted });

    // Select coins, build and sign the funding, sign its refund and the first payment, and store
    // all of it (which reserves the coins) before anything leaves the extension.
    let fees = 0n;
    const fundingRecord = await this.d.wallet.withCoins(async () => {
      const coins = await this.d.wallet.coins(network);
      const feeRateKvb = (await chain.feeRates(network)).normal;
      let chosen;
      try {
        chosen = selectCoins(coins, shape.capacity, feeRateKvb);
      } catch (err) {
        throw new WalletError('INSUFFICIENT_FUNDS', `a ${shape.capacity} sat channel needs more coins: ${(err as Error).message}`);
      }
      const fundChange = await this.d.wallet.changeKey(network);
      const built = buildFundingTx({
        coins: chosen,
        capacity: shape.capacity,
        channelOutputScript: p2wshOutputScript(scriptOf(accepted)),
        changeScript: fundChange.script,
        feeRateKvb,
      });
      const ch = attachFunding(accepted, { txid: built.txid, vout: built.vout, hex: built.hex });
      const refundTo = await this.d.wallet.changeKey(network);
      const refund = buildRefundTx(channelParams(ch), { clientPrivateKey: key.privateKey, destinationScript: refundTo.script, feeRateKvb });
      fees = built.fee + refund.fee;
      if (feesCount) {
        // The fees leave the wallet for this site too: what is left of the allowance after them
        // bounds the approval and the first payment.
        const room = allowance - fees;
        if (room < terms.minFirstPayment || room < challenge.price) {
          throw new WalletError('APPROVAL_REQUIRED', `opening a channel with ${endpoint} costs ${fees} sat in fees plus a first payment of ${terms.minFirstPayment} sat, more than approved`, {
            endpoint,
            price: String(challenge.price),
            minFirstPayment: String(terms.minFirstPayment),
            allowance: String(allowance),
          });
        }
        if (first > room) first = room;
        if (approved > room) approved = room;
      }
      return this.d.book.save({
        ...record,
        channel: { ...ch, approved },
        fundingInputs: chosen.map((c) => ({ txid: c.txid, vout: c.vout, value: c.value, chain: c.chain, index: c.index })),
        refund: { txid: refund.txid, hex: refund.hex, feeRateKvb },
      });
    }).catch(async (err) => {
      await this.d.book.abandon(record, (err as Error).message);
      throw err;
    });

    // The first payment goes with the funding: sign, store, then send.
    const signedRecord = await this.d.book.sign(fundingRecord, first, ring);
    let opened: ChannelRecord;
    try {
      opened = await this.d.book.resendFunding(signedRecord);
    } catch (err) {
      if (err instanceof ProtocolError && err.code !== 'CHAIN_UNAVAILABLE') {
        // The server refused the funding, so it will not broadcast it; the coins are free again.
        // (CHAIN_UNAVAILABLE is no refusal: the server keeps the channel and the watcher resumes it.)
        await this.d.book.abandon(signedRecord, err.message);
      }
      throw err;
    }
    // The server broadcasts the funding; broadcasting it too is idempotent and covers a server
    // that accepted it but failed to.
    await chain.broadcast(network, opened.channel.funding!.hex, opened.channel.funding!.txid).catch(() => undefined);
    return { record: opened, fees };
  }

  /** A channel the server will not take payments on any more: stop using it; the watcher closes it out. */
  private async retire(record: ChannelRecord, why: string): Promise<void> {
    const ch = record.channel;
    if (ch.state === 'open' || ch.state === 'funding') await this.d.book.save({ ...record, channel: beginClose(ch), lastError: why });
  }

  /**
   * Cooperative close: the close carries a payment for what the site delivered, so the settlement
   * returns the unused credit (channel-close.ts). Stored as closing before it is sent: even if the
   * server cannot be reached, this channel takes no more money and its refund brings the rest back.
   */
  async close(id: string): Promise<ChannelSummary> {
    const record = await this.store.getChannel(id);
    if (!record) throw new WalletError('NOT_FOUND', `no channel ${id}`);
    return this.d.mutex.run(`endpoint:${record.endpoint}`, async () => {
      const r = (await this.store.getChannel(id))!;
      const ring = await this.d.session.keys();
      if (r.channel.state !== 'open' && r.channel.state !== 'funding') return channelSummary(r);
      return channelSummary(await closeCooperatively(this.d.book, r, ring));
    });
  }

  /**
   * A receipt from a paid response: records what the server says was paid and spent. Topping up
   * is not done here: the paywall does it after the receipt, within the site's budget.
   */
  async receipt(header: string, url: string): Promise<ChannelSummary | null> {
    const receipt = parseReceipt(header);
    if (!receipt) return null;
    const found = await this.fundedChannel(formatChannelId(receipt.channel));
    // Only the site of the channel may say what was paid and spent on it: another site's
    // response naming our channel is ignored, so it cannot move our books.
    if (!found || !sameSite(url, found.endpoint)) return null;
    return this.d.mutex.run(`endpoint:${found.endpoint}`, async () => {
      const r = await this.store.getChannel(found.id);
      if (!r) return null;
      // Relaxed: a receipt lost in a power cut is the server's to repeat (the next status).
      return channelSummary(await this.d.book.save({ ...r, channel: acknowledge(r.channel, receipt.paid, receipt.spent) }, 'relaxed'));
    });
  }

  /**
   * The record behind a funding outpoint. A channel's outpoint never changes once funded, so the
   * mapping is remembered: a warm page load then reads only the one channel, not all of them.
   */
  private async fundedChannel(outpoint: string): Promise<{ id: string; endpoint: string } | null> {
    if (!this.funded.has(outpoint)) {
      for (const r of await this.store.channels()) if (r.channel.funding) this.funded.set(channelId(r), { id: r.id, endpoint: r.endpoint });
    }
    return this.funded.get(outpoint) ?? null;
  }

  /**
   * The paywall's background top-up: keeps `price × items` of credit ahead on the endpoint's
   * newest open channel, raising its approval by at most `limit` (what the paywall reserved from
   * the site's budget). Signs and stores; sends only with `send` (the paywall first puts the
   * signature in the credential rule, so the next request carries it inline either way). With
   * `send` and nothing new to sign, re-sends a stored signature the server has not acknowledged.
   * Answers how much the approval grew and the credential to attach (with the payment while the
   * server has not acknowledged it).
   */
  async topUpWithin(endpoint: string, price: bigint, items: bigint, limit: bigint, send: boolean): Promise<TopUpResult> {
    if (price <= 0n || items <= 0n || limit < 0n) throw new WalletError('INVALID_REQUEST', 'top-up needs a positive price and items, and a limit');
    return this.d.mutex.run(`endpoint:${endpoint}`, async () => {
      const settings = await this.d.settings.get();
      const record = (await this.store.channelsFor(endpoint))
        .filter((r) => r.network === settings.network && !r.abandoned && r.channel.state === 'open' && r.channel.funding)
        .sort((a, b) => b.createdAt - a.createdAt)[0];
      if (!record) return { approved: 0n, record: null, credential: null };
      const ring = await this.d.session.keys();
      let r = record;
      const ch = r.channel;
      const capacity = ch.request.capacity;
      let wanted = ch.spent + price * items;
      if (wanted > capacity) wanted = capacity;
      if (wanted > r.zeroConfLimit) r = await this.withConfirmation(r);
      if (!r.fundingConfirmed && wanted > r.zeroConfLimit) wanted = r.zeroConfLimit;
      let grew = 0n;
      if (wanted > ch.signed && wanted - ch.spent >= price) {
        // The amount really signed (rounded up to the capacity when the change would be dust) is
        // what must fit in the approval plus the limit.
        const ceiling = ch.approved + limit;
        const amount = payableAmount(channelParams(ch), wanted > ceiling ? ceiling : wanted);
        if (amount <= ceiling && amount > ch.signed && amount - ch.spent >= price) {
          // The raised approval is stored with the signature, in sign's one transaction: an
          // approval is never on disk without the payment it was raised for, nor the reverse.
          if (amount > ch.approved) {
            grew = amount - ch.approved;
            r = { ...r, channel: raiseApproval(ch, amount) };
          }
          r = await this.d.book.sign(r, amount, ring);
        }
      }
      if (send && r.channel.signed > r.channel.acknowledged) {
        try {
          r = await this.d.book.resend(r, r.channel.acknowledged, ring);
        } catch (err) {
          // Stored and in the credential: the next request or check sends it anyway.
          r = await this.d.book.save({ ...(await this.store.getChannel(r.id))!, lastError: (err as Error).message });
        }
      }
      return { approved: grew, record: r, credential: formatCredential(this.d.book.inlineCredential(r, ring)) };
    });
  }

  /**
   * One payment on a channel so `price` more can be bought, within the site's allowance: signed,
   * stored, then sent. Nothing calls it after receipts (that is the paywall's topUpWithin); the
   * crash tests and the client benchmark drive single payments through it.
   */
  async topUp(id: string, price: bigint): Promise<ChannelSummary> {
    const record = await this.store.getChannel(id);
    if (!record) throw new WalletError('NOT_FOUND', `no channel ${id}`);
    return this.d.mutex.run(`endpoint:${record.endpoint}`, async () => {
      const r = (await this.store.getChannel(id))!;
      if (r.channel.state !== 'open') throw new WalletError('INVALID_REQUEST', `channel ${id} is ${r.channel.state}`);
      const ring = await this.d.session.keys();
      const allowance = (await this.store.getSite(r.endpoint))?.allowance ?? r.channel.approved;
      const target = BigInt((await this.d.settings.get()).policy.prepaidTarget);
      return channelSummary(await this.ensureCredit(await this.raiseToAllowance(r, allowance), price, target, allowance, ring));
    });
  }
}

/** What the paywall allows one payment (channel-service `pay`). */
export interface PayLimits {
  /** The most the payment may add to the endpoint's approvals plus the fees of a channel it opens. */
  limit?: bigint;
  /** The most a channel opened for it may lock; 0 opens none (the reader is asked first). */
  maxNewDeposit?: bigint;
}

export interface TopUpResult {
  /** How much the channel's approval grew (what the paywall commits against the budget). */
  approved: bigint;
  record: ChannelRecord | null;
  credential: string | null;
}

function scriptOf(ch: ClientChannel): Uint8Array {
  return channelScript({ serverPubkey: ch.serverPubkey!, clientPubkey: ch.request.clientPubkey, expiry: ch.request.expiry });
}
