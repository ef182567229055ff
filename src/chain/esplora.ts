/**
 * A client for the Esplora REST API served by mempool.space, blockstream.info and the local
 * devnet (src/devnet). It uses only `fetch`, so it runs in the browser extension as well as in
 * Node. Responses keep Esplora's field names; satoshi amounts (`value`, `fee`, `*_txo_sum`)
 * become bigint after being checked to be whole, non-negative and exact.
 *
 * Public servers rate-limit, so every request goes through its host's budget
 * (request-budget.ts), a request the server could not answer now (429, 5xx, no answer) is
 * retried after its `Retry-After` or a backoff, and what cannot change is asked once: a
 * confirmed transaction, an output spent by a confirmed transaction.
 */
import { Transaction } from 'bitcoinjs-lib';
import { classifyBroadcastError } from './broadcast-verdict.ts';
import { EsploraError } from './esplora-error.ts';
import { arr, blockHash, decimal, enc, malformed, obj, sats, str, toOutspend, toStats, toStatus, toTx, txid, uint } from './esplora-parse.ts';
import type { EsploraAddress, EsploraAddressStats, EsploraFeeEstimates, EsploraOutspend, EsploraTx, EsploraTxStatus, EsploraUtxo, EsploraVin, EsploraVout } from './esplora-types.ts';
import { parseEsploraFees, parseMempoolFees, type FeeRates, type FeeSource } from './fee-rates.ts';
import { backoffMs, budgetFor, realSleep, retryAfterMs, type BudgetLimits, type HostBudget, type Sleep } from './request-budget.ts';

export { EsploraError } from './esplora-error.ts';
export type { EsploraFeeEstimates, EsploraOutspend, EsploraTxStatus } from './esplora-types.ts';
export type Tx = EsploraTx<bigint>;
export type TxIn = EsploraVin<bigint>;
export type TxOut = EsploraVout<bigint>;
export type Utxo = EsploraUtxo<bigint>;
export type AddressInfo = EsploraAddress<bigint>;
export type AddressStats = EsploraAddressStats<bigint>;

export { ESPLORA_URLS } from './esplora-urls.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface EsploraClientOptions {
  /** Gives up on one attempt after this long; default 20 s. */
  timeoutMs?: number;
  /** Attempts after the first for a request the server failed (5xx, no answer); default 3. */
  retries?: number;
  /**
   * Attempts after the first for a request the server rate-limited (429); default 8. Public
   * servers throttle as a matter of course, and a wallet sync asks a hundred questions: with 3,
   * a server refusing a quarter of requests at random failed one sync in six (measured on the
   * devnet, 5 of 30); with 8, about one in 3,000.
   */
  rateLimitRetries?: number;
  /** First backoff when the server names no `Retry-After`; doubles per attempt, with jitter. Default 500 ms. */
  backoffMs?: number;
  /** A `Retry-After` longer than this is not waited out: the error goes to the caller. Default 60 s. */
  maxRetryWaitMs?: number;
  /** The host's request budget; default: the one shared by every client of that host. */
  budget?: HostBudget;
  /** Limits for the shared budget when this client is the first of its host. */
  limits?: BudgetLimits;
  sleep?: Sleep;
}

/** Answers that may be different a moment later: rate limits, overload, lost answers. */
const RETRYABLE = new Set([0, 429, 500, 502, 503, 504]);
/** Page sizes of address history: mempool's electrs pages 50 at a time, Blockstream's 25 confirmed. */
const MEMPOOL_PAGE = 50;
const CHAIN_PAGE = 25;
/** Enough for 10,000 transactions on one address; a wallet address with more is not ours to page through. */
const MAX_PAGES = 400;
const CACHE_ENTRIES = 5_000;
/** electrs refuses `/utxo` for an address with more than 500 coins. */
const TOO_MANY_UTXOS = /too many (unspent transaction outputs|utxos|history)/i;

