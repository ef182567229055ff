/**
 * The settlement watcher: the server's side of a channel after the requests stop. One `tick()`
 * reads the chain through Esplora and, in this order:
 *
 *  1. fundings: marks unconfirmed fundings confirmed, and closes channels whose funding was
 *     double-spent (`double_spent`), so no more credit is served against them;
 *  2. settlements: sends settlements recorded but never sent (a crash between the two), follows
 *     sent ones to confirmation (channels `closed`/`settled`), sends again those the node forgot;
 *  3. spends: notices a funding output spent by something that is not our settlement (the
 *     client's refund after expiry: `refunded`);
 *  4. fee bumps: rebuilds a settlement unconfirmed `feeBumpAfterBlocks` after its broadcast at a
 *     higher fee rate and sends the replacement (BIP125: channel inputs signal replaceability);
 *  5. due channels: settles every open channel within `settleMarginBlocks` of expiry, all of
 *     them in one batch transaction, so small channels share one fee.
 *
 * Chain state is read first and acted on second, so steps 1 to 3 leave step 5 only channels that
 * can still be settled. Each step pages through just the channels it acts on (unconfirmed, past
 * expiry, due: `channelPages`, read by expiry through an index), so a pass holds one page at a
 * time and reads little more than the channels it acts on, however many are open. Every step
 * decides inside its store transaction from the record as it is then, so a channel closed since
 * its page was read is passed over, and one reopened earlier in the pass (its settlement refused)
 * is due again in step 5. Every settlement is stored (with its channels marked `closing`) before
 * it is broadcast (settlement.ts, the path cooperative closes take too), so a tick may be cut short
 * anywhere and the next one carries on: running a tick twice changes nothing the first did not.
 * A failure on one channel or settlement is logged and reported, and the others still go ahead.
 */
import { Transaction } from 'bitcoinjs-lib';
import { type SatPerKvb } from '../../core/amounts.ts';
import { txidFromHash } from '../../core/bytes.ts';
import { markClosed, markFundingConfirmed, markSettling, type CloseReason, type ServerChannel } from '../../core/server-channel.ts';
import { classifyBroadcastError, settlementFeeRate } from '../chain.ts';
import type { ServerContext } from '../context.ts';
import { channelPages, type ChannelsChange, type SettlementRecord } from '../store/channel-store.ts';
import type { WatcherLease } from '../store/watcher-lease.ts';
import { txStatusOrNull, type WatcherChain } from './chain.ts';
import { bumpedFeeRate, isValidReplacementRate } from './fees.ts';
import { buildSettlement, newSettlementFeeRate, recordSettlement, sendSettlement, settlementPayoutScript, type BroadcastOutcome } from './settlement.ts';

/**
 * Channels per batch settlement. Each adds about 130 vB (input with two signatures and the
 * script, plus its change output); 200 keep a batch near 26 kvB, far below the 100 kvB
 * standardness limit, so one batch never grows too big to relay.
 */
export const MAX_BATCH_CHANNELS = 200;

/** Channels read from the store at a time; a page of due channels is one batch settlement. */
const PAGE_SIZE = MAX_BATCH_CHANNELS;

export interface WatcherContext extends Omit<ServerContext, 'chain'> {
  chain: WatcherChain;
}

/** Timers, injected so tests drive the watcher through explicit `tick()` calls alone. */
export interface Scheduler {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout(run, ms) {
    // Unreferenced: a watcher alone must not keep a process alive that is otherwise done.
    return setTimeout(run, ms).unref();
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export interface WatcherOptions {
  /** Clock for the records' timestamps. */
  now?: () => number;
  scheduler?: Scheduler;
  /**
   * Several instances on one database: the timer's passes run only while this instance holds
   * the lease, so exactly one instance watches at a time (explicit `tick()` calls are not gated).
   */
  lease?: WatcherLease;
}

/** What one tick did, for logs, operators and tests. */
export interface TickReport {
  tip: number;
  fundingConfirmed: string[];
  doubleSpent: string[];
  /** New settlements this tick built and sent. */
  settlements: { txid: string; channels: string[]; feeRateKvb: SatPerKvb; outcome: BroadcastOutcome }[];
  /** Settlements sent again: recorded but never sent, or forgotten by the node. */
  resent: { txid: string; outcome: BroadcastOutcome }[];
  bumps: { from: string; to: string; feeRateKvb: SatPerKvb; outcome: BroadcastOutcome }[];
  /** Settlements seen confirmed; their channels are now closed. */
  confirmed: string[];
  refunded: string[];
  errors: { step: string; subject: string; message: string }[];
}

type FundingFate = { kind: 'confirmed' } | { kind: 'pending' } | { kind: 'double_spent'; by: string | null; reason: string };

export class SettlementWatcher {
  private readonly ctx: WatcherContext;
  private readonly now: () => number;
  private readonly scheduler: Scheduler;
  private readonly lease: WatcherLease | null;
  private running: Promise<TickReport> | null = null;
  private timer: unknown = null;
  private started = false;
  /** When the watcher was made, the end of its last pass, and what that pass saw: for /health. */
  readonly createdAt: number;
  lastRun: { at: number; tip: number | null; error: string | null } | null = null;

