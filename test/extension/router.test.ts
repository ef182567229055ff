import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRig } from './helpers.ts';
import { KeyedMutex } from '../../src/client/lib/mutex.ts';

test('router: one envelope for success and error; content scripts only reach the wallet status', async () => {
  const rig = await makeRig();
  const ok = await rig.raw('wallet.status', undefined);
  assert.deepEqual(ok, { ok: true, data: { state: 'none', network: 'mainnet', autoLockMinutes: 15 } });
  assert.deepEqual(await rig.raw('wallet.status', undefined, false), ok);

  const unknown = await rig.bg.router({ type: 'wallet.steal', payload: {} }, { fromExtensionPage: true });
  assert.equal(unknown.ok, false);
  assert.equal(!unknown.ok && unknown.error.code, 'INVALID_REQUEST');
  const garbage = await rig.bg.router('nonsense', { fromExtensionPage: true });
  assert.equal(!garbage.ok && garbage.error.code, 'INVALID_REQUEST');

  const forbidden = await rig.raw('wallet.send', { address: 'x', amount: '1', feeRateKvb: '1000' }, false);
  assert.equal(forbidden.error?.code, 'FORBIDDEN');
  const forbiddenAllow = await rig.raw('sites.allow', { endpoint: 'https://a.example/p', allowance: '1000000' }, false);
  assert.equal(forbiddenAllow.error?.code, 'FORBIDDEN', 'a page cannot grant itself an allowance');

  // Receipts come from webRequest in the background: a page cannot tell the wallet what it spent.
  const receipt = `Paychan channel="${'ab'.repeat(32)}:0", charged="1", paid="1", spent="1"`;
  assert.equal((await rig.raw('pay.receipt', { receipt, url: 'https://a.example/x' }, false)).error?.code, 'FORBIDDEN');
  assert.deepEqual(await rig.raw('pay.receipt', { receipt, url: 'https://a.example/x' }), { ok: true, data: null }, 'the paywall, a trusted caller, may report one');

  const locked = await rig.raw('wallet.balances', undefined);
  assert.equal(locked.error?.code, 'NO_WALLET');
  // Payments start only from a 402 the browser itself received (the paywall), never from a page.
  const pagePay = await rig.raw('pay', { url: 'https://a.example/x', challenge: 'Basic realm="x"' }, false);
  assert.equal(pagePay.error?.code, 'FORBIDDEN');
  const badPay = await rig.raw('pay', { url: 'https://a.example/x', challenge: 'Basic realm="x"' });
  assert.equal(badPay.error?.code, 'INVALID_REQUEST');
  const badAmount = await rig.raw('sites.allow', { endpoint: 'https://a.example/p', allowance: '1.5' });
  assert.equal(badAmount.error?.code, 'INVALID_REQUEST');
  rig.db.close();
});

test('settings: defaults, validation, and persistence', async () => {
  const rig = await makeRig();
  const s = await rig.call('settings.get', undefined);
  assert.equal(s.autoLockMinutes, 15);
  const next = await rig.call('settings.set', { autoLockMinutes: 5, esploraUrls: { regtest: 'http://127.0.0.1:1' }, policy: { ...s.policy, maxPrice: '50' } });
  assert.equal(next.autoLockMinutes, 5);
  assert.equal(next.policy.maxPrice, '50');
  assert.equal((await rig.raw('settings.set', { autoLockMinutes: 0 })).error?.code, 'INVALID_REQUEST');
  assert.equal((await rig.raw('settings.set', { esploraUrls: { regtest: 'ftp://x' } })).error?.code, 'INVALID_REQUEST');
  assert.equal((await rig.call('settings.get', undefined)).autoLockMinutes, 5);
  rig.db.close();
});

test('mutex: work on one key runs one at a time in order; other keys do not wait', async () => {
  const m = new KeyedMutex();
  const log: string[] = [];
  const slow = (tag: string, ms: number) => async () => {
    log.push(`start ${tag}`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`end ${tag}`);
    return tag;
  };
  const failing = m.run('a', async () => {
    throw new Error('boom');
  });
  const results = await Promise.all([m.run('a', slow('a1', 20)), m.run('a', slow('a2', 1)), m.run('b', slow('b1', 5)), failing.catch((e: Error) => e.message)]);
  assert.deepEqual(results, ['a1', 'a2', 'b1', 'boom']);
  assert.ok(log.indexOf('end a1') < log.indexOf('start a2'));
  assert.ok(log.indexOf('start b1') < log.indexOf('end a1'));
});
