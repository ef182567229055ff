/**
 * Issue #12 hardening: zero-conf exposure is capped across channels, not only per channel, so
 * several unconfirmed fundings cannot each take the per-channel limit. Real HTTP against a devnet
 * (fundings from unconfirmed faucet coins); paychan-admin shows the exposure and the cap.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { encodePayment } from '../../src/core/messages.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { runAdmin } from '../../src/server/admin/commands.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { post, refusedWithoutTrace } from './helpers/problems.ts';
import { fundedReader } from './helpers/proxy.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';
import { TestWallet } from './helpers/wallet.ts';

describe('zero-conf exposure across channels', () => {
  let devnet: Devnet;
  let srv: TestServer;
  let a: ChannelClient;
  let b: ChannelClient;
  const tmp = tempDbPath();

  async function adminTotals(): Promise<string> {
    let out = '';
    assert.equal(await runAdmin(['--db', tmp.dbPath, 'totals'], { out: (t) => (out += t), err: () => {}, env: { PAYCHAN_ZERO_CONF_TOTAL_LIMIT: '8000', PAYCHAN_ZERO_CONF_LIMIT: '5000' } }), 0);
    return out;
  }

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    srv = await startServer({ dbPath: tmp.dbPath, config: { esploraUrl: devnet.url, tipCacheMs: 0, zeroConfLimit: 5_000n, zeroConfTotalLimit: 8_000n, watcher: { enabled: false } } });
  });
  after(async () => {
    await srv?.stop();
    await devnet?.stop();
    tmp.cleanup();
  });

  test('each unconfirmed channel may take the per-channel limit only while the total allows', async () => {
    a = await fundedReader(devnet, srv.endpoint);
    await a.pay(5_000n);
    b = await fundedReader(devnet, srv.endpoint);
    assert.equal((await b.pay(3_000n)).paid, 3_000n, 'the total reaches 8 000 exactly');
    // 4 000 is within B's own limit of 5 000, but would hold 9 000 unconfirmed in all.
    const refused = await refusedWithoutTrace(tmp.dbPath, () => post(b.paymentsUrl(), encodePayment(b.sign(4_000n))), 402, 'UNCONFIRMED_LIMIT');
    assert.match(refused.body.detail!, /across all channels/);
    assert.match(await adminTotals(), /zero conf exposure\s+8000 sat of 8000 sat allowed/);
  });

  test('a new unconfirmed funding whose first payment would pass the total is refused before it is broadcast', async () => {
    const wallet = new TestWallet(devnet);
    const c = new ChannelClient(srv.endpoint);
    await c.open(await c.openRequest(50_000n, wallet.script));
    const funding = c.buildFunding([await wallet.coin(80_000n)], wallet.script);
    await refusedWithoutTrace(tmp.dbPath, () => post(`${srv.endpoint}/channels/${c.mustChannel().openId}/fund`, c.fundBody(c.sign(1_000n))), 402, 'UNCONFIRMED_LIMIT');
    await assert.rejects(new EsploraClient(devnet.url).getTx(funding.txid), 'the funding never reached the node');
  });

  test('once a funding confirms, its channel no longer counts', async () => {
    await devnet.mine(1);
    const accepted = await post(b.paymentsUrl(), encodePayment(b.sign(6_000n)));
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.match(await adminTotals(), /zero conf exposure\s+5000 sat of 8000 sat allowed/, 'A is still unconfirmed in the store until the watcher looks');
  });
});
