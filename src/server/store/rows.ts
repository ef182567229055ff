/** Conversions between store rows (SQLite and PostgreSQL) and the core's records. Blobs come back as Buffers; callers get plain bytes. */
import type { ChannelParams } from '../../core/channel.ts';
import type { NetworkName } from '../../core/network.ts';
import type { CloseReason, PendingOpen, ServerChannel, ServerChannelState } from '../../core/server-channel.ts';
import type { ChannelEvent, ChannelEventKind, SettlementRecord, SettlementStatus, StoredPendingOpen } from './channel-store.ts';

/**
 * Hands out the next payout address index, the same SQL on SQLite and PostgreSQL: the counter
 * row is made by its first use, so databases from before payout xpubs need no migration.
 */
export const PAYOUT_INDEX_SQL =
  "INSERT INTO counters (name, value) VALUES ('payout_index', 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value - 1 AS idx";

export interface ChannelRow {
  id: string;
  network: string;
  funding_txid: string;
  funding_vout: number;
  server_pubkey: Buffer;
  client_pubkey: Buffer;
  expiry: number;
  capacity: number;
  change_script: Buffer;
  server_key_index: number;
  token_hash: Buffer;
  state: string;
  paid: number;
  signature: Buffer;
  spent: number;
  funding_confirmed: number;
  settlement_txid: string | null;
  close_reason: string | null;
}

export interface PendingOpenRow {
  open_id: string;
  version: number;
  network: string;
  client_pubkey: Buffer;
  capacity: number;
  expiry: number;
  change_script: Buffer;
  token_hash: Buffer;
  server_key_index: number;
  server_pubkey: Buffer;
  created_at: number;
  channel_id: string | null;
}

export interface EventRow {
  channel_id: string;
  at: number;
  kind: string;
  amount: number;
  paid: number;
  spent: number;
  ref: string | null;
}

/** The columns of a channel record (not its funding transaction, read only by `getFundingTx`). */
export const CHANNEL_COLUMNS = `id, network, funding_txid, funding_vout, server_pubkey, client_pubkey, expiry, capacity, change_script,
  server_key_index, token_hash, state, paid, signature, spent, funding_confirmed, settlement_txid, close_reason`;

/** What a channel page's query binds when it names no bound or cursor: every expiry height fits a 32-bit INTEGER. */
export const NO_EXPIRY_BOUND = 2 ** 31 - 1;
export const START_CURSOR = { expiry: -1, id: '' } as const;

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b);

export function paramsFromRow(r: ChannelRow): ChannelParams {
  return {
    network: r.network as NetworkName,
    serverPubkey: bytes(r.server_pubkey),
    clientPubkey: bytes(r.client_pubkey),
    expiry: r.expiry,
    capacity: BigInt(r.capacity),
    changeScript: bytes(r.change_script),
    funding: { txid: r.funding_txid, vout: r.funding_vout },
  };
}

/** The columns a channel's life changes; everything else is fixed at funding. */
export type ChannelStateRow = Pick<ChannelRow, 'state' | 'paid' | 'signature' | 'spent' | 'funding_confirmed' | 'settlement_txid' | 'close_reason'>;

/** The part of a channel fixed at funding, which a store may keep and reuse (never mutated). */
export interface FixedPart {
  params: ChannelParams;
  serverKeyIndex: number;
  tokenHash: Uint8Array;
}

export function fixedFromRow(r: ChannelRow): FixedPart {
  return { params: paramsFromRow(r), serverKeyIndex: r.server_key_index, tokenHash: bytes(r.token_hash) };
}

export function channelFromParts(id: string, fixed: FixedPart, r: ChannelStateRow): ServerChannel {
  return {
    id,
    params: fixed.params,
    serverKeyIndex: fixed.serverKeyIndex,
    tokenHash: fixed.tokenHash,
    state: r.state as ServerChannelState,
    paid: BigInt(r.paid),
    signature: bytes(r.signature),
    spent: BigInt(r.spent),
    fundingConfirmed: r.funding_confirmed === 1,
    settlementTxid: r.settlement_txid,
    closeReason: r.close_reason as CloseReason | null,
  };
}

