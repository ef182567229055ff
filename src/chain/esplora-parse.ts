/** Checks and converts Esplora's JSON into the client's types: every field is checked, amounts become bigint. */
import { EsploraError } from './esplora-error.ts';
import type { EsploraAddressStats, EsploraOutspend, EsploraTx, EsploraTxStatus, EsploraVin, EsploraVout } from './esplora-types.ts';

const TXID = /^[0-9a-f]{64}$/;

export function enc(segment: string): string {
  return encodeURIComponent(segment);
}

export function malformed(what: string): EsploraError {
  return new EsploraError(200, '', `Esplora sent a malformed ${what}`);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown, what: string): Record<string, unknown> {
  if (!isRecord(v)) throw malformed(what);
  return v;
}

export function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw malformed(what);
  return v;
}

export function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw malformed(what);
  return v;
}

export function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw malformed(what);
  return v;
}

export function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw malformed(what);
  return v;
}

export function decimal(text: string, what: string): number {
  const t = text.trim();
  if (!/^(0|[1-9][0-9]{0,15})$/.test(t)) throw malformed(what);
  return Number(t);
}

/** JSON numbers are doubles; every satoshi amount (≤ 21e14) fits in one exactly. */
export function sats(v: unknown, what: string): bigint {
  return BigInt(uint(v, what));
}

export function txid(v: unknown, what: string): string {
  if (typeof v !== 'string' || !TXID.test(v)) throw malformed(what);
  return v;
}

export const blockHash = txid;

export function hex(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(v)) throw malformed(what);
  return v;
}

export function toStatus(v: unknown, what: string): EsploraTxStatus {
  const s = obj(v, what);
  if (!bool(s.confirmed, `${what}.confirmed`)) return { confirmed: false };
  return {
    confirmed: true,
    block_height: uint(s.block_height, `${what}.block_height`),
    block_hash: blockHash(s.block_hash, `${what}.block_hash`),
    block_time: uint(s.block_time, `${what}.block_time`),
  };
}

export function toVout(v: unknown, what: string): EsploraVout<bigint> {
  const o = obj(v, what);
  const out: EsploraVout<bigint> = {
    scriptpubkey: hex(o.scriptpubkey, `${what}.scriptpubkey`),
    scriptpubkey_type: str(o.scriptpubkey_type, `${what}.scriptpubkey_type`),
    value: sats(o.value, `${what}.value`),
  };
  if (o.scriptpubkey_address !== undefined && o.scriptpubkey_address !== null) {
    out.scriptpubkey_address = str(o.scriptpubkey_address, `${what}.scriptpubkey_address`);
  }
  return out;
}

export function toVin(v: unknown, what: string): EsploraVin<bigint> {
  const i = obj(v, what);
  const vin: EsploraVin<bigint> = {
    txid: txid(i.txid, `${what}.txid`),
    vout: uint(i.vout, `${what}.vout`),
    prevout: i.prevout === null || i.prevout === undefined ? null : toVout(i.prevout, `${what}.prevout`),
    scriptsig: hex(i.scriptsig, `${what}.scriptsig`),
    is_coinbase: bool(i.is_coinbase, `${what}.is_coinbase`),
    sequence: uint(i.sequence, `${what}.sequence`),
  };
  if (i.witness !== undefined && i.witness !== null) {
    vin.witness = arr(i.witness, `${what}.witness`).map((w) => hex(w, `${what}.witness item`));
  }
  return vin;
}

export function toTx(v: unknown): EsploraTx<bigint> {
  const t = obj(v, 'transaction');
  return {
    txid: txid(t.txid, 'txid'),
    version: uint(t.version, 'version'),
    locktime: uint(t.locktime, 'locktime'),
    vin: arr(t.vin, 'vin').map((i, n) => toVin(i, `vin ${n}`)),
    vout: arr(t.vout, 'vout').map((o, n) => toVout(o, `vout ${n}`)),
    size: uint(t.size, 'size'),
    weight: uint(t.weight, 'weight'),
    fee: sats(t.fee, 'fee'),
    status: toStatus(t.status, 'status'),
  };
}

export function toOutspend(v: unknown, what: string): EsploraOutspend {
  const o = obj(v, what);
  if (!bool(o.spent, `${what}.spent`)) return { spent: false };
  const out: EsploraOutspend = { spent: true };
  // Some servers report a spend without naming the spender; keep whatever they give.
  if (o.txid !== undefined && o.txid !== null) out.txid = txid(o.txid, `${what}.txid`);
  if (o.vin !== undefined && o.vin !== null) out.vin = uint(o.vin, `${what}.vin`);
  if (o.status !== undefined && o.status !== null) out.status = toStatus(o.status, `${what}.status`);
  return out;
}

export function toStats(v: unknown, what: string): EsploraAddressStats<bigint> {
  const s = obj(v, what);
  return {
    tx_count: uint(s.tx_count, `${what}.tx_count`),
    funded_txo_count: uint(s.funded_txo_count, `${what}.funded_txo_count`),
    funded_txo_sum: sats(s.funded_txo_sum, `${what}.funded_txo_sum`),
    spent_txo_count: uint(s.spent_txo_count, `${what}.spent_txo_count`),
    spent_txo_sum: sats(s.spent_txo_sum, `${what}.spent_txo_sum`),
  };
}
