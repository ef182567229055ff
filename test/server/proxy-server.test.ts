/**
 * The reverse proxy in front of a small node:http upstream, over real HTTP with a real regtest
 * node: free paths pass through unchanged and streamed, priced paths answer 402 until paid and
 * then reach the upstream without the Paychan credential, and a dead upstream gets 502.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseChallenge, parseReceipt } from '../../src/core/http-binding.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import type { RunningProxy } from '../../src/server/proxy/index.ts';
import type { ChannelClient } from './helpers/channel-client.ts';
import { fundedReader, startTestProxy } from './helpers/proxy.ts';
import { tempDbPath } from './helpers/server.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** The site behind the proxy, which knows nothing of Paychan. */
function startUpstream(): Promise<{ server: Server; url: string; seen: Seen[]; release: () => void }> {
  const seen: Seen[] = [];
  let release = () => {};
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    if (req.url === '/free/hello') {
      res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.writeHead(203, 'Non-Authoritative Hello', { 'X-Upstream': 'yes', 'Content-Type': 'text/plain', 'Keep-Alive': 'timeout=99' });
      res.end('hello from upstream');
    } else if (req.url === '/free/stream') {
      // Holds the rest of the body until the test has seen the first part arrive.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first part;');
      release = () => res.end('second part');
    } else if (req.url === '/echo' && req.method === 'POST') {
      const hash = createHash('sha256');
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        hash.update(c);
        bytes += c.length;
      });
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') }));
      });
    } else if (req.url === '/free/broken') {
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '7' });
      res.end('upstream is having a bad day');
    } else if (req.url!.startsWith('/articles/') || req.url!.startsWith('/api/')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`${req.method} ${req.url} from upstream`);
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not here');
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, release: () => release() }),
    ),
  );
}

