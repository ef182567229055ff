/**
 * Static channel backups. The seed gives back a channel's client key (m/1017'/coin'/0'/i') but
 * not the server's key or the expiry, without which the refund cannot be built: a wallet restored
 * from its words alone loses every channel whose site has vanished. A backup file holds what a
 * refund or a resume needs for every channel not yet final, encrypted under the wallet password
 * with the vault's PBKDF2 + AES-GCM (its own associated data, so a vault record and a backup can
 * never stand in for each other).
 *
 * Restoring checks everything before it stores anything, and stores all the new channels in one
 * transaction: the file decrypts, every record is well formed and consistent (the funding output
 * pays exactly the channel script, the refund spends it), the network is the wallet's, and the
 * key at each record's index is the record's client key, so the file belongs to this seed.
 * Channels the wallet already has are left as they are. The channel watcher then takes over:
 * status from the server if it answers, the refund after expiry if not.
 */
import { Transaction } from 'bitcoinjs-lib';
import { bytesToHex, equalBytes, fromBase64Url, hashFromTxid, parseHex, toBase64Url } from '../../core/bytes.ts';
import { formatChannelId } from '../../core/channel.ts';
import type { ClientChannel, ClientChannelState } from '../../core/client-channel.ts';
import { accessTokenHash } from '../../core/http-binding.ts';
import { encodeOpenRequest, parseOpenRequest } from '../../core/messages.ts';
import { isNetworkName, type NetworkName } from '../../core/network.ts';
import { channelScript, p2wshOutputScript } from '../../core/script.ts';
import type { ChannelBackupFile, ChannelRestoreResult } from '../views.ts';
import type { ChannelWatcher } from './channel-watcher.ts';
import type { Clock } from '../lib/clock.ts';
import { channelSummary } from '../lib/dto.ts';
import { WalletError } from '../lib/errors.ts';
import type { Events } from '../lib/events.ts';
import { channelKeyCounter, type KeyRing } from '../wallet/keys.ts';
import type { SessionService } from '../session/session-service.ts';
import type { SettingsService } from '../session/settings.ts';
import type { ChannelRecord, SpentCoin } from '../storage/records.ts';
import type { ClientStore } from '../storage/client-store.ts';
import { MAX_PBKDF2_ITERATIONS, PBKDF2_ITERATIONS, type CheckedRecord, type Vault } from '../session/vault.ts';

export const BACKUP_FORMAT = 'paychan-channel-backup';
export const BACKUP_VERSION = 1;
/** Binds the ciphertext to this format and version. */
const AAD = new TextEncoder().encode(`${BACKUP_FORMAT}-v${BACKUP_VERSION}`);
/** Far above any real wallet's channels (a few KB each), far below what would strain the worker. */
export const MAX_BACKUP_CHARS = 8_000_000;
/** States that can still hold money on chain; 'closed' is final and needs no backup. */
const BACKED_UP_STATES: readonly ClientChannelState[] = ['funding', 'open', 'closing', 'refunding'];

export interface BackupDeps {
  store: ClientStore;
  vault: Vault;
  session: SessionService;
  settings: SettingsService;
  clock: Clock;
  events: Events;
  watcher: ChannelWatcher;
}

export class ChannelBackupService {
  constructor(private readonly d: BackupDeps) {}

