import { parseSats, parseUint } from './amounts.ts';
import { bytesToHex, fromBase64Url, parseHex, toBase64Url } from './bytes.ts';
import { formatChannelId, parseChannelId, type Outpoint } from './channel.ts';
import { ProtocolError } from './errors.ts';
import { findScheme, formatAuthItem, type AuthItem } from './auth-params.ts';
import { isNetworkName } from './network.ts';
import type { ServerTerms } from './terms.ts';
import { sha256 } from '@noble/hashes/sha2';

/** The auth scheme name in WWW-Authenticate and Authorization (case-insensitive on the wire). */
export const AUTH_SCHEME = 'Paychan';
/** Carries the same credential as Authorization, for sites whose own auth uses Authorization. */
export const CREDENTIAL_HEADER = 'Paychan-Credential';
/** Set by the server on every paid response. */
export const RECEIPT_HEADER = 'Paychan-Receipt';

/**
 * Why a 402 was sent to a request that carried a credential. `invalid_payment`: the payment riding
 * in the credential was refused (its own code in `code`); the stored credit did not change.
 */
export type ChallengeError = 'insufficient_credit' | 'invalid_credential' | 'channel_closed' | 'invalid_payment';
const CHALLENGE_ERRORS: readonly string[] = ['insufficient_credit', 'invalid_credential', 'channel_closed', 'invalid_payment'];

/** A Paychan 402 challenge: the price of this resource and how to open a channel to pay it. */
export interface Challenge {
  versions: number[];
  price: bigint;
  /** Absolute URL of the channel API. */
  endpoint: string;
  terms: ServerTerms;
  /** Blocks before expiry at which the server stops taking payments and debits and settles. */
  settleMarginBlocks?: number;
  error?: ChallengeError;
  /** With error=invalid_payment: the payment's own error code (e.g. BAD_SIGNATURE). */
  code?: string;
  /** The presented channel's stored credit, with error=insufficient_credit or invalid_payment. */
  credit?: bigint;
}

function required(item: AuthItem, name: string): string {
  const v = item.params.get(name);
  if (v === undefined) throw new ProtocolError('SYNTAX_ERROR', `Paychan challenge lacks ${name}`);
  return v;
}

export function formatChallenge(c: Challenge): string {
  const params: [string, string][] = [
    ['realm', 'paychan'],
    ['version', c.versions.join(',')],
    ['network', c.terms.network],
    ['price', c.price.toString()],
    ['endpoint', c.endpoint],
    ['min_deposit', c.terms.minDeposit.toString()],
    ['max_deposit', c.terms.maxDeposit.toString()],
    ['min_expiry', String(c.terms.minExpiryBlocks)],
    ['max_expiry', String(c.terms.maxExpiryBlocks)],
    ['min_first_payment', c.terms.minFirstPayment.toString()],
  ];
  if (c.settleMarginBlocks !== undefined) params.push(['settle_margin', String(c.settleMarginBlocks)]);
  if (c.error) params.push(['error', c.error]);
  if (c.code !== undefined) params.push(['code', c.code]);
  if (c.credit !== undefined) params.push(['credit', c.credit.toString()]);
  return formatAuthItem(AUTH_SCHEME, params);
}

