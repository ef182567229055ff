/**
 * The JSON bodies of the channel API (docs/protocol.md §HTTP binding). Amounts travel as decimal
 * strings, bytes as lowercase hex. Each parse function turns an untrusted body into a typed value
 * or throws a ProtocolError naming the field.
 */
import { formatSats, parseSats, parseUint } from './amounts.ts';
import { bytesToHex, parseHex } from './bytes.ts';
import { ProtocolError } from './errors.ts';
import { isNetworkName, type NetworkName } from './network.ts';
import { assertCompressedPubkey } from './script.ts';
import { isPublicKeyOnCurve } from './secp.ts';
import type { ServerTerms } from './terms.ts';

type Json = Record<string, unknown>;

function object(body: unknown, what: string): Json {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ProtocolError('SYNTAX_ERROR', `${what} must be a JSON object`);
  }
  return body as Json;
}

function network(value: unknown): NetworkName {
  if (!isNetworkName(value)) throw new ProtocolError('SYNTAX_ERROR', 'network must be mainnet, testnet, signet or regtest');
  return value;
}

function pubkey(value: unknown, field: string): Uint8Array {
  const key = parseHex(value, field, 33);
  assertCompressedPubkey(key, field);
  if (!isPublicKeyOnCurve(key)) throw new ProtocolError('BAD_PUBKEY', `${field} is not a point on secp256k1`);
  return key;
}

/**
 * A JSON integer field (version, expiry, fundingVout, block counts, tip): a JSON number, never a
 * string, so a second implementation cannot guess wrong (amounts are the strings, §1).
 */
function integer(value: unknown, field: string, max = 0xffffffff): number {
  if (typeof value !== 'number') throw new ProtocolError('SYNTAX_ERROR', `${field} must be a JSON number`);
  return parseUint(value, field, max);
}

// ---- terms: GET {endpoint}/terms

export interface TermsResponse {
  versions: number[];
  terms: ServerTerms;
  /** The server's chain tip, from which expiry bounds count. */
  tip: number;
  /** Payments accepted against an unconfirmed funding transaction, at most. */
  zeroConfLimit: bigint;
  /** Payments and debits stop once `tip ≥ expiry − settleMarginBlocks`: the server settles then. */
  settleMarginBlocks: number;
}

export function encodeTermsResponse(r: TermsResponse): Json {
  return {
    versions: r.versions,
    network: r.terms.network,
    minDeposit: formatSats(r.terms.minDeposit),
    maxDeposit: formatSats(r.terms.maxDeposit),
    minExpiryBlocks: r.terms.minExpiryBlocks,
    maxExpiryBlocks: r.terms.maxExpiryBlocks,
    minFirstPayment: formatSats(r.terms.minFirstPayment),
    tip: r.tip,
    zeroConfLimit: formatSats(r.zeroConfLimit),
    settleMarginBlocks: r.settleMarginBlocks,
  };
}

export function parseTermsResponse(body: unknown): TermsResponse {
  const o = object(body, 'terms');
  if (!Array.isArray(o.versions)) throw new ProtocolError('SYNTAX_ERROR', 'versions must be an array');
  return {
    versions: o.versions.map((v) => integer(v, 'versions', 0xffff)),
    terms: {
      network: network(o.network),
      minDeposit: parseSats(o.minDeposit, 'minDeposit'),
      maxDeposit: parseSats(o.maxDeposit, 'maxDeposit'),
      minExpiryBlocks: integer(o.minExpiryBlocks, 'minExpiryBlocks'),
      maxExpiryBlocks: integer(o.maxExpiryBlocks, 'maxExpiryBlocks'),
      minFirstPayment: parseSats(o.minFirstPayment, 'minFirstPayment'),
    },
    tip: integer(o.tip, 'tip'),
    zeroConfLimit: parseSats(o.zeroConfLimit, 'zeroConfLimit'),
    settleMarginBlocks: integer(o.settleMarginBlocks, 'settleMarginBlocks'),
  };
}

// ---- open: POST {endpoint}/channels

export interface OpenRequest {
  version: number;
  network: NetworkName;
  clientPubkey: Uint8Array;
  capacity: bigint;
  expiry: number;
  changeScript: Uint8Array;
  /** SHA-256 of the client's access token. */
  tokenHash: Uint8Array;
}

export function encodeOpenRequest(r: OpenRequest): Json {
  return {
    version: r.version,
    network: r.network,
    clientPubkey: bytesToHex(r.clientPubkey),
    capacity: formatSats(r.capacity),
    expiry: r.expiry,
    changeScript: bytesToHex(r.changeScript),
    tokenHash: bytesToHex(r.tokenHash),
  };
}

export function parseOpenRequest(body: unknown): OpenRequest {
  const o = object(body, 'open request');
  const changeScript = parseHex(o.changeScript, 'changeScript');
  if (changeScript.length === 0 || changeScript.length > 42) throw new ProtocolError('SYNTAX_ERROR', 'changeScript has an impossible length');
  return {
    version: integer(o.version, 'version', 0xffff),
    network: network(o.network),
    clientPubkey: pubkey(o.clientPubkey, 'clientPubkey'),
    capacity: parseSats(o.capacity, 'capacity'),
    expiry: integer(o.expiry, 'expiry'),
    changeScript,
    tokenHash: parseHex(o.tokenHash, 'tokenHash', 32),
  };
}