export class EsploraClient {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxRetryWaitMs: number;
  private readonly rateLimitRetries: number;
  private readonly budget: HostBudget;
  private readonly sleep: Sleep;
  /** What kind of server this is, once asked (see getFeeRates). */
  private kind: Promise<FeeSource> | null = null;
  private readonly confirmedTxs = new BoundedCache<Tx>(CACHE_ENTRIES);
  private readonly settledSpends = new BoundedCache<EsploraOutspend>(CACHE_ENTRIES);

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
    this.retries = options.retries ?? 3;
    this.rateLimitRetries = options.rateLimitRetries ?? 8;
    this.backoffMs = options.backoffMs ?? 500;
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 60_000;
    this.budget = options.budget ?? budgetFor(this.baseUrl, options.limits);
    this.sleep = options.sleep ?? realSleep;
  }

  async getAddress(address: string): Promise<AddressInfo> {
    const v = obj(await this.getJson(`/address/${enc(address)}`), 'address');
    return {
      address: str(v.address, 'address'),
      chain_stats: toStats(v.chain_stats, 'chain_stats'),
      mempool_stats: toStats(v.mempool_stats, 'mempool_stats'),
    };
  }

  /**
   * The address's unspent outputs. electrs refuses the list for an address with more than 500
   * of them (400 "Too many unspent transaction outputs (>500)"); they are then read from the
   * address's whole history instead.
   */
  async getAddressUtxos(address: string): Promise<Utxo[]> {
    let list: unknown;
    try {
      list = await this.getJson(`/address/${enc(address)}/utxo`);
    } catch (err) {
      if (err instanceof EsploraError && err.status === 400 && TOO_MANY_UTXOS.test(err.body)) return this.utxosFromHistory(address);
      throw err;
    }
    return arr(list, 'utxos').map((u, i) => {
      const v = obj(u, `utxo ${i}`);
      return {
        txid: txid(v.txid, 'utxo txid'),
        vout: uint(v.vout, 'utxo vout'),
        value: sats(v.value, 'utxo value'),
        status: toStatus(v.status, 'utxo status'),
      };
    });
  }

  /**
   * Every transaction of the address, newest first (unconfirmed ones first). Paged as the
   * server pages: mempool's electrs 50 at a time with `?after_txid=`, Blockstream's 50
   * unconfirmed and 25 confirmed, then 25 more confirmed per `/txs/chain/:last_seen_txid`.
   */
  async getAddressTxs(address: string): Promise<Tx[]> {
    const base = `/address/${enc(address)}/txs`;
    const mempoolPaging = (await this.serverKind()) === 'mempool';
    const all: Tx[] = [];
    let page = this.txList(await this.getJson(base));
    for (let n = 0; ; n++) {
      all.push(...page);
      const confirmed = page.filter((t) => t.status.confirmed);
      const full = mempoolPaging ? page.length >= MEMPOOL_PAGE : confirmed.length >= CHAIN_PAGE;
      if (!full || n >= MAX_PAGES) break;
      const last = mempoolPaging ? page[page.length - 1]! : confirmed[confirmed.length - 1]!;
      page = this.txList(await this.getJson(mempoolPaging ? `${base}?after_txid=${last.txid}` : `${base}/chain/${last.txid}`));
    }
    const seen = new Set<string>();
    return all.filter((t) => !seen.has(t.txid) && seen.add(t.txid));
  }

  async getTx(txidHex: string): Promise<Tx> {
    const cached = this.confirmedTxs.get(txidHex);
    if (cached) return cached;
    const tx = toTx(await this.getJson(`/tx/${enc(txidHex)}`));
    this.remember(tx);
    return tx;
  }

  async getTxHex(txidHex: string): Promise<string> {
    const hex = (await this.getText(`/tx/${enc(txidHex)}/hex`)).trim();
    if (!/^(?:[0-9a-f]{2})+$/.test(hex)) throw malformed('transaction hex');
    return hex;
  }

  /** An unknown txid reads as `{ confirmed: false }`, as on Esplora. */
  async getTxStatus(txidHex: string): Promise<EsploraTxStatus> {
    const cached = this.confirmedTxs.get(txidHex);
    if (cached) return cached.status;
    return toStatus(await this.getJson(`/tx/${enc(txidHex)}/status`), 'status');
  }

  async getOutspend(txidHex: string, vout: number): Promise<EsploraOutspend> {
    const key = `${txidHex}:${vout}`;
    const cached = this.settledSpends.get(key);
    if (cached) return cached;
    const spend = toOutspend(await this.getJson(`/tx/${enc(txidHex)}/outspend/${vout}`), 'outspend');
    if (spend.spent && spend.status?.confirmed) this.settledSpends.set(key, spend);
    return spend;
  }

  async getOutspends(txidHex: string): Promise<EsploraOutspend[]> {
    return arr(await this.getJson(`/tx/${enc(txidHex)}/outspends`), 'outspends').map((o, i) =>
      toOutspend(o, `outspend ${i}`),
    );
  }

  /**
   * Broadcasts a raw transaction and resolves its txid, or throws an EsploraError: with the
   * node's verdict (400 `sendrawtransaction RPC error: …`), or "unavailable" (see
   * broadcast-verdict.ts). An answer that carries no verdict may have been lost on its way back
   * after the node took the transaction, so the chain is asked before giving up: a transaction
   * the server knows counts as sent.
   */
  async broadcast(hex: string): Promise<string> {
    try {
      return txid((await this.request('/tx', { method: 'POST', body: hex })).trim(), 'broadcast result');
    } catch (err) {
      if (classifyBroadcastError(err) !== 'unavailable') throw err;
      const id = txidOfHex(hex);
      if (id === null) throw err;
      const known = await this.getTx(id).then(
        () => true,
        () => false,
      );
      if (known) return id;
      throw err;
    }
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

  /** The time in a block's header (seconds since the epoch), from `/block/:hash`. */
  async getBlockTime(hash: string): Promise<number> {
    return uint(obj(await this.getJson(`/block/${enc(blockHash(hash, 'block hash'))}`), 'block').timestamp, 'block timestamp');
  }

  /** Esplora's own `/fee-estimates` table, as the server sends it (sat/vB). */
  async getFeeEstimates(): Promise<EsploraFeeEstimates> {
    const rates = parseEsploraFees(await this.getJson('/fee-estimates'));
    return Object.fromEntries(rates.byTarget.map(([t, r]) => [String(t), Number(r) / 1000]));
  }

  /** Fee rates from the endpoint this server has: mempool's `/v1/fees/precise`, else Esplora's `/fee-estimates`. */
  async getFeeRates(): Promise<FeeRates> {
    if ((await this.serverKind()) === 'mempool') return parseMempoolFees(await this.getJson('/v1/fees/precise'));
    return parseEsploraFees(await this.getJson('/fee-estimates'));
  }

  /**
   * mempool's backend or Blockstream's electrs, asked once per client: mempool answers
   * `GET /v1/fees/precise`, Blockstream's electrs (and the devnet unless told to play mempool)
   * answers 404. An error other than 404 is not remembered, so the next call asks again.
   */
  serverKind(): Promise<FeeSource> {
    this.kind ??= this.getText('/v1/fees/precise').then(
      (): FeeSource => 'mempool',
      (err: unknown): FeeSource => {
        if (err instanceof EsploraError && err.status === 404) return 'esplora';
        this.kind = null;
        throw err;
      },
    );
    return this.kind;
  }

  /** Unspent outputs of an address read from its history: what paid it and nothing there spent. */
  private async utxosFromHistory(address: string): Promise<Utxo[]> {
    const history = await this.getAddressTxs(address);
    const spent = new Set(history.flatMap((t) => t.vin.map((i) => `${i.txid}:${i.vout}`)));
    const out: Utxo[] = [];
    for (const t of history) {
      t.vout.forEach((o, vout) => {
        if (o.scriptpubkey_address === address && !spent.has(`${t.txid}:${vout}`)) out.push({ txid: t.txid, vout, value: o.value, status: t.status });
      });
    }
    return out;
  }

  private txList(v: unknown): Tx[] {
    return arr(v, 'txs').map((t) => {
      const tx = toTx(t);
      this.remember(tx);
      return tx;
    });
  }

  private remember(tx: Tx): void {
    if (tx.status.confirmed) this.confirmedTxs.set(tx.txid, tx);
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

  /**
   * One request within the host's budget, tried again while the server could not answer it
   * now: after its `Retry-After` (which holds back every request to that host), or after a
   * growing, jittered backoff when it named no time.
   */
  private async request(path: string, init: RequestInit): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      let failure: EsploraError;
      try {
        return await this.budget.run(() => this.attempt(path, init));
      } catch (err) {
        if (!(err instanceof EsploraError)) throw err;
        failure = err;
      }
      if (!RETRYABLE.has(failure.status)) throw failure;
      if (attempt >= (failure.status === 429 ? this.rateLimitRetries : this.retries)) throw failure;
      const wait = failure.retryAfterMs ?? backoffMs(attempt, this.backoffMs);
      if (wait > this.maxRetryWaitMs) throw failure;
      if (failure.retryAfterMs !== null) this.budget.pause(wait);
      else await this.sleep(wait);
    }
  }

  private async attempt(path: string, init: RequestInit): Promise<string> {
    let res: Response;
    let body: string;
    try {
      res = await this.fetchImpl(this.baseUrl + path, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      body = await res.text();
    } catch (err) {
      throw new EsploraError(0, '', `Esplora request ${path} failed: ${(err as Error).message}`);
    }
    if (!res.ok) throw new EsploraError(res.status, body, undefined, retryAfterMs(res.headers.get('retry-after')));
    return body;
  }
}

function txidOfHex(hex: string): string | null {
  try {
    return Transaction.fromHex(hex).getId();
  } catch {
    return null;
  }
}

/** A map that forgets its oldest entries past `limit`. */
class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
  }
}
