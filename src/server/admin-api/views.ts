/**
 * What the admin JSON API answers, computed from the store: the money totals, earnings per hour
 * or day, the channels not closed, settlements, pending open proposals and the zero-conf
 * exposure. Amounts are whole satoshis as decimal strings (JSON numbers lose precision past 2^53);
 * times are ISO 8601 UTC. The types here are the API's contract, read by the dashboard and
 * `paychan-admin --url`.
 */
import { formatSatPerVb } from '../../core/amounts.ts';
import type { NetworkName } from '../../core/network.ts';
import type { ServerChannel } from '../../core/server-channel.ts';
import { totals, type Totals } from '../admin/report.ts';
import type { PaychanConfig } from '../config.ts';
import type { ChannelStore, SettlementRecord, StoredPendingOpen } from '../store/channel-store.ts';

/** A bigint amount as the API writes it. */
export type Sat = string;

/** A block every ten minutes on average: the basis of every date estimated from a height. */
export const BLOCK_MS = 600_000;

/**
 * The totals with their settlements, as `paychan-admin totals` reads them from a store: the
 * settlement each channel not open names (its latest, after fee bumps), read in one query.
 */
export async function storeTotals(store: ChannelStore): Promise<Totals> {
  const channels = await store.listChannels();
  const named = new Set(channels.flatMap((c) => (c.state !== 'open' && c.settlementTxid ? [c.settlementTxid] : [])));
  const settlements = new Map<string, SettlementRecord>();
  if (named.size > 0) for (const s of await store.listSettlements()) if (named.has(s.txid)) settlements.set(s.txid, s);
  return totals(channels, settlements);
}

export type TotalsJson = { [K in keyof Totals]: Totals[K] extends bigint ? Sat : number } & { zeroConfTotalLimit: Sat };

export function totalsJson(t: Totals, zeroConfTotalLimit: bigint): TotalsJson {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(t)) out[k] = typeof v === 'bigint' ? v.toString() : v;
  return { ...(out as TotalsJson), zeroConfTotalLimit: zeroConfTotalLimit.toString() };
}

/** Back to bigints, for `paychan-admin totals --url`; refuses an answer that is not the API's. */
export function totalsFromJson(j: Record<string, unknown>): { totals: Totals; zeroConfTotalLimit: bigint } {
  const sat = (k: string) => {
    const v = j[k];
    if (typeof v !== 'string' || !/^-?[0-9]+$/.test(v)) throw new Error(`the admin API's totals lack ${k}`);
    return BigInt(v);
  };
  const n = (k: string) => {
    const v = j[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`the admin API's totals lack ${k}`);
    return v;
  };
  return {
    totals: {
      channels: n('channels'),
      open: n('open'),
      closing: n('closing'),
      closed: n('closed'),
      earned: sat('earned'),
      delivered: sat('delivered'),
      unusedCredit: sat('unusedCredit'),
      settled: sat('settled'),
      feesPaid: sat('feesPaid'),
      pending: sat('pending'),
      pendingOpen: sat('pendingOpen'),
      settling: sat('settling'),
      feesPending: sat('feesPending'),
      lost: sat('lost'),
      zeroConfExposure: sat('zeroConfExposure'),
    },
    zeroConfTotalLimit: sat('zeroConfTotalLimit'),
  };
}

export type Bucket = 'hour' | 'day';
const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };
/** The chart's reach: a week of hours, a year of days. */
export const BUCKET_LIMIT: Record<Bucket, number> = { hour: 168, day: 366 };

export interface EarningsJson {
  bucket: Bucket;
  /** Per bucket (UTC, oldest first, empty ones included up to now): items delivered (debits less releases) and payments signed over. */
  buckets: { start: string; delivered: Sat; paid: Sat }[];
}

/** Earnings per bucket over the last BUCKET_LIMIT buckets up to `now`, summed by the store. */
export async function earnings(store: ChannelStore, bucket: Bucket, now: number): Promise<EarningsJson> {
  const size = BUCKET_MS[bucket];
  const last = Math.floor(now / size);
  const first = last - BUCKET_LIMIT[bucket] + 1;
  const delivered = new Map<number, bigint>();
  const paid = new Map<number, bigint>();
  let oldest = last;
  for (const { bucket: b, kind, amount } of await store.sumEventsByBucket(first * size, size)) {
    if (b > last) continue;
    const add = (m: Map<number, bigint>, v: bigint) => m.set(b, (m.get(b) ?? 0n) + v);
    if (kind === 'debit') add(delivered, amount);
    else if (kind === 'release') add(delivered, -amount);
    else add(paid, amount);
    oldest = Math.min(oldest, b);
  }
  const buckets: EarningsJson['buckets'] = [];
  for (let b = oldest; b <= last; b++) {
    buckets.push({ start: new Date(b * size).toISOString(), delivered: (delivered.get(b) ?? 0n).toString(), paid: (paid.get(b) ?? 0n).toString() });
  }
  return { bucket, buckets };
}

