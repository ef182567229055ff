/** The proxy's pieces that need no chain: path normalisation, config checking, and the 504 on a silent upstream. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { silentLogger } from '../../src/server/logger.ts';
import { loadProxyConfig, startProxy } from '../../src/server/proxy/index.ts';
import { normalizeTarget } from '../../src/server/http/path.ts';
import { TEST_SEED, tempDbPath } from './helpers/server.ts';

describe('proxy request targets', () => {
  test('dot segments, unreserved escapes and repeated slashes are resolved; the query is kept', () => {
    const cases: [string, string][] = [
      ['/', '/'],
      ['/a/b?x=1/../y', '/a/b?x=1/../y'],
      ['/free/../articles/1', '/articles/1'],
      ['/./a/./b/', '/a/b/'],
      ['/a/b/..', '/a/'],
      ['/../../etc', '/etc'],
      ['/%61rticles/%7Euser', '/articles/~user'],
      ['/%2e%2E/x', '/x'],
      ['/a%20b%3f', '/a%20b%3F'],
      ['//a///b', '/a/b'],
      ['http://example.com/a/../b?q', '/b?q'],
      ['http://example.com', '/'],
    ];
    for (const [input, want] of cases) assert.equal(normalizeTarget(input), want, input);
  });

  test('ambiguous encodings are refused', () => {
    for (const bad of ['/a%2Fb', '/a%2fb', '/a%5Cb', '/a\\b', '/a%00', '/a%zz', '*', 'example.com/a']) assert.equal(normalizeTarget(bad), null, bad);
  });
});

describe('proxy config', () => {
  const tmp = tempDbPath();
  const write = (body: unknown) => {
    const file = join(tmp.dir, `c${Math.random()}.json`);
    writeFileSync(file, JSON.stringify(body));
    return file;
  };

  test('reads proxy and library settings from one file; flags win for listen', () => {
    const file = write({ upstream: 'http://127.0.0.1:9/app/', listen: { port: 8000 }, routes: [{ path: '/a/*', price: '7' }], dbPath: 'x.db', terms: { minDeposit: '20000' } });
    const c = loadProxyConfig({ file, env: { PAYCHAN_FEE_RATE: '5' }, listen: { port: 9000 } });
    assert.equal(c.upstream.href, 'http://127.0.0.1:9/app/');
    assert.deepEqual(c.listen, { port: 9000, host: '127.0.0.1' });
    assert.deepEqual(c.routes, [{ path: '/a/*', price: 7n, methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] }]);
    assert.equal(c.paychan.dbPath, join(tmp.dir, 'x.db'), 'a relative path is taken from the config file\'s directory');
    assert.equal(c.paychan.terms.minDeposit, 20_000n);
    assert.equal(c.paychan.feeRateKvb, 5_000n);
  });

  test('mistakes are reported with where they are', () => {
    const bad: [unknown, RegExp][] = [
      [{ routes: [] }, /upstream is required/],
      [{ upstream: 'ftp://x', routes: [] }, /http\(s\) URL/],
      [{ upstream: 'http://x' }, /routes must be a list/],
      [{ upstream: 'http://x', routes: [{ path: 'a', price: 1 }] }, /routes\[0\].*path must start with \//],
      [{ upstream: 'http://x', routes: [{ path: '/a/*/b', price: 1 }] }, /may only end in \*/],
      [{ upstream: 'http://x', routes: [{ path: '/a', price: 1.5 }] }, /whole number of satoshis/],
      [{ upstream: 'http://x', routes: [{ path: '/a', price: '-1' }] }, /whole number of satoshis/],
      [{ upstream: 'http://x', routes: [{ path: '/a', price: 1, methods: [] }] }, /methods/],
      [{ upstream: 'http://x', routes: [], dbPat: 'typo' }, /dbPat is not a setting/],
    ];
    for (const [body, message] of bad) assert.throws(() => loadProxyConfig({ file: write(body), env: {} }), message, JSON.stringify(body));
  });

  test('an upstream that never answers gets 504 problem+json', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const file = write({
      upstream: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      listen: { port: 0 },
      routes: [],
      upstreamTimeoutMs: 200,
      dbPath: join(tmp.dir, 'p.db'),
    });
    const proxy = await startProxy(loadProxyConfig({ file, env: {} }), { seed: TEST_SEED, logger: silentLogger });
    try {
      const res = await fetch(`${proxy.url}/slow`);
      assert.equal(res.status, 504);
      assert.equal((await res.json()).code, 'GATEWAY_TIMEOUT');
    } finally {
      await proxy.stop();
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
      tmp.cleanup();
    }
  });
});
