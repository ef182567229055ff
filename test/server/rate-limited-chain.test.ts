/**
 * The server against a chain backend that answers as mempool.space and blockstream.info do when
 * they are busy or banning us (the devnet's behaviour switches): a 429 with Retry-After, a CDN's
 * 403 page, a 503. None of them is the node's verdict, so no funding is refused or removed, no
 * settlement is taken as rejected and no channel reopened or closed as double-spent; once the
 * backend answers again, everything goes through. No transaction pays below the node's minimum.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { DEFAULT_BEHAVIOUR } from '../../src/devnet/index.ts';
import { createPaychan } from '../../src/server/paychan.ts';
import { silentLogger } from '../../src/server/logger.ts';
import type { WatcherChain } from '../../src/server/watcher/index.ts';
import { TEST_SEED, tempDbPath } from './helpers/server.ts';
import { postJson } from './helpers/channel-client.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { fundedChannel, mineTo, watchedSuite } from './watcher-fixture.ts';

describe('server on a rate-limited chain backend', () => {
  const suite = watchedSuite();
  afterEach(() => {
    suite.devnet.setBehaviour(DEFAULT_BEHAVIOUR);
  });
  /** Every broadcast refused by the backend's rate limiter (or its CDN), with no wait asked beyond `retryAfterSeconds`. */
  const limitBroadcasts = (status: 429 | 403 | 503, retryAfterSeconds = 0) =>
    suite.devnet.setBehaviour({ rateLimit: { fraction: 1, status, retryAfterSeconds, match: 'POST /tx' } });

  for (const status of [429, 403, 503] as const) {
    test(`a funding answered ${status} is not refused: 503 CHAIN_UNAVAILABLE with Retry-After, the channel kept, the retry sends it`, async () => {
      const { devnet, wallet } = suite;
      const srv = await suite.server();
      const client = new ChannelClient(srv.endpoint);
      const opened = await client.open(await client.openRequest(40_000n, wallet.script, 50));
      client.buildFunding([await wallet.coin(50_000n)], wallet.script);
      limitBroadcasts(status, 1);

      const body = client.fundBody(client.sign(1_000n));
      const answer = await postJson(`${srv.endpoint}/channels/${opened.openId}/fund`, body);
      assert.equal(answer.status, 503, JSON.stringify(answer.body));
      assert.equal((answer.body as { code: string }).code, 'CHAIN_UNAVAILABLE');
      assert.equal(answer.headers.get('retry-after'), status === 403 ? '10' : '1', 'the backend\'s own wait, or ten seconds when it named none');
      assert.ok(await srv.paychan.store.getChannel(client.channelId), 'the channel is kept: the funding may yet reach the chain');
      await assert.rejects(devnet.esplora.getTx(client.funding!.txid), { status: 404 });

      devnet.setBehaviour(DEFAULT_BEHAVIOUR);
      const retried = await postJson(`${srv.endpoint}/channels/${opened.openId}/fund`, body);
      assert.equal(retried.status, 201, JSON.stringify(retried.body));
      assert.equal((await devnet.esplora.getTx(client.funding!.txid)).txid, client.funding!.txid, 'the retry sent it');
      assert.equal((await srv.paychan.store.getChannel(client.channelId))!.state, 'open');
    });
  }

  test('a settlement answered 429 stays in charge: not rejected, its channel not reopened; sent once the backend answers', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const alice = await fundedChannel(srv, wallet, { capacity: 40_000n, first: 3_000n, expiryBlocks: 20 });
    await devnet.mine(1);
    const expiry = (await srv.paychan.store.getChannel(alice.channelId))!.params.expiry;
    await mineTo(devnet, expiry - 5);
    limitBroadcasts(429);

    let report = await srv.watcher.tick();
    assert.deepEqual(
      report.settlements.map((s) => s.outcome),
      ['pending'],
    );
    const txid = report.settlements[0]!.txid;
    let ch = (await srv.paychan.store.getChannel(alice.channelId))!;
    assert.deepEqual([ch.state, ch.settlementTxid], ['closing', txid]);
    assert.equal((await srv.paychan.store.getSettlement(txid))!.status, 'built');
    report = await srv.watcher.tick();
    assert.deepEqual(report.resent, [{ txid, outcome: 'pending' }], 'tried again, still not refused');
    const events = (await srv.paychan.store.listEvents(alice.channelId)).map((e) => e.kind);
    assert.ok(!events.includes('settle_reverted'), events.join(' '));

    devnet.setBehaviour(DEFAULT_BEHAVIOUR);
    report = await srv.watcher.tick();
    assert.deepEqual(report.resent, [{ txid, outcome: 'broadcast' }]);
    await devnet.mine(1);
    report = await srv.watcher.tick();
    assert.deepEqual(report.confirmed, [txid]);
    ch = (await srv.paychan.store.getChannel(alice.channelId))!;
    assert.deepEqual([ch.state, ch.closeReason], ['closed', 'settled']);
  });

  test('a funding the node forgot, re-sent into a 403 ban page, is not closed as double-spent', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const bob = await fundedChannel(srv, wallet, { capacity: 30_000n, first: 1_000n, expiryBlocks: 100 });
    devnet.evict(bob.funding!.txid);
    limitBroadcasts(403);

    let report = await srv.watcher.tick();
    assert.deepEqual(report.doubleSpent, []);
    assert.equal((await srv.paychan.store.getChannel(bob.channelId))!.state, 'open');
    assert.equal(report.errors.length, 1, 'the failed re-send is reported, to be tried again');

    devnet.setBehaviour(DEFAULT_BEHAVIOUR);
    report = await srv.watcher.tick();
    assert.deepEqual([report.doubleSpent, report.errors], [[], []]);
    await devnet.mine(1);
    assert.deepEqual((await srv.watcher.tick()).fundingConfirmed, [bob.channelId]);
  });

  test('a settlement whose broadcast answer is lost is found on chain and counted as sent', async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const carol = await fundedChannel(srv, wallet, { capacity: 40_000n, first: 3_000n, expiryBlocks: 20 });
    await devnet.mine(1);
    await mineTo(devnet, (await srv.paychan.store.getChannel(carol.channelId))!.params.expiry - 5);
    devnet.setBehaviour({ loseBroadcastAnswers: true });
    const report = await srv.watcher.tick();
    assert.deepEqual(
      report.settlements.map((s) => s.outcome),
      ['broadcast'],
    );
    assert.equal((await srv.paychan.store.getSettlement(report.settlements[0]!.txid))!.status, 'broadcast');
  });

  test('funding, payments and settlement all go through while a seeded third of all requests is rate-limited, at no less than the minimum fee', async () => {
    const { devnet, wallet } = suite;
    const chain: WatcherChain = new EsploraClient(devnet.url, undefined, { rateLimitRetries: 12, backoffMs: 5 });
    const srv = await suite.server({ chain });
    const dave = new ChannelClient(srv.endpoint);
    await dave.open(await dave.openRequest(40_000n, wallet.script, 20));
    dave.buildFunding([await wallet.coin(50_000n)], wallet.script);
    // From here on the server (not this test's own wallet) reads the chain through the rate limiter.
    devnet.setBehaviour({
      flavour: 'mempool',
      feeRates: { '1': 0.8, '3': 0.5, '6': 0.25, '144': 0.1 },
      rateLimit: { fraction: 0.33, status: 429, retryAfterSeconds: 0, seed: 13 },
    });
    await dave.fund(2_000n);
    for (let i = 1; i <= 5; i++) {
      const res = await fetch(`${srv.url}/item/${i}`, { headers: { authorization: dave.credential() } });
      assert.equal(res.status, 200);
    }
    await dave.pay(6_000n);
    await devnet.mine(1);
    await mineTo(devnet, (await srv.paychan.store.getChannel(dave.channelId))!.params.expiry - 5);
    let report = await srv.watcher.tick();
    const settled = report.settlements.find((s) => s.channels.includes(dave.channelId));
    assert.equal(settled?.outcome, 'broadcast', JSON.stringify(report.errors));
    assert.ok(settled.feeRateKvb >= 2_000n, `fee rate ${settled.feeRateKvb} sat/kvB: the devnet's minimum is 2 sat/vB, whatever the estimates say`);
    await devnet.mine(1);
    report = await srv.watcher.tick();
    assert.ok(report.confirmed.includes(settled.txid), 'mined: the node took its fee');
    const events = (await srv.paychan.store.listEvents(dave.channelId)).map((e) => e.kind);
    assert.ok(!events.includes('settle_reverted'), events.join(' '));
    assert.equal((await srv.paychan.store.getChannel(dave.channelId))!.closeReason, 'settled');
  });

  test('a server configured for testnet4 refuses to start on a backend serving another chain', async () => {
    const tmp = tempDbPath();
    const config = { network: 'testnet4' as const, esploraUrl: suite.devnet.url, dbPath: tmp.dbPath, seedFile: null };
    await assert.rejects(createPaychan({ config, seed: TEST_SEED, logger: silentLogger }), /serves regtest, not testnet4/);
    tmp.cleanup();
  });
});
