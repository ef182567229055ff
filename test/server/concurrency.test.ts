/**
 * Requests racing on one channel: no credit is spent twice and no increment is lost, whether
 * the racers share one server or run in two processes on the same SQLite file.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { encodePayment } from '../../src/core/messages.ts';
import { parseReceipt } from '../../src/core/http-binding.ts';
import { fixedTip } from '../../src/server/chain.ts';
import { ServerKeys } from '../../src/server/keys.ts';
import { post } from './helpers/problems.ts';
import { startServer, tempDbPath, TEST_SEED, type TestServer } from './helpers/server.ts';
import { stubChain, syntheticChannel } from './helpers/synthetic-channel.ts';

const keys = new ServerKeys(TEST_SEED, 'regtest');

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

async function buyAll(urls: string[], credential: string): Promise<Response[]> {
  return Promise.all(urls.map((u) => fetch(u, { headers: { authorization: credential } })));
}

describe('concurrency', () => {
  let srv: TestServer;
  let child: ChildProcess;
  let other: { url: string; endpoint: string };
  const tmp = tempDbPath();

  before(async () => {
    srv = await startServer({ dbPath: tmp.dbPath, chain: stubChain(), tip: fixedTip(1_000) });
    srv.paychan.route('/item/*', 30n);
    const script = fileURLToPath(new URL('./helpers/child-server.ts', import.meta.url));
    child = spawn(process.execPath, ['--import', 'tsx', script, tmp.dbPath, '30'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`child server exited with ${code}`)));
    });
    other = JSON.parse(line) as typeof other;
  });
  after(async () => {
    child?.stdin?.end();
    await new Promise((resolve) => (child?.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    await srv?.stop();
    tmp.cleanup();
  });

  const newChannel = (firstPayment: bigint) =>
    syntheticChannel(srv.paychan.store, keys, { capacity: 1_000_000n, expiry: 2_000, firstPayment });

  test('parallel requests on one server spend each satoshi of credit once', async () => {
    const ch = await newChannel(1_000n);
    const responses = await buyAll(Array.from({ length: 60 }, (_, i) => `${srv.url}/item/${i}`), ch.credential());
    const ok = responses.filter((r) => r.status === 200);
    assert.equal(ok.length, 33);
    assert.ok(responses.every((r) => r.status === 200 || r.status === 402));
    const spentSeen = ok.map((r) => parseReceipt(r.headers.get('paychan-receipt')!)!.spent).sort((a, b) => (a < b ? -1 : 1));
    assert.deepEqual(spentSeen, Array.from({ length: 33 }, (_, i) => 30n * BigInt(i + 1)));
    const stored = (await srv.paychan.store.getChannel(ch.id))!;
    assert.equal(stored.spent, 990n);
    assert.equal((await srv.paychan.store.listEvents(ch.id)).filter((e) => e.kind === 'debit').length, 33);
  });

  test('parallel payments keep the highest amount and its signature', async () => {
    const ch = await newChannel(1_000n);
    const payments = Array.from({ length: 30 }, (_, i) => ch.sign(2_000n + 100n * BigInt(i)));
    const answers = await Promise.all(shuffle(payments).map((p) => post(`${srv.endpoint}/channels/${ch.id}/payments`, encodePayment(p))));
    assert.ok(answers.every((a) => a.status === 200 || a.body.code === 'AMOUNT_DECREASED'), JSON.stringify(answers.map((a) => a.body.code)));
    const stored = (await srv.paychan.store.getChannel(ch.id))!;
    const top = payments[payments.length - 1]!;
    assert.equal(stored.paid, top.amount);
    assert.deepEqual(stored.signature, top.signature);
    const increments = (await srv.paychan.store.listEvents(ch.id)).filter((e) => e.kind === 'payment');
    assert.equal(increments.reduce((s, e) => s + e.amount, 0n), top.amount - 1_000n);
  });

  test('debits racing a top-up never spend more than was paid', async () => {
    srv.paychan.route('/hundred/*', 100n);
    const ch = await newChannel(1_000n);
    const topUp = ch.sign(3_000n);
    const [paid, ...items] = await Promise.all([
      post(`${srv.endpoint}/channels/${ch.id}/payments`, encodePayment(topUp)),
      ...Array.from({ length: 40 }, (_, i) => fetch(`${srv.url}/hundred/${i}`, { headers: { authorization: ch.credential() } })),
    ]);
    assert.equal(paid!.status, 200);
    const sold = items.filter((r) => (r as Response).status === 200).length;
    assert.ok(sold >= 10 && sold <= 30, `sold ${sold}`);
    const stored = (await srv.paychan.store.getChannel(ch.id))!;
    assert.equal(stored.spent, 100n * BigInt(sold));
    assert.equal(stored.paid, 3_000n);
  });

  test('two server processes on one database file neither double-spend nor lose increments', async () => {
    const ch = await newChannel(3_000n);
    const urls = Array.from({ length: 150 }, (_, i) => `${i % 2 ? other.url : srv.url}/item/${i}`);
    const responses = await buyAll(urls, ch.credential());
    assert.equal(responses.filter((r) => r.status === 200).length, 100);
    const fromChild = responses.filter((r, i) => r.status === 200 && i % 2 === 1).length;
    assert.ok(fromChild > 0 && fromChild < 100, `the child sold ${fromChild}`);
    const stored = (await srv.paychan.store.getChannel(ch.id))!;
    assert.equal(stored.spent, 3_000n);
    assert.equal((await srv.paychan.store.listEvents(ch.id)).filter((e) => e.kind === 'debit').length, 100);

    const payments = Array.from({ length: 40 }, (_, i) => ch.sign(4_000n + 10n * BigInt(i)));
    const order = shuffle(payments.map((p, i) => ({ p, endpoint: i % 2 ? other.endpoint : srv.endpoint })));
    await Promise.all(order.map(({ p, endpoint }) => post(`${endpoint}/channels/${ch.id}/payments`, encodePayment(p))));
    const after = (await srv.paychan.store.getChannel(ch.id))!;
    assert.equal(after.paid, payments[39]!.amount);
    assert.deepEqual(after.signature, payments[39]!.signature);
    const increments = (await srv.paychan.store.listEvents(ch.id)).filter((e) => e.kind === 'payment');
    assert.equal(increments.reduce((s, e) => s + e.amount, 0n), after.paid - 3_000n);
  });
});