  constructor(ctx: WatcherContext, opts: WatcherOptions = {}) {
    this.ctx = ctx;
    this.now = opts.now ?? Date.now;
    this.scheduler = opts.scheduler ?? realScheduler;
    this.lease = opts.lease ?? null;
    this.createdAt = this.now();
  }

  /** Ticks every `intervalMs`, counted from the end of the previous tick so ticks never overlap. */
  start(intervalMs: number): void {
    if (this.started) return;
    this.started = true;
    this.schedule(intervalMs);
  }

  /** Stops the timer and waits for a tick in progress, so the store can be closed after it. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer !== null) this.scheduler.clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    await this.lease?.release();
  }

  /** One pass over the chain; a call while a pass runs gets that pass's report. */
  tick(): Promise<TickReport> {
    this.running ??= this.pass()
      .then(
        (report) => {
          this.lastRun = { at: this.now(), tip: report.tip, error: null };
          return report;
        },
        (err: unknown) => {
          this.lastRun = { at: this.now(), tip: null, error: err instanceof Error ? err.message : String(err) };
          throw err;
        },
      )
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private schedule(intervalMs: number): void {
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = null;
      this.leasedTick()
        .catch((err: unknown) => this.ctx.logger.error('watcher tick failed', { error: err }))
        .finally(() => {
          if (this.started) this.schedule(intervalMs);
        });
    }, intervalMs);
  }

  /** A timer's pass: a tick where this instance holds the lease (always, without one); null where another does. */
  private async leasedTick(): Promise<TickReport | null> {
    if (this.lease && !(await this.lease.hold())) return null;
    // Stopped while waiting for the lease: no new pass, and the lease goes back.
    if (!this.started) {
      await this.lease?.release();
      return null;
    }
    return this.tick();
  }

  private async pass(): Promise<TickReport> {
    // Straight from the chain, not the request path's cached tip: deadlines are decided here.
    const tip = await this.ctx.chain.getTipHeight();
    const report: TickReport = {
      tip,
      fundingConfirmed: [],
      doubleSpent: [],
      settlements: [],
      resent: [],
      bumps: [],
      confirmed: [],
      refunded: [],
      errors: [],
    };
    await this.attempt(report, 'fundings', '*', () => this.watchFundings(report));
    const waiting = (await this.attempt(report, 'settlements', '*', () => this.watchSettlements(tip, report))) ?? [];
    await this.attempt(report, 'spends', '*', () => this.watchSpends(tip, report));
    await this.attempt(report, 'fee-bump', '*', () => this.bumpStuck(tip, waiting, report));
    await this.attempt(report, 'settle', '*', () => this.settleDue(tip, report));
    return report;
  }

  /** Runs one unit of work; a failure is logged and reported instead of ending the tick. */
  private async attempt<T>(report: TickReport, step: string, subject: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      report.errors.push({ step, subject, message });
      this.ctx.logger.error('watcher step failed', { step, subject, error: err });
      return undefined;
    }
  }

  private get bumpAfter(): number {
    return this.ctx.config.feeBumpAfterBlocks;
  }

  // ---- 1. fundings

