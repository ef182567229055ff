/**
 * Merchant server throughput on SQLite with the documented durability (`durability: 'full'`: a
 * payment's commit fsyncs the WAL before its answer), side by side in one run:
 *
 *  - payments accepted per CPU second over HTTP on loopback, against the floor: a bare node:http
 *    request plus one verify by the same verifier (`server_pay_vs_floor_ratio`), with where a
 *    payment's time goes (HTTP, parse, digest, verify, commit, its fsync, the rest): each part
 *    measured alone on the same inputs, the fsync as the same server's payments with
 *    `durability: 'normal'` subtracted;
 *  - paid requests served from prepaid credit per CPU second against the same content served
 *    free by the same server under the same load (`server_paid_vs_free_ratio`), with what a paid
 *    request adds (credential, debit commit, the rest).
 *
 * "Per CPU second": the server runs in this process (one event-loop thread; better-sqlite3
 * fsyncs on it, and that kernel time is billed too), the load generator in a child whose CPU is
 * not counted. This machine has 2 shared cores, so wall-clock rates swing with other jobs' load;
 * CPU time much less. Channels are inserted straight into the store for made-up outpoints.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { decodeTxSignature, type Secp } from '../src/core/secp.ts';
import { accessTokenHash, CREDENTIAL_HEADER, parseCredential } from '../src/core/http-binding.ts';
import { encodePayment, parsePayment } from '../src/core/messages.ts';
import { paymentSighash } from '../src/core/payment.ts';
import type { ChannelParams } from '../src/core/channel.ts';
import { fixedTip } from '../src/server/chain.ts';
import { ServerKeys } from '../src/server/keys.ts';
import { silentLogger } from '../src/server/logger.ts';
import { createPaychan, type Paychan } from '../src/server/paychan.ts';
import { nativeSecp } from '../src/server/native-secp.ts';
import { SqliteChannelStore } from '../src/server/store/sqlite-store.ts';
import type { ChannelStore } from '../src/server/store/channel-store.ts';
import { stubChain, syntheticChannel, type SyntheticChannel } from '../test/server/helpers/synthetic-channel.ts';
import { httpFloorUs, listen, runLoad, shut, type LoadStream } from './load.ts';

const CONNECTIONS = 8;
const PAYMENTS_PER_CONNECTION = 750;
const READS_PER_CONNECTION = 1_000;
export const SEED = new Uint8Array(32).fill(7);
/** The server's default verifier, passed explicitly so the raw rate is measured on the very same one. */
export const SECP = nativeSecp!;
const PRICE = 1n;
/** What both the paid and the free route serve: a small article. */
const ARTICLE = Buffer.from(`<!doctype html><title>Article</title><p>${'Lorem ipsum dolor sit amet. '.repeat(70)}</p>`);

export interface BenchSite {
  paychan: Paychan;
  port: number;
  keys: ServerKeys;
  dir: string;
  close(): Promise<void>;
}

/** A paychan server in this process on `dbPath` (a SQLite file or a postgres:// URL): /paid/* costs PRICE, /free/* the same article free. */
export async function benchSite(dir: string, dbPath: string, durability: 'full' | 'normal' = 'full'): Promise<BenchSite> {
  const paychan = await createPaychan({
    // Every stream comes from loopback: the per-client payment limit would cut the measurement short.
    config: { dbPath, durability, paymentRateLimit: 0 },
    chain: stubChain(1_000),
    tip: fixedTip(1_000),
    seed: SEED,
    logger: silentLogger,
    secp: SECP,
  });
  paychan.route('/paid/*', PRICE);
  const server: Server = paychan.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': ARTICLE.length });
    res.end(ARTICLE);
  });
  const port = await listen(server);
  return {
    paychan,
    port,
    keys: new ServerKeys(SEED, 'regtest'),
    dir,
    async close() {
      await shut(server);
      await paychan.close();
    },
  };
}

interface VerifyItem {
  compact: Uint8Array;
  digest: Uint8Array;
  pubkey: Uint8Array;
}

/** Where the load's channels are made, and where its requests go (connection c to ports[c % ports.length]). */
export interface LoadTarget {
  store: ChannelStore;
  keys: ServerKeys;
  basePath: string;
  ports: number[];
}

export const siteTarget = (site: BenchSite): LoadTarget => ({ store: site.paychan.store, keys: site.keys, basePath: site.paychan.config.basePath, ports: [site.port] });

