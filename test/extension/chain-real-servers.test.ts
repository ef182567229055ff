/**
 * The wallet against the devnet playing mempool.space and Blockstream as they really answer
 * (src/devnet/behaviour.ts): sync, sends and channel funding while requests are rate-limited,
 * broadcasts that meet a rate limit, a fee endpoint that is down, and a server on another chain.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { feeForVsize } from '../../src/core/amounts.ts';
import { DEFAULT_BEHAVIOUR, startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { FakeClock, fundedRig, makeRig, PASSWORD, startMerchant, type MerchantRig } from './helpers.ts';
import { LOOKAHEAD_RECHECK_MS } from '../../src/client/wallet/wallet-service.ts';

let devnet: Devnet;
let merchant: MerchantRig;
before(async () => {
  devnet = await startDevnet({ port: 0 });
  merchant = await startMerchant(devnet.url);
});
after(async () => {
  await merchant?.stop();
  await devnet?.stop();
});
afterEach(() => {
  devnet.setBehaviour(DEFAULT_BEHAVIOUR);
});

const PAYEE = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';

test('sync, balances and a send go through while a seeded quarter of requests is rate-limited; the fee is never below the minimum', async () => {
  const rig = await fundedRig(devnet, 400_000n, null);
  devnet.setBehaviour({
    flavour: 'mempool',
    feeRates: { '1': 0.9, '3': 0.6, '6': 0.3, '144': 0.1 },
    rateLimit: { fraction: 0.25, status: 429, retryAfterSeconds: 0, seed: 5, match: 'GET ' },
  });
  const balances = await rig.call('wallet.sync', undefined);
  assert.equal(balances.confirmed, '400000');
  const rates = await rig.call('wallet.feeRates', undefined);
  assert.deepEqual([rates.fast, rates.normal, rates.slow, rates.minimum], ['2000', '2000', '2000', '2000'], "sub-1 estimates (sat/kvB) are floored at the devnet's minimum fee");
  assert.equal(typeof rates.ageSeconds, 'number');
  await assert.rejects(rig.call('wallet.send', { address: PAYEE, amount: '10000', feeRateKvb: '1000' }), /fee rate must be from 2/);
  const sent = await rig.call('wallet.send', { address: PAYEE, amount: '100000', feeRateKvb: rates.normal });
  devnet.setBehaviour(DEFAULT_BEHAVIOUR);
  await devnet.mine(1);
  const tx = await new EsploraClient(devnet.url).getTx(sent.txid);
  assert.ok(tx.status.confirmed, 'mined: the node took its fee');
  assert.ok(tx.fee >= feeForVsize(Math.ceil(tx.weight / 4), 2_000n), `fee ${tx.fee} for ${tx.weight} WU`);
  rig.db.close();
});

test('a send whose broadcast meets a 429 says CHAIN_UNAVAILABLE (not a refusal) and keeps the signed transaction', async () => {
  const rig = await fundedRig(devnet, 200_000n, null);
  devnet.setBehaviour({ rateLimit: { fraction: 1, status: 429, retryAfterSeconds: 0, match: 'POST /tx' } });
  const answer = await rig.raw('wallet.send', { address: PAYEE, amount: '50000', feeRateKvb: '3000' });
  assert.equal(answer.error?.code, 'CHAIN_UNAVAILABLE', JSON.stringify(answer));
  const kept = await rig.bg.store.sent('regtest');
  assert.equal(kept.length, 1, 'stored before the broadcast, kept after it');
  await assert.rejects(new EsploraClient(devnet.url).getTx(kept[0]!.txid), { status: 404 });
  rig.db.close();
});

test('with no fee estimate ever read, the wallet refuses to pick a rate rather than fall back to a floor', async () => {
  const rig = await fundedRig(devnet, 100_000n, null);
  devnet.setBehaviour({ feesDown: true });
  const answer = await rig.raw('wallet.feeRates', undefined);
  assert.equal(answer.error?.code, 'CHAIN_ERROR', JSON.stringify(answer));
  assert.match(answer.error!.message, /no fee estimate/);
  rig.db.close();
});

test('a chain server on another chain than the wallet is refused with a clear message', async () => {
  const rig = await makeRig();
  await rig.call('settings.set', { esploraUrls: { testnet4: devnet.url } });
  const { mnemonic } = await rig.call('wallet.generate', undefined);
  await rig.call('wallet.create', { mnemonic, password: PASSWORD, network: 'testnet4' });
  const answer = await rig.raw('wallet.balances', undefined);
  assert.equal(answer.error?.code, 'WRONG_CHAIN', JSON.stringify(answer));
  assert.match(answer.error!.message, /serves regtest, not testnet4/);
  rig.db.close();
});

test("a channel funding the server could not broadcast (CHAIN_UNAVAILABLE) is not abandoned, and opens once the chain answers", async () => {
  const endpoint = `${merchant.url}/paychan/v1`;
  const rig = await fundedRig(devnet, 300_000n, endpoint);
  devnet.setBehaviour({ rateLimit: { fraction: 1, status: 429, retryAfterSeconds: 0, match: 'POST /tx' } });
  const url = `${merchant.url}/articles/1`;
  const first = await fetch(url);
  assert.equal(first.status, 402);
  const paid = await rig.raw('pay', { url, challenge: first.headers.get('www-authenticate')! });
  assert.equal(paid.error?.code, 'CHAIN_UNAVAILABLE', JSON.stringify(paid));
  let [channel] = await rig.call('channels.list', undefined);
  assert.ok(channel, 'the channel record exists');
  assert.notEqual(channel.state, 'closed');
  const stored = (await rig.bg.store.channels())[0]!;
  assert.equal(stored.abandoned, false, 'not abandoned: the server kept it and the funding may yet go out');

  devnet.setBehaviour(DEFAULT_BEHAVIOUR);
  [channel] = await rig.call('channels.check', undefined);
  const funding = stored.channel.funding!.txid;
  assert.equal((await new EsploraClient(devnet.url).getTx(funding)).txid, funding, 'the funding reached the node');
  assert.equal(channel!.state, 'open');
  rig.db.close();
});

test('a balance refresh asks only about the addresses handed out; the 40-address look-ahead window at most every ten minutes', async () => {
  const requests: string[] = [];
  const clock = new FakeClock(1_700_000_000_000);
  const rig = await makeRig({
    clock,
    chainFetch: (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${new URL(input).pathname}`);
      return globalThis.fetch(input, init);
    },
  });
  await rig.call('settings.set', { esploraUrls: { regtest: devnet.url } });
  const { mnemonic } = await rig.call('wallet.generate', undefined);
  await rig.call('wallet.create', { mnemonic, password: PASSWORD, network: 'regtest' });
  await devnet.faucet((await rig.call('wallet.receiveAddress', undefined)).address, 50_000n);
  const addressLookups = () => requests.filter((r) => /^GET \/address\/[^/]+$/.test(r)).length;

  await rig.call('wallet.sync', undefined);
  const first = addressLookups();
  assert.ok(first >= 40, `the first sync looks at the whole window (${first})`);

  requests.length = 0;
  const balances = await rig.call('wallet.sync', undefined);
  assert.equal(balances.unconfirmed, '50000');
  assert.equal(addressLookups(), 0, 'the used address is known, the window was just looked at');

  requests.length = 0;
  clock.advance(LOOKAHEAD_RECHECK_MS);
  await rig.call('wallet.sync', undefined);
  assert.ok(addressLookups() >= 40, 'ten minutes on, the window is asked about again');
  rig.db.close();
});
