/**
 * Every server setting has one definition (src/server/settings.ts): the loaders validate through
 * it and docs/operations.md's table is generated from it. A wrong setting is refused with where
 * it was written, its name and what it allows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, loadConfig } from '../../src/server/config.ts';
import { loadSeed } from '../../src/server/keys.ts';
import { loadProxyConfig, PROXY_DEFAULTS } from '../../src/server/proxy/config.ts';
import { SETTINGS } from '../../src/server/settings.ts';
import { SETTINGS_BEGIN, SETTINGS_END, withSettingsTable } from '../../src/server/settings-doc.ts';
import { tempDbPath } from './helpers/server.ts';

const DOC = new URL('../../docs/operations.md', import.meta.url);

test('the settings table in docs/operations.md is the one the definitions make (run `npm run docs:settings`)', () => {
  const committed = readFileSync(DOC, 'utf8');
  assert.ok(committed.includes(SETTINGS_BEGIN) && committed.includes(SETTINGS_END), 'the table markers are in the document');
  assert.equal(withSettingsTable(committed), committed);
});

test('every setting is defined once, with a meaning, and its default passes its own check', () => {
  const names = SETTINGS.map((s) => s.name);
  assert.equal(new Set(names).size, names.length, 'no setting is defined twice');
  const envs = SETTINGS.flatMap((s) => s.env);
  assert.equal(new Set(envs).size, envs.length, 'no environment variable sets two settings');
  for (const s of SETTINGS) {
    assert.ok(s.meaning.length > 10 && s.type.length > 0, s.name);
    const root: unknown = s.proxy ? PROXY_DEFAULTS : DEFAULT_CONFIG;
    const value = (s.field ?? s.name).split('.').reduce<unknown>((at, k) => (at as Record<string, unknown> | undefined)?.[k], root);
    if (value === undefined) assert.equal(s.defaultText, 'required', `${s.name} has a default or is required`);
    else if (value !== null) assert.doesNotThrow(() => s.parse(s.format ? s.format(value) : value, s.name), s.name);
  }
  // Each environment variable reaches its setting.
  assert.equal(loadConfig({ env: { PAYCHAN_TERMS_MIN_DEPOSIT: '20000', PAYCHAN_FEE_TARGET_BLOCKS: '2', PAYCHAN_MAX_TIP_AGE_MINUTES: '30' } }).terms.minDeposit, 20_000n);
  assert.equal(loadConfig({ env: { PAYCHAN_FEE_TARGET_BLOCKS: '2' } }).feeTargetBlocks, 2);
  assert.equal(loadConfig({ env: { PAYCHAN_DB: '/a.db', PAYCHAN_DATABASE_URL: 'postgres://x/y' } }).dbPath, 'postgres://x/y', 'the last listed wins');
});

test('refusals name the setting, where it was written and what it allows', () => {
  const tmp = tempDbPath();
  try {
    const file = join(tmp.dir, 'paychan.json');
    const refused = (body: unknown, message: string) => {
      writeFileSync(file, JSON.stringify(body));
      assert.throws(() => loadConfig({ file, env: {} }), { name: 'ConfigError', message: `${file}: ${message}` }, JSON.stringify(body));
    };
    // Unknown, with the nearest setting offered.
    refused({ dbPth: 'x.db' }, 'dbPth is not a setting (did you mean dbPath?); the settings are listed in docs/operations.md');
    refused({ watcher: { intervalMS: 500 } }, 'watcher.intervalMS is not a setting (did you mean watcher.intervalMs?); the settings are listed in docs/operations.md');
    refused({ colour: 'blue' }, 'colour is not a setting; the settings are listed in docs/operations.md');
    // Wrong type.
    refused({ watcher: { intervalMs: 'soon' } }, 'watcher.intervalMs must be a whole number of ms of at least 100');
    refused({ trustProxy: 'yes' }, 'trustProxy must be true or false');
    refused({ durability: 'fast' }, 'durability must be one of full, normal');
    refused({ logLevel: 'verbose' }, 'logLevel must be one of debug, info, warn, error');
    refused({ network: 'testnet5' }, 'network must be one of mainnet, testnet4, testnet3, signet, regtest, or testnet for testnet4');
    refused({ esploraUrl: 'mempool.space/api' }, 'esploraUrl must be an http(s) URL');
    refused({ terms: 5 }, 'terms must be an object');
    refused({ payoutXpub: 'xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi' }, "payoutXpub is a private key: give the account's extended public key (xpub, zpub, tpub or vpub), never the private one");
    // Out of range.
    refused({ watcher: { intervalMs: 5 } }, 'watcher.intervalMs must be a whole number of ms of at least 100, not 5');
    refused({ maxBodyBytes: 100 }, 'maxBodyBytes must be a whole number of bytes of at least 1024, not 100');
    refused({ openProposalTtlMs: 100_000_000 }, 'openProposalTtlMs must be a whole number of ms from 1000 to 86400000, not 100000000');
    refused({ feeTargetBlocks: 0 }, 'feeTargetBlocks must be a whole number of blocks from 1 to 1008, not 0');
    // The environment is named as the place, with the setting's own name.
    assert.throws(() => loadConfig({ env: { PAYCHAN_WATCHER_INTERVAL_MS: '50' } }), { message: 'environment: watcher.intervalMs must be a whole number of ms of at least 100, not 50' });
    // The proxy's own settings, from the same definitions.
    writeFileSync(file, JSON.stringify({ upstream: 'http://x', routes: [], listen: { port: 70000 } }));
    assert.throws(() => loadProxyConfig({ file, env: {} }), { name: 'ProxyConfigError', message: `${file}: listen.port must be a whole number from 0 to 65535, not 70000` });
    writeFileSync(file, JSON.stringify({ upstream: 'http://x', routes: [], upstreamTimeoutMs: 0 }));
    assert.throws(() => loadProxyConfig({ file, env: {} }), { name: 'ProxyConfigError', message: `${file}: upstreamTimeoutMs must be a whole number of ms of at least 1, not 0` });
    assert.throws(() => loadConfig({ env: {}, overrides: { routes: [] } as never }), { message: "overrides: routes is a setting of paychan-server's config file, not of the library" });
  } finally {
    tmp.cleanup();
  }
});

test("relative paths in a config file are taken from the file's directory, not the working directory", () => {
  const tmp = tempDbPath();
  try {
    const site = join(tmp.dir, 'site');
    mkdirSync(site);
    const file = join(site, 'paychan.json');
    writeFileSync(join(site, 'paychan.seed'), 'ab'.repeat(32));
    writeFileSync(file, JSON.stringify({ upstream: 'http://127.0.0.1:8080', routes: [], dbPath: 'paychan.db', seedFile: './paychan.seed' }));
    const cwd = process.cwd();
    process.chdir(tmp.dir); // started elsewhere: the old reading made ./paychan.db here
    try {
      const lib = loadConfig({ file, env: {} });
      assert.equal(lib.dbPath, join(site, 'paychan.db'));
      assert.equal(lib.seedFile, join(site, 'paychan.seed'));
      const proxy = loadProxyConfig({ file, env: {} });
      assert.equal(proxy.paychan.dbPath, join(site, 'paychan.db'));
      assert.deepEqual(loadSeed({ network: 'regtest', seedFile: proxy.paychan.seedFile, env: {} }), new Uint8Array(32).fill(0xab), 'the same key is found');
      // Left out, they are the default files next to the config, not in the working directory.
      writeFileSync(file, JSON.stringify({ upstream: 'http://127.0.0.1:8080', routes: [] }));
      assert.deepEqual([loadConfig({ file, env: {} }).dbPath, loadProxyConfig({ file, env: {} }).paychan.seedFile], [join(site, 'paychan.db'), join(site, 'paychan.seed')]);
      // A database URL is not a path; environment paths stay the shell's.
      writeFileSync(file, JSON.stringify({ dbPath: 'postgres://db.internal/paychan' }));
      assert.equal(loadConfig({ file, env: {} }).dbPath, 'postgres://db.internal/paychan');
      assert.equal(loadConfig({ file, env: { PAYCHAN_DB: 'other.db' } }).dbPath, 'other.db');
    } finally {
      process.chdir(cwd);
    }
  } finally {
    tmp.cleanup();
  }
});