  private async watchFundings(report: TickReport): Promise<void> {
    const { store } = this.ctx;
    // Closing channels too: a settlement spending a funding that is double-spent is void as well.
    for await (const ch of channelsOf(channelPages(store, { of: 'unconfirmed', limit: PAGE_SIZE }))) {
      await this.attempt(report, 'funding', ch.id, async () => {
        const fate = await this.fundingFate(ch);
        if (fate.kind === 'confirmed') {
          const changed = await store.updateChannel(ch.id, (c) => {
            const next = markFundingConfirmed(c);
            return { channel: next, result: next !== c };
          });
          if (changed) report.fundingConfirmed.push(ch.id);
        } else if (fate.kind === 'double_spent') {
          if (await this.close(ch.id, 'double_spent', fate.by)) {
            report.doubleSpent.push(ch.id);
            this.ctx.logger.warn('funding double-spent: channel closed', { channelId: ch.id, by: fate.by, reason: fate.reason, paid: ch.paid, spent: ch.spent });
          }
        }
      });
    }
  }

  /**
   * A funding the node holds is pending or confirmed. One it does not hold (it accepted it at
   * funding, or the channel would not exist) is double-spent if another transaction spends one
   * of its inputs; otherwise the node merely forgot it (restart, eviction) and is handed it
   * again, and a refusal then means it can never confirm.
   */
  private async fundingFate(ch: ServerChannel): Promise<FundingFate> {
    const { chain, store } = this.ctx;
    const txid = ch.params.funding.txid;
    const status = await txStatusOrNull(chain, txid);
    if (status) return status.confirmed ? { kind: 'confirmed' } : { kind: 'pending' };
    const hex = await store.getFundingTx(ch.id);
    if (!hex) {
      this.ctx.logger.warn('funding unknown to the node and not kept: cannot judge it', { channelId: ch.id });
      return { kind: 'pending' };
    }
    for (const input of Transaction.fromHex(hex).ins) {
      const spend = await chain.getOutspend(txidFromHash(input.hash), input.index);
      if (spend.spent && spend.txid && spend.txid !== txid) return { kind: 'double_spent', by: spend.txid, reason: 'an input is spent by another transaction' };
    }
    try {
      await chain.broadcast(hex);
      this.ctx.logger.info('funding sent again: the node had lost it', { channelId: ch.id });
      return { kind: 'pending' };
    } catch (err) {
      const failure = classifyBroadcastError(err);
      if (failure === 'already_known') return { kind: 'pending' };
      if (failure === 'unavailable') throw err;
      return { kind: 'double_spent', by: null, reason: (err as Error).message };
    }
  }

  /** Closes a channel that is not closed yet; true if this call closed it. */
  private close(channelId: string, reason: CloseReason, spendingTxid: string | null): Promise<boolean> {
    return this.ctx.store.updateChannel(channelId, (c) => {
      if (c.state === 'closed') return { channel: c, result: false };
      return {
        channel: markClosed(c, reason, spendingTxid),
        events: [{ kind: 'closed', amount: c.paid, ref: spendingTxid }],
        result: true,
      };
    });
  }

  // ---- 2. settlements

  /**
   * Follows every settlement not yet final. Returns those still waiting in the mempool on behalf
   * of their channels, for the fee-bump step.
   */
  private async watchSettlements(tip: number, report: TickReport): Promise<SettlementRecord[]> {
    const { store, chain } = this.ctx;
    const waiting: SettlementRecord[] = [];
    for (const rec of await store.listSettlements({ status: ['built', 'broadcast'] })) {
      await this.attempt(report, 'settlement', rec.txid, async () => {
        const current = await this.isCurrent(rec);
        if (rec.status === 'built') {
          if (!current) {
            await store.updateSettlement(rec.txid, { status: 'rejected', detail: 'superseded before it was broadcast' });
            return;
          }
          // Stored but never sent: the process stopped in between, or the node was unreachable.
          report.resent.push({ txid: rec.txid, outcome: await this.send(rec, tip, report) });
          return;
        }
        const status = await txStatusOrNull(chain, rec.txid);
        if (status?.confirmed) {
          await this.confirmSettlement(rec, report);
          return;
        }
        if (status) {
          if (!current) return; // an older fee level still in some mempool: it may yet confirm
          waiting.push(rec);
          return;
        }
        if (current) {
          // The node forgot it (restart, eviction) or something spent an input; sending says which.
          const outcome = await this.send(rec, tip, report);
          report.resent.push({ txid: rec.txid, outcome });
          if (outcome === 'broadcast') waiting.push(rec);
          return;
        }
        await store.updateSettlement(rec.txid, { status: 'rejected', detail: 'left the mempool unconfirmed: replaced or conflicted' });
      });
    }
    return waiting;
  }

