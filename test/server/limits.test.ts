/** Oversized bodies and slow clients are cut off with a problem answer and leave no trace. */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { fixedTip } from '../../src/server/chain.ts';
import { assertProblem, post, refusedWithoutTrace, type Answer } from './helpers/problems.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';
import { stubChain } from './helpers/synthetic-channel.ts';

/** Sends a request by hand: headers, then `chunks` spaced out by `gapMs`, then waits for the answer. */
function rawRequest(url: string, headers: Record<string, string | number>, chunks: string[], gapMs = 0): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () =>
        resolve({ status: res.statusCode!, contentType: res.headers['content-type'] ?? null, body: JSON.parse(text) as Answer['body'], headers: new Headers(res.headers as Record<string, string>) }),
      );
    });
    req.on('error', reject);
    let i = 0;
    const next = () => {
      if (i < chunks.length) {
        req.write(chunks[i++]!, () => setTimeout(next, gapMs));
      }
    };
    req.flushHeaders();
    next();
  });
}

describe('limits', () => {
  let srv: TestServer;
  const tmp = tempDbPath();
  before(async () => {
    srv = await startServer({ dbPath: tmp.dbPath, chain: stubChain(), tip: fixedTip(1_000), config: { bodyTimeoutMs: 300, maxBodyBytes: 64 * 1024 } });
  });
  after(async () => {
    await srv?.stop();
    tmp.cleanup();
  });

  test('a body declared larger than 64 KiB is refused with 413 before it is read', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(100 * 1024) });
    await refusedWithoutTrace(tmp.dbPath, () => post(`${srv.endpoint}/channels`, big), 413, 'PAYLOAD_TOO_LARGE');
  });

  test('a chunked body that grows past the cap is refused with 413', async () => {
    const chunk = 'x'.repeat(16 * 1024);
    await refusedWithoutTrace(tmp.dbPath, () => rawRequest(`${srv.endpoint}/channels`, { 'content-type': 'application/json' }, ['{"pad":"', ...Array(6).fill(chunk)]), 413, 'PAYLOAD_TOO_LARGE');
  });

  test('a body that arrives too slowly gets 408 TIMEOUT', async () => {
    const started = Date.now();
    const a = await refusedWithoutTrace(tmp.dbPath, () => rawRequest(`${srv.endpoint}/channels`, { 'content-type': 'application/json', 'content-length': 100 }, ['{"vers'], 0), 408, 'TIMEOUT');
    assert.ok(Date.now() - started >= 290, 'answered before the deadline');
    assert.equal(a.headers.get('connection'), 'close');
  });

  test('a client trickling bytes still hits the deadline', async () => {
    const chunks = Array(20).fill(' ');
    await refusedWithoutTrace(tmp.dbPath, () => rawRequest(`${srv.endpoint}/channels`, { 'content-type': 'application/json', 'content-length': 100 }, chunks, 50), 408, 'TIMEOUT');
  });

  test('the server still answers after all that', async () => {
    const r = await fetch(`${srv.endpoint}/terms`);
    assert.equal(r.status, 200);
    assertProblem(await post(`${srv.endpoint}/channels`, '{}'), 400, 'SYNTAX_ERROR');
  });
});
