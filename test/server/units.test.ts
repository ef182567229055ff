/** The server's small parts on their own: configuration, keys, content negotiation, chain policies, SQLite-only store behaviour (the store contract is in test/server/store/). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mnemonicToSeedSync } from '@scure/bip39';
import { join } from 'node:path';
import { EsploraError } from '../../src/chain/esplora.ts';
import { FeeOracle, FeeRatesUnavailable } from '../../src/chain/fee-oracle.ts';
import { parseEsploraFees, parseMempoolFees } from '../../src/chain/fee-rates.ts';
import { ProtocolError } from '../../src/core/errors.ts';
import { cachedTip, classifyBroadcastError, settlementFeeRate } from '../../src/server/chain.ts';
import { DEFAULT_CONFIG, loadConfig } from '../../src/server/config.ts';
import { createKeyFile, loadSeed, ServerKeys } from '../../src/server/keys.ts';
import { jsonLogger, silentLogger, type Logger } from '../../src/server/logger.ts';
import { prefersJson } from '../../src/server/http/negotiate.ts';
import { SqliteChannelStore } from '../../src/server/store/sqlite-store.ts';
import { MIGRATIONS } from '../../src/server/store/migrations.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';
import { TEST_SEED, tempDbPath } from './helpers/server.ts';
import { snapshot } from './helpers/snapshot.ts';
import { syntheticChannel } from './helpers/synthetic-channel.ts';

describe('config', () => {
  test('defaults work on the devnet', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.network, 'regtest');
    assert.equal(c.esploraUrl, 'http://127.0.0.1:3002');
    assert.equal(c.terms.minDeposit, 10_000n);
    assert.equal(c.terms.maxExpiryBlocks, 4032);
    assert.equal(c.zeroConfLimit, 50_000n);
    assert.equal(c.feeRateKvb, 1_000n);
    assert.equal(c.maxBodyBytes, 65_536);
  });

  test('"testnet" means testnet4 with mempool.space\'s testnet4 API; testnet3 is still reachable by name', () => {
    const t4 = loadConfig({ env: { PAYCHAN_NETWORK: 'testnet' } });
    assert.deepEqual([t4.network, t4.terms.network, t4.esploraUrl], ['testnet4', 'testnet4', 'https://mempool.space/testnet4/api']);
    const t3 = loadConfig({ env: { PAYCHAN_NETWORK: 'testnet3' } });
    assert.deepEqual([t3.network, t3.esploraUrl], ['testnet3', 'https://mempool.space/testnet/api']);
  });

  test('file, then environment, then overrides', () => {
    const tmp = tempDbPath();
    const file = join(tmp.dir, 'paychan.json');
    writeFileSync(file, JSON.stringify({ zeroConfLimit: '1000', terms: { minDeposit: 20000 }, feeRate: 3, basePath: '/pay' }));
    const c = loadConfig({ file, env: { PAYCHAN_FEE_RATE: '5', PAYCHAN_DB: '/x.db' }, overrides: { basePath: '/api/pay' } });
    assert.equal(c.zeroConfLimit, 1_000n);
    assert.equal(c.terms.minDeposit, 20_000n);
    assert.equal(c.feeRateKvb, 5_000n);
    assert.equal(c.dbPath, '/x.db');
    assert.equal(c.basePath, '/api/pay');
    tmp.cleanup();
  });

  test('choosing a network picks its Esplora and puts it in the terms', () => {
    const c = loadConfig({ env: { PAYCHAN_NETWORK: 'signet' } });
    assert.equal(c.esploraUrl, 'https://mempool.space/signet/api');
    assert.equal(c.terms.network, 'signet');
  });

  test('bad settings are refused with their name', () => {
    assert.throws(() => loadConfig({ env: {}, overrides: { feeRate: 0n } }), /feeRate/);
    assert.throws(() => loadConfig({ env: {}, overrides: { basePath: 'pay/' } }), /basePath/);
    assert.throws(() => loadConfig({ env: { PAYCHAN_ZERO_CONF_LIMIT: '-1' } }), /zeroConfLimit/);
    assert.throws(() => loadConfig({ env: {}, overrides: { terms: { minDeposit: 10n, maxDeposit: 5n } } }), ProtocolError);
    assert.throws(() => loadConfig({ env: {}, overrides: { nonsense: 1 } as never }), /nonsense is not a setting/);
    assert.throws(() => loadConfig({ env: {}, overrides: { settleMarginBlocks: 200 } }), /settleMarginBlocks/);
  });
});

describe('keys', () => {
  test('a fresh, deterministic key per index on the BIP32 path', () => {
    const a = new ServerKeys(TEST_SEED, 'regtest');
    const b = new ServerKeys(TEST_SEED, 'regtest');
    assert.deepEqual(a.channelKey(5), b.channelKey(5));
    assert.notDeepEqual(a.channelKey(5).publicKey, a.channelKey(6).publicKey);
    assert.deepEqual(tinySecp.publicKey(a.channelKey(7).privateKey), a.channelKey(7).publicKey);
    assert.notDeepEqual(new ServerKeys(TEST_SEED, 'mainnet').channelKey(5), a.channelKey(5));
    assert.equal(a.defaultPayoutScript().length, 22);
    assert.throws(() => a.channelKey(-1));
    assert.throws(() => a.channelKey(2 ** 31));
  });

  test('the seed comes from the environment, else a key file; a missing key is refused on every network, never made', () => {
    const tmp = tempDbPath();
    const file = join(tmp.dir, 'seed');
    assert.deepEqual(loadSeed({ network: 'mainnet', seedFile: null, env: { PAYCHAN_SERVER_SEED: 'ab'.repeat(32) } }), new Uint8Array(32).fill(0xab));
    for (const network of ['mainnet', 'regtest'] as const) {
      assert.throws(() => loadSeed({ network, seedFile: file, env: {} }), (err: Error) => err.message.includes(file) && err.message.includes('paychan-server init'));
    }
    assert.equal(existsSync(file), false, 'no key file was made');
    // init's key: a 24-word recovery phrase, owner-only, never overwritten.
    const phrase = createKeyFile(file);
    assert.equal(phrase.split(' ').length, 24);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.throws(() => createKeyFile(file), /EEXIST/);
    const fromPhrase = loadSeed({ network: 'signet', seedFile: file, env: {} });
    assert.deepEqual(fromPhrase, mnemonicToSeedSync(phrase));
    // Hex seed files made before recovery phrases still load.
    writeFileSync(file, 'cd'.repeat(32) + '\n');
    assert.deepEqual(loadSeed({ network: 'mainnet', seedFile: file, env: {} }), new Uint8Array(32).fill(0xcd));
    writeFileSync(file, 'not-hex');
    assert.throws(() => loadSeed({ network: 'regtest', seedFile: file, env: {} }), /recovery phrase or .*hex/);
    writeFileSync(file, phrase.replace(/^\w+/, 'zoo zoo'));
    assert.throws(() => loadSeed({ network: 'regtest', seedFile: file, env: {} }), /not hold a valid BIP39/);
    // Unreadable (a directory here, since tests may run as root): refused, naming the path.
    assert.throws(() => loadSeed({ network: 'regtest', seedFile: tmp.dir, env: {} }), (err: Error) => err.message.includes(tmp.dir) && err.message.includes('paychan-server init'));
    tmp.cleanup();
  });
});

describe('requests', () => {
  test('JSON is preferred only when ranked above HTML', () => {
    assert.equal(prefersJson(undefined), false);
    assert.equal(prefersJson('*/*'), false);
    assert.equal(prefersJson('application/json'), true);
    assert.equal(prefersJson('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'), false);
    assert.equal(prefersJson('application/json, text/html;q=0.5'), true);
    assert.equal(prefersJson('text/html;q=0.2, application/*'), true);
    assert.equal(prefersJson('application/problem+json'), true);
    assert.equal(prefersJson(';;;,garbage'), false);
  });

  test('log lines are JSON with bigints and bytes written out', () => {
    const lines: string[] = [];
    const log = jsonLogger('info', (l) => lines.push(l));
    log.debug('hidden');
    log.info('paid', { amount: 5n, key: Uint8Array.of(1, 255) });
    assert.equal(lines.length, 1);
    const parsed = JSON.parse(lines[0]!);
    assert.equal(parsed.level, 'info');
    assert.equal(parsed.amount, '5');
    assert.equal(parsed.key, '01ff');
  });
});