  /** A settlement is current while a closing channel waits on exactly it. */
  private async isCurrent(rec: SettlementRecord): Promise<boolean> {
    for (const { channelId } of rec.channels) {
      const ch = await this.ctx.store.getChannel(channelId);
      if (ch && ch.state === 'closing' && ch.settlementTxid === rec.txid) return true;
    }
    return false;
  }

  private async confirmSettlement(rec: SettlementRecord, report: TickReport): Promise<void> {
    await this.ctx.store.updateChannels(
      rec.channels.map((c) => c.channelId),
      (chans) => {
        const next = chans.map((c) => (c.state === 'closed' ? c : markClosed(markFundingConfirmed(c), 'settled', rec.txid)));
        return {
          channels: next,
          events: next.filter((c, i) => c !== chans[i]).map((c) => ({ channelId: c.id, kind: 'closed' as const, amount: c.paid, ref: rec.txid })),
          settlementPatches: [{ txid: rec.txid, patch: { status: 'confirmed', detail: null } }],
          result: null,
        };
      },
    );
    report.confirmed.push(rec.txid);
    this.ctx.logger.info('settlement confirmed', { txid: rec.txid, channels: rec.channels.length, payout: rec.payout, fee: rec.fee });
  }

  /** Sends a stored settlement; an unreachable node is reported, and the next tick sends it again. */
  private async send(rec: SettlementRecord, tip: number, report: TickReport): Promise<BroadcastOutcome> {
    const sent = await sendSettlement(this.ctx, rec, tip);
    if (sent.outcome === 'pending') report.errors.push({ step: 'broadcast', subject: rec.txid, message: sent.reason });
    return sent.outcome;
  }

  // ---- 3. spends

  /**
   * Who spent each funding output that could be spent by now. Only the client's refund spends
   * one without our signature, and it is valid from `tip ≥ expiry` (nLockTime = expiry), so open
   * channels are looked at from then on; closing ones always, to catch our own settlement
   * confirming under a txid we had given up on.
   */
  private async watchSpends(tip: number, report: TickReport): Promise<void> {
    const { store, chain } = this.ctx;
    const expired = channelPages(store, { of: 'open', expiryAtMost: tip, limit: PAGE_SIZE });
    const closing = channelPages(store, { of: 'closing', limit: PAGE_SIZE });
    for await (const ch of channelsOf(expired, closing)) {
      await this.attempt(report, 'spend', ch.id, async () => {
        const spend = await chain.getOutspend(ch.params.funding.txid, ch.params.funding.vout);
        if (!spend.spent || !spend.txid) return;
        const ours = (await store.listSettlements({ channelId: ch.id })).find((s) => s.txid === spend.txid);
        if (ours) {
          if (spend.status?.confirmed && ours.status !== 'confirmed') await this.confirmSettlement(ours, report);
          return;
        }
        if (tip < ch.params.expiry) {
          // Not a refund (too early) and not a settlement we recorded: nothing we know spends it like that.
          this.ctx.logger.error('funding spent by an unknown transaction before expiry', { channelId: ch.id, txid: spend.txid });
          return;
        }
        if (await this.close(ch.id, 'refunded', spend.txid)) {
          report.refunded.push(ch.id);
          this.ctx.logger.warn('client refunded the channel: it was not settled in time', { channelId: ch.id, txid: spend.txid, paid: ch.paid });
        }
      });
    }
  }

  // ---- 4. fee bumps

  private async bumpStuck(tip: number, waiting: SettlementRecord[], report: TickReport): Promise<void> {
    for (const rec of waiting) {
      if (rec.bumpHeight === null || rec.bumpHeight === undefined || tip < rec.bumpHeight) continue;
      await this.attempt(report, 'fee-bump', rec.txid, () => this.bump(rec, tip, report));
    }
  }

