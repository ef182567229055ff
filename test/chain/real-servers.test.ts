/**
 * The Esplora client against the devnet playing mempool.space and blockstream.info as they
 * really answer (src/devnet/behaviour.ts): rate limits, ban pages, lost answers, paging, the
 * 500-coin limit, mempool's fee endpoints and fractional rates, and the genesis block.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { classifyBroadcastError } from '../../src/chain/broadcast-verdict.ts';
import { EsploraClient, EsploraError } from '../../src/chain/esplora.ts';
import { HostBudget } from '../../src/chain/request-budget.ts';
import { GENESIS_HASHES, networkOfGenesis } from '../../src/core/network.ts';
import { DEFAULT_BEHAVIOUR, startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { fund, spend, testKey } from '../devnet/helpers.ts';

let devnet: Devnet;

before(async () => {
  devnet = await startDevnet();
});
after(async () => {
  await devnet.stop();
});
afterEach(() => {
  devnet.setBehaviour(DEFAULT_BEHAVIOUR);
});

async function rejection(promise: Promise<unknown>): Promise<EsploraError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof EsploraError, `expected an EsploraError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

/** A signed transaction paying 20,000 sat back to a fresh key, not yet broadcast. */
async function unsentTx(label: string): Promise<{ hex: string; txid: string }> {
  const key = testKey(label);
  const coin = await fund(devnet, new EsploraClient(devnet.url), key, 50_000n);
  const built = spend(key, coin, [{ script: testKey(`${label} payee`).script, value: 20_000n }]);
  return { hex: built.hex, txid: built.txid };
}

