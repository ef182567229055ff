/**
 * The 402 after a payment riding in a credential (issue 12, bug 2): a bad inline payment answers
 * error="invalid_payment" with the payment's own code and the credit stored, which did not
 * change; a valid inline payment is kept even when the credit it leaves is still below the price,
 * and the 402 reports exactly the credit stored with it.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { client as cc } from '../../src/core/index.ts';
import { parseChallenge } from '../../src/core/http-binding.ts';
import { paymentHashType, paymentSighash, type Payment } from '../../src/core/payment.ts';
import { signWithHashType } from '../../src/core/secp.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { refusedWithoutTrace, send, type Answer } from './helpers/problems.ts';
import { snapshot } from './helpers/snapshot.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';
import { TestWallet } from './helpers/wallet.ts';

describe('a paid request with a payment riding along', () => {
  let devnet: Devnet;
  let wallet: TestWallet;
  let srv: TestServer;
  let alice: ChannelClient;
  let bob: ChannelClient;
  const tmp = tempDbPath();

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    wallet = new TestWallet(devnet);
    srv = await startServer({ dbPath: tmp.dbPath, config: { esploraUrl: devnet.url, tipCacheMs: 0 } });
    srv.paychan.route('/item/*', 10n);
    srv.paychan.route('/dear/*', 1_000n);
    const funded = async () => {
      const c = new ChannelClient(srv.endpoint);
      await c.open(await c.openRequest(100_000n, wallet.script));
      c.buildFunding([await wallet.coin(150_000n)], wallet.script);
      await c.fund(2_000n);
      return c;
    };
    alice = await funded();
    bob = await funded();
    for (let i = 0; i < 3; i++) assert.equal((await get('/item/1', alice.credential())).status, 200); // 30 spent, 1,970 credit
  });
  after(async () => {
    await srv?.stop();
    await devnet?.stop();
    tmp.cleanup();
  });

  function get(path: string, authorization: string): Promise<Answer> {
    return send(`${srv.url}${path}`, { headers: { authorization, accept: 'application/json' } });
  }
  const sigFor = (c: ChannelClient, amount: bigint, key = c.key) => {
    const params = cc.channelParams(c.mustChannel());
    return signWithHashType(tinySecp, paymentSighash(params, amount), key, paymentHashType(params, amount));
  };
  const challengeOf = (a: Answer) => parseChallenge(a.headers.get('www-authenticate')!)!;

  test('a bad inline payment: 402 with its own code and the stored credit, nothing stored', async () => {
    const cases: [string, Payment, string][] = [
      ['bad signature', { amount: 2_500n, signature: sigFor(alice, 2_500n, Uint8Array.from(randomBytes(32))) }, 'BAD_SIGNATURE'],
      ['decreasing', { amount: 1_500n, signature: sigFor(alice, 1_500n) }, 'AMOUNT_DECREASED'],
      ['conflicting', { amount: 2_000n, signature: sigFor(alice, 2_000n, Uint8Array.from(randomBytes(32))) }, 'CONFLICTING_SIGNATURE'],
      ["another channel's signature", { amount: 2_500n, signature: sigFor(bob, 2_500n) }, 'BAD_SIGNATURE'],
    ];
    for (const [what, payment, code] of cases) {
      const a = await refusedWithoutTrace(tmp.dbPath, () => get('/item/1', alice.credential(payment)), 402, code);
      const c = challengeOf(a);
      assert.deepEqual([c.error, c.code, c.credit], ['invalid_payment', code, 1_970n], what);
      assert.deepEqual([a.body.credit, a.body.price], ['1970', '10'], what);
    }
  });

  test('a valid inline top-up that still leaves credit below the price is kept, and the 402 says so exactly', async () => {
    const dear = await get('/dear/1', bob.credential()); // 1,000 of bob's 2,000
    assert.equal(dear.status, 200);
    assert.equal((await get('/dear/2', bob.credential())).status, 200); // credit 0
    const before = snapshot(tmp.dbPath);
    const topUp = bob.sign(2_500n); // 500 of credit: below the price of 1,000
    const a = await get('/dear/3', bob.credential(topUp));
    assert.equal(a.status, 402, JSON.stringify(a.body));
    assert.equal(a.body.code, 'INSUFFICIENT_CREDIT');
    const c = challengeOf(a);
    assert.deepEqual([c.error, c.credit, c.code], ['insufficient_credit', 500n, undefined]);
    const stored = (await srv.paychan.store.getChannel(bob.channelId))!;
    assert.deepEqual([stored.paid, stored.spent], [2_500n, 2_000n], 'the payment is stored, no debit');
    const events = (await srv.paychan.store.listEvents(bob.channelId)).slice(-1);
    assert.deepEqual(events.map((e) => [e.kind, e.amount, e.paid, e.spent]), [['payment', 500n, 2_500n, 2_000n]]);
    assert.notDeepEqual(snapshot(tmp.dbPath).channels, before.channels);
    // The same payment again is a replay: still 402, the credit still 500, nothing more stored.
    const again = await refusedWithoutTrace(tmp.dbPath, () => get('/dear/3', bob.credential(topUp)), 402, 'INSUFFICIENT_CREDIT');
    assert.equal(challengeOf(again).credit, 500n);
  });

  test('a request without a payment that cannot pay reports the stored credit', async () => {
    const a = await refusedWithoutTrace(tmp.dbPath, () => get('/dear/4', bob.credential()), 402, 'INSUFFICIENT_CREDIT');
    assert.deepEqual([challengeOf(a).error, challengeOf(a).credit, a.body.credit], ['insufficient_credit', 500n, '500']);
  });
});
