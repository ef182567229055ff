/**
 * Test rig for the background: fake-indexeddb stands in for the browser's IndexedDB, an
 * in-memory map for storage.session and manual alarms for browser.alarms. A "service worker
 * restart" is a new background over the same database and session; a "browser restart" also
 * gets a fresh session.
 */
import 'fake-indexeddb/auto';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FetchLike } from '../../src/chain/esplora.ts';
import { createBackground, type Background } from '../../src/extension/background/background.ts';
import { ManualAlarms, systemClock, type Clock } from '../../src/client/lib/clock.ts';
import { MemorySessionStore } from '../../src/client/session/session.ts';
import { openPaychanDb, type Db } from '../../src/extension/background/storage/db.ts';
import type { MessageType, RequestOf, ResponseOf } from '../../src/extension/shared/messages.ts';
import { CREDENTIAL_HEADER } from '../../src/core/http-binding.ts';
import { KeyedMutex } from '../../src/client/lib/mutex.ts';
import { Approvals } from '../../src/extension/background/paywall/approvals.ts';
import { BudgetService } from '../../src/extension/background/paywall/budget.ts';
import { detectChallenge, detectReceipt, type HeaderLike } from '../../src/extension/background/paywall/challenge.ts';
import { CredentialRules, FakeDnr } from '../../src/extension/background/paywall/credentials.ts';
import { siteOf } from '../../src/extension/background/paywall/policy.ts';
import { PaywallService } from '../../src/extension/background/paywall/service.ts';
import { openPaywallStore } from '../../src/extension/background/paywall/store.ts';
import { BackgroundTopUp, receiptSeen, type TopUpOutcome } from '../../src/extension/background/paywall/topup.ts';
import { walletPortFromMessages } from '../../src/extension/background/paywall/wallet-port.ts';

let dbCounter = 0;
export function freshDbName(): string {
  return `paychan-test-${process.pid}-${++dbCounter}-${Math.random().toString(36).slice(2)}`;
}

export interface Rig {
  bg: Background;
  db: Db;
  dbName: string;
  session: MemorySessionStore;
  alarms: ManualAlarms;
  /** Calls the router as the popup would and unwraps the envelope (throws on error). */
  call<T extends MessageType>(type: T, payload: RequestOf<T>): Promise<ResponseOf<T>>;
  /** Same, but answers the envelope. */
  raw<T extends MessageType>(type: T, payload: RequestOf<T>, fromExtensionPage?: boolean): Promise<{ ok: boolean; data?: unknown; error?: { code: string; message: string } }>;
}

export interface RigOptions {
  dbName?: string;
  session?: MemorySessionStore;
  clock?: Clock;
  chainFetch?: FetchLike;
  apiFetch?: FetchLike;
  start?: boolean;
}

export async function makeRig(opts: RigOptions = {}): Promise<Rig> {
  const dbName = opts.dbName ?? freshDbName();
  const db = await openPaychanDb(dbName);
  const session = opts.session ?? new MemorySessionStore();
  const alarms = new ManualAlarms();
  const bg = createBackground({
    db,
    session,
    alarms,
    clock: opts.clock ?? systemClock,
    ...(opts.chainFetch ? { chainFetch: opts.chainFetch } : {}),
    ...(opts.apiFetch ? { apiFetch: opts.apiFetch } : {}),
  });
  if (opts.start !== false) await bg.start();
  const raw = async <T extends MessageType>(type: T, payload: RequestOf<T>, fromExtensionPage = true) =>
    (await bg.router({ type, payload }, { fromExtensionPage })) as { ok: boolean; data?: unknown; error?: { code: string; message: string } };
  const call = async <T extends MessageType>(type: T, payload: RequestOf<T>): Promise<ResponseOf<T>> => {
    const env = await raw(type, payload);
    if (!env.ok) {
      const e = new Error(`${type}: ${env.error!.code}: ${env.error!.message}`) as Error & { code?: string };
      e.code = env.error!.code;
      throw e;
    }
    return env.data as ResponseOf<T>;
  };
  return { bg, db, dbName, session, alarms, call, raw };
}

/** The service worker died: drop every in-memory object, keep IndexedDB (and storage.session). */
export async function restart(rig: Rig, opts: Omit<RigOptions, 'dbName' | 'session'> & { browserRestart?: boolean } = {}): Promise<Rig> {
  rig.db.close();
  return makeRig({ ...opts, dbName: rig.dbName, session: opts.browserRestart ? new MemorySessionStore() : rig.session });
}