  private async bump(rec: SettlementRecord, tip: number, report: TickReport): Promise<void> {
    const { config, store } = this.ctx;
    const estimate = await settlementFeeRate(this.ctx.fees, config.feeTargetBlocks, config.feeRateKvb, this.ctx.logger, tip);
    const feeRateKvb = bumpedFeeRate(rec.feeRateKvb, estimate, config.maxFeeRateKvb);
    if (feeRateKvb === null) {
      this.ctx.logger.warn('settlement stuck at the maximum fee rate', { txid: rec.txid, feeRateKvb: rec.feeRateKvb, maxFeeRateKvb: config.maxFeeRateKvb });
      await store.updateSettlement(rec.txid, { bumpHeight: tip + this.bumpAfter });
      return;
    }
    const replacement = await store.updateChannels(
      rec.channels.map((c) => c.channelId),
      (chans): ChannelsChange<SettlementRecord | 'unaffordable' | null> => {
        // Every channel must still wait on this very settlement; otherwise the chain moved on and the other steps handle it.
        if (!chans.every((c) => c.state === 'closing' && c.settlementTxid === rec.txid)) return { channels: chans, result: null };
        const record = buildSettlement(this.ctx, chans, settlementPayoutScript(rec), feeRateKvb, rec.txid, this.now());
        // Lowered to what the channels can afford, it may no longer outbid the original by enough.
        if (!isValidReplacementRate(rec.feeRateKvb, record.feeRateKvb)) return { channels: chans, result: 'unaffordable' };
        return {
          channels: chans.map((c) => markSettling(c, record.txid)),
          events: chans.map((c) => ({ channelId: c.id, kind: 'fee_bumped' as const, amount: c.paid, ref: record.txid })),
          settlement: record,
          result: record,
        };
      },
    );
    if (!replacement) return;
    if (replacement === 'unaffordable') {
      this.ctx.logger.warn('settlement stuck: what it earns cannot pay a higher fee', { txid: rec.txid, feeRateKvb: rec.feeRateKvb, payout: rec.payout });
      await store.updateSettlement(rec.txid, { bumpHeight: tip + this.bumpAfter });
      return;
    }
    const outcome = await this.send(replacement, tip, report);
    report.bumps.push({ from: rec.txid, to: replacement.txid, feeRateKvb: replacement.feeRateKvb, outcome });
  }

  // ---- 5. due channels

  /** One batch per page of due channels; the fee rate is asked for once, and only when some channel is due. */
  private async settleDue(tip: number, report: TickReport): Promise<void> {
    let feeRateKvb: SatPerKvb | null = null;
    const due = channelPages(this.ctx.store, { of: 'open', expiryAtMost: tip + this.ctx.config.settleMarginBlocks, limit: PAGE_SIZE });
    for await (const page of due) {
      const rate = (feeRateKvb ??= await newSettlementFeeRate(this.ctx, tip));
      const ids = page.map((c) => c.id);
      const outcome = await this.attempt(report, 'settle', ids.join(' '), () => this.settleBatch(ids, rate, tip, report));
      if (outcome === 'rejected' && ids.length > 1) {
        // One channel can spoil a whole batch (its funding gone, say); one by one, it cannot hold back the rest.
        for (const id of ids) await this.attempt(report, 'settle', id, () => this.settleBatch([id], rate, tip, report));
      }
    }
  }

  private isDue(ch: ServerChannel, tip: number): boolean {
    return tip >= ch.params.expiry - this.ctx.config.settleMarginBlocks;
  }

  /** Settles those of `ids` still open and due when their store transaction runs, then broadcasts the settlement. */
  private async settleBatch(ids: string[], feeRateKvb: SatPerKvb, tip: number, report: TickReport): Promise<BroadcastOutcome | null> {
    const rec = await recordSettlement(this.ctx, ids, feeRateKvb, (c) => c.state === 'open' && this.isDue(c, tip), this.now());
    if (!rec) return null;
    const outcome = await this.send(rec, tip, report);
    report.settlements.push({ txid: rec.txid, channels: rec.channels.map((c) => c.channelId), feeRateKvb: rec.feeRateKvb, outcome });
    return outcome;
  }
}

/** The channels of one page after another, of each listing in turn. */
async function* channelsOf(...listings: AsyncIterable<ServerChannel[]>[]): AsyncGenerator<ServerChannel> {
  for (const pages of listings) for await (const page of pages) yield* page;
}