  /** Every channel of the wallet's network not yet final, sealed under the (re-entered) wallet password. */
  async backup(password: string): Promise<ChannelBackupFile> {
    await this.d.session.keys();
    await this.d.session.checkPassword(password);
    const network = (await this.d.settings.get()).network;
    const records = (await this.d.store.channels()).filter((r) => r.network === network && needsBackup(r));
    const createdAt = this.d.clock.now();
    const plaintext = new TextEncoder().encode(JSON.stringify({ version: BACKUP_VERSION, network, createdAt, channels: records.map(encodeRecord) }));
    const sealed = await this.d.vault.sealChecked(plaintext, password, AAD);
    plaintext.fill(0);
    const file = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      kdf: sealed.kdf,
      iterations: sealed.iterations,
      salt: bytesToHex(sealed.salt),
      iv: bytesToHex(sealed.iv),
      check: { iv: bytesToHex(sealed.check.iv), ciphertext: bytesToHex(sealed.check.ciphertext) },
      ciphertext: toBase64Url(sealed.ciphertext),
    };
    return { filename: `paychan-channels-${localDate(createdAt)}.json`, contents: `${JSON.stringify(file, null, 2)}\n`, channels: records.length, network };
  }

  /** All or nothing: any refusal (see the module comment) leaves the store exactly as it was. */
  async restore(contents: string, password: string): Promise<ChannelRestoreResult> {
    const ring = await this.d.session.keys();
    const network = (await this.d.settings.get()).network;
    const sealed = parseFile(contents);
    let plaintext: Uint8Array;
    try {
      plaintext = await this.d.vault.openChecked(sealed, password, AAD);
    } catch (err) {
      if (err instanceof WalletError && err.code === 'DAMAGED') throw invalid('the file was changed or damaged after it was written', 'damaged');
      if (err instanceof WalletError && err.code === 'INTERNAL') throw invalid('its encryption settings are unknown or weakened', 'malformed');
      throw err;
    }
    const now = this.d.clock.now();
    const doc = parseDocument(plaintext);
    if (doc.network !== network) {
      throw new WalletError('WRONG_NETWORK', `this backup holds ${doc.network} channels, but the wallet is on ${network}; switch the network in Settings first`);
    }
    const restored = doc.channels.map((c, i) => decodeRecord(c, i, network, now));
    const seen = new Set<string>();
    for (const r of restored) {
      const outpoint = formatChannelId(r.channel.funding!);
      if (seen.has(outpoint)) throw invalid(`channel ${outpoint} appears twice`, 'malformed');
      seen.add(outpoint);
      checkOwnKey(r, ring);
    }

    const existing = await this.d.store.channels();
    const known = new Set(existing.filter((r) => r.channel.funding).map((r) => `${r.network}/${formatChannelId(r.channel.funding!)}`));
    const ids = new Set(existing.map((r) => r.id));
    const added: ChannelRecord[] = [];
    for (const r of restored) {
      const outpoint = formatChannelId(r.channel.funding!);
      if (known.has(`${r.network}/${outpoint}`)) continue;
      // A channel opened since the seed was restored may hold this key index's id already.
      const id = ids.has(r.id) ? `${r.id}/${outpoint}` : r.id;
      ids.add(id);
      added.push({ ...r, id });
    }
    // New channels must never reuse a restored channel's key (and with it, its access token).
    const nextIndex = Math.max(0, ...restored.map((r) => r.channel.clientKeyIndex + 1));
    await this.d.store.putRestoredChannels(added, channelKeyCounter(network), nextIndex);
    for (const r of added) this.d.events.emit({ type: 'channel', data: channelSummary(r) });
    // The watcher asks each server (and refunds what has expired); a vanished site must not hold up the answer.
    if (added.length > 0) void this.d.watcher.check().catch(() => undefined);
    return { added: added.map(channelSummary), skipped: restored.length - added.length };
  }
}

function needsBackup(r: ChannelRecord): boolean {
  return r.channel.funding !== null && r.channel.serverPubkey !== null && BACKED_UP_STATES.includes(r.channel.state);
}

function invalid(why: string, reason: 'unreadable' | 'damaged' | 'malformed'): WalletError {
  return new WalletError('INVALID_BACKUP', `This is not a usable Paychan channel backup: ${why}.`, { reason });
}

