import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksPriced, wrapFetch } from '../../src/extension/content/fetch-wrapper.ts';
import type { PageOutcome } from '../../src/extension/shared/paywall-views.ts';
import { isPayAnswer, isPayAsk, targetOrigin } from '../../src/extension/content/bridge.ts';

const CHALLENGE = 'Paychan realm="paychan", version="1", price="10"';

/** A fake network: a priced URL answers 402 until "paid" flips, like a DNR rule appearing. */
function fakeNet() {
  const state = { paid: false, calls: [] as { url: string; method: string; body: string | null }[] };
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    state.calls.push({ url: req.url, method: req.method, body: req.body ? await req.text() : null });
    if (req.url.includes('/free')) return new Response('free', { status: 200 });
    if (req.url.includes('/other402')) return new Response('pay elsewhere', { status: 402, headers: { 'WWW-Authenticate': 'L402 invoice="x"' } });
    if (!state.paid) return new Response('<h1>10 sat</h1>', { status: 402, headers: { 'WWW-Authenticate': CHALLENGE } });
    return new Response('the article', { status: 200 });
  };
  return { state, fetchImpl: fetchImpl as typeof fetch };
}

describe('page fetch wrapper', () => {
  it('holds the page, pays, retries and hands back the paid response', async () => {
    const { state, fetchImpl } = fakeNet();
    const asked: [string, string][] = [];
    const f = wrapFetch(fetchImpl, async (url, method) => {
      asked.push([url, method]);
      state.paid = true;
      return 'paid';
    });
    const res = await f('https://news.example/a/1', { method: 'POST', body: 'q=1' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'the article');
    assert.deepEqual(asked, [['https://news.example/a/1', 'POST']]);
    assert.equal(state.calls.length, 2);
    assert.deepEqual(state.calls.map((c) => c.body), ['q=1', 'q=1']);
  });

  it('replays a Request body on the retry', async () => {
    const { state, fetchImpl } = fakeNet();
    const f = wrapFetch(fetchImpl, async () => {
      state.paid = true;
      return 'paid';
    });
    const res = await f(new Request('https://news.example/api', { method: 'PUT', body: 'payload' }));
    assert.equal(res.status, 200);
    assert.deepEqual(state.calls.map((c) => [c.method, c.body]), [['PUT', 'payload'], ['PUT', 'payload']]);
  });

  for (const outcome of ['denied', 'failed', 'not-priced'] as PageOutcome[]) {
    it(`falls back to the original 402 when the answer is ${outcome}`, async () => {
      const { state, fetchImpl } = fakeNet();
      const f = wrapFetch(fetchImpl, async () => outcome);
      const res = await f('https://news.example/a/1');
      assert.equal(res.status, 402);
      assert.equal(await res.text(), '<h1>10 sat</h1>');
      assert.equal(state.calls.length, 1);
    });
  }

  it('falls back to the original 402 on timeout, so the page never hangs', async () => {
    const { state, fetchImpl } = fakeNet();
    const f = wrapFetch(fetchImpl, () => new Promise<PageOutcome>(() => undefined), 50);
    const started = Date.now();
    const res = await f('https://news.example/a/1');
    assert.equal(res.status, 402);
    assert.ok(Date.now() - started < 1000);
    assert.equal(state.calls.length, 1);
  });

  it('falls back when the background throws, and when the retry fails on the network', async () => {
    const { fetchImpl } = fakeNet();
    const f = wrapFetch(fetchImpl, async () => {
      throw new Error('extension reloaded');
    });
    assert.equal((await f('https://news.example/a')).status, 402);
    let n = 0;
    const flaky = (async (input: RequestInfo | URL, init?: RequestInit) => (n++ === 0 ? fetchImpl(input, init) : Promise.reject(new TypeError('offline')))) as typeof fetch;
    const g = wrapFetch(flaky, async () => 'paid');
    assert.equal((await g('https://news.example/a')).status, 402);
  });

  it('gives up waiting when the page aborts', async () => {
    const { fetchImpl } = fakeNet();
    const ctl = new AbortController();
    const f = wrapFetch(fetchImpl, () => new Promise<PageOutcome>(() => undefined), 60_000);
    const p = f('https://news.example/a', { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 20);
    assert.equal((await p).status, 402);
  });

  it('leaves everything else alone', async () => {
    const { state, fetchImpl } = fakeNet();
    let asked = 0;
    const f = wrapFetch(fetchImpl, async () => {
      asked++;
      return 'paid';
    });
    assert.equal((await f('https://news.example/free')).status, 200);
    assert.equal((await f('https://news.example/other402')).status, 402);
    assert.equal(asked, 0);
    assert.equal(state.calls.length, 2);
  });

  it('asks when a cross-origin 402 hides its WWW-Authenticate', () => {
    assert.equal(looksPriced(402, { get: () => null }), true);
    assert.equal(looksPriced(402, { get: () => CHALLENGE }), true);
    assert.equal(looksPriced(402, { get: () => 'Basic realm="a", paychan realm="b"' }), true);
    assert.equal(looksPriced(402, { get: () => 'L402 x="paychanish"' }), false);
    assert.equal(looksPriced(200, { get: () => CHALLENGE }), false);
  });
});

describe('MAIN/ISOLATED bridge messages', () => {
  it('accepts only messages of the right shape (the port is private; there is no nonce to check)', () => {
    const ask = { id: 1, url: 'https://a/', method: 'GET' };
    assert.equal(isPayAsk(ask), true);
    assert.equal(isPayAsk({ ...ask, url: 1 }), false);
    assert.equal(isPayAsk(null), false);
    const answer = { id: 1, outcome: 'paid' };
    assert.equal(isPayAnswer(answer), true);
    assert.equal(isPayAnswer({ ...answer, outcome: 'credential:abc' }), false);
    assert.equal(targetOrigin('https://a.example'), 'https://a.example');
    assert.equal(targetOrigin('null'), '*');
  });
});