/** Parses the Paychan challenge out of a WWW-Authenticate header; null when there is none. */
export function parseChallenge(header: string): Challenge | null {
  const item = findScheme(header, AUTH_SCHEME);
  if (!item) return null;
  const versions = required(item, 'version').split(',').map((v) => parseUint(v.trim(), 'version', 0xffff));
  const network = required(item, 'network');
  if (!isNetworkName(network)) throw new ProtocolError('SYNTAX_ERROR', `unknown network ${network.slice(0, 20)}`);
  const endpoint = required(item, 'endpoint');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ProtocolError('SYNTAX_ERROR', 'endpoint must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ProtocolError('SYNTAX_ERROR', 'endpoint must be http(s)');
  const challenge: Challenge = {
    versions,
    price: parseSats(required(item, 'price'), 'price'),
    endpoint,
    terms: {
      network,
      minDeposit: parseSats(required(item, 'min_deposit'), 'min_deposit'),
      maxDeposit: parseSats(required(item, 'max_deposit'), 'max_deposit'),
      minExpiryBlocks: parseUint(required(item, 'min_expiry'), 'min_expiry'),
      maxExpiryBlocks: parseUint(required(item, 'max_expiry'), 'max_expiry'),
      minFirstPayment: parseSats(required(item, 'min_first_payment'), 'min_first_payment'),
    },
  };
  const margin = item.params.get('settle_margin');
  if (margin !== undefined) challenge.settleMarginBlocks = parseUint(margin, 'settle_margin');
  const error = item.params.get('error');
  if (error !== undefined && CHALLENGE_ERRORS.includes(error)) challenge.error = error as ChallengeError;
  const code = item.params.get('code');
  if (code !== undefined && /^[A-Z_]{1,40}$/.test(code)) challenge.code = code;
  const credit = item.params.get('credit');
  if (credit !== undefined) challenge.credit = parseSats(credit, 'credit');
  return challenge;
}

/** A bearer secret the client chose at open; the server keeps only its SHA-256. */
export const ACCESS_TOKEN_BYTES = 32;

export function accessTokenHash(token: Uint8Array): Uint8Array {
  return sha256(token);
}

/**
 * A credential presented with a request for a priced resource: the channel and its access
 * token, optionally with a payment riding along (a top-up in the same round trip).
 */
export interface Credential {
  channel: Outpoint;
  token: Uint8Array;
  payment?: { amount: bigint; signature: Uint8Array };
}

export function formatCredential(c: Credential): string {
  const params: [string, string][] = [
    ['channel', formatChannelId(c.channel)],
    ['token', toBase64Url(c.token)],
  ];
  if (c.payment) {
    params.push(['amount', c.payment.amount.toString()], ['sig', bytesToHex(c.payment.signature)]);
  }
  return formatAuthItem(AUTH_SCHEME, params);
}

/** Parses a Paychan credential; null if the header holds no Paychan credential. */
export function parseCredential(header: string): Credential | null {
  const item = findScheme(header, AUTH_SCHEME);
  if (!item) return null;
  const channel = parseChannelId(item.params.get('channel'));
  const tokenText = item.params.get('token');
  if (tokenText === undefined) throw new ProtocolError('SYNTAX_ERROR', 'Paychan credential lacks token');
  const token = fromBase64Url(tokenText, 'token');
  if (token.length !== ACCESS_TOKEN_BYTES) throw new ProtocolError('SYNTAX_ERROR', `token must be ${ACCESS_TOKEN_BYTES} bytes`);
  const credential: Credential = { channel, token };
  const amount = item.params.get('amount');
  const sig = item.params.get('sig');
  if ((amount === undefined) !== (sig === undefined)) {
    throw new ProtocolError('SYNTAX_ERROR', 'amount and sig must be sent together');
  }
  if (amount !== undefined && sig !== undefined) {
    credential.payment = { amount: parseSats(amount, 'amount'), signature: parseHex(sig, 'sig') };
  }
  return credential;
}

/** What a paid response tells the client about its channel after the debit. */
export interface Receipt {
  channel: Outpoint;
  charged: bigint;
  paid: bigint;
  spent: bigint;
}

export function formatReceipt(r: Receipt): string {
  return formatAuthItem(AUTH_SCHEME, [
    ['channel', formatChannelId(r.channel)],
    ['charged', r.charged.toString()],
    ['paid', r.paid.toString()],
    ['spent', r.spent.toString()],
  ]);
}

export function parseReceipt(header: string): Receipt | null {
  const item = findScheme(header, AUTH_SCHEME);
  if (!item) return null;
  const get = (n: string) => {
    const v = item.params.get(n);
    if (v === undefined) throw new ProtocolError('SYNTAX_ERROR', `receipt lacks ${n}`);
    return v;
  };
  const receipt = {
    channel: parseChannelId(get('channel')),
    charged: parseSats(get('charged'), 'charged'),
    paid: parseSats(get('paid'), 'paid'),
    spent: parseSats(get('spent'), 'spent'),
  };
  if (receipt.spent > receipt.paid) throw new ProtocolError('SYNTAX_ERROR', 'receipt shows more spent than paid');
  return receipt;
}