function localDate(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// ---- the file

function parseFile(contents: unknown): CheckedRecord {
  if (typeof contents !== 'string' || contents.length === 0) throw invalid('the file is empty', 'unreadable');
  if (contents.length > MAX_BACKUP_CHARS) throw invalid('the file is far larger than any backup', 'unreadable');
  let file: unknown;
  try {
    file = JSON.parse(contents);
  } catch {
    throw invalid('the file is not complete JSON (cut short, or another kind of file)', 'unreadable');
  }
  return readOrInvalid('unreadable', () => {
    const f = obj(file, 'file');
    if (f.format !== BACKUP_FORMAT) throw new Error('it is not a Paychan channel backup file');
    if (f.version !== BACKUP_VERSION) throw new Error(`version ${String(f.version)} is not one this wallet reads`);
    if (f.kdf !== 'PBKDF2-SHA256') throw new Error('unknown key derivation');
    const check = obj(f.check, 'check');
    return {
      version: 1,
      kdf: 'PBKDF2-SHA256',
      iterations: int(f.iterations, 'iterations', PBKDF2_ITERATIONS, MAX_PBKDF2_ITERATIONS),
      salt: parseHex(f.salt, 'salt', 16),
      iv: parseHex(f.iv, 'iv', 12),
      check: { iv: parseHex(check.iv, 'check.iv', 12), ciphertext: parseHex(check.ciphertext, 'check.ciphertext', 16) },
      ciphertext: fromBase64Url(str(f.ciphertext, 'ciphertext'), 'ciphertext'),
    };
  });
}

function parseDocument(plaintext: Uint8Array): { network: NetworkName; channels: unknown[] } {
  return readOrInvalid('malformed', () => {
    const doc = obj(JSON.parse(new TextDecoder().decode(plaintext)), 'backup');
    if (doc.version !== BACKUP_VERSION) throw new Error(`content version ${String(doc.version)} is not one this wallet reads`);
    if (!isNetworkName(doc.network)) throw new Error('network is not one this wallet knows');
    if (!Array.isArray(doc.channels)) throw new Error('channels must be a list');
    return { network: doc.network, channels: doc.channels as unknown[] };
  });
}

/** Runs a parser; whatever it throws (ours, the core codecs', JSON's) becomes INVALID_BACKUP. */
function readOrInvalid<T>(reason: 'unreadable' | 'malformed', read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw invalid((err as Error).message, reason);
  }
}

// ---- one channel

function encodeRecord(r: ChannelRecord): Record<string, unknown> {
  const ch = r.channel;
  return {
    id: r.id,
    endpoint: r.endpoint,
    createdAt: r.createdAt,
    state: ch.state,
    clientKeyIndex: ch.clientKeyIndex,
    request: encodeOpenRequest(ch.request),
    openId: ch.openId,
    serverPubkey: bytesToHex(ch.serverPubkey!),
    funding: ch.funding,
    approved: String(ch.approved),
    signed: String(ch.signed),
    signature: ch.signature && bytesToHex(ch.signature),
    acknowledged: String(ch.acknowledged),
    spent: String(ch.spent),
    closingTxid: ch.closingTxid,
    fundingInputs: r.fundingInputs.map((c) => ({ txid: c.txid, vout: c.vout, value: String(c.value), chain: c.chain, index: c.index })),
    zeroConfLimit: String(r.zeroConfLimit),
    fundingConfirmed: r.fundingConfirmed,
    abandoned: r.abandoned,
    refund: r.refund && { txid: r.refund.txid, hex: r.refund.hex, feeRateKvb: String(r.refund.feeRateKvb) },
  };
}

function decodeRecord(value: unknown, i: number, network: NetworkName, now: number): ChannelRecord {
  return readOrInvalid('malformed', () => {
    const o = obj(value, `channel ${i + 1}`);
    const state = o.state as ClientChannelState;
    if (!BACKED_UP_STATES.includes(state)) throw new Error(`channel ${i + 1} has an unknown state`);
    const request = parseOpenRequest(o.request);
    if (request.network !== network) throw new Error(`channel ${i + 1} is for another network than its backup`);
    const clientKeyIndex = int(o.clientKeyIndex, 'clientKeyIndex', 0, 0x7fffffff);
    const serverPubkey = parseHex(o.serverPubkey, 'serverPubkey', 33);
    const f = obj(o.funding, 'funding');
    const funding = { txid: txid(f.txid, 'funding.txid'), vout: int(f.vout, 'funding.vout', 0, 0xffff), hex: str(f.hex, 'funding.hex') };
    const script = channelScript({ serverPubkey, clientPubkey: request.clientPubkey, expiry: request.expiry });
    const fundingTx = Transaction.fromHex(funding.hex);
    if (fundingTx.getId() !== funding.txid) throw new Error('the funding transaction does not match its txid');
    const out = fundingTx.outs[funding.vout];
    if (!out || !equalBytes(out.script, p2wshOutputScript(script)) || out.value !== request.capacity) {
      throw new Error(`the funding output ${funding.txid}:${funding.vout} does not pay the channel script its capacity`);
    }
    const amounts = { approved: sat(o.approved, 'approved'), signed: sat(o.signed, 'signed'), acknowledged: sat(o.acknowledged, 'acknowledged'), spent: sat(o.spent, 'spent') };
    if (amounts.spent > amounts.acknowledged || amounts.acknowledged > amounts.signed || amounts.signed > request.capacity) {
      throw new Error(`channel ${i + 1} has impossible amounts`);
    }
    const signature = o.signature === null ? null : parseHex(o.signature, 'signature');
    if ((signature === null) !== (amounts.signed === 0n)) throw new Error(`channel ${i + 1} has a signed amount without its signature`);
    const channel: ClientChannel = {
      endpoint: httpUrl(o.endpoint),
      state,
      request,
      clientKeyIndex,
      openId: o.openId === null ? null : str(o.openId, 'openId'),
      serverPubkey,
      funding,
      ...amounts,
      signature,
      closingTxid: o.closingTxid === null ? null : txid(o.closingTxid, 'closingTxid'),
    };
    return {
      id: `${network}/${clientKeyIndex}`,
      network,
      endpoint: channel.endpoint,
      channel,
      fundingInputs: list(o.fundingInputs, 'fundingInputs').map(spentCoin),
      zeroConfLimit: sat(o.zeroConfLimit, 'zeroConfLimit'),
      fundingConfirmed: bool(o.fundingConfirmed, 'fundingConfirmed'),
      abandoned: bool(o.abandoned, 'abandoned'),
      refund: o.refund === null ? null : refundOf(o.refund, channel),
      createdAt: int(o.createdAt, 'createdAt', 0, Number.MAX_SAFE_INTEGER),
      updatedAt: now,
      lastError: null,
    };
  });
}

