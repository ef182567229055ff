import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESPLORA_URLS, EsploraClient, EsploraError, type FetchLike } from '../../src/chain/esplora.ts';

const TXID = 'ab'.repeat(32);
const HASH = 'cd'.repeat(32);

interface Call {
  url: string;
  method: string;
  body: string | undefined;
}

/** A fetch that answers from a table of `METHOD url` → [status, body] and records each call. */
function fakeFetch(routes: Record<string, [number, string]>): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const method = init?.method ?? 'GET';
    calls.push({ url, method, body: typeof init?.body === 'string' ? init.body : undefined });
    const route = routes[`${method} ${url}`];
    if (!route) return new Response('not found', { status: 404 });
    return new Response(route[1], { status: route[0] });
  };
  return { fetch, calls };
}

const json = (value: unknown): [number, string] => [200, JSON.stringify(value)];

test('default URLs cover every network, regtest being the local devnet', () => {
  assert.equal(ESPLORA_URLS.mainnet, 'https://mempool.space/api');
  assert.equal(ESPLORA_URLS.testnet4, 'https://mempool.space/testnet4/api');
  assert.equal(ESPLORA_URLS.testnet3, 'https://mempool.space/testnet/api');
  assert.equal(ESPLORA_URLS.signet, 'https://mempool.space/signet/api');
  assert.equal(ESPLORA_URLS.regtest, 'http://127.0.0.1:3002');
});

test('requests go to the base URL (trailing slash dropped) with path segments escaped', async () => {
  const { fetch, calls } = fakeFetch({ 'GET https://x.test/api/address/a%2Fb/utxo': json([]) });
  const client = new EsploraClient('https://x.test/api/', fetch);
  assert.deepEqual(await client.getAddressUtxos('a/b'), []);
  assert.equal(calls[0]!.url, 'https://x.test/api/address/a%2Fb/utxo');
});

test('satoshi amounts become bigint and optional fields stay optional', async () => {
  const vout = { scriptpubkey: '0014' + '11'.repeat(20), scriptpubkey_type: 'v0_p2wpkh', scriptpubkey_address: 'bcrt1q', value: 2_099_999_997_690_000 };
  const tx = {
    txid: TXID,
    version: 2,
    locktime: 0,
    vin: [{ txid: HASH, vout: 1, prevout: vout, scriptsig: '', witness: ['00', 'ff'], is_coinbase: false, sequence: 4294967293 }],
    vout: [{ scriptpubkey: '6a', scriptpubkey_type: 'op_return', value: 0 }],
    size: 100,
    weight: 400,
    fee: 141,
    status: { confirmed: true, block_height: 5, block_hash: HASH, block_time: 1_700_000_000 },
  };
  const { fetch } = fakeFetch({
    [`GET https://x.test/tx/${TXID}`]: json(tx),
    'GET https://x.test/address/bcrt1q/utxo': json([{ txid: TXID, vout: 0, value: 5000, status: { confirmed: false } }]),
    [`GET https://x.test/tx/${TXID}/outspend/0`]: json({ spent: true, txid: HASH, vin: 0, status: { confirmed: false } }),
    [`GET https://x.test/tx/${TXID}/outspends`]: json([{ spent: false }, { spent: true }]),
    'GET https://x.test/address/bcrt1q': json({
      address: 'bcrt1q',
      chain_stats: { tx_count: 1, funded_txo_count: 1, funded_txo_sum: 5000, spent_txo_count: 0, spent_txo_sum: 0 },
      mempool_stats: { tx_count: 0, funded_txo_count: 0, funded_txo_sum: 0, spent_txo_count: 0, spent_txo_sum: 0 },
    }),
  });
  const client = new EsploraClient('https://x.test', fetch);
  const got = await client.getTx(TXID);
  assert.equal(got.vin[0]!.prevout!.value, 2_099_999_997_690_000n);
  assert.deepEqual(got.vin[0]!.witness, ['00', 'ff']);
  assert.equal(got.fee, 141n);
  assert.deepEqual(got.vout[0], { scriptpubkey: '6a', scriptpubkey_type: 'op_return', value: 0n });
  assert.deepEqual(got.status, tx.status);
  assert.deepEqual(await client.getAddressUtxos('bcrt1q'), [{ txid: TXID, vout: 0, value: 5000n, status: { confirmed: false } }]);
  assert.deepEqual(await client.getOutspend(TXID, 0), { spent: true, txid: HASH, vin: 0, status: { confirmed: false } });
  assert.deepEqual(await client.getOutspends(TXID), [{ spent: false }, { spent: true }]);
  assert.equal((await client.getAddress('bcrt1q')).chain_stats.funded_txo_sum, 5000n);
});

test('text endpoints are parsed strictly', async () => {
  const { fetch } = fakeFetch({
    'GET https://x.test/blocks/tip/height': [200, '812345'],
    'GET https://x.test/blocks/tip/hash': [200, HASH],
    'GET https://x.test/block-height/7': [200, HASH],
    [`GET https://x.test/tx/${TXID}/hex`]: [200, '0200'],
    'GET https://x.test/fee-estimates': json({ '1': 20.5, '6': 3, '144': 1.01 }),
  });
  const client = new EsploraClient('https://x.test', fetch);
  assert.equal(await client.getTipHeight(), 812345);
  assert.equal(await client.getTipHash(), HASH);
  assert.equal(await client.getBlockHash(7), HASH);
  assert.equal(await client.getTxHex(TXID), '0200');
  assert.deepEqual(await client.getFeeEstimates(), { '1': 20.5, '6': 3, '144': 1.01 });
});

