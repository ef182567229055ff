/**
 * A client for the Esplora REST API served by mempool.space, blockstream.info and the local
 * devnet (src/devnet). It uses only `fetch`, so it runs in the browser extension as well as in
 * Node. Responses keep Esplora's field names; satoshi amounts (`value`, `fee`, `*_txo_sum`)
 * become bigint after being checked to be whole, non-negative and exact.
 */
import type { NetworkName } from '../core/network.ts';
import type {
  EsploraAddress,
  EsploraAddressStats,
  EsploraFeeEstimates,
  EsploraOutspend,
  EsploraTx,
  EsploraTxStatus,
  EsploraUtxo,
  EsploraVin,
  EsploraVout,
} from './esplora-types.ts';

export type { EsploraFeeEstimates, EsploraOutspend, EsploraTxStatus } from './esplora-types.ts';
export type Tx = EsploraTx<bigint>;
export type TxIn = EsploraVin<bigint>;
export type TxOut = EsploraVout<bigint>;
export type Utxo = EsploraUtxo<bigint>;
export type AddressInfo = EsploraAddress<bigint>;
export type AddressStats = EsploraAddressStats<bigint>;

/** Public Esplora instances per network; regtest is the devnet's default port. */
export const ESPLORA_URLS: Readonly<Record<NetworkName, string>> = {
  mainnet: 'https://mempool.space/api',
  testnet: 'https://mempool.space/testnet/api',
  signet: 'https://mempool.space/signet/api',
  regtest: 'http://127.0.0.1:3002',
};

/**
 * A failed request. `status` is the HTTP status (0 when no response arrived); `reason` is the
 * node's rejection reason when the body carries one (e.g. `non-final`, `bad-txns-inputs-missingorspent`),
 * otherwise the body text.
 */
export class EsploraError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly body: string;

  constructor(status: number, body: string, message?: string) {
    const reason = reasonFromBody(body);
    super(message ?? `Esplora HTTP ${status}: ${reason}`);
    this.name = 'EsploraError';
    this.status = status;
    this.reason = reason;
    this.body = body;
  }
}

/**
 * Esplora relays bitcoind's rejection as `sendrawtransaction RPC error: {"code":-26,"message":"non-final"}`;
 * the reason is that message. Other bodies are already plain reasons.
 */
