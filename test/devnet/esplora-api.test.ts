import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Transaction } from 'bitcoinjs-lib';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { ACTIVATION_HEIGHT, startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { assertEsploraError, fund, spend, testKey } from './helpers.ts';

let devnet: Devnet;
let client: EsploraClient;

before(async () => {
  devnet = await startDevnet({ port: 0 });
  client = new EsploraClient(devnet.url);
});

after(async () => {
  await devnet.stop();
});

test('starts past segwit/CSV activation and reports the tip consistently', async () => {
  const height = await client.getTipHeight();
  assert.ok(height >= ACTIVATION_HEIGHT);
  assert.equal(height, await devnet.tipHeight());
  const hash = await client.getTipHash();
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(await client.getBlockHash(height), hash);
  assert.notEqual(await client.getBlockHash(height - 1), hash);
  await assertEsploraError(client.getBlockHash(height + 1), 404, /Block not found/);
});

test('fee estimates are a table of targets to rates of at least 2 sat/vB', async () => {
  const estimates = await client.getFeeEstimates();
  for (const target of ['1', '2', '3', '6', '144', '1008']) assert.ok(target in estimates, `target ${target}`);
  for (const rate of Object.values(estimates)) assert.ok(rate >= 2);
});

test('a faucet payment is an unconfirmed UTXO until mined, then confirmed in the tip block', async () => {
  const key = testKey('utxo');
  const txid = await devnet.faucet(key.address, 123_456n);
  const [utxo, ...rest] = await client.getAddressUtxos(key.address);
  assert.deepEqual(rest, []);
  assert.deepEqual(utxo, { txid, vout: utxo!.vout, value: 123_456n, status: { confirmed: false } });
  assert.deepEqual(await client.getTxStatus(txid), { confirmed: false });

  const height = await devnet.mine(1);
  const hash = await client.getBlockHash(height);
  const [confirmed] = await client.getAddressUtxos(key.address);
  assert.equal(confirmed!.txid, txid);
  assert.equal(confirmed!.status.confirmed, true);
  assert.equal(confirmed!.status.block_height, height);
  assert.equal(confirmed!.status.block_hash, hash);
  assert.ok(confirmed!.status.block_time! > 1_500_000_000);
  assert.deepEqual(await client.getTxStatus(txid), confirmed!.status);
});

test('transaction JSON has Esplora field names and consistent values', async () => {
  const key = testKey('shapes');
  const txid = await devnet.faucet(key.address, 50_000n);
  const wire = (await (await fetch(`${devnet.url}/tx/${txid}`)).json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(wire).sort(), ['fee', 'locktime', 'size', 'status', 'txid', 'version', 'vin', 'vout', 'weight']);
  const vin0 = (wire.vin as Record<string, unknown>[])[0]!;
  assert.deepEqual(Object.keys(vin0).sort(), ['is_coinbase', 'prevout', 'scriptsig', 'sequence', 'txid', 'vout', 'witness']);
  const vout0 = (wire.vout as Record<string, unknown>[])[0]!;
  assert.deepEqual(Object.keys(vout0).sort(), ['scriptpubkey', 'scriptpubkey_address', 'scriptpubkey_type', 'value']);
  assert.equal(typeof vout0.value, 'number');

  const tx = await client.getTx(txid);
  assert.equal(tx.txid, txid);
  assert.deepEqual(tx.status, { confirmed: false });
  const paid = tx.vout.find((o) => o.scriptpubkey_address === key.address);
  assert.deepEqual(paid, {
    scriptpubkey: Buffer.from(key.script).toString('hex'),
    scriptpubkey_address: key.address,
    scriptpubkey_type: 'v0_p2wpkh',
    value: 50_000n,
  });
  const input = tx.vin[0]!;
  assert.equal(input.is_coinbase, false);
  assert.equal(input.scriptsig, '');
  assert.equal(input.witness?.length, 2);
  assert.equal(input.prevout?.scriptpubkey_type, 'v0_p2wpkh');
  assert.equal(input.prevout?.scriptpubkey_address, devnet.minerAddress);
  const inputs = tx.vin.reduce((sum, i) => sum + i.prevout!.value, 0n);
  const outputs = tx.vout.reduce((sum, o) => sum + o.value, 0n);
  assert.equal(tx.fee, inputs - outputs);
  assert.ok(tx.fee * 4n >= 2n * BigInt(tx.weight), 'the faucet pays at least 2 sat/vB');

  const hex = await client.getTxHex(txid);
  const decoded = Transaction.fromHex(hex);
  assert.equal(decoded.getId(), txid);
  assert.equal(tx.size, hex.length / 2);
  assert.equal(tx.weight, decoded.weight());
  assert.equal(tx.version, decoded.version);
  assert.equal(tx.locktime, decoded.locktime);
  assert.equal(input.sequence, decoded.ins[0]!.sequence);
});

test('coinbase transactions have a null prevout, a zero txid and no fee', async () => {
  const key = testKey('coinbase');
  await devnet.mine(1, key.address);
  const [coinbase] = await client.getAddressTxs(key.address);
  assert.ok(coinbase);
  const input = coinbase.vin[0]!;
  assert.equal(input.is_coinbase, true);
  assert.equal(input.prevout, null);
  assert.equal(input.txid, '0'.repeat(64));
  assert.equal(input.vout, 0xffffffff);
  assert.equal(coinbase.fee, 0n);
  assert.equal(coinbase.status.block_height, await devnet.tipHeight());
  const utxos = await client.getAddressUtxos(key.address);
  assert.equal(utxos.length, 1);
  assert.equal(utxos[0]!.txid, coinbase.txid);
});

test('address summary and history count funding and spending, newest first', async () => {
  const key = testKey('history');
  const other = testKey('history-other');
  const coin = await fund(devnet, client, key, 80_000n);
  await devnet.mine(1);
  const payment = spend(key, coin, [{ script: other.script, value: 30_000n }]);
  await client.broadcast(payment.hex);

  const info = await client.getAddress(key.address);
  assert.equal(info.address, key.address);
  assert.deepEqual(info.chain_stats, {
    tx_count: 1,
    funded_txo_count: 1,
    funded_txo_sum: 80_000n,
    spent_txo_count: 0,
    spent_txo_sum: 0n,
  });
  assert.deepEqual(info.mempool_stats, {
    tx_count: 1,
    funded_txo_count: 1,
    funded_txo_sum: 80_000n - 30_000n - payment.fee,
    spent_txo_count: 1,
    spent_txo_sum: 80_000n,
  });
  const txs = await client.getAddressTxs(key.address);
  assert.deepEqual(
    txs.map((t) => t.txid),
    [payment.txid, coin.txid],
  );
});

test('malformed input is refused with 400 and a reason; unknown things are 404', async () => {
  await assertEsploraError(client.broadcast('not hex'), 400, /TX decode failed/);
  await assertEsploraError(client.broadcast('0200'), 400, /TX decode failed/);
  await assertEsploraError(client.broadcast(''), 400, /TX decode failed/);
  await assertEsploraError(client.getTx('xyz'), 400, /Invalid txid/);
  await assertEsploraError(client.getAddressUtxos('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'), 400, /Invalid regtest address/);
  await assertEsploraError(client.getOutspend('00'.repeat(32), -1), 400, /Invalid vout/);
  await assertEsploraError(client.getTx('00'.repeat(32)), 404, /Transaction not found/);
  await assertEsploraError(client.getOutspends('00'.repeat(32)), 404, /Transaction not found/);
  assert.deepEqual(await client.getTxStatus('00'.repeat(32)), { confirmed: false });
  assert.deepEqual(await client.getOutspend('00'.repeat(32), 0), { spent: false });
  const res = await fetch(`${devnet.url}/no/such/route`);
  assert.equal(res.status, 404);
});

test('a transaction spending an unknown output is refused as missing inputs and not kept', async () => {
  const key = testKey('orphan');
  const ghost = { txid: 'ab'.repeat(32), vout: 0, value: 10_000n, status: { confirmed: false } };
  const tx = spend(key, ghost, [{ script: key.script, value: 5_000n }]);
  await assertEsploraError(client.broadcast(tx.hex), 400, /^bad-txns-inputs-missingorspent$/);
  await assertEsploraError(client.getTx(tx.txid), 404, /Transaction not found/);
});

test('a double spend is refused, in the mempool and once the first spend is mined', async () => {
  const key = testKey('double');
  const coin = await fund(devnet, client, key, 60_000n);
  const first = spend(key, coin, [{ script: testKey('double-a').script, value: 20_000n }]);
  const second = spend(key, coin, [{ script: testKey('double-b').script, value: 20_000n }]);
  assert.equal(await client.broadcast(first.hex), first.txid);
  assert.equal(await client.broadcast(first.hex), first.txid, 'rebroadcasting a mempool transaction is harmless');
  await assertEsploraError(client.broadcast(second.hex), 400, /^bad-txns-inputs-spent$/);
  await devnet.mine(1);
  await assertEsploraError(client.broadcast(second.hex), 400, /^bad-txns-inputs-missingorspent$/);
  await assertEsploraError(client.broadcast(first.hex), 400, /already in block chain/);
});

test('relay policy is mainnet-like: a dust output is refused', async () => {
  const key = testKey('dust');
  const coin = await fund(devnet, client, key, 40_000n);
  const tx = spend(key, coin, [{ script: testKey('dust-b').script, value: 100n }]);
  await assertEsploraError(client.broadcast(tx.hex), 400, /dust/);
});

test('outspends follow an output from unspent to spent in the mempool to spent in a block', async () => {
  const key = testKey('outspend');
  const coin = await fund(devnet, client, key, 70_000n);
  assert.deepEqual(await client.getOutspend(coin.txid, coin.vout), { spent: false });
  const outspends = await client.getOutspends(coin.txid);
  assert.equal(outspends.length, (await client.getTx(coin.txid)).vout.length);
  assert.ok(outspends.every((o) => !o.spent));

  const spender = spend(key, coin, [{ script: testKey('outspend-b').script, value: 10_000n }]);
  await client.broadcast(spender.hex);
  assert.deepEqual(await client.getOutspend(coin.txid, coin.vout), {
    spent: true,
    txid: spender.txid,
    vin: 0,
    status: { confirmed: false },
  });
  assert.deepEqual((await client.getOutspends(coin.txid))[coin.vout], await client.getOutspend(coin.txid, coin.vout));

  const height = await devnet.mine(1);
  const mined = await client.getOutspend(coin.txid, coin.vout);
  assert.equal(mined.spent, true);
  assert.equal(mined.txid, spender.txid);
  assert.equal(mined.vin, 0);
  assert.equal(mined.status?.confirmed, true);
  assert.equal(mined.status?.block_height, height);
  assert.equal(mined.status?.block_hash, await client.getBlockHash(height));
  assert.deepEqual(await client.getOutspend(coin.txid, 99), { spent: false });
});

test('CORS is open and preflight requests are answered', async () => {
  const get = await fetch(`${devnet.url}/blocks/tip/height`);
  assert.equal(get.headers.get('access-control-allow-origin'), '*');
  const preflight = await fetch(`${devnet.url}/tx`, {
    method: 'OPTIONS',
    headers: { Origin: 'chrome-extension://abc', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/i);
});
