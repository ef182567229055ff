/**
 * The happy path over real HTTP against a real regtest node: open, fund (broadcast and seen by
 * the node), pay, buy items with receipts, resume after a restart, close and confirm on chain.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { parseChallenge, parseReceipt } from '../../src/core/http-binding.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { ChannelClient, getJson } from './helpers/channel-client.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';
import { TestWallet } from './helpers/wallet.ts';

describe('channel flow', () => {
  let devnet: Devnet;
  let esplora: EsploraClient;
  let wallet: TestWallet;
  let srv: TestServer;
  const tmp = tempDbPath();
  const start = () =>
    startServer({ dbPath: tmp.dbPath, config: { esploraUrl: devnet.url, tipCacheMs: 0 } }).then((s) => {
      s.paychan.route('/item/*', 10n);
      return s;
    });

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    esplora = new EsploraClient(devnet.url);
    wallet = new TestWallet(devnet);
    srv = await start();
  });
  after(async () => {
    await srv?.stop();
    await devnet?.stop();
    tmp.cleanup();
  });

  const client = () => new ChannelClient(srv.endpoint);
  let alice: ChannelClient;

  test('terms describe the configured defaults and the tip', async () => {
    const t = await client().terms();
    assert.equal(t.terms.network, 'regtest');
    assert.equal(t.terms.minDeposit, 10_000n);
    assert.equal(t.zeroConfLimit, 50_000n);
    assert.equal(t.tip, await devnet.tipHeight());
  });

  test('an unpaid request gets 402 with a challenge and a readable page', async () => {
    const res = await fetch(`${srv.url}/item/1`);
    assert.equal(res.status, 402);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('content-type')!, /text\/html/);
    const challenge = parseChallenge(res.headers.get('www-authenticate')!)!;
    assert.equal(challenge.price, 10n);
    assert.equal(challenge.endpoint, srv.endpoint);
    assert.match(await res.text(), /10 sat/);
    const json = await getJson(`${srv.url}/item/1`);
    assert.equal(json.status, 402);
    assert.match(json.headers.get('content-type')!, /application\/problem\+json/);
    assert.equal((json.body as { price: string }).price, '10');
  });

  test('HEAD learns the price and is never charged', async () => {
    const res = await fetch(`${srv.url}/item/1`, { method: 'HEAD' });
    assert.equal(res.status, 402);
    assert.equal(parseChallenge(res.headers.get('www-authenticate')!)!.price, 10n);
  });

  test('a free path passes through untouched', async () => {
    const res = await fetch(`${srv.url}/free`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'content of /free');
  });

  test('open and fund: the funding transaction reaches the node', async () => {
    alice = client();
    await alice.open(await alice.openRequest(100_000n, wallet.script));
    alice.buildFunding([await wallet.coin(200_000n)], wallet.script);
    const status = await alice.fund(2_000n);
    assert.equal(status.state, 'open');
    assert.equal(status.paid, 2_000n);
    assert.equal(status.spent, 0n);
    assert.equal(status.fundingConfirmed, false);
    const seen = await esplora.getTx(alice.funding!.txid);
    assert.equal(seen.vout[0]!.value, 100_000n);
  });

  test('items are debited one by one with receipts', async () => {
    for (let i = 1; i <= 5; i++) {
      const res = await fetch(`${srv.url}/item/${i}`, { headers: { authorization: alice.credential() } });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), `content of /item/${i}`);
      const receipt = parseReceipt(res.headers.get('paychan-receipt')!)!;
      assert.deepEqual(receipt, { channel: { txid: alice.funding!.txid, vout: 0 }, charged: 10n, paid: 2_000n, spent: 10n * BigInt(i) });
    }
    const events = await srv.paychan.store.listEvents(alice.channelId);
    assert.deepEqual(events.map((e) => e.kind), ['funded', 'debit', 'debit', 'debit', 'debit', 'debit']);
    assert.equal(events[1]!.ref, '/item/1');
  });

  test('a payment endpoint top-up raises the credit', async () => {
    const status = await alice.pay(3_000n);
    assert.equal(status.paid, 3_000n);
    assert.equal(status.spent, 50n);
  });

  test('a payment riding along with a request is applied before the debit', async () => {
    const payment = alice.sign(3_500n);
    const res = await fetch(`${srv.url}/item/x`, { headers: { 'paychan-credential': alice.credential(payment) } });
    assert.equal(res.status, 200);
    const receipt = parseReceipt(res.headers.get('paychan-receipt')!)!;
    assert.equal(receipt.paid, 3_500n);
    assert.equal(receipt.spent, 60n);
  });

  test('running out of credit answers 402 insufficient_credit with the credit left', async () => {
    srv.paychan.route('/pricey', 5_000n);
    const res = await fetch(`${srv.url}/pricey`, { headers: { authorization: alice.credential() } });
    assert.equal(res.status, 402);
    const challenge = parseChallenge(res.headers.get('www-authenticate')!)!;
    assert.equal(challenge.error, 'insufficient_credit');
    assert.equal(challenge.credit, 3_440n);
  });

  test('the channel resumes after a restart on the same database', async () => {
    await srv.stop();
    srv = await start();
    alice.endpoint = srv.endpoint;
    const status = await alice.status();
    assert.equal(status.paid, 3_500n);
    assert.equal(status.spent, 60n);
    const res = await fetch(`${srv.url}/item/after-restart`, { headers: { authorization: alice.credential() } });
    assert.equal(res.status, 200);
    assert.equal(parseReceipt(res.headers.get('paychan-receipt')!)!.spent, 70n);
    assert.equal((await alice.pay(4_000n)).paid, 4_000n);
  });

  test('payments beyond the zero-conf limit wait for the funding to confirm', async () => {
    const bob = client();
    await bob.open(await bob.openRequest(200_000n, wallet.script));
    bob.buildFunding([await wallet.coin(300_000n)], wallet.script);
    await bob.fund(1_000n);
    await assert.rejects(bob.pay(60_000n), { code: 'UNCONFIRMED_LIMIT' });
    bob.channel!.signed = 1_000n; // the refused signature never counted
    await devnet.mine(1);
    const status = await bob.pay(60_000n);
    assert.equal(status.fundingConfirmed, true);
    assert.equal(status.paid, 60_000n);
  });

  test('a cooperative close settles on chain and pays the server', async () => {
    const status = await alice.close();
    assert.equal(status.state, 'closing');
    assert.ok(status.settlementTxid);
    const settlement = await esplora.getTx(status.settlementTxid!);
    assert.equal(settlement.vin[0]!.txid, alice.funding!.txid);
    assert.equal(settlement.vout[0]!.value, 100_000n - 4_000n); // the client's change
    await devnet.mine(1);
    assert.equal((await esplora.getTxStatus(status.settlementTxid!)).confirmed, true);
    const record = await srv.paychan.store.getSettlement(status.settlementTxid!);
    assert.equal(record?.status, 'broadcast');
    assert.equal(record!.payout + record!.fee, 4_000n);
    // Closing twice is harmless; paying a closing channel is refused.
    assert.equal((await alice.close()).settlementTxid, status.settlementTxid);
    const res = await fetch(`${srv.url}/item/late`, { headers: { authorization: alice.credential() } });
    assert.equal(res.status, 402);
    assert.equal(parseChallenge(res.headers.get('www-authenticate')!)!.error, 'channel_closed');
  });
});