function reasonFromBody(body: string): string {
  const json = body.indexOf('{');
  if (json >= 0) {
    try {
      const parsed: unknown = JSON.parse(body.slice(json));
      if (isRecord(parsed) && typeof parsed.message === 'string') return parsed.message;
    } catch {
      // not JSON after all: fall through to the raw text
    }
  }
  return body.trim().slice(0, 500);
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface EsploraClientOptions {
  /** Gives up on a request after this long; default 20 s. */
  timeoutMs?: number;
}

const TXID = /^[0-9a-f]{64}$/;

export class EsploraClient {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;

  // The default calls fetch as a plain function: a browser throws "Illegal invocation" when
  // window.fetch is called as a method of another object.
  constructor(
    baseUrl: string,
    fetchImpl: FetchLike = (input, init) => globalThis.fetch(input, init),
    options: EsploraClientOptions = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.fetchImpl = fetchImpl;
    this.timeoutMs = options.timeoutMs ?? 20_000;
  }

  async getAddress(address: string): Promise<AddressInfo> {
    const v = obj(await this.getJson(`/address/${enc(address)}`), 'address');
    return {
      address: str(v.address, 'address'),
      chain_stats: toStats(v.chain_stats, 'chain_stats'),
      mempool_stats: toStats(v.mempool_stats, 'mempool_stats'),
    };
  }

  async getAddressUtxos(address: string): Promise<Utxo[]> {
    return arr(await this.getJson(`/address/${enc(address)}/utxo`), 'utxos').map((u, i) => {
      const v = obj(u, `utxo ${i}`);
      return {
        txid: txid(v.txid, 'utxo txid'),
        vout: uint(v.vout, 'utxo vout'),
        value: sats(v.value, 'utxo value'),
        status: toStatus(v.status, 'utxo status'),
      };
    });
  }

  /** Newest first: up to 50 unconfirmed, then the 25 most recent confirmed transactions. */
  async getAddressTxs(address: string): Promise<Tx[]> {
    return arr(await this.getJson(`/address/${enc(address)}/txs`), 'txs').map((t) => toTx(t));
  }

  async getTx(txidHex: string): Promise<Tx> {
    return toTx(await this.getJson(`/tx/${enc(txidHex)}`));
  }

  async getTxHex(txidHex: string): Promise<string> {
    const hex = (await this.getText(`/tx/${enc(txidHex)}/hex`)).trim();
    if (!/^(?:[0-9a-f]{2})+$/.test(hex)) throw malformed('transaction hex');
    return hex;
  }

  /** An unknown txid reads as `{ confirmed: false }`, as on Esplora. */
  async getTxStatus(txidHex: string): Promise<EsploraTxStatus> {
    return toStatus(await this.getJson(`/tx/${enc(txidHex)}/status`), 'status');
  }

  async getOutspend(txidHex: string, vout: number): Promise<EsploraOutspend> {
    return toOutspend(await this.getJson(`/tx/${enc(txidHex)}/outspend/${vout}`), 'outspend');
  }

  async getOutspends(txidHex: string): Promise<EsploraOutspend[]> {
    return arr(await this.getJson(`/tx/${enc(txidHex)}/outspends`), 'outspends').map((o, i) =>
      toOutspend(o, `outspend ${i}`),
    );
  }

  /** Broadcasts a raw transaction; resolves its txid or throws EsploraError with the node's reason. */
  async broadcast(hex: string): Promise<string> {
    return txid((await this.request('/tx', { method: 'POST', body: hex })).trim(), 'broadcast result');
  }

  async getTipHeight(): Promise<number> {
    return uint(decimal(await this.getText('/blocks/tip/height'), 'tip height'), 'tip height');
  }

  async getTipHash(): Promise<string> {
    return blockHash((await this.getText('/blocks/tip/hash')).trim(), 'tip hash');
  }

  async getBlockHash(height: number): Promise<string> {
    return blockHash((await this.getText(`/block-height/${height}`)).trim(), 'block hash');
  }

  async getFeeEstimates(): Promise<EsploraFeeEstimates> {
    const v = obj(await this.getJson('/fee-estimates'), 'fee estimates');
    const out: EsploraFeeEstimates = {};
    for (const [target, rate] of Object.entries(v)) {
      if (!/^[1-9][0-9]*$/.test(target) || typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
        throw malformed(`fee estimate for ${target.slice(0, 20)}`);
      }
      out[target] = rate;
    }
    return out;
  }

  private async getJson(path: string): Promise<unknown> {
    const text = await this.getText(path);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw malformed(`JSON from ${path}`);
    }
  }

  private getText(path: string): Promise<string> {
    return this.request(path, { method: 'GET' });
  }

  private async request(path: string, init: RequestInit): Promise<string> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.baseUrl + path, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new EsploraError(0, '', `Esplora request ${path} failed: ${(err as Error).message}`);
    }
    const body = await res.text();
    if (!res.ok) throw new EsploraError(res.status, body);
    return body;
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function malformed(what: string): EsploraError {
  return new EsploraError(200, '', `Esplora sent a malformed ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (!isRecord(v)) throw malformed(what);
  return v;
}

function arr(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw malformed(what);
  return v;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw malformed(what);
  return v;
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw malformed(what);
  return v;
}

function uint(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw malformed(what);
  return v;
}

function decimal(text: string, what: string): number {
  const t = text.trim();
  if (!/^(0|[1-9][0-9]{0,15})$/.test(t)) throw malformed(what);
  return Number(t);
}

/** JSON numbers are doubles; every satoshi amount (≤ 21e14) fits in one exactly. */
function sats(v: unknown, what: string): bigint {
  return BigInt(uint(v, what));
}

function txid(v: unknown, what: string): string {
  if (typeof v !== 'string' || !TXID.test(v)) throw malformed(what);
  return v;
}

const blockHash = txid;

function hex(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(v)) throw malformed(what);
  return v;
}

function toStatus(v: unknown, what: string): EsploraTxStatus {
  const s = obj(v, what);
  if (!bool(s.confirmed, `${what}.confirmed`)) return { confirmed: false };
  return {
    confirmed: true,
    block_height: uint(s.block_height, `${what}.block_height`),
    block_hash: blockHash(s.block_hash, `${what}.block_hash`),
    block_time: uint(s.block_time, `${what}.block_time`),
  };
}

function toVout(v: unknown, what: string): TxOut {
  const o = obj(v, what);
  const out: TxOut = {
    scriptpubkey: hex(o.scriptpubkey, `${what}.scriptpubkey`),
    scriptpubkey_type: str(o.scriptpubkey_type, `${what}.scriptpubkey_type`),
    value: sats(o.value, `${what}.value`),
  };
  if (o.scriptpubkey_address !== undefined && o.scriptpubkey_address !== null) {
    out.scriptpubkey_address = str(o.scriptpubkey_address, `${what}.scriptpubkey_address`);
  }
  return out;
}

function toVin(v: unknown, what: string): TxIn {
  const i = obj(v, what);
  const vin: TxIn = {
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

function toTx(v: unknown): Tx {
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

function toOutspend(v: unknown, what: string): EsploraOutspend {
  const o = obj(v, what);
  if (!bool(o.spent, `${what}.spent`)) return { spent: false };
  const out: EsploraOutspend = { spent: true };
  // Some servers report a spend without naming the spender; keep whatever they give.
  if (o.txid !== undefined && o.txid !== null) out.txid = txid(o.txid, `${what}.txid`);
  if (o.vin !== undefined && o.vin !== null) out.vin = uint(o.vin, `${what}.vin`);
  if (o.status !== undefined && o.status !== null) out.status = toStatus(o.status, `${what}.status`);
  return out;
}

function toStats(v: unknown, what: string): AddressStats {
  const s = obj(v, what);
  return {
    tx_count: uint(s.tx_count, `${what}.tx_count`),
    funded_txo_count: uint(s.funded_txo_count, `${what}.funded_txo_count`),
    funded_txo_sum: sats(s.funded_txo_sum, `${what}.funded_txo_sum`),
    spent_txo_count: uint(s.spent_txo_count, `${what}.spent_txo_count`),
    spent_txo_sum: sats(s.spent_txo_sum, `${what}.spent_txo_sum`),
  };
}