/** node:http rather than fetch, which refuses to send Connection and friends. */
function raw(url: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('paychan-server reverse proxy', () => {
  let devnet: Devnet;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let proxy: RunningProxy;
  let reader: ChannelClient;
  const tmp = tempDbPath();
  const last = () => upstream.seen[upstream.seen.length - 1]!;

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    upstream = await startUpstream();
    proxy = await startTestProxy({
      devnet,
      upstream: upstream.url,
      dir: tmp.dir,
      dbPath: tmp.dbPath,
      routes: [
        { path: '/articles/*', price: '10' },
        { path: '/api/*', price: 2, methods: ['GET'] },
      ],
      inspect: (config) => assert.equal(config.routes[1]!.price, 2n),
    });
  });
  after(async () => {
    await proxy?.stop();
    await new Promise((r) => upstream?.server.close(r));
    await devnet?.stop();
    tmp.cleanup();
  });

  test('a free path passes through unchanged: status, headers, body', async () => {
    const res = await raw(`${proxy.url}/free/hello`, { headers: { Connection: 'keep-alive, X-Secret-Hop', 'X-Secret-Hop': '1', 'X-Kept': 'kept', 'X-Forwarded-For': '10.0.0.1' } });
    assert.equal(res.status, 203);
    assert.equal(res.headers['x-upstream'], 'yes');
    assert.deepEqual(res.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/']);
    assert.notEqual(res.headers['keep-alive'], 'timeout=99', 'hop-by-hop response headers stop at the proxy');
    assert.equal(res.body, 'hello from upstream');
    const seen = last();
    assert.equal(seen.url, '/free/hello');
    assert.equal(seen.headers['x-kept'], 'kept');
    assert.equal(seen.headers['x-secret-hop'], undefined, 'headers named in Connection are hop-by-hop');
    assert.equal(seen.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-host'], new URL(proxy.url).host);
    assert.equal(seen.headers.host, new URL(upstream.url).host);
  });

  test('response bodies stream: the first part arrives before the upstream finishes', async () => {
    const res = await fetch(`${proxy.url}/free/stream`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.equal(Buffer.from(first.value!).toString(), 'first part;');
    upstream.release();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
    assert.equal(rest, 'second part');
  });

  test('request bodies stream through to the upstream intact', async () => {
    const body = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const res = await fetch(`${proxy.url}/echo`, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  });

  test('upstream errors pass through as they are', async () => {
    const res = await raw(`${proxy.url}/free/broken`);
    assert.equal(res.status, 503);
    assert.equal(res.headers['retry-after'], '7');
    assert.equal(res.body, 'upstream is having a bad day');
    assert.equal((await raw(`${proxy.url}/missing`)).status, 404);
  });

  test('a priced path answers 402 with a challenge and never reaches the upstream', async () => {
    const before = upstream.seen.length;
    const res = await fetch(`${proxy.url}/articles/1`);
    assert.equal(res.status, 402);
    const challenge = parseChallenge(res.headers.get('www-authenticate')!)!;
    assert.equal(challenge.price, 10n);
    assert.equal(challenge.endpoint, `${proxy.url}/paychan/v1`);
    await res.text();
    const api = await fetch(`${proxy.url}/api/search?q=x`, { headers: { accept: 'application/json' } });
    assert.equal(api.status, 402);
    assert.equal((await api.json()).price, '2');
    assert.equal(upstream.seen.length, before);
  });

  test('paths that an upstream would normalise onto a priced route are priced too', async () => {
    const before = upstream.seen.length;
    for (const path of ['/free/../articles/1', '/%61rticles/1', '/free/%2e%2e/articles/1', '//articles/1']) {
      const res = await raw(`${proxy.url}${path}`);
      assert.equal(res.status, 402, path);
    }
    assert.equal((await raw(`${proxy.url}/articles%2F1`)).status, 400);
    assert.equal(upstream.seen.length, before);
  });

  test('the proxy serves the channel API; a paid request reaches the upstream without the credential', async () => {
    reader = await fundedReader(devnet, `${proxy.url}/paychan/v1`);

    const res = await fetch(`${proxy.url}/articles/42?x=1`, { headers: { authorization: reader.credential(), 'x-reader': 'r' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'GET /articles/42?x=1 from upstream');
    const receipt = parseReceipt(res.headers.get('paychan-receipt')!)!;
    assert.equal(receipt.charged, 10n);
    assert.equal(receipt.spent, 10n);
    const seen = last();
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(seen.headers['paychan-credential'], undefined);
    assert.equal(seen.headers['x-reader'], 'r');
  });

  test("the site's own Authorization passes; the Paychan-Credential header does not", async () => {
    const res = await fetch(`${proxy.url}/api/me`, { headers: { authorization: 'Basic dXNlcjpwYXNz', 'paychan-credential': reader.credential() } });
    assert.equal(res.status, 200);
    assert.equal(parseReceipt(res.headers.get('paychan-receipt')!)!.charged, 2n);
    const seen = last();
    assert.equal(seen.headers.authorization, 'Basic dXNlcjpwYXNz');
    assert.equal(seen.headers['paychan-credential'], undefined);
    // A credential sent on a free path is stripped as well.
    await raw(`${proxy.url}/free/hello`, { headers: { authorization: reader.credential() } });
    assert.equal(last().headers.authorization, undefined);
  });

  test('a route priced for some methods lets the others through free', async () => {
    const res = await fetch(`${proxy.url}/api/submit`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'POST /api/submit from upstream');
    assert.equal(res.headers.get('paychan-receipt'), null);
  });

  test('an unreachable upstream gets 502 problem+json', async () => {
    await new Promise((r) => {
      upstream.server.close(r);
      upstream.server.closeAllConnections();
    });
    const res = await fetch(`${proxy.url}/free/hello`);
    assert.equal(res.status, 502);
    assert.match(res.headers.get('content-type')!, /application\/problem\+json/);
    const problem = await res.json();
    assert.equal(problem.status, 502);
    assert.equal(problem.code, 'BAD_GATEWAY');
  });
});
