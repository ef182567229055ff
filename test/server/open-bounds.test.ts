/**
 * Issue #12 hardening: `POST …/channels` costs nothing to call, so what it may hold is bounded.
 * Unfunded proposals are capped per client address and in all, expire (and are pruned) after
 * openProposalTtlMs, and a refused proposal takes no server key index; opens and payments are
 * rate-limited per client address with 429, RATE_LIMITED and Retry-After. Real HTTP on loopback
 * against a devnet; the client address comes from X-Forwarded-For only where trustProxy is set.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { encodeOpenRequest, encodePayment, type OpenRequest } from '../../src/core/messages.ts';
import { p2wpkhOutputScript } from '../../src/core/script.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { clientKey } from '../../src/server/http/client-address.ts';
import { RateLimiter } from '../../src/server/rate-limit.ts';
import type { ConfigInput } from '../../src/server/config.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { assertProblem, post, refusedWithoutTrace, send } from './helpers/problems.ts';
import { fundedReader } from './helpers/proxy.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';
import { TestWallet } from './helpers/wallet.ts';

const CHANGE = p2wpkhOutputScript(tinySecp.publicKey(Uint8Array.from(Buffer.alloc(32, 7))));

/** Pending proposals and the next server key index, read straight from the database. */
function stored(dbPath: string): { pending: number; unfunded: number; nextKeyIndex: number } {
  const db = new Database(dbPath, { readonly: true });
  try {
    return {
      pending: db.prepare('SELECT COUNT(*) FROM pending_opens').pluck().get() as number,
      unfunded: db.prepare('SELECT COUNT(*) FROM pending_opens WHERE channel_id IS NULL').pluck().get() as number,
      nextKeyIndex: db.prepare("SELECT value FROM counters WHERE name = 'server_key_index'").pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

describe('open proposals and rate limits', () => {
  let devnet: Devnet;
  const servers: { srv: TestServer; cleanup(): void }[] = [];

  async function server(config: ConfigInput): Promise<TestServer> {
    const tmp = tempDbPath();
    const srv = await startServer({ dbPath: tmp.dbPath, config: { esploraUrl: devnet.url, tipCacheMs: 0, watcher: { enabled: false }, ...config } });
    servers.push({ srv, cleanup: tmp.cleanup });
    return srv;
  }

  async function proposal(srv: TestServer): Promise<OpenRequest> {
    return new ChannelClient(srv.endpoint).openRequest(50_000n, CHANGE);
  }

  const open = (srv: TestServer, request: OpenRequest, from?: string) =>
    post(`${srv.endpoint}/channels`, encodeOpenRequest(request), from ? { 'x-forwarded-for': from } : {});

  before(async () => {
    devnet = await startDevnet({ port: 0 });
  });
  after(async () => {
    for (const { srv, cleanup } of servers) {
      await srv.stop();
      cleanup();
    }
    await devnet?.stop();
  });

  test('unfunded proposals are bounded per client address; a refused one takes no key index and writes nothing', async () => {
    const srv = await server({ maxPendingOpensPerClient: 5, maxPendingOpens: 100, openRateLimit: 0 });
    const request = await proposal(srv);
    for (let i = 0; i < 5; i++) assert.equal((await open(srv, request)).status, 201);
    for (let i = 0; i < 45; i++) {
      const refused = await refusedWithoutTrace(srv.dbPath, () => open(srv, request), 429, 'RATE_LIMITED');
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter > 590 && retryAfter <= 600, `Retry-After ${retryAfter}: when the oldest proposal expires`);
      assert.equal(refused.body.retryAfter, retryAfter);
    }
    assert.deepEqual(stored(srv.dbPath), { pending: 5, unfunded: 5, nextKeyIndex: 5 });
  });

  test('unfunded proposals are bounded in all, across client addresses', async () => {
    const srv = await server({ maxPendingOpensPerClient: 2, maxPendingOpens: 5, openRateLimit: 0, trustProxy: true });
    const request = await proposal(srv);
    for (const from of ['10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.2', '10.0.0.3']) assert.equal((await open(srv, request, from)).status, 201, from);
    assert.equal((await open(srv, request, '10.0.0.3')).status, 429, 'the total is reached');
    assert.equal((await open(srv, request, '10.0.0.4')).status, 429, 'a new address too');
    assert.deepEqual(stored(srv.dbPath), { pending: 5, unfunded: 5, nextKeyIndex: 5 });
  });

  test('proposals expire unfunded: they are pruned, their slots free up, and funding one is refused', async () => {
    const srv = await server({ maxPendingOpensPerClient: 2, openProposalTtlMs: 1_000, openRateLimit: 0 });
    const wallet = new TestWallet(devnet);
    const late = new ChannelClient(srv.endpoint);
    await late.open(await late.openRequest(50_000n, wallet.script));
    const request = await proposal(srv);
    assert.equal((await open(srv, request)).status, 201);
    assertProblem(await open(srv, request), 429, 'RATE_LIMITED');
    await new Promise((r) => setTimeout(r, 1_100));

    // Funding the expired proposal is refused before anything is stored or broadcast.
    late.buildFunding([await wallet.coin(80_000n)], wallet.script);
    const fund = await refusedWithoutTrace(srv.dbPath, () => post(`${srv.endpoint}/channels/${late.mustChannel().openId}/fund`, late.fundBody(late.sign(1_000n))), 404, 'UNKNOWN_CHANNEL');
    assert.match(fund.body.detail!, /expired/);

    assert.equal((await open(srv, request)).status, 201);
    // Both expired proposals were pruned; their key indexes 0 and 1 are never handed out again.
    assert.deepEqual(stored(srv.dbPath), { pending: 1, unfunded: 1, nextKeyIndex: 3 });
  });

  test('opens are rate-limited per client address: 429, RATE_LIMITED, Retry-After', async () => {
    const srv = await server({ openRateLimit: 3 });
    const request = await proposal(srv);
    for (let i = 0; i < 3; i++) assert.equal((await open(srv, request)).status, 201);
    const before = stored(srv.dbPath);
    const refused = await open(srv, request);
    assertProblem(refused, 429, 'RATE_LIMITED');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.deepEqual(stored(srv.dbPath), before, 'a refused open takes no key index');
    // X-Forwarded-For is the client's own claim here: it changes nothing without trustProxy.
    assertProblem(await open(srv, request, '192.0.2.9'), 429, 'RATE_LIMITED');
  });

  test('behind a trusted proxy each forwarded address has its own limit', async () => {
    const srv = await server({ openRateLimit: 1, trustProxy: true });
    const request = await proposal(srv);
    assert.equal((await open(srv, request, '192.0.2.1')).status, 201);
    assertProblem(await open(srv, request, '192.0.2.1'), 429, 'RATE_LIMITED');
    // Only the last entry, the one the proxy appended, counts.
    assertProblem(await open(srv, request, '203.0.113.7, 192.0.2.1'), 429, 'RATE_LIMITED');
    assert.equal((await open(srv, request, '192.0.2.2')).status, 201);
  });

  test('payments are rate-limited per client address, at the endpoint and inline', async () => {
    const srv = await server({ paymentRateLimit: 3 });
    srv.paychan.route('/item/*', 10n);
    const reader = await fundedReader(devnet, srv.endpoint);
    await reader.pay(2_000n);
    await reader.pay(3_000n);
    const inline = await fetch(`${srv.url}/item/1`, { headers: { authorization: reader.credential(reader.sign(4_000n)) } });
    assert.equal(inline.status, 200);
    await inline.text();
    const refused = await refusedWithoutTrace(srv.dbPath, () => post(reader.paymentsUrl(), encodePayment(reader.sign(5_000n))), 429, 'RATE_LIMITED');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const refusedInline = await send(`${srv.url}/item/2`, { headers: { accept: 'application/json', authorization: reader.credential(reader.sign(6_000n)) } });
    assertProblem(refusedInline, 429, 'RATE_LIMITED');
    // A request that carries no payment is not limited.
    assert.equal((await fetch(`${srv.url}/item/3`, { headers: { authorization: reader.credential() } })).status, 200);
  });

  test('the rate limiter refills over time and forgets the least recently seen client beyond its bound', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now, 2);
    assert.deepEqual([limiter.take('a'), limiter.take('a'), limiter.take('a')], [0, 0, 30]);
    now += 30_000;
    assert.deepEqual([limiter.take('a'), limiter.take('a')], [0, 30]);
    assert.equal(new RateLimiter(0, () => now).take('a'), 0, '0: no limit');
    limiter.take('b');
    limiter.take('c'); // the third client pushes out 'a', least recently seen
    assert.equal(limiter.take('a'), 0);
  });

  test('client keys: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 by its /64', () => {
    assert.equal(clientKey('192.0.2.1'), '192.0.2.1');
    assert.equal(clientKey('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(clientKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
    assert.equal(clientKey('[2001:db8::1]'), '2001:db8:0:0::/64');
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
    assert.equal(clientKey('not an address'), 'unknown');
  });
});
