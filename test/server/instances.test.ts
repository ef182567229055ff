/**
 * Three server instances (real HTTP servers on loopback, each with its own store and pool) on
 * one PostgreSQL database, against the devnet: a client that sends each request to the next
 * instance sells exactly the credit there is under racing requests, holds no more than the
 * zero-conf total cap across instances, sees at one instance the payment another accepted, and
 * opens at one, funds at another and pays at the third.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parseReceipt } from '../../src/core/http-binding.ts';
import { encodePayment } from '../../src/core/messages.ts';
import { createKeyFile, ServerKeys } from '../../src/server/keys.ts';
import { postgresSuite } from '../helpers/postgres.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { post } from './helpers/problems.ts';
import { startServer, tempDbPath, TEST_SEED, type TestServer } from './helpers/server.ts';
import { syntheticChannel } from './helpers/synthetic-channel.ts';
import { TestWallet } from './helpers/wallet.ts';
import { startWatchedDevnet, WATCHED_CONFIG, type WatchedDevnet } from './watcher-fixture.ts';

const pgServer = postgresSuite();
const keys = new ServerKeys(TEST_SEED, 'regtest');

describe('three instances on one PostgreSQL database', () => {
  let devnet: WatchedDevnet;
  let wallet: TestWallet;
  let servers: TestServer[] = [];
  let turn = 0;
  /** The next instance, round robin, as a load balancer would pick. */
  const next = () => servers[turn++ % servers.length]!;

  before(async () => {
    devnet = await startWatchedDevnet();
    wallet = new TestWallet(devnet);
    const url = await pgServer.newDatabase();
    servers = await Promise.all(
      [0, 1, 2].map(() =>
        startServer({ dbPath: url, config: { ...WATCHED_CONFIG, esploraUrl: devnet.url, watcher: { enabled: false } } }).then((s) => {
          s.paychan.route('/item/*', 30n);
          return s;
        }),
      ),
    );
  });
  after(async () => {
    for (const s of servers) await s.stop();
    await devnet?.stop();
  });

  test('requests racing across the instances spend each satoshi of credit once', async () => {
    const ch = await syntheticChannel(servers[0]!.paychan.store, keys, { capacity: 1_000_000n, expiry: 2_000, firstPayment: 1_000n });
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => fetch(`${next().url}/item/${i}`, { headers: { authorization: ch.credential() } })),
    );
    const ok = responses.filter((r) => r.status === 200);
    assert.ok(responses.every((r) => r.status === 200 || r.status === 402));
    assert.equal(ok.length, 33, '1,000 sat of credit buys 33 items at 30');
    const spentSeen = ok.map((r) => parseReceipt(r.headers.get('paychan-receipt')!)!.spent).sort((a, b) => (a < b ? -1 : 1));
    assert.deepEqual(spentSeen, Array.from({ length: 33 }, (_, i) => 30n * BigInt(i + 1)), 'every receipt a different total: none sold twice');
    const stored = (await servers[2]!.paychan.store.getChannel(ch.id))!;
    assert.equal(stored.spent, 990n);
    assert.equal((await servers[1]!.paychan.store.listEvents(ch.id)).filter((e) => e.kind === 'debit').length, 33);
  });

  test('payments racing across the instances keep the highest amount and lose no increment', async () => {
    const ch = await syntheticChannel(servers[0]!.paychan.store, keys, { capacity: 1_000_000n, expiry: 2_000, firstPayment: 1_000n });
    const payments = Array.from({ length: 30 }, (_, i) => ch.sign(2_000n + 100n * BigInt(i)));
    const order = [...payments].sort(() => Math.random() - 0.5);
    const answers = await Promise.all(order.map((p) => post(`${next().endpoint}/channels/${ch.id}/payments`, encodePayment(p))));
    assert.ok(answers.every((a) => a.status === 200 || a.body.code === 'AMOUNT_DECREASED'), JSON.stringify(answers.map((a) => a.body.code)));
    const stored = (await servers[0]!.paychan.store.getChannel(ch.id))!;
    assert.equal(stored.paid, payments.at(-1)!.amount);
    assert.deepEqual(stored.signature, payments.at(-1)!.signature);
    const increments = (await servers[0]!.paychan.store.listEvents(ch.id)).filter((e) => e.kind === 'payment');
    assert.equal(increments.reduce((s, e) => s + e.amount, 0n), stored.paid - 1_000n);
  });

  test('payments on unconfirmed channels racing across the instances never hold more than zeroConfTotalLimit together', async () => {
    const store = servers[0]!.paychan.store;
    assert.deepEqual((await store.listChannels()).filter((c) => !c.fundingConfirmed), [], 'nothing unconfirmed yet');
    // 11 × 40 000 = 440 000 held of the default 500 000: room for six raises of 10 000, each within the per-channel 50 000.
    const chans = [];
    for (let i = 0; i < 11; i++) chans.push(await syntheticChannel(store, keys, { capacity: 100_000n, expiry: 2_000, firstPayment: 40_000n, confirmed: false }));
    const answers = await Promise.all(chans.map((ch) => post(`${next().endpoint}/channels/${ch.id}/payments`, encodePayment(ch.sign(50_000n)))));
    assert.ok(answers.every((a) => a.status === 200 || a.body.code === 'UNCONFIRMED_LIMIT'), JSON.stringify(answers.map((a) => a.body.code)));
    assert.equal(answers.filter((a) => a.status === 200).length, 6);
    const unconfirmed = (await servers[1]!.paychan.store.listChannels()).filter((c) => !c.fundingConfirmed);
    assert.equal(unconfirmed.reduce((s, c) => s + c.paid, 0n), 500_000n);
    // Their fundings confirm, so the tests after this one start with nothing unconfirmed.
    for (const ch of chans) await store.updateChannel(ch.id, (c) => ({ channel: { ...c, fundingConfirmed: true }, result: null }));
  });

  test('open at one instance, fund at the next, pay at the third; each sees what the others stored', async () => {
    const client = new ChannelClient(next().endpoint);
    await client.open(await client.openRequest(50_000n, wallet.script, 20));
    client.buildFunding([await wallet.coin(60_000n)], wallet.script);
    client.endpoint = next().endpoint;
    assert.equal((await client.fund(1_000n)).paid, 1_000n);
    client.endpoint = next().endpoint;
    assert.equal((await client.pay(1_600n)).paid, 1_600n);
    // The payment accepted at that instance is credit at every other, on the very next request.
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${next().url}/item/${i}`, { headers: { authorization: client.credential() } });
      assert.equal(res.status, 200, await res.text());
      const receipt = parseReceipt(res.headers.get('paychan-receipt')!)!;
      assert.deepEqual([receipt.paid, receipt.spent], [1_600n, 30n * BigInt(i + 1)]);
    }
    client.endpoint = next().endpoint;
    const status = await client.status();
    assert.deepEqual([status.paid, status.spent], [1_600n, 90n]);
  });
});

test('paychan-server --db postgres://… serves from that database', async () => {
  const url = await pgServer.newDatabase();
  const tmp = tempDbPath();
  const config = join(tmp.dir, 'proxy.json');
  // paychan-server starts only with its key and a chain backend that answers on its network.
  const chain = await startWatchedDevnet();
  const seedFile = join(tmp.dir, 'paychan.key');
  createKeyFile(seedFile);
  writeFileSync(config, JSON.stringify({ upstream: 'http://127.0.0.1:9', routes: [], network: 'regtest', esploraUrl: chain.url, dbPath: tmp.dbPath, seedFile, watcher: { enabled: false } }));
  const cli = fileURLToPath(new URL('../../src/server/cli/paychan-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--config', config, '--port', '0', '--db', url], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PAYCHAN_LOG_LEVEL: 'error' },
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (l) => l.startsWith('paychan-server:') && resolve(l));
      child.once('exit', (code) => reject(new Error(`paychan-server exited with ${code}`)));
    });
    assert.match(line, /http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(existsSync(tmp.dbPath), false, 'no SQLite file made');
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const { rows } = await db.query('SELECT version FROM paychan_schema');
    await db.end();
    assert.equal(rows.length, 1, 'the server migrated the PostgreSQL database, not the file of the config');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await chain.stop();
    tmp.cleanup();
  }
});
