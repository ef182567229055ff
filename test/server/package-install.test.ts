/**
 * What a site owner gets from npm: the packed tarball installed into an empty project that has no
 * TypeScript loader. Both commands run, the library imports, its SQLite store opens, and nothing
 * of the devnet (bcoin, whose leveldown does not build on Node 20) or of the extension (not even
 * its shared message types) comes along.
 * It runs the real `npm pack` and `npm install`, so better-sqlite3 compiles as it would for a
 * merchant: this test takes a minute or more.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';

const root = new URL('../..', import.meta.url).pathname;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('the npm package', { timeout: 900_000 }, () => {
  let dir = '';
  let app = '';
  const run = (cmd: string, args: string[], cwd = app) =>
    execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'paychan-pack-'));
    run(npm, ['pack', '--silent', '--pack-destination', dir], root);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack made a tarball');
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'a-site', private: true, type: 'module' }));
    run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball)]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  /** Runs an ES module of these lines in the site's project with plain node; answers what it printed. */
  const runModule = (name: string, lines: string[]) => {
    writeFileSync(join(app, name), lines.join('\n'));
    return run(process.execPath, [name]).trim();
  };

  it('installs only what a site runs', () => {
    const installed = readdirSync(join(app, 'node_modules'));
    for (const name of ['bcoin', 'leveldown', 'preact', 'idb', 'webextension-polyfill', 'vite', 'typescript', 'tsx']) {
      assert.ok(!installed.includes(name), `${name} is not installed for a site`);
    }
    assert.ok(!existsSync(join(app, 'node_modules/paychan/src')), 'built code only, no TypeScript sources');
    assert.ok(!existsSync(join(app, 'node_modules/paychan/dist/node/devnet')), 'no devnet');
    // The client's summaries live in src/client/views.ts: nothing of the extension, not even its shared types.
    assert.ok(!existsSync(join(app, 'node_modules/paychan/dist/node/extension')), 'no extension code');
  });

  it('runs paychan-server and paychan-admin with plain node', () => {
    assert.match(run(join(app, 'node_modules/.bin/paychan-server'), ['--help']), /usage: paychan-server --config FILE/);
    assert.match(run(join(app, 'node_modules/.bin/paychan-admin'), ['--help']), /usage: paychan-admin/);
  });

  it('runs paychan (the client CLI) with plain node', () => {
    assert.match(run(join(app, 'node_modules/.bin/paychan'), ['--help']), /usage: paychan \[--wallet FILE\] <command>/);
  });

  it('imports paychanFetch from paychan/client and opens a wallet file', () => {
    const script = [
      "import { paychanFetch, openWalletFile, CapExceeded } from 'paychan/client';",
      "const file = openWalletFile({ path: ':memory:' });",
      "console.log(typeof paychanFetch, typeof CapExceeded, await file.engine.session.state());",
      'file.close();',
    ].join('\n');
    writeFileSync(join(app, 'client.mjs'), script);
    assert.equal(run(process.execPath, ['client.mjs']).trim(), 'function function none');
  });

  it('imports the library from paychan/server and opens its store', () => {
    const printed = runModule('check.mjs', [
      "import { createPaychan, loadConfig, SqliteChannelStore } from 'paychan/server';",
      "import { parseSats } from 'paychan/core';",
      "const store = new SqliteChannelStore(':memory:');",
      "console.log(typeof createPaychan, typeof loadConfig, String(parseSats('21', 'price')), (await store.listChannels()).length);",
      'await store.close();',
    ]);
    assert.equal(printed, 'function function 21 0');
  });

  it('serves the dashboard from the built package: its script, and uPlot from the installed dependency', () => {
    const printed = runModule('dashboard.mjs', [
      "import { startAdminServer, loadConfig, SqliteChannelStore, silentLogger } from 'paychan/server';",
      "const store = new SqliteChannelStore(':memory:');",
      "const admin = await startAdminServer({ config: loadConfig({ env: {} }), store, token: () => 'k'.repeat(43), getTipHeight: async () => 0, host: '127.0.0.1', port: 0, logger: silentLogger });",
      "const out = [];",
      "for (const p of ['/', '/dashboard.js', '/uplot.js', '/uplot.css']) { const r = await fetch(admin.url + p); const t = await r.text(); out.push(`${p} ${r.status} ${t.length > 500}`); }",
      "out.push(`api ${(await fetch(admin.url + '/api/totals', { headers: { authorization: 'Bearer ' + 'k'.repeat(43) } })).status}`);",
      "console.log(out.join(','));",
      'await admin.stop();',
      'await store.close();',
    ]);
    assert.equal(printed, '/ 200 true,/dashboard.js 200 true,/uplot.js 200 true,/uplot.css 200 true,api 200');
  });
});