export function channelFromRow(r: ChannelRow): ServerChannel {
  return channelFromParts(r.id, fixedFromRow(r), r);
}

/** Parameters for inserting a channel, named as the INSERT statement names them. */
export function channelInsertParams(ch: ServerChannel, fundingTxHex: string, now: number): Record<string, unknown> {
  return {
    ...channelUpdateParams(ch, now),
    network: ch.params.network,
    funding_txid: ch.params.funding.txid,
    funding_vout: ch.params.funding.vout,
    funding_tx: Buffer.from(fundingTxHex, 'hex'),
    server_pubkey: ch.params.serverPubkey,
    client_pubkey: ch.params.clientPubkey,
    expiry: ch.params.expiry,
    capacity: ch.params.capacity,
    change_script: ch.params.changeScript,
    server_key_index: ch.serverKeyIndex,
    token_hash: ch.tokenHash,
    created_at: now,
  };
}

/** Only what a channel's life changes: its parameters are fixed at funding. */
export function channelUpdateParams(ch: ServerChannel, now: number): Record<string, unknown> {
  return {
    id: ch.id,
    state: ch.state,
    paid: ch.paid,
    signature: ch.signature,
    spent: ch.spent,
    funding_confirmed: ch.fundingConfirmed ? 1 : 0,
    settlement_txid: ch.settlementTxid,
    close_reason: ch.closeReason,
    updated_at: now,
  };
}

export function pendingFromRow(r: PendingOpenRow): StoredPendingOpen {
  return {
    openId: r.open_id,
    request: {
      version: r.version,
      network: r.network as NetworkName,
      clientPubkey: bytes(r.client_pubkey),
      capacity: BigInt(r.capacity),
      expiry: r.expiry,
      changeScript: bytes(r.change_script),
      tokenHash: bytes(r.token_hash),
    },
    serverKeyIndex: r.server_key_index,
    serverPubkey: bytes(r.server_pubkey),
    createdAt: r.created_at,
    channelId: r.channel_id,
  };
}

export function pendingInsertParams(p: PendingOpen, now: number, client: string | null = null): Record<string, unknown> {
  return {
    client,
    open_id: p.openId,
    version: p.request.version,
    network: p.request.network,
    client_pubkey: p.request.clientPubkey,
    capacity: p.request.capacity,
    expiry: p.request.expiry,
    change_script: p.request.changeScript,
    token_hash: p.request.tokenHash,
    server_key_index: p.serverKeyIndex,
    server_pubkey: p.serverPubkey,
    created_at: now,
  };
}

export function eventFromRow(r: EventRow): ChannelEvent {
  return {
    channelId: r.channel_id,
    at: r.at,
    kind: r.kind as ChannelEventKind,
    amount: BigInt(r.amount),
    paid: BigInt(r.paid),
    spent: BigInt(r.spent),
    ref: r.ref,
  };
}

/** A settlements row: SQLite gives its integers as numbers, PostgreSQL's BIGINTs come as strings. */
export interface SettlementRow {
  txid: string;
  hex: string;
  fee: number | string;
  payout: number | string;
  fee_rate_kvb: number | string;
  status: SettlementStatus;
  detail: string | null;
  created_at: number | string;
  bump_height: number | null;
  replaces: string | null;
}

/** A settlement_channels row, read in the settlement's input order. */
export interface SettlementChannelRow {
  channel_id: string;
  amount: number | string;
}

export function settlementFromRow(r: SettlementRow, channels: readonly SettlementChannelRow[]): SettlementRecord {
  return {
    txid: r.txid,
    hex: r.hex,
    fee: BigInt(r.fee),
    payout: BigInt(r.payout),
    feeRateKvb: BigInt(r.fee_rate_kvb),
    status: r.status,
    detail: r.detail,
    channels: channels.map((c) => ({ channelId: c.channel_id, amount: BigInt(c.amount) })),
    createdAt: Number(r.created_at),
    bumpHeight: r.bump_height,
    replaces: r.replaces,
  };
}
