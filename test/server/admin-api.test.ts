/**
 * The admin listener against a real server on a regtest devnet: every API answer needs the
 * bearer token, the listener is on loopback unless told otherwise and never starts without a
 * token, refusals are problem+json with stable codes, the figures equal the store's, and
 * `paychan-admin totals --url` prints what it prints from the database.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { startAdminListener, type AdminServer } from '../../src/server/admin-api/index.ts';
import { readTokenFile, writeTokenFile } from '../../src/server/admin-api/token.ts';
import { storeTotals, totalsJson, txUrl, type ChannelsJson, type EarningsJson, type SettlementJson, type ZeroConfJson } from '../../src/server/admin-api/views.ts';
import { DEFAULT_CONFIG, loadConfig } from '../../src/server/config.ts';
import { initReport, writeInit } from '../../src/server/init.ts';
import { jsonLogger, silentLogger } from '../../src/server/logger.ts';
import type { Scheduler } from '../../src/server/watcher/index.ts';
import { admin } from './helpers/admin.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { assertProblem, send, type Answer } from './helpers/problems.ts';
import { startTestProxy } from './helpers/proxy.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';
import { TestWallet } from './helpers/wallet.ts';

const manual: Scheduler = { setTimeout: () => 0, clearTimeout: () => undefined };

describe('admin JSON API and listener', () => {
  let devnet: Devnet;
  let srv: TestServer;
  let listener: AdminServer;
  let token: string;
  let tokenFile: string;
  const tmp = tempDbPath();
  const ids: Record<string, string> = {};
  let proposalId: string;
  const logged: string[] = [];

  const get = (path: string, auth: string | null = `Bearer ${token}`, method = 'GET'): Promise<Answer> =>
    send(listener.url + path, { method, headers: auth === null ? {} : { authorization: auth } });
  const body = async <T>(path: string): Promise<T> => {
    const a = await get(path);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.match(a.contentType ?? '', /^application\/json/);
    return a.body as T;
  };

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    srv = await startServer({ dbPath: tmp.dbPath, scheduler: manual, config: { esploraUrl: devnet.url, tipCacheMs: 0 } });
    srv.paychan.route('/item/*', 10n);
    const wallet = new TestWallet(devnet);
    const openChannel = async (first: bigint, items: number) => {
      const c = new ChannelClient(srv.endpoint);
      await c.open(await c.openRequest(50_000n, wallet.script));
      c.buildFunding([await wallet.coin(80_000n)], wallet.script);
      await c.fund(first);
      for (let i = 0; i < items; i++) {
        const res = await fetch(`${srv.url}/item/${i}`, { headers: { authorization: c.credential() } });
        assert.equal(res.status, 200);
        await res.text();
      }
      return c;
    };
    const alice = await openChannel(1_000n, 3);
    const bob = await openChannel(2_000n, 1);
    await bob.close();
    await devnet.mine(1);
    await srv.paychan.watcher!.tick(); // bob's settlement and both fundings confirm
    const dave = await openChannel(1_500n, 0); // funding not mined: zero-conf exposure
    const carol = new ChannelClient(srv.endpoint);
    await carol.open(await carol.openRequest(30_000n, wallet.script)); // proposed, never funded
    proposalId = carol.mustChannel().openId!;
    Object.assign(ids, { alice: alice.channelId, bob: bob.channelId, dave: dave.channelId });

    tokenFile = join(tmp.dir, 'admin-token');
    token = writeTokenFile(tokenFile);
    listener = await startAdminListener({ ...srv.paychan, config: { ...srv.paychan.config, admin: { port: 0, host: '127.0.0.1', tokenFile } } }, { logger: jsonLogger('warn', (line) => logged.push(line)) });
  });
  after(async () => {
    await listener?.stop();
    await srv?.stop();
    await devnet?.stop();
    tmp.cleanup();
  });

  test('loopback by default: the listener binds 127.0.0.1', () => {
    assert.equal(DEFAULT_CONFIG.admin.host, '127.0.0.1');
    assert.equal(DEFAULT_CONFIG.admin.port, null, 'off until a port is set');
    assert.match(listener.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('every API request needs the bearer token: none, a wrong one, another scheme get 401 UNAUTHORIZED', async () => {
    for (const auth of [null, 'Bearer ' + 'x'.repeat(43), `Basic ${token}`, `Bearer ${token}x`, `Bearer ${token.slice(1)}`]) {
      for (const path of ['/api/totals', '/api/earnings', '/api/channels', '/api/settlements', '/api/proposals', '/api/zero-conf']) {
        const a = await get(path, auth);
        assertProblem(a, 401, 'UNAUTHORIZED');
        assert.equal(a.headers.get('www-authenticate'), 'Bearer realm="paychan-admin"');
        assert.ok(!JSON.stringify(a.body).includes(ids.alice!.slice(0, 64)), 'nothing of the books in a refusal');
      }
    }
  });

  test('refusals are problem+json with stable codes', async () => {
    assertProblem(await get('/api/nothing'), 404, 'NOT_FOUND');
    assertProblem(await get('/nothing.js', null), 404, 'NOT_FOUND');
    assertProblem(await get('/api/totals', `Bearer ${token}`, 'POST'), 405, 'METHOD_NOT_ALLOWED');
    assertProblem(await get('/api/earnings?bucket=week'), 400, 'BAD_QUERY');
  });

  test('a token file others may read locks the API rather than open it, and the refusal names no path', async () => {
    chmodSync(tokenFile, 0o644);
    try {
      const a = await get('/api/totals');
      assertProblem(a, 401, 'UNAUTHORIZED');
      assert.match(String(a.body.detail), /unreadable or readable by others: see the server's log/);
      assert.ok(!String(a.body.detail).includes(tmp.dir), 'the token file path stays in the log');
      assert.match(logged.join('\n'), new RegExp(`admin token unusable.*${tokenFile}.*readable by others`));
    } finally {
      chmodSync(tokenFile, 0o600);
    }
    assert.equal((await get('/api/totals')).status, 200);
  });

  test('no listener without a token, on loopback or elsewhere; admin.port needs admin.tokenFile', async () => {
    const noFile = { ...srv.paychan, config: { ...srv.paychan.config, admin: { port: 0, host: '127.0.0.1', tokenFile: null } } };
    await assert.rejects(startAdminListener(noFile, { logger: silentLogger }), /does not start without a token: no admin.tokenFile/);
    await assert.rejects(startAdminListener(noFile, { logger: silentLogger, host: '0.0.0.0' }), /never on 0\.0\.0\.0, which is not loopback/);
    await assert.rejects(startAdminListener(noFile, { logger: silentLogger, token: 'short' }), /at least 32 base64url characters/);
    assert.throws(() => loadConfig({ env: {}, overrides: { admin: { port: 8403 } } }), /admin\.port needs admin\.tokenFile/);
    assert.throws(() => loadConfig({ env: {}, overrides: { admin: { port: 70000, tokenFile: tokenFile } } }), /admin\.port must be a whole number from 0 to 65535, not 70000/);
    assert.throws(() => loadConfig({ env: {}, overrides: { admin: { pot: 1 } as never } }), /admin\.pot is not a setting/);
    assert.deepEqual(loadConfig({ env: { PAYCHAN_ADMIN_PORT: '9000', PAYCHAN_ADMIN_TOKEN_FILE: tokenFile } }).admin, { port: 9000, host: '127.0.0.1', tokenFile });
  });

  test('totals are the store\'s, split as paychan-admin totals splits them', async () => {
    const t = await storeTotals(srv.paychan.store);
    assert.deepEqual(await body('/api/totals'), totalsJson(t, srv.paychan.config.zeroConfTotalLimit));
    assert.equal(t.delivered, 40n);
    assert.equal(t.unusedCredit, 1_000n - 30n + 1_500n);
    assert.equal(t.settled, 2_000n);
    assert.ok(t.feesPaid > 0n);
    assert.equal(t.pending, 2_500n);
    assert.equal(t.zeroConfExposure, 1_500n);
  });

  test('earnings per hour and per day add up to the delivered and earned totals', async () => {
    for (const bucket of ['hour', 'day'] as const) {
      const e = await body<EarningsJson>(`/api/earnings?bucket=${bucket}`);
      assert.equal(e.bucket, bucket);
      assert.equal(e.buckets.reduce((s, b) => s + BigInt(b.delivered), 0n), 40n);
      assert.equal(e.buckets.reduce((s, b) => s + BigInt(b.paid), 0n), 1_000n + 2_000n + 1_500n);
      const now = e.buckets.at(-1)!;
      assert.ok(Date.parse(now.start) <= Date.now() && Date.now() - Date.parse(now.start) < (bucket === 'hour' ? 3_600_000 : 86_400_000));
    }
  });

  test('open channels with capacity, credit, expiry and the settlement due', async () => {
    const c = await body<ChannelsJson>('/api/channels');
    assert.equal(c.network, 'regtest');
    const tip = await devnet.tipHeight();
    assert.equal(c.tip, tip);
    assert.deepEqual(c.channels.map((x) => x.id).sort(), [ids.alice, ids.dave].sort());
    const alice = c.channels.find((x) => x.id === ids.alice)!;
    const stored = (await srv.paychan.store.getChannel(ids.alice!))!;
    assert.deepEqual(
      { ...alice, expiresAt: undefined, settleByAt: undefined },
      {
        id: ids.alice,
        state: 'open',
        capacity: '50000',
        paid: '1000',
        delivered: '30',
        credit: '970',
        fundingConfirmed: true,
        expiryHeight: stored.params.expiry,
        expiresAt: undefined,
        settleByHeight: stored.params.expiry - srv.paychan.config.settleMarginBlocks,
        settleByAt: undefined,
        settlementTxid: null,
      },
    );
    const blocksLeft = stored.params.expiry - tip;
    assert.ok(Math.abs(Date.parse(alice.expiresAt) - (Date.now() + blocksLeft * 600_000)) < 60_000, 'expiry date at ten minutes a block');
    assert.equal(c.channels.find((x) => x.id === ids.dave)!.fundingConfirmed, false);
  });

  test('settlement history with fees and txids; no explorer link on regtest', async () => {
    const { settlements } = await body<{ settlements: SettlementJson[] }>('/api/settlements');
    assert.equal(settlements.length, 1);
    const s = settlements[0]!;
    const stored = (await srv.paychan.store.getSettlement(s.txid))!;
    assert.equal((await srv.paychan.store.getChannel(ids.bob!))!.settlementTxid, s.txid);
    assert.equal(s.status, 'confirmed');
    assert.equal(s.fee, stored.fee.toString());
    assert.equal(s.payout, stored.payout.toString());
    assert.equal(s.url, null);
    assert.equal(txUrl('signet', s.txid), `https://mempool.space/signet/tx/${s.txid}`);
    assert.equal(txUrl('testnet4', s.txid), `https://mempool.space/testnet4/tx/${s.txid}`);
    assert.equal(txUrl('mainnet', s.txid), `https://mempool.space/tx/${s.txid}`);
  });

  test('pending proposals and zero-conf exposure', async () => {
    const { proposals } = await body<{ proposals: { openId: string; capacity: string }[] }>('/api/proposals');
    assert.deepEqual(proposals.map((p) => [p.openId, p.capacity]), [[proposalId, '30000']]);
    const z = await body<ZeroConfJson>('/api/zero-conf');
    assert.deepEqual(z, {
      total: '1500',
      totalLimit: srv.paychan.config.zeroConfTotalLimit.toString(),
      perChannelLimit: srv.paychan.config.zeroConfLimit.toString(),
      channels: [{ id: ids.dave, paid: '1500', capacity: '50000' }],
    });
  });

  test('paychan-admin totals --url reads the API and prints what it prints from the database', async () => {
    const local = await admin(['--db', tmp.dbPath, 'totals']);
    assert.equal(local.code, 0, local.err);
    const remote = await admin(['totals', '--url', listener.url, '--token-file', tokenFile]);
    assert.equal(remote.code, 0, remote.err);
    assert.equal(remote.out, local.out);
    const csv = await admin(['totals', '--csv', '--url', listener.url], { PAYCHAN_ADMIN_TOKEN: token });
    assert.equal(csv.out, (await admin(['--db', tmp.dbPath, 'totals', '--csv'])).out);
    const wrong = await admin(['totals', '--url', listener.url], { PAYCHAN_ADMIN_TOKEN: 'y'.repeat(43) });
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /answered 401 UNAUTHORIZED/);
  });

  test('paychan-admin totals --api finds the listener and its token in the config', async () => {
    const file = join(tmp.dir, 'site.json');
    const port = Number(new URL(listener.url).port);
    writeFileSync(file, JSON.stringify({ upstream: 'http://127.0.0.1:9', routes: [], dbPath: join(tmp.dir, 'absent.db'), admin: { port, host: '127.0.0.1', tokenFile } }));
    const r = await admin(['--config', file, 'totals', '--api']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, (await admin(['--db', tmp.dbPath, 'totals'])).out);
    const none = await admin(['totals', '--api']);
    assert.equal(none.code, 1);
    assert.match(none.err, /--api reads the admin listener named by admin\.port/);
  });

  test('init writes the admin listener on loopback and its token file, 0600', () => {
    const dir = join(tmp.dir, 'init');
    const r = writeInit({ dir, network: 'regtest', esploraUrl: devnet.url, upstream: 'http://127.0.0.1:9', payoutAddress: null, payoutXpub: null, routes: [], allowMainnet: false });
    const config = JSON.parse(readFileSync(r.configFile, 'utf8')) as { admin: unknown };
    assert.deepEqual(config.admin, { port: 8403, host: '127.0.0.1', tokenFile: join(dir, 'paychan.admin-token') });
    assert.equal(statSync(r.adminTokenFile).mode & 0o777, 0o600);
    assert.equal(readTokenFile(r.adminTokenFile).length, 43);
    assert.match(initReport(r), /Dashboard \(this machine only\): http:\/\/127\.0\.0\.1:8403\//);
  });

  test('paychan-admin token makes a 0600 file, never overwrites it unless --rotate, and --show gives the dashboard address', async () => {
    const file = join(tmp.dir, 'made-token');
    const made = await admin(['token', '--token-file', file]);
    assert.equal(made.code, 0, made.err);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const first = readTokenFile(file);
    const again = await admin(['token', '--token-file', file]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already exists/);
    assert.equal(readTokenFile(file), first, 'the refused command left the token as it was');
    assert.equal((await admin(['token', '--rotate', '--token-file', file])).code, 0);
    assert.notEqual(readTokenFile(file), first);
    const show = await admin(['token', '--show', '--token-file', file]);
    assert.ok(show.out.includes(`http://127.0.0.1:8403/#token=${readTokenFile(file)}`), show.out);
  });

  test('a rotated token applies at once: the old one is refused', async () => {
    const old = token;
    writeFileSync(tokenFile, '', { mode: 0o600 });
    token = writeTokenFile(tokenFile, { replace: true });
    assertProblem(await get('/api/totals', `Bearer ${old}`), 401, 'UNAUTHORIZED');
    assert.equal((await get('/api/totals')).status, 200);
    assert.equal(readFileSync(tokenFile, 'utf8').trim(), token);
  });

  test('the proxy starts the admin listener from its config: the page with a strict CSP, the API behind the token', async () => {
    const proxy = await startTestProxy({ devnet, upstream: 'http://127.0.0.1:9', dir: tmp.dir, dbPath: join(tmp.dir, 'proxy.db'), routes: [], extra: { admin: { port: 0, tokenFile } } });
    try {
      assert.ok(proxy.admin);
      assert.match(proxy.admin.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const page = await fetch(proxy.admin.url + '/');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'; style-src 'self'/);
      assert.match(await page.text(), /<h1>Paychan dashboard<\/h1>/);
      for (const asset of ['/dashboard.js', '/uplot.js', '/uplot.css', '/dashboard.css']) assert.equal((await fetch(proxy.admin.url + asset)).status, 200, asset);
      assert.equal((await fetch(proxy.admin.url + '/api/totals')).status, 401);
      const t = await fetch(proxy.admin.url + '/api/totals', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(t.status, 200);
      assert.equal(((await t.json()) as { channels: number }).channels, 0);
      // The public listener does not serve the admin API.
      assert.equal((await fetch(proxy.url + '/api/totals', { headers: { authorization: `Bearer ${token}` } })).status, 502);
    } finally {
      await proxy.stop();
    }
  });
});
