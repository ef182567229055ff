/**
 * The start-up chain check refuses a backend whose tip is old: a devnet whose node's clock runs
 * three hours behind mines blocks that look as a stalled node's tip would. `paychan-server check`
 * and the server's start (real subprocesses) both refuse it with the tip's age and the setting
 * that allows it; regtest is not checked unless maxTipAgeMinutes is set.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { ChainCheckError, checkChainBackend, maxTipAgeMinutes } from '../../src/server/chain-check.ts';
import { paychanServer as server } from './helpers/cli.ts';

const THREE_HOURS = 3 * 3600;

describe('chain check: the tip is recent', () => {
  let devnet: Devnet;
  const root = mkdtempSync(join(tmpdir(), 'paychan-chain-check-'));
  before(async () => {
    // bcoin's clock offset is process-wide: this file's only devnet.
    devnet = await startDevnet({ port: 0, clockOffsetSeconds: -THREE_HOURS });
    await devnet.mine(1);
  });
  after(async () => {
    await devnet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('a tip older than maxTipAgeMinutes is refused, naming its age and the setting; a larger limit lets it through', async () => {
    await assert.rejects(checkChainBackend(devnet.url, 'regtest', { maxTipAgeMinutes: 120 }), (err: Error) => {
      assert.ok(err instanceof ChainCheckError);
      assert.match(err.message, new RegExp(`^the chain backend ${devnet.url} is not following the chain: its tip, block \\d+, was mined (2 hours 5\\d|3 hours \\d) minutes ago \\(.*\\), longer than maxTipAgeMinutes \\(120\\) allows`));
      return true;
    });
    const through = await checkChainBackend(devnet.url, 'regtest', { maxTipAgeMinutes: 240 });
    assert.ok(through.tipTime !== null && Math.abs(Date.now() / 1000 - THREE_HOURS - through.tipTime) < 120, `tip time ${through.tipTime}`);
    // Regtest unchecked by default (blocks come when someone mines them); the public networks at two hours.
    assert.equal((await checkChainBackend(devnet.url, 'regtest')).tipTime, null);
    assert.deepEqual(['mainnet', 'testnet4', 'testnet3', 'signet', 'regtest'].map((n) => maxTipAgeMinutes(null, n as never)), [120, 120, 120, 120, null]);
    assert.equal(maxTipAgeMinutes(30, 'regtest'), 30);
  });

  test('paychan-server check and the start refuse the stale backend and exit non-zero', async () => {
    const key = join(root, 'paychan.key');
    writeFileSync(key, 'ab'.repeat(32));
    const file = join(root, 'paychan.json');
    writeFileSync(file, JSON.stringify({ upstream: 'http://127.0.0.1:9', routes: [], listen: { port: 0 }, network: 'regtest', esploraUrl: devnet.url, dbPath: 'paychan.db', seedFile: 'paychan.key', maxTipAgeMinutes: 60 }));
    const check = await server(['check', '--config', file]);
    assert.equal(check.code, 1, check.out);
    assert.match(check.err, /^paychan-server: the chain backend .* is not following the chain: .*longer than maxTipAgeMinutes \(60\) allows/);
    const start = await server(['--config', file]);
    assert.equal(start.code, 1, start.out);
    assert.match(start.err, /is not following the chain/);
    assert.doesNotMatch(start.out, /paychan-server: http/, 'it never listened');

    writeFileSync(file, JSON.stringify({ upstream: 'http://127.0.0.1:9', routes: [], network: 'regtest', esploraUrl: devnet.url, dbPath: 'paychan.db', seedFile: 'paychan.key', maxTipAgeMinutes: 240 }));
    const ok = await server(['check', '--config', file]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /tip at block \d+ \([0-9a-f]{64}\), mined 1[78]\d minutes ago/);
  });
});
