import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { ACTIVATION_HEIGHT, startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { testKey } from './helpers.ts';

let devnet: Devnet;
let client: EsploraClient;

before(async () => {
  devnet = await startDevnet({ port: 0 });
  client = new EsploraClient(devnet.url);
});

after(async () => {
  await devnet.stop();
});

async function post(path: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${devnet.url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

test('POST /devnet/faucet pays an address and answers its txid', async () => {
  const key = testKey('http-faucet');
  const res = await post('/devnet/faucet', { address: key.address, sats: 25_000 });
  assert.equal(res.status, 200);
  const { txid } = JSON.parse(res.text) as { txid: string };
  const utxos = await client.getAddressUtxos(key.address);
  assert.deepEqual(
    utxos.map((u) => [u.txid, u.value]),
    [[txid, 25_000n]],
  );
  const asString = await post('/devnet/faucet', { address: key.address, sats: '7000' });
  assert.equal(asString.status, 200);
});

test('POST /devnet/mine mines blocks, to the miner or to a given address', async () => {
  const start = await client.getTipHeight();
  const res = await post('/devnet/mine', { blocks: 3 });
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.text), { height: start + 3 });
  assert.equal(await client.getTipHeight(), start + 3);

  const key = testKey('http-mine');
  const toKey = await post('/devnet/mine', { blocks: 1, address: key.address });
  assert.deepEqual(JSON.parse(toKey.text), { height: start + 4 });
  const [reward] = await client.getAddressUtxos(key.address);
  assert.equal(reward?.status.block_height, start + 4);
});

test('dev endpoints refuse malformed requests with 400 and a reason', async () => {
  const key = testKey('http-bad');
  const cases: [string, unknown, RegExp][] = [
    ['/devnet/faucet', 'not json', /JSON object/],
    ['/devnet/faucet', [1, 2], /JSON object/],
    ['/devnet/faucet', { sats: 1000 }, /address must be a string/],
    ['/devnet/faucet', { address: 'bcrt1qnotanaddress', sats: 1000 }, /not a regtest address/],
    ['/devnet/faucet', { address: key.address, sats: 0 }, /sats must be/],
    ['/devnet/faucet', { address: key.address, sats: 1.5 }, /sats must be/],
    ['/devnet/faucet', { address: key.address, sats: -5 }, /sats must be/],
    ['/devnet/faucet', { address: key.address, sats: 1e16 }, /sats must be/],
    ['/devnet/mine', {}, /blocks must be a number/],
    ['/devnet/mine', { blocks: 0 }, /blocks must be a whole number/],
    ['/devnet/mine', { blocks: 2.5 }, /blocks must be a whole number/],
    ['/devnet/mine', { blocks: 1, address: 'nope' }, /not a regtest address/],
  ];
  for (const [path, body, reason] of cases) {
    const res = await post(path, body);
    assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}: ${res.text}`);
    assert.match(res.text, reason);
  }
  const wrongMethod = await fetch(`${devnet.url}/devnet/mine`);
  assert.equal(wrongMethod.status, 404);
});

test('a faucet below the dust threshold is refused by relay policy', async () => {
  const res = await post('/devnet/faucet', { address: testKey('http-dust').address, sats: 10 });
  assert.equal(res.status, 400);
  assert.match(res.text, /dust/);
});

test('many faucet calls in parallel never pick the same coin', async () => {
  const keys = Array.from({ length: 8 }, (_, i) => testKey(`parallel-${i}`));
  const txids = await Promise.all(keys.map((k) => devnet.faucet(k.address, 10_000n)));
  assert.equal(new Set(txids).size, keys.length);
  await devnet.mine(1);
  for (const txid of txids) assert.equal((await client.getTxStatus(txid)).confirmed, true);
});

test('a data directory keeps the chain across restarts without mining activation blocks again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paychan-devnet-'));
  try {
    const key = testKey('persist');
    const first = await startDevnet({ dataDir });
    assert.equal(await first.tipHeight(), ACTIVATION_HEIGHT);
    const txid = await first.faucet(key.address, 42_000n);
    const height = await first.mine(2);
    await first.stop();

    const second = await startDevnet({ dataDir });
    try {
      assert.equal(await second.tipHeight(), height);
      const persisted = new EsploraClient(second.url);
      const status = await persisted.getTxStatus(txid);
      assert.equal(status.block_height, height - 1);
      assert.deepEqual(
        (await persisted.getAddressUtxos(key.address)).map((u) => u.value),
        [42_000n],
      );
      await second.faucet(key.address, 1_000n);
    } finally {
      await second.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the auto-miner mines a block every blockInterval seconds and stops with the devnet', async () => {
  const auto = await startDevnet({ blockInterval: 0.2 });
  try {
    const start = await auto.tipHeight();
    const deadline = Date.now() + 5_000;
    while ((await auto.tipHeight()) < start + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok((await auto.tipHeight()) >= start + 2);
  } finally {
    await auto.stop();
  }
});

test('stop is idempotent and the port is released', async () => {
  const extra = await startDevnet();
  await Promise.all([extra.stop(), extra.stop()]);
  await assert.rejects(fetch(`${extra.url}/blocks/tip/height`));
});
