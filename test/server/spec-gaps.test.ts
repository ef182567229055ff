/**
 * What docs/protocol.md now states where a client written from it alone had to guess (issue 12,
 * "spec gaps"), checked over HTTP against a server on the devnet: JSON types and the spelling of
 * versions, the settlement margin announced, UNKNOWN_CHANNEL apart from BAD_CREDENTIAL, the code
 * for a funding that spends no coin, a malformed credential on a priced resource, unknown paths,
 * and the two bugs in bodies: an off-curve client key and invalid UTF-8.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { bytesToHex } from '../../src/core/bytes.ts';
import { parseChallenge } from '../../src/core/http-binding.ts';
import { encodeFundRequest, encodeOpenRequest, encodePayment } from '../../src/core/messages.ts';
import { channelScript, p2wshOutputScript } from '../../src/core/script.ts';
import { buildFundingTx } from '../../src/core/transactions.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { post, refusedWithoutTrace, send, type Answer } from './helpers/problems.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';
import { TestWallet } from './helpers/wallet.ts';

describe('the spec, stated and kept', () => {
  let devnet: Devnet;
  let wallet: TestWallet;
  let srv: TestServer;
  let alice: ChannelClient;
  const tmp = tempDbPath();
  const refused = (request: () => Promise<Answer>, status: number, code: string) => refusedWithoutTrace(tmp.dbPath, request, status, code);

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    wallet = new TestWallet(devnet);
    srv = await startServer({ dbPath: tmp.dbPath, config: { esploraUrl: devnet.url, tipCacheMs: 0, settleMarginBlocks: 40 } });
    srv.paychan.route('/item/*', 10n);
    alice = new ChannelClient(srv.endpoint);
    await alice.open(await alice.openRequest(100_000n, wallet.script));
    alice.buildFunding([await wallet.coin(150_000n)], wallet.script);
    await alice.fund(2_000n);
  });
  after(async () => {
    await srv?.stop();
    await devnet?.stop();
    tmp.cleanup();
  });

  test('/terms: integers are JSON numbers, amounts strings; the margin is announced; versions spelled as in the header', async () => {
    const terms = (await send(`${srv.endpoint}/terms`)).body;
    assert.deepEqual(terms.versions, [1]);
    for (const k of ['minExpiryBlocks', 'maxExpiryBlocks', 'tip']) assert.equal(typeof terms[k], 'number', k);
    for (const k of ['minDeposit', 'maxDeposit', 'minFirstPayment', 'zeroConfLimit']) assert.equal(typeof terms[k], 'string', k);
    assert.equal(terms.settleMarginBlocks, 40);
    const unpaid = await send(`${srv.url}/item/1`);
    assert.equal(unpaid.status, 402);
    const header = unpaid.headers.get('www-authenticate')!;
    assert.match(header, /settle_margin="40"/);
    assert.equal(parseChallenge(header)!.settleMarginBlocks, 40);
    assert.match(header, new RegExp(`version="${(terms.versions as number[]).join(',')}"`));
  });

  test('open and fund refuse numbers sent as strings; NO_ACCEPTABLE_VERSION lists versions as the header does', async () => {
    const bob = new ChannelClient(srv.endpoint);
    const good = encodeOpenRequest(await bob.openRequest(50_000n, wallet.script));
    await refused(() => post(`${srv.endpoint}/channels`, { ...good, version: '1' }), 400, 'SYNTAX_ERROR');
    await refused(() => post(`${srv.endpoint}/channels`, { ...good, expiry: String(good.expiry) }), 400, 'SYNTAX_ERROR');
    const v2 = await refused(() => post(`${srv.endpoint}/channels`, { ...good, version: 2 }), 400, 'NO_ACCEPTABLE_VERSION');
    assert.equal(v2.body.supported, '1');
    await bob.open(await bob.openRequest(50_000n, wallet.script));
    bob.buildFunding([await wallet.coin(60_000n)], wallet.script);
    const fund = bob.fundBody(bob.sign(1_000n));
    await refused(() => post(`${srv.endpoint}/channels/${bob.mustChannel().openId}/fund`, { ...fund, fundingVout: String(fund.fundingVout) }), 400, 'SYNTAX_ERROR');
  });

  test('an off-curve client key is refused at open with BAD_PUBKEY, nothing stored', async () => {
    const body = encodeOpenRequest(await alice.openRequest(50_000n, wallet.script));
    await refused(() => post(`${srv.endpoint}/channels`, { ...body, clientPubkey: `02${'ff'.repeat(32)}` }), 400, 'BAD_PUBKEY');
    // x = 5 has no point on secp256k1 (5³ + 7 = 132 is not a square mod p).
    await refused(() => post(`${srv.endpoint}/channels`, { ...body, clientPubkey: `03${'00'.repeat(31)}05` }), 400, 'BAD_PUBKEY');
  });

  test('invalid UTF-8 in a JSON body is refused, nothing stored', async () => {
    const payment = JSON.stringify(encodePayment(alice.sign(2_500n)));
    const raw = Buffer.concat([Buffer.from(`${payment.slice(0, -1)},"note":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const a = await refused(() => send(alice.paymentsUrl(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw }), 400, 'SYNTAX_ERROR');
    assert.match(a.body.detail!, /UTF-8/);
  });

  test('status and close of an unknown channel: UNKNOWN_CHANNEL, with or without a credential; a wrong token: BAD_CREDENTIAL', async () => {
    const unknown = `${'ab'.repeat(32)}:0`;
    for (const path of [`/channels/${unknown}`, `/channels/${unknown}/close`]) {
      const method = path.endsWith('close') ? 'POST' : 'GET';
      await refused(() => send(`${srv.endpoint}${path}`, { method }), 404, 'UNKNOWN_CHANNEL');
      await refused(() => send(`${srv.endpoint}${path}`, { method, headers: { authorization: alice.credential() } }), 404, 'UNKNOWN_CHANNEL');
    }
    const wrongToken = alice.credential().replace(/token="[^"]+"/, `token="${Buffer.from(randomBytes(32)).toString('base64url')}"`);
    await refused(() => send(`${srv.endpoint}/channels/${alice.channelId}`, { headers: { authorization: wrongToken } }), 401, 'BAD_CREDENTIAL');
    await refused(() => send(`${srv.endpoint}/channels/${alice.channelId}`), 401, 'BAD_CREDENTIAL');
  });

  test('a funding that spends a coin that does not exist: FUNDING_DOUBLE_SPENT, nothing stored', async () => {
    const carol = new ChannelClient(srv.endpoint);
    await carol.open(await carol.openRequest(50_000n, wallet.script));
    const ch = carol.mustChannel();
    const script = channelScript({ serverPubkey: ch.serverPubkey!, clientPubkey: ch.request.clientPubkey, expiry: ch.request.expiry });
    const ghost = { txid: bytesToHex(randomBytes(32)), vout: 0, value: 60_000n, privateKey: wallet.privateKey };
    const funding = buildFundingTx({ coins: [ghost], capacity: 50_000n, channelOutputScript: p2wshOutputScript(script), changeScript: wallet.script, feeRateKvb: 2000n, secp: tinySecp });
    carol.channel = { ...ch, state: 'funding', funding: { txid: funding.txid, vout: funding.vout, hex: funding.hex } };
    const body = encodeFundRequest({ fundingTx: Buffer.from(funding.hex, 'hex'), fundingVout: funding.vout, payment: carol.sign(1_000n) });
    await refused(() => post(`${srv.endpoint}/channels/${ch.openId}/fund`, body), 409, 'FUNDING_DOUBLE_SPENT');
  });

  test('a malformed credential on a priced resource answers 402 with the challenge (never 400)', async () => {
    for (const authorization of ['Paychan garbage', 'Paychan channel="nope", token="x"', `Paychan channel="${alice.channelId}"`]) {
      const a = await refused(() => send(`${srv.url}/item/1`, { headers: { authorization, accept: 'application/json' } }), 402, 'SYNTAX_ERROR');
      assert.equal(parseChallenge(a.headers.get('www-authenticate')!)!.error, 'invalid_credential');
    }
  });

  test('unknown API paths answer 404 NOT_FOUND', async () => {
    await refused(() => send(`${srv.endpoint}/nothing`), 404, 'NOT_FOUND');
    await refused(() => send(`${srv.endpoint}/channels/${alice.channelId}/refund`, { method: 'POST' }), 404, 'NOT_FOUND');
    await refused(() => send(`${srv.endpoint}/`), 404, 'NOT_FOUND');
  });
});
