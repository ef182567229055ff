/**
 * The settlement watcher on several instances sharing PostgreSQL, against the devnet: exactly one
 * instance (the lease holder) watches; killed in the middle of a batch settlement (stored, its
 * broadcast never answered), another instance takes over within a bounded time, sends that very
 * settlement, and follows it to confirmation: nothing settled twice, nothing left unsettled.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresChannelStore } from '../../src/server/store/postgres/postgres-store.ts';
import { WATCHER_LOCK } from '../../src/server/store/postgres/watcher-lease.ts';
import { postgresSuite } from '../helpers/postgres.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { TestWallet } from './helpers/wallet.ts';
import { mineTo, startWatchedDevnet } from './watcher-fixture.ts';

const pgServer = postgresSuite();
const children: ChildProcess[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Bound on a takeover: the lease frees when the holder's session ends; the others try every 200 ms. */
const TAKEOVER_MS = 5_000;

async function startInstance(dbUrl: string, esploraUrl: string, mode: 'ok' | 'hang'): Promise<{ child: ChildProcess; endpoint: string }> {
  const script = fileURLToPath(new URL('./helpers/pg-instance.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, dbUrl, esploraUrl, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
  });
  return { child, endpoint: (JSON.parse(line) as { endpoint: string }).endpoint };
}

/** Backend pids holding the watcher's advisory lock. */
async function leaseHolders(admin: pg.Client): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1 AND classid = 0",
    [WATCHER_LOCK],
  );
  return rows.map((r) => r.pid);
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('killing the watching instance mid-batch: another takes over, settles once, leaves nothing unsettled', { timeout: 120_000 }, async () => {
  const devnet = await startWatchedDevnet();
  const wallet = new TestWallet(devnet);
  const url = await pgServer.newDatabase();
  const admin = new pg.Client({ connectionString: url });
  const store = await PostgresChannelStore.open(url);
  try {
    // The first instance takes the lease before the others exist; its broadcasts never return.
    const first = await startInstance(url, devnet.url, 'hang');
    await admin.connect();
    await until('the first instance to take the lease', 10_000, async () => (await leaseHolders(admin)).length === 1);
    const others = await Promise.all([startInstance(url, devnet.url, 'ok'), startInstance(url, devnet.url, 'ok')]);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await leaseHolders(admin)).length, 1, 'the others tried, and did not get it');

    const clients: ChannelClient[] = [];
    for (const [i, first] of [2_500n, 1_500n, 3_000n].entries()) {
      const c = new ChannelClient(others[i % 2]!.endpoint);
      await c.open(await c.openRequest(50_000n, wallet.script, 20));
      c.buildFunding([await wallet.coin(60_000n)], wallet.script);
      await c.fund(first);
      clients.push(c);
    }
    const ids = clients.map((c) => c.channelId).sort();
    await devnet.mine(1);
    await mineTo(devnet, clients[0]!.mustChannel().request.expiry - 5);

    // The lease holder builds one batch for all three and stores it; its broadcast hangs.
    const built = await until('the batch settlement to be stored', 20_000, async () => (await store.listSettlements({ status: ['built'] }))[0]);
    assert.deepEqual(built.channels.map((c) => c.channelId).sort(), ids);
    await assert.rejects(devnet.esplora.getTx(built.txid), { status: 404 });

    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) => first.child.once('exit', r));

    const sent = await until('another instance to send the stored settlement', TAKEOVER_MS, async () => {
      const s = await store.getSettlement(built.txid);
      return s?.status === 'broadcast' ? s : null;
    });
    const takeoverMs = Date.now() - killedAt;
    assert.ok(takeoverMs <= TAKEOVER_MS, `took over in ${takeoverMs} ms`);
    assert.equal(sent.hex, built.hex, 'the very transaction the dead instance stored');
    assert.equal(await devnet.esplora.getTxHex(built.txid), built.hex);
    assert.equal((await leaseHolders(admin)).length, 1, 'exactly one instance watches');

    await devnet.mine(1);
    await until('the settlement to confirm and close the channels', 20_000, async () => {
      const chans = await Promise.all(ids.map((id) => store.getChannel(id)));
      return chans.every((c) => c!.state === 'closed' && c!.closeReason === 'settled' && c!.settlementTxid === built.txid);
    });
    const all = await store.listSettlements();
    assert.deepEqual(all.map((s) => [s.txid, s.status]), [[built.txid, 'confirmed']], 'one settlement, nothing settled twice');
    assert.equal((await devnet.esplora.getTxStatus(built.txid)).confirmed, true);
    assert.deepEqual(await store.listChannels({ state: 'open' }), [], 'nothing left unsettled');
    for (const o of others) o.child.stdin!.end();
    await Promise.all(others.map((o) => new Promise((r) => (o.child.exitCode !== null ? r(null) : o.child.once('exit', r)))));
  } finally {
    await admin.end().catch(() => undefined);
    await store.close();
    await devnet.stop();
  }
});
