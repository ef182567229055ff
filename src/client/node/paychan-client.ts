/**
 * A fetch for programs that answers Paychan 402 challenges by paying from a channel, within the
 * caps the caller sets per host (caps.ts). The channel work is the client engine's, as in the
 * extension: every signature is stored (SQLite, one transaction with its channel) before it is
 * sent, and a process killed at any point picks its channels up where the file says they are.
 */
import { CREDENTIAL_HEADER, parseChallenge, RECEIPT_HEADER, type Challenge } from '../../core/http-binding.ts';
import type { FetchLike } from '../../chain/esplora.ts';
import { UnreachableError, WalletError } from '../lib/errors.ts';
import type { ChannelRecord } from '../storage/records.ts';
import { BudgetLedger, CapExceeded, DEFAULT_CAPS, type HostCaps } from './caps.ts';
import { openWalletFile, type WalletFileOptions, type WalletFile } from './wallet-file.ts';

export interface PaychanClientOptions extends WalletFileOptions {
  /** Unlocks the wallet file's vault. */
  password: string;
  /** Caps for every host without its own entry in `hosts` (defaults: DEFAULT_CAPS). */
  caps?: Partial<HostCaps>;
  /** Caps per host (`api.example:8443`), over `caps`. */
  hosts?: Record<string, Partial<HostCaps>>;
  /** For the content requests themselves (default: global fetch). */
  fetch?: FetchLike;
}

export type PaychanFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Opens the wallet file and unlocks it: WalletError NO_WALLET or WRONG_PASSWORD otherwise. */
export async function openPaychanClient(opts: PaychanClientOptions): Promise<PaychanClient> {
  const file = openWalletFile(opts);
  try {
    await file.engine.session.unlock(opts.password);
  } catch (err) {
    file.close();
    throw err;
  }
  return new PaychanClient(file, opts);
}

export class PaychanClient {
  /** The credential last paid for, per origin: sent up front, so a call with credit is one round trip. */
  private readonly credentials = new Map<string, string>();
  /** The channel API each origin's credential belongs to, from its challenge. */
  private readonly endpoints = new Map<string, string>();
  private readonly ledger: BudgetLedger;
  /** Receipts being recorded, in order, after their responses were handed over. */
  private receipts: Promise<unknown> = Promise.resolve();
  private readonly send: FetchLike;
  readonly fetch: PaychanFetch = (input, init) => this.request(new URL(String(input)), init);

