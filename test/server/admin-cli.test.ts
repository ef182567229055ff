/**
 * paychan-admin against the database of a live server on a real regtest node: list, show,
 * totals and CSV reflect the channels made here; settle puts a channel's settlement on chain;
 * and the CLI runs as a real subprocess.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { SqliteChannelStore } from '../../src/server/store/sqlite-store.ts';
import { admin } from './helpers/admin.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { startServer, TEST_SEED, tempDbPath, type TestServer } from './helpers/server.ts';
import { TestWallet } from './helpers/wallet.ts';

const run = promisify(execFile);

describe('paychan-admin', () => {
  let devnet: Devnet;
  let srv: TestServer;
  let alice: ChannelClient;
  let bob: ChannelClient;
  const tmp = tempDbPath();
  const db = () => ['--db', tmp.dbPath];
  // The server's seed and chain, and a seed file that does not exist so no stray one is picked up.
  const settleEnv = () => ({
    PAYCHAN_SERVER_SEED: Buffer.from(TEST_SEED).toString('hex'),
    PAYCHAN_ESPLORA_URL: devnet.url,
    PAYCHAN_SEED_FILE: join(tmp.dir, 'absent.seed'),
  });

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    srv = await startServer({ dbPath: tmp.dbPath, config: { esploraUrl: devnet.url, tipCacheMs: 0 } });
    srv.paychan.route('/item/*', 10n);
    const wallet = new TestWallet(devnet);
    const openChannel = async (first: bigint) => {
      const c = new ChannelClient(srv.endpoint);
      await c.open(await c.openRequest(50_000n, wallet.script));
      c.buildFunding([await wallet.coin(80_000n)], wallet.script);
      await c.fund(first);
      return c;
    };
    alice = await openChannel(1_000n);
    bob = await openChannel(2_000n);
    for (const [c, n] of [[alice, 3], [bob, 1]] as const) {
      for (let i = 0; i < n; i++) {
        const res = await fetch(`${srv.url}/item/${i},x`, { headers: { authorization: c.credential() } });
        assert.equal(res.status, 200);
        await res.text();
      }
    }
    await alice.pay(1_500n);
    await bob.close(); // settling: 2000 on chain soon
  });
  after(async () => {
    await srv?.stop();
    await devnet?.stop();
    tmp.cleanup();
  });

  test('list shows every channel with its state and amounts; --state filters', async () => {
    const all = await admin([...db(), 'list']);
    assert.equal(all.code, 0, all.err);
    const lines = all.out.trim().split('\n');
    assert.match(lines[0]!, /^CHANNEL\s+STATE\s+CAPACITY\s+PAID\s+SPENT\s+CREDIT/);
    const aliceLine = lines.find((l) => l.startsWith(alice.channelId))!;
    assert.match(aliceLine, /\bopen\s+50000\s+1500\s+30\s+1470\b/);
    assert.match(lines.find((l) => l.startsWith(bob.channelId))!, /\bclosing\s+50000\s+2000\s+10\s+1990\b/);
    const open = await admin([...db(), 'list', '--state', 'open']);
    assert.ok(open.out.includes(alice.channelId));
    assert.ok(!open.out.includes(bob.channelId));
    assert.equal((await admin([...db(), 'list', '--state', 'gone'])).code, 2);
  });

  test('show prints the record and the event history', async () => {
    const r = await admin([...db(), 'show', alice.channelId]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /state\s+open/);
    assert.match(r.out, /paid\s+1500 sat/);
    assert.match(r.out, /credit\s+1470 sat/);
    assert.match(r.out, /history \(5 events\)/);
    const kinds = r.out.split('\n').filter((l) => /^\d{4}-/.test(l)).map((l) => l.split(/\s+/)[1]);
    assert.deepEqual(kinds, ['funded', 'debit', 'debit', 'debit', 'payment']);
    const b = await admin([...db(), 'show', bob.channelId]);
    assert.match(b.out, /settlement status\s+broadcast/);
    assert.equal((await admin([...db(), 'show', `${'ab'.repeat(32)}:0`])).code, 1);
    assert.equal((await admin([...db(), 'show', 'not-an-id'])).code, 1);
  });

  test('totals separate delivered, unused credit, settled, fees paid, pending settlement and zero-conf exposure', async () => {
    const r = await admin([...db(), 'totals']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /channels\s+2 \(1 open, 1 closing, 0 closed\)/);
    assert.match(r.out, /earned\s+3500 sat/);
    assert.match(r.out, /delivered\s+40 sat/);
    // Alice's 1500 paid less 30 spent; Bob's leftover credit went into his settlement, so is not owed.
    assert.match(r.out, /unused credit\s+1470 sat/);
    assert.match(r.out, /pending settlement\s+3500 sat/);
    assert.match(r.out, /pending open\s+1500 sat/);
    assert.match(r.out, /pending settling\s+2000 sat/);
    assert.match(r.out, /settled\s+0 sat/);
    // Bob's settlement is broadcast, not confirmed: its fee is pending, not paid (it was counted as paid before #15).
    const fee = (await srv.paychan.store.getSettlement((await bob.status()).settlementTxid!))!.fee;
    assert.match(r.out, /settlement fees paid\s+0 sat/);
    assert.match(r.out, new RegExp(`pending settlement fees\\s+${fee} sat`));
    const unconfirmed = (await srv.paychan.store.listChannels()).filter((c) => !c.fundingConfirmed).reduce((a, c) => a + c.paid, 0n);
    assert.match(r.out, new RegExp(`zero conf exposure\\s+${unconfirmed} sat of 500000 sat allowed`));
    const csv = await admin([...db(), 'totals', '--csv']);
    assert.equal(csv.code, 0, csv.err);
    const rows = new Map(csv.out.trimEnd().split('\r\n').slice(1).map((l) => l.split(',') as [string, string]));
    assert.equal(csv.out.split('\r\n')[0], 'category,sat,meaning');
    assert.deepEqual(
      ['delivered', 'unused_credit', 'settled', 'settlement_fees_paid', 'pending_settlement', 'zero_conf_exposure'].map((k) => rows.get(k)),
      ['40', '1470', '0', '0', '3500', unconfirmed.toString()],
    );
  });

  test('backup makes a consistent copy of the live database while the server runs', async () => {
    const copy = join(tmp.dir, 'backup.db');
    const r = await admin([...db(), 'backup', copy]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /backed up .* \(\d+ pages\)/);
    const restored = new SqliteChannelStore(copy);
    try {
      assert.deepEqual(await restored.listChannels(), await srv.paychan.store.listChannels());
      assert.deepEqual(await restored.listEvents(), await srv.paychan.store.listEvents());
    } finally {
      await restored.close();
    }
    // The server still takes payments after the backup.
    const res = await fetch(`${srv.url}/item/after-backup`, { headers: { authorization: alice.credential() } });
    assert.equal(res.status, 200);
    await res.text();
    const again = await admin([...db(), 'backup', copy]);
    assert.equal(again.code, 1);
    assert.match(again.err, /already exists/);
  });

  test('paychan-admin --config reads paychan-server\'s own config file', async () => {
    const file = join(tmp.dir, 'paychan.json');
    writeFileSync(file, JSON.stringify({ upstream: 'http://127.0.0.1:8080', listen: { port: 8402 }, routes: [{ path: '/a/*', price: 10 }], network: 'regtest', esploraUrl: devnet.url, dbPath: tmp.dbPath, seedFile: join(tmp.dir, 'absent.seed') }));
    const r = await admin(['--config', file, 'list']);
    assert.equal(r.code, 0, r.err);
    assert.ok(r.out.includes(alice.channelId));
    // A typo in the library's settings is still refused.
    writeFileSync(file, JSON.stringify({ upstream: 'http://127.0.0.1:8080', routes: [], dbPath: tmp.dbPath, dbPth: 'x' }));
    const typo = await admin(['--config', file, 'list']);
    assert.equal(typo.code, 1);
    assert.match(typo.err, /dbPth is not a setting/);
  });

  test('export-csv writes one row per event', async () => {
    const out = join(tmp.dir, 'events.csv');
    const r = await admin([...db(), 'export-csv', '--out', out]);
    assert.equal(r.code, 0, r.err);
    const rows = readFileSync(out, 'utf8').trimEnd().split('\r\n');
    assert.equal(rows[0], 'time,channel,kind,amount,paid,spent,ref');
    const events = await srv.paychan.store.listEvents();
    assert.equal(rows.length, events.length + 1);
    const debit = rows.find((l) => l.includes(`,${alice.channelId},debit,`))!;
    assert.match(debit, /^\d{4}-\d\d-\d\dT[\d:.]+Z,[0-9a-f]{64}:0,debit,10,1000,10,"\/item\/0,x"$/);
    const stdout = await admin([...db(), 'export-csv']);
    assert.equal(stdout.out, readFileSync(out, 'utf8'));
  });

  test('settle puts the channel on chain with its latest payment', async () => {
    const noSeed = await admin([...db(), 'settle', alice.channelId], { PAYCHAN_SEED_FILE: join(tmp.dir, 'absent.seed') });
    assert.equal(noSeed.code, 1);
    assert.match(noSeed.err, /no server seed/);
    const wrongSeed = await admin([...db(), 'settle', alice.channelId], { ...settleEnv(), PAYCHAN_SERVER_SEED: '11'.repeat(32) });
    assert.equal(wrongSeed.code, 1);
    assert.match(wrongSeed.err, /does not hold the server key/);

    const r = await admin([...db(), 'settle', alice.channelId], settleEnv());
    assert.equal(r.code, 0, r.err);
    const ch = (await srv.paychan.store.getChannel(alice.channelId))!;
    assert.equal(ch.state, 'closing');
    assert.ok(r.out.includes(ch.settlementTxid!));
    const tx = await new EsploraClient(devnet.url).getTx(ch.settlementTxid!);
    assert.equal(tx.vin[0]!.txid, alice.funding!.txid);
    assert.equal(tx.vout[0]!.value, 50_000n - 1_500n);
    // The watcher's settlement path: sent, and due for a fee bump three blocks on if still unconfirmed.
    const record = (await srv.paychan.store.getSettlement(ch.settlementTxid!))!;
    assert.deepEqual([record.status, record.fee, record.bumpHeight], ['broadcast', tx.fee, (await devnet.tipHeight()) + 3]);
    // The client can no longer spend credit on it.
    const res = await fetch(`${srv.url}/item/late`, { headers: { authorization: alice.credential() } });
    assert.equal(res.status, 402);
    const totals = await admin([...db(), 'totals']);
    assert.match(totals.out, /settling\s+3500 sat/);
    assert.match(totals.out, /pending open\s+0 sat/);
  });

  test('once the settlements confirm, totals show them settled with their fees paid, nothing pending or owed', async () => {
    await devnet.mine(1);
    await srv.paychan.watcher!.tick();
    const channels = await srv.paychan.store.listChannels();
    assert.deepEqual(channels.map((c) => c.state), ['closed', 'closed']);
    let fees = 0n;
    for (const txid of new Set(channels.map((c) => c.settlementTxid!))) fees += (await srv.paychan.store.getSettlement(txid))!.fee;
    const r = await admin([...db(), 'totals']);
    assert.match(r.out, /settled\s+3500 sat/);
    assert.match(r.out, new RegExp(`settlement fees paid\\s+${fees} sat`));
    assert.match(r.out, /pending settlement\s+0 sat/);
    assert.match(r.out, /pending settlement fees\s+0 sat/);
    assert.match(r.out, /unused credit\s+0 sat/);
    assert.match(r.out, /delivered\s+50 sat/, 'the 4 items before and the one during the backup test');
    assert.match(r.out, /zero conf exposure\s+0 sat/);
  });

  test('the CLI runs as a subprocess', async () => {
    const { stdout } = await run('npx', ['tsx', 'src/server/cli/paychan-admin.ts', '--db', tmp.dbPath, 'totals'], { env: { ...process.env, PAYCHAN_SEED_FILE: '' } });
    assert.match(stdout, /settled\s+3500 sat/);
    await assert.rejects(run('npx', ['tsx', 'src/server/cli/paychan-admin.ts', '--db', join(tmp.dir, 'none.db'), 'list']), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /no database/);
      return true;
    });
  });
});