test('broadcast posts the hex and returns the txid', async () => {
  const { fetch, calls } = fakeFetch({ 'POST https://x.test/tx': [200, TXID] });
  assert.equal(await new EsploraClient('https://x.test', fetch).broadcast('0200'), TXID);
  assert.deepEqual(calls, [{ url: 'https://x.test/tx', method: 'POST', body: '0200' }]);
});

test('a rejected broadcast throws EsploraError with the status and the node reason', async () => {
  const body = 'sendrawtransaction RPC error: {"code":-26,"message":"non-final"}';
  const { fetch } = fakeFetch({ 'POST https://x.test/tx': [400, body] });
  const err = await new EsploraClient('https://x.test', fetch).broadcast('0200').catch((e: unknown) => e);
  assert.ok(err instanceof EsploraError);
  assert.equal(err.status, 400);
  assert.equal(err.reason, 'non-final');
  assert.equal(err.body, body);
  assert.match(err.message, /400.*non-final/);
});

test('a plain-text error body is the reason itself', async () => {
  const { fetch } = fakeFetch({ [`GET https://x.test/tx/${TXID}`]: [404, 'Transaction not found'] });
  const err = await new EsploraClient('https://x.test', fetch).getTx(TXID).catch((e: unknown) => e);
  assert.ok(err instanceof EsploraError);
  assert.equal(err.status, 404);
  assert.equal(err.reason, 'Transaction not found');
});

test('malformed responses are refused rather than passed on', async () => {
  const { fetch } = fakeFetch({
    'GET https://x.test/address/a/utxo': json([{ txid: TXID, vout: 0, value: 1.5, status: { confirmed: false } }]),
    'GET https://x.test/address/b/utxo': json([{ txid: TXID, vout: 0, value: -1, status: { confirmed: false } }]),
    'GET https://x.test/address/c/utxo': json({ not: 'a list' }),
    'GET https://x.test/address/d/utxo': [200, '<html>'],
    'GET https://x.test/blocks/tip/height': [200, '12abc'],
    'POST https://x.test/tx': [200, 'ok'],
    [`GET https://x.test/tx/${TXID}/status`]: json({ confirmed: true }),
  });
  const client = new EsploraClient('https://x.test', fetch);
  // One at a time: requests are paced, so a call made early could fail before anyone awaits it.
  for (const call of [
    () => client.getAddressUtxos('a'),
    () => client.getAddressUtxos('b'),
    () => client.getAddressUtxos('c'),
    () => client.getAddressUtxos('d'),
    () => client.getTipHeight(),
    () => client.broadcast('00'),
    () => client.getTxStatus(TXID),
  ]) {
    await assert.rejects(call(), (err: unknown) => err instanceof EsploraError && /malformed/.test(err.message));
  }
});

test('a network failure is an EsploraError with status 0', async () => {
  let attempts = 0;
  const client = new EsploraClient(
    'https://x.test',
    async () => {
      attempts++;
      throw new TypeError('fetch failed');
    },
    { backoffMs: 1 },
  );
  await assert.rejects(client.getTipHeight(), (err: unknown) => err instanceof EsploraError && err.status === 0 && /fetch failed/.test(err.message));
  assert.equal(attempts, 4, 'tried again three times before giving up');
});

test('a rate limit (429) is waited out up to eight times, a failing server only three', async () => {
  const refusing = (status: number, times: number) => {
    let attempts = 0;
    const fetch: FetchLike = async () => (++attempts <= times ? new Response('slow down', { status, headers: { 'retry-after': '0' } }) : new Response('7'));
    return { fetch, attempts: () => attempts };
  };
  const limited = refusing(429, 8);
  assert.equal(await new EsploraClient('https://x.test', limited.fetch, { backoffMs: 1 }).getTipHeight(), 7);
  assert.equal(limited.attempts(), 9, 'eight refusals, then the answer');
  const tooLimited = refusing(429, 9);
  await assert.rejects(new EsploraClient('https://x.test', tooLimited.fetch, { backoffMs: 1 }).getTipHeight(), { status: 429 });
  const failing = refusing(503, 4);
  await assert.rejects(new EsploraClient('https://x.test', failing.fetch, { backoffMs: 1 }).getTipHeight(), { status: 503 });
  assert.equal(failing.attempts(), 4, 'a 5xx: tried again three times');
});

test('the default fetch is called unbound, as browsers require', async () => {
  const original = globalThis.fetch;
  const receivers: unknown[] = [];
  globalThis.fetch = async function (this: unknown) {
    receivers.push(this);
    return new Response('3');
  } as typeof fetch;
  try {
    assert.equal(await new EsploraClient('https://x.test').getTipHeight(), 3);
    assert.equal(receivers.length, 1);
    assert.ok(receivers[0] === undefined || receivers[0] === globalThis);
  } finally {
    globalThis.fetch = original;
  }
});
