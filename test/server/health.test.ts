/**
 * GET {base}/health on a real server: 200 with the devnet's tip, the watcher's last pass and the
 * next settlement due of a real channel; 503 with the reason when the watcher has stalled or
 * the chain backend does not answer.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import type { HealthReport } from '../../src/server/health.ts';
import type { Scheduler } from '../../src/server/watcher/index.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';
import { TestWallet } from './helpers/wallet.ts';

/** Timers that never fire: the test runs the watcher's passes itself. */
const manual: Scheduler = { setTimeout: () => 0, clearTimeout: () => undefined };
const INTERVAL_MS = 300;

async function health(srv: TestServer): Promise<{ status: number; body: HealthReport }> {
  const res = await fetch(`${srv.endpoint}/health`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return { status: res.status, body: (await res.json()) as HealthReport };
}

describe('GET {base}/health', () => {
  let devnet: Devnet;
  let srv: TestServer;
  const tmp = tempDbPath();
  before(async () => {
    devnet = await startDevnet({ port: 0 });
    srv = await startServer({ dbPath: tmp.dbPath, scheduler: manual, config: { esploraUrl: devnet.url, tipCacheMs: 0, watcher: { intervalMs: INTERVAL_MS } } });
  });
  after(async () => {
    await srv?.stop();
    await devnet?.stop();
    tmp.cleanup();
  });

  test('200 with the tip, the watcher\'s last pass and the next settlement due', async () => {
    const wallet = new TestWallet(devnet);
    const c = new ChannelClient(srv.endpoint);
    await c.open(await c.openRequest(50_000n, wallet.script));
    c.buildFunding([await wallet.coin(80_000n)], wallet.script);
    await c.fund(1_000n);
    await srv.paychan.watcher!.tick();

    const { status, body } = await health(srv);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.status, 'ok');
    assert.deepEqual(body.reasons, []);
    const tip = await new EsploraClient(devnet.url).getTipHeight();
    assert.equal(body.tip, tip);
    assert.equal(body.watcher.enabled, true);
    assert.equal(body.watcher.lastRunTip, tip);
    assert.ok(Date.now() - Date.parse(body.watcher.lastRunAt!) < 5_000);
    const channel = (await srv.paychan.store.getChannel(c.channelId))!;
    const due = channel.params.expiry - srv.paychan.config.settleMarginBlocks;
    assert.deepEqual(body.nextSettlement, { dueAtHeight: due, inBlocks: due - tip, openChannels: 1 });
    assert.ok(!JSON.stringify(body).includes(c.channelId.slice(0, 64)), 'no funding outpoint on a public endpoint');
  });

  test('503 naming the stalled watcher when no pass ran for three intervals; 200 again after one', async () => {
    await srv.paychan.watcher!.tick();
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS + 200));
    const stalled = await health(srv);
    assert.equal(stalled.status, 503);
    assert.equal(stalled.body.status, 'unavailable');
    assert.match(stalled.body.reasons.join('\n'), /settlement watcher stalled/);
    await srv.paychan.watcher!.tick();
    assert.equal((await health(srv)).status, 200);
  });

  test('503 naming the chain backend when it does not answer', async () => {
    const other = tempDbPath();
    const dead = await startServer({ dbPath: other.dbPath, scheduler: manual, config: { esploraUrl: 'http://127.0.0.1:1', tipCacheMs: 0 } });
    try {
      const { status, body } = await health(dead);
      assert.equal(status, 503);
      assert.equal(body.tip, null);
      assert.match(body.reasons.join('\n'), /chain backend unreachable/);
    } finally {
      await dead.stop();
      other.cleanup();
    }
  });
});