describe('chain policies', () => {
  test('the tip is cached, shared, and survives a backend outage', async () => {
    let calls = 0;
    let now = 0;
    let fail = false;
    const tip = cachedTip({ getTipHeight: async () => (fail ? Promise.reject(new Error('down')) : ++calls) }, 1000, () => now);
    assert.deepEqual(await Promise.all([tip.height(), tip.height()]), [1, 1]);
    now = 500;
    assert.equal(await tip.height(), 1);
    now = 1500;
    assert.equal(await tip.height(), 2);
    fail = true;
    now = 3000;
    assert.equal(await tip.height(), 2);
  });

  test('settlement fee rate (sat/kvB): the estimate for the target as it is, never below the floor nor the backend minimum', async () => {
    const est = (e: Record<string, number>) => new FeeOracle(async () => parseEsploraFees(e));
    assert.equal(await settlementFeeRate(est({ '1': 20, '6': 4.2, '144': 1 }), 6, 2_000n, silentLogger), 4_200n, 'not rounded up to 5 sat/vB');
    assert.equal(await settlementFeeRate(est({ '1': 20, '3': 7, '144': 1 }), 6, 2_000n, silentLogger), 7_000n);
    assert.equal(await settlementFeeRate(est({ '6': 1.1 }), 6, 2_000n, silentLogger), 2_000n);
    assert.equal(await settlementFeeRate(est({}), 6, 3_000n, silentLogger), 3_000n);
    // mempool's minimum fee is a floor too.
    const mempool = new FeeOracle(async () => parseMempoolFees({ fastestFee: 3, halfHourFee: 2, hourFee: 1.5, economyFee: 1, minimumFee: 4.5 }));
    assert.equal(await settlementFeeRate(mempool, 6, 2_000n, silentLogger), 4_500n);
  });

  test('settlement fee rate: no silent floor when estimates fail; the last good one, its age logged', async () => {
    const warnings: Record<string, unknown>[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (_m, f) => void warnings.push(f ?? {}), error() {} };
    let now = 1_000_000;
    let down = true;
    const oracle = new FeeOracle(
      async () => {
        if (down) throw new Error('Esplora HTTP 503: busy');
        return parseEsploraFees({ '6': 9 });
      },
      60_000,
      () => now,
    );
    await assert.rejects(settlementFeeRate(oracle, 6, 2_000n, logger), FeeRatesUnavailable);
    down = false;
    assert.equal(await settlementFeeRate(oracle, 6, 2_000n, logger), 9_000n);
    down = true;
    now += 300_000;
    assert.equal(await settlementFeeRate(oracle, 6, 2_000n, logger), 9_000n);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.ageSeconds, 300);
  });

  test('broadcast refusals are classified by the node reason', () => {
    const refused = (reason: string) => new EsploraError(400, `sendrawtransaction RPC error: {"code":-26,"message":"${reason}"}`);
    assert.equal(classifyBroadcastError(refused('bad-txns-inputs-spent')), 'conflict');
    assert.equal(classifyBroadcastError(refused('bad-txns-inputs-missingorspent')), 'conflict');
    assert.equal(classifyBroadcastError(refused('txn-mempool-conflict')), 'conflict');
    assert.equal(classifyBroadcastError(refused('txn-already-in-mempool')), 'already_known');
    assert.equal(classifyBroadcastError(refused('mandatory-script-verify-flag-failed (Signature must be zero)')), 'invalid');
    assert.equal(classifyBroadcastError(new EsploraError(0, '')), 'unavailable');
    assert.equal(classifyBroadcastError(new EsploraError(503, 'busy')), 'unavailable');
    assert.equal(classifyBroadcastError(new Error('boom')), 'unavailable');
  });
});