export interface OpenResponse {
  /** Names the pending channel until it is funded and gets its outpoint as id. */
  openId: string;
  serverPubkey: Uint8Array;
  /** The channel's witness script, which the client must rebuild and compare. */
  script: Uint8Array;
  address: string;
  capacity: bigint;
  expiry: number;
}

export function encodeOpenResponse(r: OpenResponse): Json {
  return {
    openId: r.openId,
    serverPubkey: bytesToHex(r.serverPubkey),
    script: bytesToHex(r.script),
    address: r.address,
    capacity: formatSats(r.capacity),
    expiry: r.expiry,
  };
}

const OPEN_ID = /^[0-9a-f]{32}$/;

export function parseOpenId(value: unknown): string {
  if (typeof value !== 'string' || !OPEN_ID.test(value)) throw new ProtocolError('SYNTAX_ERROR', 'openId must be 32 hex characters');
  return value;
}

export function parseOpenResponse(body: unknown): OpenResponse {
  const o = object(body, 'open response');
  if (typeof o.address !== 'string') throw new ProtocolError('SYNTAX_ERROR', 'address must be a string');
  return {
    openId: parseOpenId(o.openId),
    serverPubkey: pubkey(o.serverPubkey, 'serverPubkey'),
    script: parseHex(o.script, 'script'),
    address: o.address,
    capacity: parseSats(o.capacity, 'capacity'),
    expiry: integer(o.expiry, 'expiry'),
  };
}

// ---- payments: fund carries the first one; POST {endpoint}/channels/{id}/payments the rest

export interface PaymentBody {
  amount: bigint;
  signature: Uint8Array;
}

export function encodePayment(p: PaymentBody): Json {
  return { amount: formatSats(p.amount), signature: bytesToHex(p.signature) };
}

export function parsePayment(body: unknown): PaymentBody {
  const o = object(body, 'payment');
  const signature = parseHex(o.signature, 'signature');
  if (signature.length < 9 || signature.length > 73) throw new ProtocolError('SYNTAX_ERROR', 'signature has an impossible length');
  return { amount: parseSats(o.amount, 'amount'), signature };
}

/**
 * The body of a close: a final payment, or nothing (an empty body or `{}`), which settles at the
 * newest payment the server holds. The payment may be below that newest one (never below what
 * was delivered): that is how unused credit comes back to the client (§5).
 */
export function parseCloseRequest(body: unknown): PaymentBody | null {
  if (body === null || body === undefined) return null;
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return null;
  return parsePayment(body);
}

export interface FundRequest {
  fundingTx: Uint8Array;
  fundingVout: number;
  payment: PaymentBody;
}

/** Funding transactions are small; anything larger is refused before it is parsed. */
export const MAX_FUNDING_TX_BYTES = 100_000;

export function encodeFundRequest(r: FundRequest): Json {
  return { fundingTx: bytesToHex(r.fundingTx), fundingVout: r.fundingVout, ...encodePayment(r.payment) };
}

export function parseFundRequest(body: unknown): FundRequest {
  const o = object(body, 'fund request');
  const fundingTx = parseHex(o.fundingTx, 'fundingTx');
  if (fundingTx.length > MAX_FUNDING_TX_BYTES) throw new ProtocolError('PAYLOAD_TOO_LARGE', 'fundingTx is too large');
  return { fundingTx, fundingVout: integer(o.fundingVout, 'fundingVout'), payment: parsePayment(o) };
}

// ---- status: GET {endpoint}/channels/{id}, and the answer to fund, pay and close

export type ChannelStatusState = 'open' | 'closing' | 'closed';

export interface ChannelStatus {
  channelId: string;
  state: ChannelStatusState;
  capacity: bigint;
  expiry: number;
  paid: bigint;
  spent: bigint;
  fundingConfirmed: boolean;
  settlementTxid: string | null;
}

export function encodeStatus(s: ChannelStatus): Json {
  return {
    channelId: s.channelId,
    state: s.state,
    capacity: formatSats(s.capacity),
    expiry: s.expiry,
    paid: formatSats(s.paid),
    spent: formatSats(s.spent),
    credit: formatSats(s.paid - s.spent),
    fundingConfirmed: s.fundingConfirmed,
    settlementTxid: s.settlementTxid,
  };
}

export function parseStatus(body: unknown): ChannelStatus {
  const o = object(body, 'channel status');
  if (o.state !== 'open' && o.state !== 'closing' && o.state !== 'closed') {
    throw new ProtocolError('SYNTAX_ERROR', 'state must be open, closing or closed');
  }
  if (typeof o.channelId !== 'string') throw new ProtocolError('SYNTAX_ERROR', 'channelId must be a string');
  const settlementTxid = o.settlementTxid === null || o.settlementTxid === undefined ? null : bytesToHex(parseHex(o.settlementTxid, 'settlementTxid', 32));
  const status: ChannelStatus = {
    channelId: o.channelId,
    state: o.state,
    capacity: parseSats(o.capacity, 'capacity'),
    expiry: integer(o.expiry, 'expiry'),
    paid: parseSats(o.paid, 'paid'),
    spent: parseSats(o.spent, 'spent'),
    fundingConfirmed: o.fundingConfirmed === true,
    settlementTxid,
  };
  if (status.spent > status.paid || status.paid > status.capacity) {
    throw new ProtocolError('SYNTAX_ERROR', 'status amounts are inconsistent');
  }
  return status;
}