/** A date `blocks` from now at one block per ten minutes: an estimate, labelled as such where shown. */
const estimate = (now: number, blocks: number) => new Date(now + blocks * BLOCK_MS).toISOString();

export interface ChannelJson {
  id: string;
  state: 'open' | 'closing';
  capacity: Sat;
  /** Signed over by the reader. */
  paid: Sat;
  /** Items delivered against it. */
  delivered: Sat;
  /** Paid, not delivered: prepaid credit still owed to the reader as items. */
  credit: Sat;
  fundingConfirmed: boolean;
  expiryHeight: number;
  expiresAt: string;
  /** The watcher settles it by this height (expiry less settleMarginBlocks). */
  settleByHeight: number;
  settleByAt: string;
  settlementTxid: string | null;
}

export interface ChannelsJson {
  network: NetworkName;
  tip: number;
  channels: ChannelJson[];
}

export function channelsJson(channels: ServerChannel[], tip: number, config: PaychanConfig, now: number): ChannelsJson {
  return {
    network: config.network,
    tip,
    channels: channels
      .filter((c): c is ServerChannel & { state: 'open' | 'closing' } => c.state !== 'closed')
      .map((c) => {
        const settleBy = c.params.expiry - config.settleMarginBlocks;
        return {
          id: c.id,
          state: c.state,
          capacity: c.params.capacity.toString(),
          paid: c.paid.toString(),
          delivered: c.spent.toString(),
          credit: (c.paid - c.spent).toString(),
          fundingConfirmed: c.fundingConfirmed,
          expiryHeight: c.params.expiry,
          expiresAt: estimate(now, c.params.expiry - tip),
          settleByHeight: settleBy,
          settleByAt: estimate(now, Math.max(0, settleBy - tip)),
          settlementTxid: c.settlementTxid,
        };
      }),
  };
}

/** mempool.space's page for a transaction; none on regtest, which no public explorer shows. */
export function txUrl(network: NetworkName, txid: string): string | null {
  const prefix: Record<NetworkName, string | null> = {
    mainnet: '',
    testnet4: '/testnet4',
    testnet3: '/testnet',
    signet: '/signet',
    regtest: null,
  };
  const p = prefix[network];
  return p === null ? null : `https://mempool.space${p}/tx/${txid}`;
}

export interface SettlementJson {
  txid: string;
  url: string | null;
  status: SettlementRecord['status'];
  detail: string | null;
  payout: Sat;
  fee: Sat;
  /** Sat/vB, up to three decimals. */
  feeRate: string;
  channels: number;
  createdAt: string;
  replaces: string | null;
}

/** Newest first. */
export function settlementsJson(settlements: SettlementRecord[], network: NetworkName): { settlements: SettlementJson[] } {
  return {
    settlements: [...settlements]
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((s) => ({
        txid: s.txid,
        url: txUrl(network, s.txid),
        status: s.status,
        detail: s.detail,
        payout: s.payout.toString(),
        fee: s.fee.toString(),
        feeRate: formatSatPerVb(s.feeRateKvb),
        channels: s.channels.length,
        createdAt: new Date(s.createdAt).toISOString(),
        replaces: s.replaces ?? null,
      })),
  };
}

export interface ProposalJson {
  openId: string;
  capacity: Sat;
  expiryHeight: number;
  createdAt: string;
  /** Unfunded by then, it is pruned (openProposalTtlMs). */
  expiresAt: string;
}

export function proposalsJson(opens: StoredPendingOpen[], ttlMs: number): { proposals: ProposalJson[] } {
  return {
    proposals: opens.map((o) => ({
      openId: o.openId,
      capacity: o.request.capacity.toString(),
      expiryHeight: o.request.expiry,
      createdAt: new Date(o.createdAt).toISOString(),
      expiresAt: new Date(o.createdAt + ttlMs).toISOString(),
    })),
  };
}

export interface ZeroConfJson {
  /** Paid on channels not closed whose funding has not confirmed: what double-spent fundings could take back. */
  total: Sat;
  totalLimit: Sat;
  perChannelLimit: Sat;
  channels: { id: string; paid: Sat; capacity: Sat }[];
}

export function zeroConfJson(channels: ServerChannel[], config: PaychanConfig): ZeroConfJson {
  const exposed = channels.filter((c) => c.state !== 'closed' && !c.fundingConfirmed);
  return {
    total: exposed.reduce((s, c) => s + c.paid, 0n).toString(),
    totalLimit: config.zeroConfTotalLimit.toString(),
    perChannelLimit: config.zeroConfLimit.toString(),
    channels: exposed.map((c) => ({ id: c.id, paid: c.paid.toString(), capacity: c.params.capacity.toString() })),
  };
}