/** One channel per connection, each with its pre-signed, increasing payments. */
export async function paymentLoad(t: LoadTarget, perConnection = PAYMENTS_PER_CONNECTION) {
  const streams: LoadStream[] = [];
  const items: (VerifyItem & { params: ChannelParams; amount: bigint; body: string })[] = [];
  for (let c = 0; c < CONNECTIONS; c++) {
    const ch = await syntheticChannel(t.store, t.keys, { capacity: 100_000_000n, expiry: 10_000, firstPayment: 1_000n });
    const bodies: string[] = [];
    for (let i = 1; i <= perConnection; i++) {
      const p = ch.sign(1_000n + BigInt(i) * 7n);
      const body = JSON.stringify(encodePayment(p));
      bodies.push(body);
      const digest = paymentSighash(ch.params, p.amount);
      items.push({ compact: decodeTxSignature(p.signature).compact, digest, pubkey: ch.params.clientPubkey, params: ch.params, amount: p.amount, body });
    }
    streams.push({ port: t.ports[c % t.ports.length]!, method: 'POST', path: `${t.basePath}/channels/${ch.id}/payments`, bodies });
  }
  return { streams, items };
}

/** Channels with prepaid credit enough for every read, and a stream of GETs per channel: paid ones, and the same paths free. */
export async function readLoad(t: LoadTarget, perConnection = READS_PER_CONNECTION) {
  const paid: LoadStream[] = [];
  const free: LoadStream[] = [];
  const channels: SyntheticChannel[] = [];
  for (let c = 0; c < CONNECTIONS; c++) {
    const ch = await syntheticChannel(t.store, t.keys, { capacity: 100_000_000n, expiry: 10_000, firstPayment: 50_000_000n });
    channels.push(ch);
    const port = t.ports[c % t.ports.length]!;
    paid.push({ port, method: 'GET', path: `/paid/article-${c}`, headers: { [CREDENTIAL_HEADER]: ch.credential() }, count: perConnection });
    free.push({ port, method: 'GET', path: `/free/article-${c}`, count: perConnection });
  }
  return { paid, free, channels };
}

/** Paid and free reads alternate, twice each; the better run of each counts. */
export async function paidAndFree(dir: string, reads: { paid: LoadStream[]; free: LoadStream[] }, rate: (r: { cpuS: number; wallS: number; requests: number }) => number) {
  const runs = { paid: [] as number[], free: [] as number[] };
  for (let i = 0; i < 2; i++) {
    runs.free.push(rate(await runLoad(dir, reads.free, 'free')));
    runs.paid.push(rate(await runLoad(dir, reads.paid, 'paid')));
  }
  return { paidPerS: Math.max(...runs.paid), freePerS: Math.max(...runs.free) };
}

/** Short runs of both, so the JIT and the server's caches are warm before anything is measured. */
export async function warmUp(dir: string, reads: { paid: LoadStream[]; free: LoadStream[] }): Promise<void> {
  await runLoad(dir, reads.free.map((s) => ({ ...s, count: 100 })), 'warm-up');
  await runLoad(dir, reads.paid.map((s) => ({ ...s, count: 100 })), 'warm-up');
}

/** CPU microseconds per call of `fn` over `items`, after one warm-up pass. */
function cpuUsPer<T>(items: T[], fn: (item: T) => unknown): number {
  for (const it of items.slice(0, 200)) fn(it);
  const cpu = process.cpuUsage();
  for (const it of items) fn(it);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / items.length;
}

/** Raw verifications per CPU second. */
export function rawVerifyRate(secp: Secp, items: VerifyItem[]): number {
  return 1e6 / cpuUsPer(items, (it) => {
    if (!secp.verify(it.compact, it.digest, it.pubkey)) throw new Error('bench signature does not verify');
  });
}

/**
 * CPU µs per store update, `CONNECTIONS` at a time as the load sends them (one event-loop turn,
 * one transaction), committed without an fsync: a payment's or a debit's, with its event. What
 * the fsync adds is measured on the server itself (see benchServer).
 */