  constructor(
    readonly file: WalletFile,
    private readonly opts: PaychanClientOptions,
  ) {
    this.ledger = new BudgetLedger(file.store);
    this.send = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  get engine() {
    return this.file.engine;
  }

  capsFor(host: string): HostCaps {
    return { ...DEFAULT_CAPS, ...this.opts.caps, ...this.opts.hosts?.[host] };
  }

  /** What the host's current period has committed (sats). */
  async committed(host: string): Promise<bigint> {
    return (await this.ledger.current(host, this.capsFor(host), this.engine.clock.now(), async () => 0n)).committed;
  }

  /** Resolves once every receipt handed over so far is recorded in the wallet file. */
  async flush(): Promise<void> {
    await this.receipts;
  }

  /** Records the outstanding receipts, then closes the wallet file. */
  async close(): Promise<void> {
    await this.flush();
    this.file.close();
  }

  private async request(url: URL, init: RequestInit = {}): Promise<Response> {
    // A streamed body could be read only once; the paid retry sends it again.
    const body = init.body instanceof ReadableStream ? await new Response(init.body).arrayBuffer() : init.body;
    const attempt = (credential: string | undefined) => {
      const headers = new Headers(init.headers);
      if (credential) headers.set(CREDENTIAL_HEADER, credential);
      return this.send(url.href, { ...init, headers, ...(body !== undefined ? { body } : {}) }).catch((err: unknown) => {
        throw new UnreachableError(`${url.origin} cannot be reached: ${(err as Error).message}`);
      });
    };
    const held = this.credentials.get(url.origin);
    // A credential spends credit earlier periods approved: a period that ends is rolled before the
    // request, so the credit still unused then counts against the new period's budget.
    const endpoint = this.endpoints.get(url.origin);
    if (held && endpoint) await this.rollPeriod(url.host, endpoint);
    let res = await attempt(held);
    const header = res.status === 402 ? paychanChallenge(res) : null;
    if (header) {
      await res.body?.cancel();
      const authorization = await this.pay(url, header.value, header.challenge);
      this.credentials.set(url.origin, authorization);
      this.endpoints.set(url.origin, header.challenge.endpoint);
      res = await attempt(authorization);
    }
    const receipt = res.headers.get(RECEIPT_HEADER);
    // Off the call's critical path, as the extension's receipt queue: what a receipt says (paid,
    // spent) is the server's to repeat, and a payment on this channel waits for it anyway (the
    // engine's endpoint lock), so the books a payment reads are never behind.
    if (receipt) this.receipts = this.receipts.then(() => this.engine.channels.receipt(receipt, url.href)).catch(() => null);
    return res;
  }

  /** Pays for one item within the host's caps; answers the credential to send. */
  private async pay(url: URL, header: string, challenge: Challenge): Promise<string> {
    const host = url.host;
    const caps = this.capsFor(host);
    if (challenge.price > caps.maxPrice) {
      throw new CapExceeded('maxPrice', host, caps.maxPrice, `${url.href} costs ${challenge.price} sat, above the ${caps.maxPrice} sat max price for ${host}`);
    }
    const engine = this.engine;
    return engine.mutex.run(`caps:${host}`, async () => {
      await engine.session.touch();
      const period = await this.ledger.current(host, caps, engine.clock.now(), () => this.unusedCredit(challenge.endpoint));
      const room = caps.budget > period.committed ? caps.budget - period.committed : 0n;
      const overBudget = () =>
        new CapExceeded('budget', host, caps.budget, `paying ${host} ${challenge.price} sat more would pass its ${caps.budget} sat budget for the period (${period.committed} sat committed)`);
      // No room may still pay: what earlier periods approved on an open channel is the engine's
      // to use (it answers APPROVAL_REQUIRED when that is used up too); a new period counts it.
      const before = await this.endpointChannels(challenge.endpoint);
      // The whole room is counted first: a process killed mid-payment has committed at most that.
      await this.ledger.set(host, { start: period.start, committed: caps.budget });
      try {
        const result = await engine.channels.pay(url.href, header, { limit: room, maxNewDeposit: caps.maxDeposit });
        await this.ledger.set(host, { start: period.start, committed: period.committed + BigInt(result.approved) + BigInt(result.fees) });
        return result.authorization;
      } catch (err) {
        const after = await this.endpointChannels(challenge.endpoint);
        const opened = after.some((r) => !r.abandoned && r.channel.funding && !before.some((b) => b.id === r.id));
        // A channel opened before the failure spent fees we cannot measure here: keep the room counted.
        if (!opened) await this.ledger.set(host, { start: period.start, committed: period.committed + approvedSum(after) - approvedSum(before) });
        if (err instanceof WalletError && err.code === 'APPROVAL_REQUIRED') throw overBudget();
        if (err instanceof WalletError && err.code === 'NEW_CHANNEL_APPROVAL') {
          throw new CapExceeded('maxDeposit', host, caps.maxDeposit, `${err.message} (max deposit for ${host}: ${caps.maxDeposit} sat)`);
        }
        throw err;
      }
    });
  }

  private rollPeriod(host: string, endpoint: string): Promise<void> {
    const engine = this.engine;
    return engine.mutex.run(`caps:${host}`, () => this.ledger.roll(host, this.capsFor(host), engine.clock.now(), () => this.unusedCredit(endpoint)));
  }

  /** Approved on the endpoint's channels that still lock coins, not yet used by an item. */
  private async unusedCredit(endpoint: string): Promise<bigint> {
    let total = 0n;
    for (const r of await this.endpointChannels(endpoint)) {
      const c = r.channel;
      if (!r.abandoned && CARRYING_STATES.includes(c.state) && c.approved > c.spent) total += c.approved - c.spent;
    }
    return total;
  }

  private async endpointChannels(endpoint: string): Promise<ChannelRecord[]> {
    return this.file.store.channelsFor(endpoint);
  }
}

const CARRYING_STATES: readonly ChannelRecord['channel']['state'][] = ['funding', 'open', 'closing'];

function approvedSum(records: ChannelRecord[]): bigint {
  return records.reduce((sum, r) => sum + (r.abandoned ? 0n : r.channel.approved), 0n);
}

/** The Paychan challenge of a 402, if it carries one (another scheme's 402 is the caller's). */
function paychanChallenge(res: Response): { value: string; challenge: Challenge } | null {
  const value = res.headers.get('www-authenticate');
  if (!value) return null;
  try {
    const challenge = parseChallenge(value);
    return challenge ? { value, challenge } : null;
  } catch {
    return null;
  }
}