/** The pre-signed refund must spend this channel's funding output, valid from its expiry. */
function refundOf(value: unknown, ch: ClientChannel): NonNullable<ChannelRecord['refund']> {
  const o = obj(value, 'refund');
  // Backups written before fee rates were kept in sat/kvB carry `feeRate` in whole sat/vB.
  const feeRateKvb = o.feeRateKvb !== undefined ? sat(o.feeRateKvb, 'refund.feeRateKvb') : sat(o.feeRate, 'refund.feeRate') * 1000n;
  const refund = { txid: txid(o.txid, 'refund.txid'), hex: str(o.hex, 'refund.hex'), feeRateKvb };
  const tx = Transaction.fromHex(refund.hex);
  const input = tx.ins[0];
  const funding = ch.funding!;
  if (tx.getId() !== refund.txid || tx.ins.length !== 1 || !equalBytes(input!.hash, hashFromTxid(funding.txid)) || input!.index !== funding.vout || tx.locktime !== ch.request.expiry) {
    throw new Error('the refund transaction does not spend this channel at its expiry');
  }
  return refund;
}

/** The record's client key must be this seed's key at the record's index: else the file is another wallet's. */
function checkOwnKey(r: ChannelRecord, ring: KeyRing): void {
  const ch = r.channel;
  const key = ring.channelKey(r.network, ch.clientKeyIndex);
  if (!equalBytes(key.publicKey, ch.request.clientPubkey) || !equalBytes(accessTokenHash(key.accessToken), ch.request.tokenHash)) {
    throw new WalletError('OTHER_WALLET', 'This backup belongs to another wallet: its channel keys do not come from this recovery phrase.');
  }
}

function spentCoin(value: unknown): SpentCoin {
  const o = obj(value, 'funding input');
  const chain = int(o.chain, 'chain', 0, 1) as 0 | 1;
  return { txid: txid(o.txid, 'input txid'), vout: int(o.vout, 'input vout', 0, 0xffffffff), value: sat(o.value, 'input value'), chain, index: int(o.index, 'input index', 0, 0x7fffffff) };
}

// ---- field readers (their errors become INVALID_BACKUP through readOrInvalid)

function obj(v: unknown, field: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${field} must be an object`);
  return v as Record<string, unknown>;
}

function list(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${field} must be a list`);
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new Error(`${field} must be a non-empty string`);
  return v;
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Error(`${field} must be a whole number from ${min} to ${max}`);
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new Error(`${field} must be true or false`);
  return v;
}

function sat(v: unknown, field: string): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(v)) throw new Error(`${field} must be satoshis as a decimal string`);
  return BigInt(v);
}

function txid(v: unknown, field: string): string {
  return bytesToHex(parseHex(v, field, 32));
}

function httpUrl(v: unknown): string {
  const s = str(v, 'endpoint');
  const protocol = new URL(s).protocol;
  if (protocol !== 'https:' && protocol !== 'http:') throw new Error('endpoint must be an http(s) URL');
  return s;
}
