/**
 * Issue #12 bug 5: credit is spent only when the item was delivered (2xx, 3xx, 304 included). A
 * failing upstream or handler, a timeout, a refused connection, 404 and 410 leave the stored
 * credit as it was and answer `charged="0"`; in the reverse proxy and in library mode alike.
 * Real HTTP on loopback, channels funded on a devnet.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseReceipt, type Receipt } from '../../src/core/http-binding.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import type { Paychan } from '../../src/server/paychan.ts';
import type { RunningProxy } from '../../src/server/proxy/index.ts';
import type { ChannelClient } from './helpers/channel-client.ts';
import { fundedReader, startTestProxy } from './helpers/proxy.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';

/** The upstream site: each path answers one way. */
function startUpstream(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/articles/ok') res.writeHead(200, { 'content-type': 'text/plain' }).end('the article');
    else if (path === '/articles/cached') res.writeHead(304, { etag: '"v1"' }).end();
    else if (path === '/articles/moved') res.writeHead(302, { location: '/articles/ok' }).end();
    else if (path === '/articles/gone') res.writeHead(410).end('gone');
    else if (path === '/articles/broken') res.writeHead(500).end('boom');
    else if (path === '/articles/forged') res.writeHead(404, { 'paychan-receipt': 'Paychan charged="999"' }).end('x');
    else if (path === '/articles/slow') setTimeout(() => res.writeHead(200).end('late'), 5_000).unref();
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

async function paidGet(url: string, reader: ChannelClient): Promise<{ status: number; receipt: Receipt | null; body: string }> {
  const res = await fetch(url, { headers: { authorization: reader.credential() }, redirect: 'manual' });
  const body = await res.text();
  const header = res.headers.get('paychan-receipt');
  return { status: res.status, receipt: header ? parseReceipt(header) : null, body };
}

async function storedSpent(paychan: Paychan, reader: ChannelClient): Promise<bigint> {
  return (await paychan.store.getChannel(reader.channelId))!.spent;
}

describe('reverse proxy: only delivered items are charged', () => {
  let devnet: Devnet;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let proxy: RunningProxy;
  let reader: ChannelClient;
  const tmp = tempDbPath();

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    upstream = await startUpstream();
    proxy = await startTestProxy({
      devnet,
      upstream: upstream.url,
      dir: tmp.dir,
      dbPath: tmp.dbPath,
      routes: [{ path: '/articles/*', price: '10' }],
      extra: { upstreamTimeoutMs: 300 },
    });
    reader = await fundedReader(devnet, `${proxy.url}/paychan/v1`);
  });
  after(async () => {
    await proxy?.stop();
    await new Promise((r) => upstream?.server.close(r));
    await devnet?.stop();
    tmp.cleanup();
  });

  test('200, 302 and 304 are charged', async () => {
    const before = await storedSpent(proxy.paychan, reader);
    for (const [path, status] of [['/articles/ok', 200], ['/articles/moved', 302], ['/articles/cached', 304]] as const) {
      const r = await paidGet(`${proxy.url}${path}`, reader);
      assert.equal(r.status, status, path);
      assert.equal(r.receipt?.charged, 10n, path);
    }
    assert.equal(await storedSpent(proxy.paychan, reader), before + 30n);
  });

  test('404, 410, 500 and a timeout (504) answer charged="0" and leave the stored credit as it was', async () => {
    for (const [path, status] of [['/articles/missing', 404], ['/articles/gone', 410], ['/articles/broken', 500], ['/articles/slow', 504], ['/articles/forged', 404]] as const) {
      const before = await storedSpent(proxy.paychan, reader);
      const r = await paidGet(`${proxy.url}${path}`, reader);
      assert.equal(r.status, status, path);
      assert.equal(r.receipt?.charged, 0n, path);
      assert.equal(r.receipt?.spent, before, path);
      assert.equal(await storedSpent(proxy.paychan, reader), before, path);
    }
    const kinds = (await proxy.paychan.store.listEvents(reader.channelId)).map((e) => e.kind);
    assert.equal(kinds.filter((k) => k === 'release').length, 5);
  });

  test('an unreachable upstream: 502, charged="0", credit unchanged in the store', async () => {
    await new Promise((r) => {
      upstream.server.close(r);
      upstream.server.closeAllConnections();
    });
    const before = await storedSpent(proxy.paychan, reader);
    const r = await paidGet(`${proxy.url}/articles/ok`, reader);
    assert.equal(r.status, 502);
    assert.equal(r.receipt?.charged, 0n);
    assert.equal(await storedSpent(proxy.paychan, reader), before);
  });
});

describe('library mode: only delivered items are charged', () => {
  let devnet: Devnet;
  let srv: TestServer;
  let reader: ChannelClient;
  const tmp = tempDbPath();

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    let paywall: ReturnType<Paychan['paywall']> | null = null;
    srv = await startServer({
      dbPath: tmp.dbPath,
      config: { esploraUrl: devnet.url, tipCacheMs: 0 },
      site: (req, res) => {
        if (req.url === '/item/ok') res.end('item');
        else if (req.url === '/item/throws') throw new Error('the handler failed');
        else if (req.url === '/item/gone') {
          res.statusCode = 410;
          res.end('gone');
        } else if (req.url?.startsWith('/mw/')) {
          // paywall() as route middleware: the handler after it fails.
          paywall!(req, res, () => {
            if (req.url === '/mw/throws') throw new Error('the route failed');
            res.writeHead(req.url === '/mw/ok' ? 200 : 404).end('mw');
          });
        } else res.writeHead(404).end('not found');
      },
    });
    srv.paychan.route('/item/*', 10n);
    paywall = srv.paychan.paywall({ price: 7n });
    reader = await fundedReader(devnet, srv.endpoint);
  });
  after(async () => {
    await srv?.stop();
    await devnet?.stop();
    tmp.cleanup();
  });

  test('a delivered item is charged, through route() and paywall()', async () => {
    const before = await storedSpent(srv.paychan, reader);
    assert.equal((await paidGet(`${srv.url}/item/ok`, reader)).receipt?.charged, 10n);
    assert.equal((await paidGet(`${srv.url}/mw/ok`, reader)).receipt?.charged, 7n);
    assert.equal(await storedSpent(srv.paychan, reader), before + 17n);
  });

  test('a handler that throws, a 404 or a 410 charges nothing', async () => {
    for (const [path, status] of [['/item/throws', 500], ['/item/missing', 404], ['/item/gone', 410], ['/mw/throws', 500], ['/mw/missing', 404]] as const) {
      const before = await storedSpent(srv.paychan, reader);
      const r = await paidGet(`${srv.url}${path}`, reader);
      assert.equal(r.status, status, path);
      assert.equal(r.receipt?.charged, 0n, path);
      assert.equal(await storedSpent(srv.paychan, reader), before, path);
    }
  });
});