describe('broadcasts: only the node refuses', () => {
  test('a 429 on POST /tx is "unavailable", never a refusal, and the node does not have the transaction', async () => {
    const { hex, txid } = await unsentTx('rate limited broadcast');
    devnet.setBehaviour({ rateLimit: { fraction: 1, status: 429, retryAfterSeconds: 1, match: 'POST /tx' } });
    const err = await rejection(new EsploraClient(devnet.url, undefined, { rateLimitRetries: 0 }).broadcast(hex));
    assert.equal(err.status, 429);
    assert.equal(err.retryAfterMs, 1000);
    assert.equal(classifyBroadcastError(err), 'unavailable');
    devnet.setBehaviour(DEFAULT_BEHAVIOUR);
    assert.equal((await new EsploraClient(devnet.url).getTxStatus(txid)).confirmed, false);
    await assert.rejects(new EsploraClient(devnet.url).getTx(txid), (e: unknown) => e instanceof EsploraError && e.status === 404);
  });

  test("a CDN's 403 ban page and a 503 are unavailable too; a 403 is not hammered with retries", async () => {
    const { hex } = await unsentTx('banned broadcast');
    devnet.setBehaviour({ rateLimit: { fraction: 1, status: 403, match: 'POST /tx' } });
    const started = Date.now();
    const banned = await rejection(new EsploraClient(devnet.url).broadcast(hex));
    assert.equal(banned.status, 403);
    assert.equal(banned.reason, '(an HTML page)');
    assert.ok(Date.now() - started < 900, 'no retry after a ban');
    assert.equal(classifyBroadcastError(banned), 'unavailable');
    devnet.setBehaviour({ rateLimit: { fraction: 1, status: 503, match: 'POST /tx' } });
    assert.equal(classifyBroadcastError(await rejection(new EsploraClient(devnet.url, undefined, { retries: 0 }).broadcast(hex))), 'unavailable');
  });

  test("the node's own refusal (400 sendrawtransaction RPC error) is still a refusal", async () => {
    const { hex } = await unsentTx('double spent');
    const client = new EsploraClient(devnet.url);
    await client.broadcast(hex);
    await devnet.mine(1);
    const err = await rejection(client.broadcast(hex));
    assert.equal(err.status, 400);
    assert.match(err.body, /^sendrawtransaction RPC error: \{/);
    assert.notEqual(classifyBroadcastError(err), 'unavailable');
  });

  test('a broadcast whose answer is lost is checked against the chain: the node took it, so it counts as sent', async () => {
    const { hex, txid } = await unsentTx('lost answer');
    devnet.setBehaviour({ loseBroadcastAnswers: true });
    assert.equal(await new EsploraClient(devnet.url).broadcast(hex), txid);
    devnet.setBehaviour(DEFAULT_BEHAVIOUR);
    await new EsploraClient(devnet.url).getTx(txid); // in the mempool
  });

  test('a retry waits as long as Retry-After says, then succeeds', async () => {
    devnet.setBehaviour({ rateLimit: { fraction: 1, status: 429, retryAfterSeconds: 1, match: 'GET /blocks/tip/height' } });
    const started = Date.now();
    const reading = new EsploraClient(devnet.url).getTipHeight();
    await new Promise((resolve) => setTimeout(resolve, 200));
    devnet.setBehaviour({ rateLimit: { fraction: 0 } });
    assert.equal(await reading, await devnet.tipHeight());
    assert.ok(Date.now() - started >= 1000, `waited ${Date.now() - started} ms`);
  });

  test('with a seeded fraction of requests rate-limited, reads still all succeed', async () => {
    devnet.setBehaviour({ rateLimit: { fraction: 0.3, status: 429, retryAfterSeconds: 0, seed: 7 } });
    const client = new EsploraClient(devnet.url, undefined, { rateLimitRetries: 6 });
    const tip = await devnet.tipHeight();
    for (let h = tip - 10; h <= tip; h++) assert.match(await client.getBlockHash(h), /^[0-9a-f]{64}$/);
  });
});

describe('address history and coins as the real servers page them', () => {
  const key = testKey('thirty transactions');
  let confirmed: string[] = [];
  let unconfirmed: string[] = [];

  before(async () => {
    confirmed = [];
    for (let i = 0; i < 30; i++) confirmed.push(await devnet.faucet(key.address, 10_000n + BigInt(i)));
    await devnet.mine(1);
    unconfirmed = [];
    for (let i = 0; i < 25; i++) unconfirmed.push(await devnet.faucet(key.address, 20_000n + BigInt(i)));
  });

  test("Blockstream's paging: 50 unconfirmed and 25 confirmed, then /txs/chain/:last_seen_txid", async () => {
    const txs = await new EsploraClient(devnet.url).getAddressTxs(key.address);
    assert.equal(txs.length, 55);
    assert.deepEqual(new Set(txs.map((t) => t.txid)), new Set([...confirmed, ...unconfirmed]));
    assert.ok(txs.slice(0, 25).every((t) => !t.status.confirmed), 'unconfirmed first');
  });

  test("mempool's paging: 50 at a time with ?after_txid", async () => {
    devnet.setBehaviour({ flavour: 'mempool' });
    const txs = await new EsploraClient(devnet.url).getAddressTxs(key.address);
    assert.equal(txs.length, 55);
    assert.deepEqual(new Set(txs.map((t) => t.txid)), new Set([...confirmed, ...unconfirmed]));
  });

  test('more coins than /utxo will list (400 "Too many unspent transaction outputs") are read from the history', async () => {
    devnet.setBehaviour({ utxoLimit: 20 });
    const coins = await new EsploraClient(devnet.url).getAddressUtxos(key.address);
    assert.equal(coins.length, 55);
    const total = coins.reduce((sum, c) => sum + c.value, 0n);
    assert.equal(total, 30n * 10_000n + 435n + 25n * 20_000n + 300n);
    assert.equal(coins.filter((c) => c.status.confirmed).length, 30);
  });
});

describe('fee rates', () => {
  test("Blockstream's /fee-estimates where there is no mempool backend", async () => {
    const rates = await new EsploraClient(devnet.url).getFeeRates();
    assert.equal(rates.source, 'esplora');
    assert.deepEqual(rates.byTarget.slice(0, 2), [
      [1, 5000n],
      [2, 4000n],
    ]);
    assert.equal(rates.minRelay, null);
  });

  test("mempool's /v1/fees/precise, fractional and below 1 sat/vB, with its minimum fee; /fee-estimates deprecated (203)", async () => {
    devnet.setBehaviour({ flavour: 'mempool', feeRates: { '1': 1.5, '3': 0.75, '6': 0.5, '144': 0.1 } });
    const client = new EsploraClient(devnet.url);
    const rates = await client.getFeeRates();
    assert.equal(rates.source, 'mempool');
    assert.deepEqual(rates.byTarget, [
      [1, 1500n],
      [3, 750n],
      [6, 500n],
      [144, 100n],
    ]);
    assert.equal(rates.minRelay, 2000n, "the devnet's minimum: its miner takes nothing cheaper");
    const res = await fetch(`${devnet.url}/fee-estimates`);
    assert.equal(res.status, 203);
    assert.match(res.headers.get('warning') ?? '', /deprecated/i);
    assert.deepEqual(await client.getFeeEstimates(), { '1': 1.5, '3': 0.75, '6': 0.5, '144': 0.1 });
  });

  test('a fee endpoint answering 503 is an error, not a made-up rate', async () => {
    devnet.setBehaviour({ feesDown: true });
    const err = await rejection(new EsploraClient(devnet.url, undefined, { retries: 0 }).getFeeRates());
    assert.equal(err.status, 503);
  });
});

test("the devnet's block 0 is Bitcoin Core's regtest genesis, which names the network", async () => {
  const genesis = await new EsploraClient(devnet.url).getBlockHash(0);
  assert.equal(genesis, GENESIS_HASHES.regtest);
  assert.equal(networkOfGenesis(genesis), 'regtest');
  assert.equal(networkOfGenesis(GENESIS_HASHES.testnet4), 'testnet4');
  assert.equal(networkOfGenesis(GENESIS_HASHES.testnet3), 'testnet3');
});

test('the behaviour endpoint refuses what it does not know and changes nothing then', async () => {
  const res = await fetch(`${devnet.url}/devnet/behaviour`, { method: 'POST', body: JSON.stringify({ rateLimit: { fraction: 2 } }) });
  assert.equal(res.status, 400);
  assert.deepEqual(await (await fetch(`${devnet.url}/devnet/behaviour`)).json(), DEFAULT_BEHAVIOUR);
  const set = await fetch(`${devnet.url}/devnet/behaviour`, { method: 'POST', body: JSON.stringify({ flavour: 'mempool', rateLimit: { fraction: 0.5, seed: 3 } }) });
  assert.equal(set.status, 200);
  const now = (await set.json()) as typeof DEFAULT_BEHAVIOUR;
  assert.deepEqual([now.flavour, now.rateLimit.fraction, now.rateLimit.seed, now.rateLimit.status], ['mempool', 0.5, 3, 429]);
});

describe('fewer calls', () => {
  test('a confirmed transaction and an output spent in a block are asked for once; unconfirmed ones every time', async () => {
    const paths: string[] = [];
    const client = new EsploraClient(devnet.url, (input, init) => {
      paths.push(new URL(input).pathname);
      return globalThis.fetch(input, init);
    });
    const { hex, txid } = await unsentTx('cached');
    await client.broadcast(hex);
    await client.getTx(txid);
    await client.getTx(txid);
    assert.equal(paths.filter((p) => p === `/tx/${txid}`).length, 2, 'unconfirmed: asked each time');
    await devnet.mine(1);
    await client.getTx(txid);
    await client.getTx(txid);
    assert.equal((await client.getTxStatus(txid)).confirmed, true);
    assert.equal(paths.filter((p) => p === `/tx/${txid}`).length, 3, 'confirmed: asked once more, then remembered');
    assert.equal(paths.filter((p) => p === `/tx/${txid}/status`).length, 0, 'its status too');
    const input = (await client.getTx(txid)).vin[0]!;
    await client.getOutspend(input.txid, input.vout);
    await client.getOutspend(input.txid, input.vout);
    assert.equal(paths.filter((p) => p === `/tx/${input.txid}/outspend/${input.vout}`).length, 1, 'spent in a block: remembered');
  });
});

test('a host budget keeps requests within its concurrency and rate, and holds them all while the server asked for quiet', async () => {
  const budget = new HostBudget({ concurrency: 2, perSecond: 20 });
  let inFlight = 0;
  let most = 0;
  const starts: number[] = [];
  const work = async () => {
    starts.push(Date.now());
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 120)); // longer than the spacing: only the concurrency cap holds a third back
    inFlight--;
  };
  await Promise.all(Array.from({ length: 6 }, () => budget.run(work)));
  assert.equal(most, 2);
  for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 45, `start ${i} came ${starts[i]! - starts[i - 1]!} ms after the one before`);
  budget.pause(300);
  const paused = Date.now();
  await budget.run(async () => undefined);
  assert.ok(Date.now() - paused >= 295, 'held back by Retry-After');
});
