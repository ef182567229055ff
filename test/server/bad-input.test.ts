/**
 * Every bad input, sent over HTTP, gets an application/problem+json answer with its stable code
 * and leaves the store exactly as it was (every table compared before and after).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { client as cc } from '../../src/core/index.ts';
import { encodeFundRequest, encodeOpenRequest, encodePayment, type OpenRequest } from '../../src/core/messages.ts';
import { paymentHashType, paymentSighash, PAYMENT_SIGHASH_NONE, type Payment } from '../../src/core/payment.ts';
import { channelScript, p2wpkhOutputScript, p2wshOutputScript } from '../../src/core/script.ts';
import { SIGHASH_ALL, signWithHashType } from '../../src/core/secp.ts';
import { parseChallenge } from '../../src/core/http-binding.ts';
import { buildFundingTx, buildWalletTx } from '../../src/core/transactions.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { post, refusedWithoutTrace, send } from './helpers/problems.ts';
import { snapshot } from './helpers/snapshot.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';
import { TestWallet } from './helpers/wallet.ts';

describe('bad input', () => {
  let devnet: Devnet;
  let wallet: TestWallet;
  let srv: TestServer;
  let alice: ChannelClient;
  const tmp = tempDbPath();
  const refused = (request: () => Promise<Awaited<ReturnType<typeof send>>>, status: number, code: string) =>
    refusedWithoutTrace(tmp.dbPath, request, status, code);

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    wallet = new TestWallet(devnet);
    srv = await startServer({ dbPath: tmp.dbPath, config: { esploraUrl: devnet.url, tipCacheMs: 0 } });
    srv.paychan.route('/item/*', 10n);
    alice = new ChannelClient(srv.endpoint);
    await alice.open(await alice.openRequest(100_000n, wallet.script));
    alice.buildFunding([await wallet.coin(150_000n)], wallet.script);
    await alice.fund(2_000n);
    await alice.pay(3_000n);
  });
  after(async () => {
    await srv?.stop();
    await devnet?.stop();
    tmp.cleanup();
  });

  const params = () => cc.channelParams(alice.mustChannel());
  const paySigned = (amount: bigint, signature: Uint8Array) => post(alice.paymentsUrl(), encodePayment({ amount, signature }));
  const sigFor = (amount: bigint, key = alice.key, hashType = paymentHashType(params(), amount), p = params()) =>
    signWithHashType(tinySecp, paymentSighash(p, amount), key, hashType);

  describe('payments', () => {
    test('wrong sighash type', async () => {
      await refused(() => paySigned(4_000n, sigFor(4_000n, alice.key, SIGHASH_ALL)), 400, 'BAD_SIGHASH_TYPE');
      await refused(() => paySigned(4_000n, sigFor(4_000n, alice.key, PAYMENT_SIGHASH_NONE)), 400, 'BAD_SIGHASH_TYPE');
    });

    test('signature by the wrong key', async () => {
      await refused(() => paySigned(4_000n, sigFor(4_000n, Uint8Array.from(randomBytes(32)))), 400, 'BAD_SIGNATURE');
    });

    test('signature over the wrong outputs or amount', async () => {
      const otherChange = { ...params(), changeScript: p2wpkhOutputScript(tinySecp.publicKey(Uint8Array.from(randomBytes(32)))) };
      await refused(() => paySigned(4_000n, sigFor(4_000n, alice.key, undefined, otherChange)), 400, 'BAD_SIGNATURE');
      await refused(() => paySigned(4_001n, sigFor(4_000n)), 400, 'BAD_SIGNATURE');
      const otherFunding = { ...params(), funding: { txid: '11'.repeat(32), vout: 0 } };
      await refused(() => paySigned(4_000n, sigFor(4_000n, alice.key, undefined, otherFunding)), 400, 'BAD_SIGNATURE');
    });

    test('an amount lower than the last one: a replayed old signature', async () => {
      const first = alice.mustChannel();
      assert.equal(first.signed, 3_000n);
      await refused(() => paySigned(2_000n, sigFor(2_000n)), 409, 'AMOUNT_DECREASED');
    });

    test('an equal amount with a different signature', async () => {
      const other = sigFor(3_000n, Uint8Array.from(randomBytes(32)));
      await refused(() => paySigned(3_000n, other), 409, 'CONFLICTING_SIGNATURE');
    });

    test('the exact latest payment again is accepted and changes nothing', async () => {
      const latest = alice.mustChannel();
      const before = snapshot(tmp.dbPath);
      const r = await paySigned(latest.signed, latest.signature!);
      assert.equal(r.status, 200);
      assert.deepEqual(snapshot(tmp.dbPath), before);
    });

    test('an amount above capacity', async () => {
      await refused(() => paySigned(100_001n, sigFor(4_000n)), 400, 'AMOUNT_EXCEEDS_CAPACITY');
    });

    test('change below dust not zeroed', async () => {
      await refused(() => paySigned(99_900n, sigFor(4_000n)), 400, 'CHANGE_BELOW_DUST');
    });

    test('malformed hex, DER and amounts', async () => {
      await refused(() => post(alice.paymentsUrl(), { amount: '4000', signature: 'zz' }), 400, 'SYNTAX_ERROR');
      await refused(() => post(alice.paymentsUrl(), { amount: '4000', signature: Buffer.from(sigFor(4_000n)).toString('hex').toUpperCase() }), 400, 'SYNTAX_ERROR');
      await refused(() => paySigned(4_000n, Uint8Array.from(randomBytes(71))), 400, 'SYNTAX_ERROR');
      const highS = sigFor(4_000n);
      await refused(() => paySigned(4_000n, highS.subarray(0, highS.length - 2)), 400, 'SYNTAX_ERROR');
      await refused(() => post(alice.paymentsUrl(), { amount: 4000, signature: Buffer.from(sigFor(4_000n)).toString('hex') }), 400, 'SYNTAX_ERROR');
      await refused(() => post(alice.paymentsUrl(), { amount: '-1', signature: '00' }), 400, 'SYNTAX_ERROR');
    });

    test('malformed JSON bodies', async () => {
      await refused(() => post(alice.paymentsUrl(), '{"amount":'), 400, 'SYNTAX_ERROR');
      await refused(() => post(alice.paymentsUrl(), '[1,2]'), 400, 'SYNTAX_ERROR');
      await refused(() => post(alice.paymentsUrl(), ''), 400, 'SYNTAX_ERROR');
      await refused(() => post(alice.paymentsUrl(), 'null'), 400, 'SYNTAX_ERROR');
    });

    test('unknown channels and malformed channel ids', async () => {
      const unknown = `${'ab'.repeat(32)}:0`;
      await refused(() => post(`${srv.endpoint}/channels/${unknown}/payments`, encodePayment({ amount: 4_000n, signature: sigFor(4_000n) })), 404, 'UNKNOWN_CHANNEL');
      await refused(() => post(`${srv.endpoint}/channels/nonsense/payments`, encodePayment({ amount: 4_000n, signature: sigFor(4_000n) })), 400, 'SYNTAX_ERROR');
      await refused(() => post(`${srv.endpoint}/channels/%E0%A4%A/payments`, {}), 400, 'SYNTAX_ERROR');
    });

    test('a percent-encoded channel id names the same channel', async () => {
      const r = await post(`${srv.endpoint}/channels/${alice.channelId.replace(':', '%3A')}/payments`, encodePayment({ amount: 3_000n, signature: alice.mustChannel().signature! }));
      assert.equal(r.status, 200);
    });
  });

  describe('credentials and headers', () => {
    test('status and close need the right token', async () => {
      const url = `${srv.endpoint}/channels/${alice.channelId}`;
      await refused(() => send(url, { headers: { authorization: alice.credential().replace(/token="[^"]+"/, `token="${Buffer.from(randomBytes(32)).toString('base64url')}"`) } }), 401, 'BAD_CREDENTIAL');
      await refused(() => send(url), 401, 'BAD_CREDENTIAL');
      await refused(() => post(`${url}/close`, {}, { authorization: 'Basic dXNlcjpwYXNz' }), 401, 'BAD_CREDENTIAL');
    });

    test('garbage credential headers', async () => {
      const url = `${srv.endpoint}/channels/${alice.channelId}`;
      await refused(() => send(url, { headers: { authorization: 'Paychan channel="x' } }), 400, 'SYNTAX_ERROR');
      await refused(() => send(url, { headers: { authorization: 'Paychan channel=abc, token=def' } }), 400, 'SYNTAX_ERROR');
      await refused(() => send(url, { headers: { 'paychan-credential': '=,=,=' } }), 400, 'SYNTAX_ERROR');
      await refused(() => send(url, { headers: { authorization: `Paychan channel="${alice.channelId}", token="${'A'.repeat(9000)}"` } }), 400, 'SYNTAX_ERROR');
    });

    test('a priced page answers a bad credential with 402 and the challenge, and charges nothing', async () => {
      const bad = alice.credential().replace(/token="[^"]+"/, `token="${Buffer.from(randomBytes(32)).toString('base64url')}"`);
      for (const authorization of [bad, 'Paychan garbage', `Paychan channel="${'cd'.repeat(32)}:0", token="${Buffer.from(alice.token).toString('base64url')}"`]) {
        const a = await refused(() => send(`${srv.url}/item/1`, { headers: { authorization, accept: 'application/json' } }), 402, authorization === 'Paychan garbage' ? 'SYNTAX_ERROR' : authorization === bad ? 'BAD_CREDENTIAL' : 'UNKNOWN_CHANNEL');
        assert.equal(parseChallenge(a.headers.get('www-authenticate')!)!.error, 'invalid_credential');
      }
    });

    test('a priced page refuses a bad payment riding along, with 402 and the credit left', async () => {
      const bogus: Payment = { amount: 5_000n, signature: sigFor(5_000n, Uint8Array.from(randomBytes(32))) };
      const a = await refused(() => send(`${srv.url}/item/1`, { headers: { authorization: alice.credential(bogus), accept: 'application/json' } }), 402, 'BAD_SIGNATURE');
      const challenge = parseChallenge(a.headers.get('www-authenticate')!)!;
      assert.deepEqual([challenge.error, challenge.code], ['invalid_payment', 'BAD_SIGNATURE']);
      assert.equal(challenge.credit, 3_000n);
      const old: Payment = { amount: 2_000n, signature: sigFor(2_000n) };
      await refused(() => send(`${srv.url}/item/1`, { headers: { authorization: alice.credential(old), accept: 'application/json' } }), 402, 'AMOUNT_DECREASED');
    });

    test('raw garbage on the socket gets 400 and the server keeps serving', async () => {
      const net = await import('node:net');
      const { port } = new URL(srv.url);
      const reply = await new Promise<string>((resolve, reject) => {
        const s = net.connect(Number(port), '127.0.0.1', () => s.write('GET /item/1 HTTP/1.1\r\nHost: x\r\nBad Header\u0001: \u0000\r\n\r\n'));
        let data = '';
        s.on('data', (d) => (data += d));
        s.on('end', () => resolve(data));
        s.on('error', reject);
      });
      assert.match(reply, /^HTTP\/1\.1 400/);
      assert.equal((await send(`${srv.endpoint}/terms`)).status, 200);
    });

    test('unknown endpoints and wrong methods', async () => {
      await refused(() => send(`${srv.endpoint}/nothing`), 404, 'NOT_FOUND');
      await refused(() => send(`${srv.endpoint}/channels`), 405, 'SYNTAX_ERROR');
      await refused(() => post(`${srv.endpoint}/terms`, {}), 405, 'SYNTAX_ERROR');
    });
  });

  describe('opening', () => {
    let goodRequest: OpenRequest;
    before(async () => {
      goodRequest = await new ChannelClient(srv.endpoint).openRequest(50_000n, wallet.script);
    });
    const open = (change: Partial<OpenRequest>) => post(`${srv.endpoint}/channels`, encodeOpenRequest({ ...goodRequest, ...change }));

    test('expiry outside the server range', async () => {
      const { tip } = await alice.terms();
      await refused(() => open({ expiry: tip + 10 }), 400, 'TIME_WINDOW_UNACCEPTABLE');
      await refused(() => open({ expiry: tip + 10_000 }), 400, 'TIME_WINDOW_UNACCEPTABLE');
      await refused(() => open({ expiry: 600_000_000 }), 400, 'TIME_WINDOW_UNACCEPTABLE');
    });

    test('deposit, network, version, change script', async () => {
      await refused(() => open({ capacity: 9_999n }), 400, 'DEPOSIT_OUT_OF_RANGE');
      await refused(() => open({ capacity: 5_000_001n }), 400, 'DEPOSIT_OUT_OF_RANGE');
      await refused(() => open({ network: 'mainnet' }), 400, 'WRONG_NETWORK');
      await refused(() => open({ version: 2 }), 400, 'NO_ACCEPTABLE_VERSION');
      await refused(() => open({ changeScript: Uint8Array.of(0x6a, 0x01, 0x00) }), 400, 'UNSUPPORTED_CHANGE_SCRIPT');
    });

    test('malformed open requests', async () => {
      const body = encodeOpenRequest(goodRequest);
      await refused(() => post(`${srv.endpoint}/channels`, { ...body, clientPubkey: '04' + 'ab'.repeat(32) }), 400, 'SYNTAX_ERROR');
      await refused(() => post(`${srv.endpoint}/channels`, { ...body, tokenHash: 'abcd' }), 400, 'SYNTAX_ERROR');
      await refused(() => post(`${srv.endpoint}/channels`, { ...body, capacity: '1e6' }), 400, 'SYNTAX_ERROR');
      await refused(() => post(`${srv.endpoint}/channels`, { ...body, expiry: -5 }), 400, 'SYNTAX_ERROR');
    });
  });

  describe('funding', () => {
    let bob: ChannelClient;
    let fundUrl: string;
    const coinFor = () => wallet.coin(120_000n);
    before(async () => {
      bob = new ChannelClient(srv.endpoint);
      await bob.open(await bob.openRequest(60_000n, wallet.script));
      fundUrl = `${srv.endpoint}/channels/${bob.mustChannel().openId}/fund`;
    });

    const channelOutput = () => p2wshOutputScript(channelScriptOf(bob.mustChannel()));

    test('a funding output that does not pay the channel script, or not the agreed amount', async () => {
      const coin = await coinFor();
      const wrongScript = buildFundingTx({ coins: [coin], capacity: 60_000n, channelOutputScript: p2wshOutputScript(Uint8Array.of(0x51)), changeScript: wallet.script, feeRateKvb: 2000n, secp: tinySecp });
      const wrongAmount = buildFundingTx({ coins: [coin], capacity: 59_999n, channelOutputScript: channelOutput(), changeScript: wallet.script, feeRateKvb: 2000n, secp: tinySecp });
      const right = buildFundingTx({ coins: [coin], capacity: 60_000n, channelOutputScript: channelOutput(), changeScript: wallet.script, feeRateKvb: 2000n, secp: tinySecp });
      const first = firstPaymentFor(bob, right.txid, 1_000n);
      const body = (hex: string, vout: number, payment = first) => encodeFundRequest({ fundingTx: Buffer.from(hex, 'hex'), fundingVout: vout, payment });
      await refused(() => post(fundUrl, body(wrongScript.hex, 0)), 400, 'FUNDING_MISMATCH');
      await refused(() => post(fundUrl, body(wrongAmount.hex, 0)), 400, 'FUNDING_MISMATCH');
      await refused(() => post(fundUrl, body(right.hex, 7)), 400, 'FUNDING_MISMATCH');
      await refused(() => post(fundUrl, body(right.hex, 1)), 400, 'FUNDING_MISMATCH');
      await refused(() => post(fundUrl, body('00', 0)), 400, 'SYNTAX_ERROR');
      await refused(() => post(fundUrl, body(right.hex, 0, firstPaymentFor(bob, right.txid, 999n))), 400, 'FIRST_PAYMENT_TOO_SMALL');
      await refused(() => post(fundUrl, body(right.hex, 0, firstPaymentFor(bob, right.txid, 60_000n))), 402, 'UNCONFIRMED_LIMIT');
      await refused(() => post(fundUrl, body(right.hex, 0, { amount: 1_000n, signature: first.signature.slice().fill(0x31, 0, 1) })), 400, 'SYNTAX_ERROR');
      await refused(() => post(fundUrl, body(right.hex, 0, firstPaymentFor(bob, '22'.repeat(32), 1_000n))), 400, 'BAD_SIGNATURE');
    });

    test('a funding transaction the node refuses as invalid stores nothing', async () => {
      const coin = { ...(await coinFor()), privateKey: Uint8Array.from(randomBytes(32)) };
      const badSig = buildFundingTx({ coins: [coin], capacity: 60_000n, channelOutputScript: channelOutput(), changeScript: wallet.script, feeRateKvb: 2000n, secp: tinySecp });
      const body = encodeFundRequest({ fundingTx: Buffer.from(badSig.hex, 'hex'), fundingVout: 0, payment: firstPaymentFor(bob, badSig.txid, 1_000n) });
      await refused(() => post(fundUrl, body), 400, 'FUNDING_MISMATCH');
    });

    test('a funding transaction double-spent before it confirms is refused and nothing is stored', async () => {
      const coin = await coinFor();
      const funding = buildFundingTx({ coins: [coin], capacity: 60_000n, channelOutputScript: channelOutput(), changeScript: wallet.script, feeRateKvb: 2000n, secp: tinySecp });
      const conflict = buildWalletTx({ coins: [coin], outputs: [], changeScript: wallet.script, feeRateKvb: 10000n, secp: tinySecp });
      await new EsploraClient(devnet.url).broadcast(conflict.hex);
      const body = encodeFundRequest({ fundingTx: Buffer.from(funding.hex, 'hex'), fundingVout: 0, payment: firstPaymentFor(bob, funding.txid, 1_000n) });
      await refused(() => post(fundUrl, body), 409, 'FUNDING_DOUBLE_SPENT');
      // The proposal is still open: a good funding transaction goes through afterwards.
      bob.buildFunding([await coinFor()], wallet.script);
      assert.equal((await bob.fund(1_000n)).state, 'open');
    });

    test('unknown and malformed proposal ids', async () => {
      await refused(() => post(`${srv.endpoint}/channels/${'0'.repeat(32)}/fund`, {}), 400, 'SYNTAX_ERROR');
      const body = encodeFundRequest({ fundingTx: Uint8Array.of(1, 2), fundingVout: 0, payment: { amount: 1_000n, signature: sigFor(4_000n) } });
      await refused(() => post(`${srv.endpoint}/channels/${'0'.repeat(32)}/fund`, body), 404, 'UNKNOWN_CHANNEL');
      await refused(() => post(`${srv.endpoint}/channels/XYZ/fund`, body), 400, 'SYNTAX_ERROR');
    });
  });

  describe('closed channels', () => {
    test('payments and items on a closing channel are refused', async () => {
      const carol = new ChannelClient(srv.endpoint);
      await carol.open(await carol.openRequest(20_000n, wallet.script));
      carol.buildFunding([await wallet.coin(40_000n)], wallet.script);
      await carol.fund(1_000n);
      await carol.close();
      const payment = carol.sign(2_000n);
      await refused(() => post(carol.paymentsUrl(), encodePayment(payment)), 410, 'CHANNEL_CLOSED');
      const a = await refused(() => send(`${srv.url}/item/1`, { headers: { authorization: carol.credential(), accept: 'application/json' } }), 402, 'CHANNEL_CLOSED');
      assert.equal(parseChallenge(a.headers.get('www-authenticate')!)!.error, 'channel_closed');
    });
  });
});

function channelScriptOf(ch: cc.ClientChannel): Uint8Array {
  return channelScript({ serverPubkey: ch.serverPubkey!, clientPubkey: ch.request.clientPubkey, expiry: ch.request.expiry });
}

/** A first payment for a funding txid chosen by the test (valid or not for what is sent). */
function firstPaymentFor(client: ChannelClient, txid: string, amount: bigint): Payment {
  const ch = client.mustChannel();
  const p = { network: ch.request.network, serverPubkey: ch.serverPubkey!, clientPubkey: ch.request.clientPubkey, expiry: ch.request.expiry, capacity: ch.request.capacity, changeScript: ch.request.changeScript, funding: { txid, vout: 0 } };
  return { amount, signature: signWithHashType(tinySecp, paymentSighash(p, amount), client.key, paymentHashType(p, amount)) };
}