async function commitUs(store: ChannelStore, kind: 'payment' | 'debit', rounds = 300): Promise<number> {
  const ids: string[] = [];
  for (let c = 0; c < CONNECTIONS; c++) ids.push((await syntheticChannel(store, new ServerKeys(SEED, 'regtest'), { capacity: 100_000_000n, expiry: 10_000, firstPayment: 50_000_000n })).id);
  const round = () =>
    Promise.all(
      ids.map((id) =>
        store.updateChannel(
          id,
          (c) =>
            kind === 'payment'
              ? { channel: { ...c, paid: c.paid + 7n }, events: [{ kind: 'payment' as const, amount: 7n }], result: null }
              : { channel: { ...c, spent: c.spent + PRICE }, events: [{ kind: 'debit' as const, amount: PRICE, ref: '/paid/article' }], result: null },
          { durable: false },
        ),
      ),
    );
  for (let r = 0; r < 20; r++) await round();
  const cpu = process.cpuUsage();
  for (let r = 0; r < rounds; r++) await round();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / (rounds * ids.length);
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const round1 = (v: number) => Math.round(v * 10) / 10;

export async function benchServer(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'paychan-bench-server-'));
  const site = await benchSite(dir, join(dir, 'bench.db'));
  // The same server without the fsync (durability 'normal'), for what the fsync costs a payment.
  const unsynced = await benchSite(dir, join(dir, 'unsynced.db'), 'normal');
  const side = new SqliteChannelStore(join(dir, 'side.db'), { durability: 'full' });
  try {
    const { streams, items } = await paymentLoad(siteTarget(site));
    const reads = await readLoad(siteTarget(site));
    // Warm the verifier, the JIT and the server's caches before any measurement.
    rawVerifyRate(SECP, items.slice(0, 300));
    await warmUp(dir, reads);

    const verifyBefore = rawVerifyRate(SECP, items);
    const pay = await runLoad(dir, streams, 'payment');
    const verifyAfter = rawVerifyRate(SECP, items);
    const answer = await (await fetch(`http://127.0.0.1:${site.port}${streams[0]!.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: streams[0]!.bodies!.at(-1)! })).text();
    const floorUs = await httpFloorUs(dir, streams, answer);
    const { paidPerS, freePerS } = await paidAndFree(dir, reads, (r) => r.requests / r.cpuS);
    const unsyncedLoad = await paymentLoad(siteTarget(unsynced));
    await warmUp(dir, await readLoad(siteTarget(unsynced), 100));
    const payUnsynced = await runLoad(dir, unsyncedLoad.streams, 'payment');

    // Where a payment's CPU goes, each part measured alone on the same inputs.
    const verifyPerS = Math.max(verifyBefore, verifyAfter);
    const verifyUs = 1e6 / verifyPerS;
    const payUs = (pay.cpuS * 1e6) / pay.requests;
    const parseUs = cpuUsPer(items, (it) => parsePayment(JSON.parse(it.body)));
    const digestUs = cpuUsPer(items, (it) => paymentSighash(it.params, it.amount));
    const paymentCommitUs = await commitUs(side, 'payment');
    const fsyncUs = payUs - (payUnsynced.cpuS * 1e6) / payUnsynced.requests;
    const tokens = reads.channels.map((ch) => ch.credential());
    const credentialUs = cpuUsPer(Array.from({ length: 20 }, () => tokens).flat(), (h) => accessTokenHash(parseCredential(h)!.token));
    const debitCommitUs = await commitUs(side, 'debit');
    const paidUs = 1e6 / paidPerS;
    const freeUs = 1e6 / freePerS;

    const server_pay_per_s = Math.round(pay.requests / pay.cpuS);
    return {
      server_pay_per_s,
      server_raw_verify_per_s: Math.round(verifyPerS),
      server_http_floor_us: Math.round(floorUs),
      // The floor's rate: a bare node:http request plus one verify.
      server_floor_pay_per_s: Math.round(1e6 / (floorUs + verifyUs)),
      server_pay_vs_floor_ratio: round3((floorUs + verifyUs) / payUs),
      server_pay_wall_per_s: Math.round(pay.requests / pay.wallS),
      server_pay_us: round1(payUs),
      server_pay_us_http: round1(floorUs),
      server_pay_us_parse: round1(parseUs),
      server_pay_us_digest: round1(digestUs),
      server_pay_us_verify: round1(verifyUs),
      server_pay_us_commit: round1(paymentCommitUs),
      server_pay_us_fsync: round1(fsyncUs),
      server_pay_us_other: round1(payUs - floorUs - parseUs - digestUs - verifyUs - paymentCommitUs - fsyncUs),
      server_paid_per_s: Math.round(paidPerS),
      server_free_per_s: Math.round(freePerS),
      server_paid_vs_free_ratio: round3(paidPerS / freePerS),
      server_paid_extra_us: round1(paidUs - freeUs),
      server_paid_extra_us_credential: round1(credentialUs),
      server_paid_extra_us_commit: round1(debitCommitUs),
      server_paid_extra_us_other: round1(paidUs - freeUs - credentialUs - debitCommitUs),
    };
  } finally {
    await side.close();
    await unsynced.close();
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
