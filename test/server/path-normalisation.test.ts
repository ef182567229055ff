/**
 * Issue #12 hardening: a priced route cannot be reached for free under another spelling of its
 * path. Each spelling below names a priced item on a site that normalises paths as many do; the
 * paywall must price it (402) or refuse it (400), and the site must never see it unpaid. Library
 * mode and the reverse proxy alike, over real HTTP on loopback.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningProxy } from '../../src/server/proxy/index.ts';
import { startTestProxy } from './helpers/proxy.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';

const SPELLINGS = ['/Articles/1', '/ARTICLES/1', '/api/search/', '/api/search;x', '/API/Search', '/%61rticles/1', '/free/../articles/1', '/free/%2e%2e/articles/1', '/articles;x/1', '//articles/1'];

/** What a lenient site would serve for `req`: the decoded, dot-resolved, lower-cased path without `;` parameters or trailing slash. */
function servedAs(req: IncomingMessage): string {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://site').pathname).replace(/;[^/]*/g, '').toLowerCase();
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function lenientSite(seen: string[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    seen.push(servedAs(req));
    res.writeHead(200, { 'content-type': 'text/plain', 'x-target': req.url }).end(`content of ${servedAs(req)}`);
  };
}

/** GET with the target sent exactly as written (fetch would resolve dot segments first). */
function rawGet(origin: string, target: string): Promise<{ status: number; target: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(origin + '/', { path: target }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, target: res.headers['x-target'] as string | undefined, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function assertNeverFree(origin: string, seen: string[]): Promise<void> {
  for (const path of SPELLINGS) {
    const before = seen.length;
    const res = await rawGet(origin, path);
    assert.ok(res.status === 402 || res.status === 400, `${path} answered ${res.status}`);
    assert.equal(seen.length, before, `${path} reached the site unpaid`);
  }
  // Free paths still pass, and reach the site as they were asked for.
  const free = await fetch(`${origin}/free/page`);
  assert.equal(free.status, 200);
  assert.equal(await free.text(), 'content of /free/page');
}

describe('priced routes under other spellings: library mode', () => {
  let srv: TestServer;
  const seen: string[] = [];
  const tmp = tempDbPath();

  before(async () => {
    srv = await startServer({ dbPath: tmp.dbPath, config: { caseInsensitivePaths: true, watcher: { enabled: false } }, site: lenientSite(seen) });
    srv.paychan.route('/articles/*', 10n).route('/api/search', 2n);
  });
  after(async () => {
    await srv?.stop();
    tmp.cleanup();
  });

  test('every spelling of a priced path is priced or refused, never served free', async () => {
    await assertNeverFree(srv.url, seen);
  });

  test('the site is handed the normalised target, so what was matched is what it serves', async () => {
    const res = await rawGet(srv.url, '/free/../%66ree/x?q=1');
    assert.equal(res.status, 200);
    assert.equal(res.target, '/free/x?q=1');
  });

  test('without case folding (the default) letter case is significant', async () => {
    const other = tempDbPath();
    const plain = await startServer({ dbPath: other.dbPath, config: { watcher: { enabled: false } }, site: lenientSite([]) });
    try {
      plain.paychan.route('/articles/*', 10n);
      assert.equal((await fetch(`${plain.url}/articles/1`)).status, 402);
      assert.equal((await fetch(`${plain.url}/Articles/1`)).status, 200);
    } finally {
      await plain.stop();
      other.cleanup();
    }
  });
});

describe('priced routes under other spellings: reverse proxy', () => {
  let upstream: Server;
  let proxy: RunningProxy;
  const seen: string[] = [];
  const tmp = tempDbPath();

  before(async () => {
    upstream = createServer(lenientSite(seen));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    proxy = await startTestProxy({
      upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      dir: tmp.dir,
      dbPath: tmp.dbPath,
      routes: [
        { path: '/articles/*', price: '10' },
        { path: '/api/search', price: '2' },
      ],
      extra: { caseInsensitivePaths: true },
    });
  });
  after(async () => {
    await proxy?.stop();
    await new Promise((r) => upstream?.close(r));
    tmp.cleanup();
  });

  test('every spelling of a priced path is priced or refused, never forwarded free', async () => {
    await assertNeverFree(proxy.url, seen);
  });
});