export class FakeClock implements Clock {
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** The standard BIP84 test mnemonic. */
export const TEST_MNEMONIC = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
export const PASSWORD = 'correct horse battery staple';

// ---- the real merchant server on the devnet

export interface MerchantRig {
  url: string;
  server: Server;
  paychan: import('../../src/server/paychan.ts').Paychan;
  dir: string;
  stop(): Promise<void>;
}

export async function startMerchant(esploraUrl: string, opts: { price?: bigint; minExpiryBlocks?: number; maxExpiryBlocks?: number; settleMarginBlocks?: number; dbPath?: string; seed?: Uint8Array; paymentRateLimit?: number } = {}): Promise<MerchantRig> {
  const { createPaychan, silentLogger } = await import('../../src/server/index.ts');
  const dir = opts.dbPath ? '' : mkdtempSync(join(tmpdir(), 'paychan-ext-'));
  const paychan = await createPaychan({
    config: {
      network: 'regtest',
      esploraUrl,
      dbPath: opts.dbPath ?? join(dir, 'server.db'),
      seedFile: null,
      logLevel: 'error',
      tipCacheMs: 0,
      settleMarginBlocks: opts.settleMarginBlocks ?? 36,
      terms: { minExpiryBlocks: opts.minExpiryBlocks ?? 144, maxExpiryBlocks: opts.maxExpiryBlocks ?? 4032 },
      ...(opts.paymentRateLimit !== undefined ? { paymentRateLimit: opts.paymentRateLimit } : {}),
    },
    seed: opts.seed ?? randomBytes(32),
    logger: silentLogger,
  });
  paychan.route('/articles/*', opts.price ?? 10n);
  const server = paychan.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`content of ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    paychan,
    dir,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await paychan.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * What the 402 detection (issue 6) will do for a page: request, and on a 402 ask the background
 * to pay, retry with the credential, and report the receipt.
 */
export async function fetchPaid(rig: Rig, url: string): Promise<{ status: number; body: string; receipt: string | null }> {
  const first = await fetch(url);
  if (first.status !== 402) return { status: first.status, body: await first.text(), receipt: first.headers.get('paychan-receipt') };
  await first.arrayBuffer();
  const challenge = first.headers.get('www-authenticate')!;
  const paid = await rig.call('pay', { url, challenge });
  const res = await fetch(url, { headers: { authorization: paid.authorization } });
  const receipt = res.headers.get('paychan-receipt');
  if (receipt) await rig.call('pay.receipt', { receipt, url });
  return { status: res.status, body: await res.text(), receipt };
}

/** A wallet with `sats` confirmed on the devnet and, optionally, an allowance for `endpoint`. */
export async function fundedRig(d: import('../../src/devnet/index.ts').Devnet, sats: bigint, endpoint: string | null, allowance = '20000'): Promise<Rig> {
  const rig = await makeRig();
  await rig.call('settings.set', { esploraUrls: { regtest: d.url } });
  const { mnemonic } = await rig.call('wallet.generate', undefined);
  await rig.call('wallet.create', { mnemonic, password: PASSWORD, network: 'regtest' });
  await d.faucet((await rig.call('wallet.receiveAddress', undefined)).address, sats);
  await d.mine(1);
  if (endpoint) await rig.call('sites.allow', { endpoint, allowance });
  return rig;
}


export interface PaywallRig {
  budget: BudgetService;
  credentials: CredentialRules;
  /** Notifications the paywall showed. */
  notes: string[];
  /**
   * What the browser does for a page's fetch: the site's credential rule is attached, a Paychan
   * 402 is paid by the paywall and the request retried, and the receipt goes to the background
   * top-up as webRequest hands it over (awaited here, so each step is deterministic).
   */
  browse(url: string): Promise<{ status: number; body: string; paid: boolean; topUp: TopUpOutcome | null }>;
}

/**
 * The paywall over a rig, wired as background/index.ts wires it minus the browser: its own
 * database (fake-indexeddb), declarativeNetRequest rules in memory, the wallet reached through
 * the background's router as a trusted caller. No approval window can open, so anything that
 * needs one is denied: give the site an auto-pay policy first.
 */
export async function withPaywall(rig: Rig): Promise<PaywallRig> {
  const clock = systemClock;
  const credentials = new CredentialRules(new FakeDnr());
  const wallet = walletPortFromMessages(async (type, payload) => {
    const env = await rig.bg.router({ type, payload }, { fromExtensionPage: true, internal: true });
    if (!env.ok) throw Object.assign(new Error(env.error.message), { code: env.error.code });
    return env.data as never;
  });
  const budget = new BudgetService(await openPaywallStore(freshDbName()), clock, () => wallet.channels());
  const mutex = new KeyedMutex();
  const notes: string[] = [];
  const approvals = new Approvals({
    open: async () => {
      throw new Error('no approval window in Node');
    },
    close: async () => undefined,
  });
  const effects = { reload: async () => undefined, retryResource: async () => undefined, notify: async (_id: string, title: string, message: string) => void notes.push(`${title}: ${message}`) };
  const service = new PaywallService({ wallet, budget, approvals, credentials, effects, clock, mutex });
  const topUps = new BackgroundTopUp({ wallet, budget, credentials, mutex });
  const headersOf = (res: Response): HeaderLike[] => [...res.headers].map(([name, value]) => ({ name, value }));
  const request = async (url: string) => {
    const credential = await credentials.current(siteOf(url)!);
    return fetch(url, { headers: credential ? { [CREDENTIAL_HEADER]: credential } : {} });
  };
  return {
    budget,
    credentials,
    notes,
    async browse(url) {
      let res = await request(url);
      let paid = false;
      const detected = detectChallenge(res.status, url, headersOf(res));
      if (detected) {
        const outcome = await service.handle({ tabId: 1, url, kind: 'fetch', initiator: detected.site, detected });
        if (outcome === 'paid') {
          await res.arrayBuffer();
          paid = true;
          res = await request(url);
        }
      }
      const body = await res.text();
      const receipt = detectReceipt(url, headersOf(res));
      if (receipt) service.delivered(1, url);
      return { status: res.status, body, paid, topUp: receipt ? await topUps.onReceipt(receiptSeen(receipt, { tabId: 1, kind: 'fetch', initiator: receipt.site })) : null };
    },
  };
}
