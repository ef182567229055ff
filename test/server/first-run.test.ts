/**
 * The first run as a site owner does it: `paychan-server init` writes one config with absolute
 * paths and a recovery-phrase key (0600), `paychan-server check` and the server's start check
 * the chain backend (a real devnet, a dead port, a backend on another network), and a missing
 * key stops the start instead of making a new one. The commands run as real subprocesses.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { mnemonicToSeedSync } from '@scure/bip39';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { loadConfig } from '../../src/server/config.ts';
import { askInit } from '../../src/server/init.ts';
import { loadSeed } from '../../src/server/keys.ts';
import { paychanServer as server } from './helpers/cli.ts';

describe('paychan-server init, check and start', () => {
  let devnet: Devnet;
  const root = mkdtempSync(join(tmpdir(), 'paychan-first-run-'));
  before(async () => {
    devnet = await startDevnet({ port: 0 });
  });
  after(async () => {
    await devnet?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('init --yes writes DIR/paychan.json with absolute paths and a 0600 recovery-phrase key, shown once', async () => {
    const dir = join(root, 'site');
    const r = await server(['init', '--yes', '--dir', dir, '--network', 'regtest', '--esplora', devnet.url, '--upstream', 'http://127.0.0.1:9', '--route', '/articles/*=10']);
    assert.equal(r.code, 0, r.err);
    const config = JSON.parse(readFileSync(join(dir, 'paychan.json'), 'utf8'));
    assert.equal(config.network, 'regtest');
    assert.equal(config.esploraUrl, devnet.url);
    assert.deepEqual(config.routes, [{ path: '/articles/*', price: '10' }]);
    assert.ok(isAbsolute(config.dbPath) && isAbsolute(config.seedFile));
    assert.equal(config.dbPath, join(dir, 'paychan.db'));
    assert.equal(statSync(config.seedFile).mode & 0o777, 0o600);
    const phrase = readFileSync(config.seedFile, 'utf8').trim();
    assert.equal(phrase.split(' ').length, 24);
    assert.ok(r.out.includes(phrase), 'the phrase is shown');
    assert.match(r.out, /Write these words down/);
    assert.deepEqual(loadSeed({ network: 'regtest', seedFile: config.seedFile, env: {} }), mnemonicToSeedSync(phrase));
    // A second init into the same directory would replace the key: refused.
    const again = await server(['init', '--yes', '--dir', dir, '--network', 'regtest']);
    assert.equal(again.code, 1);
    assert.match(again.err, /already exists/);
    assert.equal(readFileSync(config.seedFile, 'utf8').trim(), phrase);
  });

  test('init defaults to signet; mainnet only with --allow-mainnet, and a mainnet config without allowMainnet is refused', async () => {
    const signet = join(root, 'signet');
    assert.equal((await server(['init', '--yes', '--dir', signet])).code, 0);
    const config = JSON.parse(readFileSync(join(signet, 'paychan.json'), 'utf8'));
    assert.equal(config.network, 'signet');
    assert.equal(config.esploraUrl, 'https://mempool.space/signet/api');

    const refused = await server(['init', '--yes', '--dir', join(root, 'main1'), '--network', 'mainnet']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /mainnet takes real bitcoin: pass --allow-mainnet/);
    const allowed = await server(['init', '--yes', '--dir', join(root, 'main2'), '--network', 'mainnet', '--allow-mainnet']);
    assert.equal(allowed.code, 0, allowed.err);
    assert.equal(JSON.parse(readFileSync(join(root, 'main2', 'paychan.json'), 'utf8')).allowMainnet, true);
    assert.throws(() => loadConfig({ env: {}, overrides: { network: 'mainnet' } }), /allowMainnet/);
    assert.equal(loadConfig({ env: {}, overrides: { network: 'mainnet', allowMainnet: true } }).network, 'mainnet');
  });

  test('init on a terminal asks for network, Esplora, upstream, routes and payout', async () => {
    const answers: Record<string, string> = { Network: 'testnet4', Esplora: '', upstream: 'http://127.0.0.1:8081', Directory: join(root, 'asked'), Payout: '' };
    const routes = ['/a/*=5', '/b=7', ''];
    const asked: string[] = [];
    const result = await askInit(async (q, fallback) => {
      asked.push(q);
      if (q.startsWith('A priced route')) return routes.shift()!;
      const key = Object.keys(answers).find((k) => q.includes(k))!;
      return answers[key] || fallback;
    }, { network: 'signet' });
    assert.equal(result.network, 'testnet4');
    assert.equal(result.esploraUrl, 'https://mempool.space/testnet4/api');
    assert.equal(result.upstream, 'http://127.0.0.1:8081');
    assert.deepEqual(result.routes, [{ path: '/a/*', price: '5' }, { path: '/b', price: '7' }]);
    assert.equal(result.payoutAddress, null);
    assert.ok(asked.some((q) => q.startsWith('Payout')));
  });

  test('init on a real terminal (a pty from util-linux script) asks its questions and writes the config', async () => {
    const dir = join(root, 'tty');
    const answers = [dir, '', '', 'http://127.0.0.1:8081', '/x/*=3', '', ''].join('\n') + '\n';
    const child = execFile('script', ['-qec', `${process.execPath} --import tsx src/server/cli/paychan-server.ts init`, '/dev/null'], { timeout: 60_000 });
    child.stdin!.end(answers);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, out);
    for (const q of ['Network (signet, testnet4, mainnet) [signet]', 'Esplora URL [https://mempool.space/signet/api]', 'upstream URL', 'A priced route', 'Payout address']) assert.ok(out.includes(q), q);
    const config = JSON.parse(readFileSync(join(dir, 'paychan.json'), 'utf8'));
    assert.deepEqual([config.network, config.upstream, config.routes], ['signet', 'http://127.0.0.1:8081', [{ path: '/x/*', price: '3' }]]);
    assert.ok(out.includes(readFileSync(config.seedFile, 'utf8').trim()), 'the phrase is shown');
  });

  test('check passes against the devnet and fails on a dead port and on another network', async () => {
    const file = join(root, 'site', 'paychan.json');
    const ok = await server(['check', '--config', file]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /serves regtest, tip at block \d+/);

    const config = JSON.parse(readFileSync(file, 'utf8'));
    const dead = join(root, 'dead.json');
    writeFileSync(dead, JSON.stringify({ ...config, esploraUrl: 'http://127.0.0.1:1' }));
    const down = await server(['check', '--config', dead]);
    assert.equal(down.code, 1);
    assert.match(down.err, /chain backend http:\/\/127\.0\.0\.1:1 does not answer/);

    const wrong = join(root, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ ...config, network: 'signet' }));
    const other = await server(['check', '--config', wrong]);
    assert.equal(other.code, 1);
    assert.match(other.err, /serves regtest, not signet/);

    const keyless = join(root, 'keyless-check.json');
    writeFileSync(keyless, JSON.stringify({ ...config, seedFile: join(root, 'no.key') }));
    const nokey = await server(['check', '--config', keyless]);
    assert.equal(nokey.code, 1);
    assert.ok(nokey.err.includes(join(root, 'no.key')) && nokey.err.includes('paychan-server init'), nokey.err);
  });

  test('the server refuses to start on a dead chain backend or a missing key, and makes no key', async () => {
    const config = { upstream: 'http://127.0.0.1:9', routes: [], network: 'regtest', esploraUrl: devnet.url, dbPath: join(root, 'start.db'), seedFile: join(root, 'start.key') };
    writeFileSync(config.seedFile, 'ab'.repeat(32));
    const dead = join(root, 'dead-start.json');
    writeFileSync(dead, JSON.stringify({ ...config, esploraUrl: 'http://127.0.0.1:1', listen: { port: 0 } }));
    const down = await server(['--config', dead]);
    assert.equal(down.code, 1);
    assert.match(down.err, /does not answer/);

    const keyless = join(root, 'keyless.json');
    const missing = join(root, 'nowhere', 'paychan.key');
    writeFileSync(keyless, JSON.stringify({ ...config, seedFile: missing, dbPath: join(root, 'keyless.db'), listen: { port: 0 } }));
    const nokey = await server(['--config', keyless]);
    assert.equal(nokey.code, 1);
    assert.ok(nokey.err.includes(missing) && nokey.err.includes('paychan-server init'), nokey.err);
    assert.equal(existsSync(missing), false);
  });
});