describe('store', () => {
  test('migration 3 makes a settlement sent without a bump height due for a bump, and touches nothing else', async () => {
    const tmp = tempDbPath();
    const db = new Database(tmp.dbPath);
    db.exec(MIGRATIONS.slice(0, 2).join(';'));
    db.pragma('user_version = 2');
    const insert = db.prepare(`INSERT INTO settlements (txid, hex, fee, payout, fee_rate, status, detail, created_at, updated_at, bump_height)
      VALUES (?, '00', 1, 1, 1, ?, NULL, 0, 0, ?)`);
    insert.run('a'.repeat(64), 'broadcast', null);
    insert.run('b'.repeat(64), 'broadcast', 900);
    insert.run('c'.repeat(64), 'built', null);
    insert.run('d'.repeat(64), 'confirmed', null);
    db.close();
    const store = new SqliteChannelStore(tmp.dbPath);
    const heights = Object.fromEntries((await store.listSettlements()).map((s) => [s.txid[0], s.bumpHeight]));
    assert.deepEqual(heights, { a: 0, b: 900, c: null, d: null });
    await store.close();
    tmp.cleanup();
  });

  test('migration 5 keeps settlement fee rates in sat/kvB: stored whole sat/vB rates are multiplied by 1000', async () => {
    const tmp = tempDbPath();
    const db = new Database(tmp.dbPath);
    db.exec(MIGRATIONS.slice(0, 4).join(';'));
    db.pragma('user_version = 4');
    db.prepare(`INSERT INTO settlements (txid, hex, fee, payout, fee_rate, status, detail, created_at, updated_at, bump_height)
      VALUES (?, '00', 423, 1000, 3, 'broadcast', NULL, 0, 0, 900)`).run('a'.repeat(64));
    db.close();
    const store = new SqliteChannelStore(tmp.dbPath);
    const [s] = await store.listSettlements();
    assert.deepEqual([s!.feeRateKvb, s!.fee, s!.bumpHeight], [3_000n, 423n, 900]);
    await store.close();
    tmp.cleanup();
  });

  test('in one batch, a refused update writes nothing and the others commit', async () => {
    const tmp = tempDbPath();
    const store = new SqliteChannelStore(tmp.dbPath);
    const ch = await syntheticChannel(store, new ServerKeys(TEST_SEED, 'regtest'), { capacity: 100_000n, expiry: 2000, firstPayment: 1_000n });
    const results = await Promise.allSettled([
      store.updateChannel(ch.id, (c) => ({ channel: { ...c, spent: c.spent + 10n }, events: [{ kind: 'debit', amount: 10n }], result: 1 })),
      store.updateChannel(ch.id, () => {
        throw new ProtocolError('INSUFFICIENT_CREDIT', 'no');
      }),
      store.updateChannel(ch.id, (c) => ({ channel: { ...c, spent: c.spent + 20n }, events: [{ kind: 'debit', amount: 20n }], result: 3 })),
      store.updateChannel(`${'00'.repeat(32)}:0`, (c) => ({ channel: c, result: 4 })),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    assert.equal((results[3] as PromiseRejectedResult).reason.code, 'UNKNOWN_CHANNEL');
    assert.equal((await store.getChannel(ch.id))!.spent, 30n);
    assert.deepEqual((await store.listEvents(ch.id)).map((e) => [e.kind, e.amount, e.spent]), [['funded', 1_000n, 0n], ['debit', 10n, 10n], ['debit', 20n, 30n]]);
    await store.close();
    tmp.cleanup();
  });

  test('a write the database refuses fails its whole batch', async () => {
    const tmp = tempDbPath();
    const store = new SqliteChannelStore(tmp.dbPath);
    const ch = await syntheticChannel(store, new ServerKeys(TEST_SEED, 'regtest'), { capacity: 100_000n, expiry: 2000, firstPayment: 1_000n });
    const before = snapshot(tmp.dbPath);
    const results = await Promise.allSettled([
      store.updateChannel(ch.id, (c) => ({ channel: { ...c, spent: c.spent + 10n }, result: 1 })),
      // spent above paid breaks the table's CHECK: a bug, so nothing of the batch may stay.
      store.updateChannel(ch.id, (c) => ({ channel: { ...c, spent: c.paid + 1n }, result: 2 })),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.deepEqual(snapshot(tmp.dbPath), before);
    await store.close();
    tmp.cleanup();
  });

  test('a durable store keeps its WAL on disk', () => {
    const tmp = tempDbPath();
    const store = new SqliteChannelStore(tmp.dbPath);
    assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.db.pragma('synchronous', { simple: true }), 2); // FULL
    assert.ok(existsSync(`${tmp.dbPath}-wal`));
    void store.close();
    assert.ok(readFileSync(tmp.dbPath).length > 0);
    tmp.cleanup();
  });

  test('DEFAULT_CONFIG is durable', () => {
    assert.equal(DEFAULT_CONFIG.durability, 'full');
  });
});
