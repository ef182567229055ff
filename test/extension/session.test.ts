import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, makeRig, PASSWORD, restart, TEST_MNEMONIC } from './helpers.ts';
import { AUTOLOCK_ALARM } from '../../src/client/session/session-service.ts';

test('session: create shows the words once and needs them typed back; nothing is stored before', async () => {
  const rig = await makeRig();
  assert.equal((await rig.raw('wallet.create', { mnemonic: TEST_MNEMONIC, password: PASSWORD, network: 'regtest' })).error?.code, 'NOT_CONFIRMED');
  const { mnemonic } = await rig.call('wallet.generate', undefined);
  assert.equal(mnemonic.split(' ').length, 12);
  assert.equal((await rig.call('wallet.status', undefined)).state, 'none');
  assert.equal((await rig.raw('wallet.create', { mnemonic: TEST_MNEMONIC, password: PASSWORD, network: 'regtest' })).error?.code, 'NOT_CONFIRMED');
  const status = await rig.call('wallet.create', { mnemonic: `  ${mnemonic.toUpperCase()} `, password: PASSWORD, network: 'regtest' });
  assert.deepEqual(status, { state: 'unlocked', network: 'regtest', autoLockMinutes: 15 });
  assert.equal((await rig.raw('wallet.restore', { mnemonic: TEST_MNEMONIC, password: PASSWORD, network: 'regtest' })).error?.code, 'WALLET_EXISTS');
  rig.db.close();
});

test('session: wrong password changes nothing; unlock survives a service-worker restart but not a browser restart', async () => {
  let rig = await makeRig();
  assert.equal((await rig.raw('wallet.restore', { mnemonic: 'abandon abandon', password: PASSWORD, network: 'regtest' })).error?.code, 'INVALID_MNEMONIC');
  await rig.bg.session.restore(TEST_MNEMONIC, PASSWORD, 'regtest');
  const vaultBefore = await rig.bg.store.getMeta('vault');
  await rig.call('wallet.lock', undefined);
  assert.equal((await rig.call('wallet.status', undefined)).state, 'locked');
  assert.equal((await rig.raw('wallet.receiveAddress', undefined)).error?.code, 'LOCKED');

  const wrong = await rig.raw('wallet.unlock', { password: 'nope nope nope' });
  assert.deepEqual(wrong, { ok: false, error: { code: 'WRONG_PASSWORD', message: 'wrong password' } });
  assert.equal((await rig.call('wallet.status', undefined)).state, 'locked');
  assert.deepEqual(await rig.bg.store.getMeta('vault'), vaultBefore, 'the vault is untouched');
  assert.equal(await rig.session.get('seed'), undefined);

  await rig.call('wallet.unlock', { password: PASSWORD });
  const addr = (await rig.call('wallet.receiveAddress', undefined)).address;
  assert.ok(addr.startsWith('bcrt1q'));

  rig = await restart(rig);
  assert.equal((await rig.call('wallet.status', undefined)).state, 'unlocked', 'storage.session keeps it unlocked');
  const addr2 = (await rig.call('wallet.receiveAddress', undefined)).address;
  assert.notEqual(addr2, addr, 'a fresh receive address each time');

  rig = await restart(rig, { browserRestart: true });
  assert.equal((await rig.call('wallet.status', undefined)).state, 'locked');
  rig.db.close();
});

test('session: auto-lock after the configured idle time, pushed back by activity', async () => {
  const clock = new FakeClock();
  const rig = await makeRig({ clock });
  await rig.bg.session.restore(TEST_MNEMONIC, PASSWORD, 'regtest');
  await rig.call('settings.set', { autoLockMinutes: 5 });
  assert.ok(rig.alarms.scheduled.has(AUTOLOCK_ALARM));

  clock.advance(4 * 60_000);
  await rig.call('wallet.status', undefined); // activity
  clock.advance(4 * 60_000);
  rig.alarms.fire(AUTOLOCK_ALARM);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal((await rig.bg.session.state()), 'unlocked', 'activity 4 minutes ago keeps it open');

  clock.advance(2 * 60_000);
  rig.alarms.fire(AUTOLOCK_ALARM);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(await rig.bg.session.state(), 'locked');
  assert.equal(await rig.session.get('seed'), undefined, 'the seed is gone from storage.session');

  // Even if the alarm was missed, stale unlocked material is not used.
  await rig.call('wallet.unlock', { password: PASSWORD });
  clock.advance(6 * 60_000);
  assert.equal((await rig.raw('wallet.balances', undefined, false)).error?.code, 'FORBIDDEN');
  await assert.rejects(rig.bg.session.keys(), /locked/);
  rig.db.close();
});
