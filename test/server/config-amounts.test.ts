/**
 * Satoshi amounts in the server's settings, wherever they are written (JSON file, PAYCHAN_*
 * variables, code, the proxy's route prices), follow the wire's rules (core's parseSats): whole,
 * canonical, at most 21 million BTC; the error names the setting and where it was written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_MONEY } from '../../src/core/amounts.ts';
import { loadConfig, parseSatsSetting } from '../../src/server/config.ts';
import { loadProxyConfig } from '../../src/server/proxy/index.ts';
import { tempDbPath } from './helpers/server.ts';

test('an amount may be a canonical decimal string, a safe whole number or a bigint', () => {
  for (const value of ['2100000000000000', 2_100_000_000_000_000, MAX_MONEY]) assert.equal(parseSatsSetting(value, 'x'), MAX_MONEY);
  assert.equal(parseSatsSetting('0', 'x'), 0n);
  assert.equal(parseSatsSetting(7, 'x'), 7n);
  for (const bad of ['-1', '010', '1.5', ' 5', '5 sat', '', 1.5, -1, -1n, Number.MAX_SAFE_INTEGER + 2, null, true]) {
    assert.throws(() => parseSatsSetting(bad, 'x'), { code: 'SYNTAX_ERROR', message: 'x must be a whole number of satoshis as a decimal string' }, String(bad));
  }
  assert.throws(() => parseSatsSetting(MAX_MONEY + 1n, 'x'), { code: 'SYNTAX_ERROR', message: 'x exceeds 21 million BTC' });
});

test('loadConfig refuses a bad amount with the setting and its source named', () => {
  const tmp = tempDbPath();
  try {
    const file = join(tmp.dir, 'paychan.json');
    writeFileSync(file, JSON.stringify({ terms: { minDeposit: '20000', maxDeposit: 9_000_000 }, zeroConfLimit: '30000' }));
    const c = loadConfig({ file, env: { PAYCHAN_MAX_FEE_RATE: '50' }, overrides: { feeRate: 4n } });
    assert.deepEqual([c.terms.minDeposit, c.terms.maxDeposit, c.zeroConfLimit, c.maxFeeRateKvb, c.feeRateKvb], [20_000n, 9_000_000n, 30_000n, 50_000n, 4_000n]);

    writeFileSync(file, JSON.stringify({ terms: { minFirstPayment: '1e3' } }));
    assert.throws(() => loadConfig({ file, env: {} }), { name: 'ConfigError', message: `${file}: terms.minFirstPayment must be a whole number of satoshis as a decimal string` });
    assert.throws(() => loadConfig({ env: { PAYCHAN_ZERO_CONF_LIMIT: '050' } }), { name: 'ConfigError', message: 'environment: zeroConfLimit must be a whole number of satoshis as a decimal string' });
    assert.throws(() => loadConfig({ env: { PAYCHAN_FEE_RATE: '2100000000000001' } }), { name: 'ConfigError', message: 'environment: feeRate must be a fee rate in sat/vB with at most three decimals, like "1.5"' });
    assert.throws(() => loadConfig({ env: {}, overrides: { maxFeeRate: -5n } }), { name: 'ConfigError', message: 'overrides: maxFeeRate must be a fee rate in sat/vB with at most three decimals, like "1.5"' });
    assert.throws(() => loadConfig({ env: {}, overrides: { feeRate: '0.0001' } }), { name: 'ConfigError', message: 'overrides: feeRate must be a fee rate in sat/vB with at most three decimals, like "1.5"' });
    assert.throws(() => loadConfig({ env: {}, overrides: { feeRate: '0' } }), { name: 'ConfigError', message: 'overrides: feeRate must be above 0 sat/vB' });
    assert.equal(loadConfig({ env: {}, overrides: { feeRate: '3' } }).feeRateKvb, 3_000n, 'a decimal string from code is read too');
    // Fee rates are sat/vB with decimals, kept in sat/kvB: nothing rounds them to whole sat/vB (#13 finding 7).
    assert.equal(loadConfig({ env: { PAYCHAN_FEE_RATE: '1.5' } }).feeRateKvb, 1_500n);
    assert.equal(loadConfig({ env: {}, overrides: { feeRate: 0.25 } }).feeRateKvb, 250n);
    assert.equal(loadConfig({ env: {} }).feeRateKvb, 1_000n, 'the default floor is the node minimum relay fee, 1 sat/vB');

    writeFileSync(file, JSON.stringify({ upstream: 'http://x', routes: [{ path: '/a', price: '2100000000000001' }] }));
    assert.throws(() => loadProxyConfig({ file, env: {} }), { name: 'ProxyConfigError', message: `${file}: routes[0]: price exceeds 21 million BTC` });
  } finally {
    tmp.cleanup();
  }
});
