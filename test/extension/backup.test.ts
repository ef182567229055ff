/**
 * Channel backups without a chain: what goes into the file, and every refusal on restore (wrong
 * password, damaged, cut short, malformed, another seed, another network) leaves the store
 * exactly as it was; a second import adds nothing; a key index already in use gets no clash.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english';
import type { NetworkName } from '../../src/core/network.ts';
import { bytesToHex, fromBase64Url, parseHex, toBase64Url } from '../../src/core/bytes.ts';
import { BACKUP_FORMAT, BACKUP_VERSION } from '../../src/client/channels/channel-backup.ts';
import { channelKeyCounter } from '../../src/client/wallet/keys.ts';
import { Vault } from '../../src/client/session/vault.ts';
import type { ChannelRecord } from '../../src/client/storage/records.ts';
import { fixtureChannel } from './backup-fixture.ts';
import { makeRig, PASSWORD, TEST_MNEMONIC, type Rig } from './helpers.ts';

const NEW_PASSWORD = 'another password entirely';

/** A wallet restored from `mnemonic` whose chain backend refuses at once (nothing here needs one). */
async function walletRig(mnemonic: string, network: NetworkName = 'regtest', password = PASSWORD): Promise<Rig> {
  const rig = await makeRig();
  await rig.call('settings.set', { esploraUrls: { [network]: 'http://127.0.0.1:9' } });
  await rig.call('wallet.restore', { mnemonic, password, network });
  return rig;
}

async function withChannels(rig: Rig, make: (ring: Awaited<ReturnType<Rig['bg']['session']['keys']>>) => ChannelRecord[]): Promise<void> {
  const ring = await rig.bg.session.keys();
  for (const r of make(ring)) await rig.bg.store.putChannel(r);
}

/** Every object store, keys and values: what "nothing changed" means. */
async function dump(rig: Rig): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const name of [...rig.db.objectStoreNames].sort()) {
    const store = name as 'meta';
    out[name] = [await rig.db.getAllKeys(store), await rig.db.getAll(store)];
  }
  return out;
}

function essentials(records: ChannelRecord[]) {
  return records
    .map((r) => ({ id: r.id, network: r.network, endpoint: r.endpoint, channel: r.channel, refund: r.refund, fundingInputs: r.fundingInputs, abandoned: r.abandoned, fundingConfirmed: r.fundingConfirmed, zeroConfLimit: r.zeroConfLimit, createdAt: r.createdAt }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

async function refused(rig: Rig, contents: string, password: string, code: string, message?: RegExp): Promise<void> {
  const before = await dump(rig);
  const env = await rig.raw('channels.restoreBackup', { contents, password });
  assert.equal(env.ok, false, `expected ${code}`);
  assert.equal(env.error!.code, code, env.error!.message);
  if (message) assert.match(env.error!.message, message);
  assert.deepEqual(await dump(rig), before, `${code}: the store is unchanged`);
}

test('channel backup: the file, and every refusal leaves the store as it was', async () => {
  const a = await walletRig(TEST_MNEMONIC);
  await withChannels(a, (ring) => {
    const closed = fixtureChannel(ring, 'regtest', 1, 'https://gone.example/paychan/v1');
    return [
      fixtureChannel(ring, 'regtest', 0, 'https://one.example/paychan/v1'),
      { ...closed, channel: { ...closed.channel, state: 'closed', closingTxid: 'ab'.repeat(32) } },
      fixtureChannel(ring, 'regtest', 3, 'https://two.example/paychan/v1'),
      { ...fixtureChannel(ring, 'testnet4', 4, 'https://three.example/paychan/v1'), id: 'testnet/4' },
    ];
  });

  // Unlocked, and the password again.
  assert.equal((await a.raw('channels.backup', { password: 'not the password' })).error?.code, 'WRONG_PASSWORD');
  await a.call('wallet.lock', undefined);
  assert.equal((await a.raw('channels.backup', { password: PASSWORD })).error?.code, 'LOCKED');
  await a.call('wallet.unlock', { password: PASSWORD });
  const file = await a.call('channels.backup', { password: PASSWORD });
  assert.match(file.filename, /^paychan-channels-\d{4}-\d{2}-\d{2}\.json$/);
  assert.equal(file.channels, 2, 'the two open regtest channels: not the closed one, not the testnet one');
  assert.equal(file.network, 'regtest');
  const outer = JSON.parse(file.contents) as Record<string, unknown>;
  assert.deepEqual(Object.keys(outer).sort(), ['check', 'ciphertext', 'format', 'iterations', 'iv', 'kdf', 'salt', 'version']);
  assert.equal(outer.format, 'paychan-channel-backup');
  assert.equal(outer.iterations, 600_000);
  assert.doesNotMatch(file.contents, /one\.example|two\.example/, 'nothing readable without the password');

  // The backups that must be refused.
  const other = await walletRig(generateMnemonic(wordlist, 128));
  await withChannels(other, (ring) => [fixtureChannel(ring, 'regtest', 0, 'https://one.example/paychan/v1')]);
  const otherSeed = (await other.call('channels.backup', { password: PASSWORD })).contents;
  other.db.close();
  const testnet = await walletRig(TEST_MNEMONIC, 'testnet4');
  await withChannels(testnet, (ring) => [fixtureChannel(ring, 'testnet4', 0, 'https://one.example/paychan/v1')]);
  const otherNetwork = (await testnet.call('channels.backup', { password: PASSWORD })).contents;
  testnet.db.close();
  const broken = await walletRig(TEST_MNEMONIC);
  await withChannels(broken, (ring) => {
    const bad = fixtureChannel(ring, 'regtest', 7, 'https://bad.example/paychan/v1');
    // Says 50,000 sat; the funding output pays 40,000.
    return [fixtureChannel(ring, 'regtest', 6, 'https://good.example/paychan/v1'), { ...bad, channel: { ...bad.channel, request: { ...bad.channel.request, capacity: 40_000n }, signed: 1_000n } }];
  });
  const malformed = (await broken.call('channels.backup', { password: PASSWORD })).contents;
  broken.db.close();

  // A fresh wallet from the same words, with its own password.
  const b = await walletRig(TEST_MNEMONIC, 'regtest', NEW_PASSWORD);
  await refused(b, file.contents, NEW_PASSWORD, 'WRONG_PASSWORD');
  const tag = outer.ciphertext as string;
  const flip = (c: string) => (c === 'A' ? 'B' : 'A');
  const tampered = JSON.stringify({ ...outer, ciphertext: tag.slice(0, -3) + flip(tag.at(-3)!) + tag.slice(-2) });
  await refused(b, tampered, PASSWORD, 'INVALID_BACKUP', /changed or damaged/);
  await refused(b, file.contents.slice(0, Math.floor(file.contents.length / 2)), PASSWORD, 'INVALID_BACKUP', /not complete JSON/);
  await refused(b, JSON.stringify({ ...outer, ciphertext: tag.slice(0, tag.length - 40) }), PASSWORD, 'INVALID_BACKUP', /changed or damaged/);
  await refused(b, JSON.stringify({ ...outer, iterations: 1000 }), PASSWORD, 'INVALID_BACKUP');
  // Finding 11: a file asking for 100 million PBKDF2 rounds would hold the worker for minutes; refused at once.
  const t0 = Date.now();
  await refused(b, JSON.stringify({ ...outer, iterations: 100_000_000 }), PASSWORD, 'INVALID_BACKUP', /iterations must be a whole number from 600000 to 1200000/);
  assert.ok(Date.now() - t0 < 5000, 'refused without deriving a key');
  await refused(b, JSON.stringify({ hello: 'world' }), PASSWORD, 'INVALID_BACKUP', /not a Paychan channel backup file/);
  await refused(b, '', PASSWORD, 'INVALID_BACKUP');
  await refused(b, malformed, PASSWORD, 'INVALID_BACKUP', /does not pay the channel script its capacity/);
  await refused(b, otherSeed, PASSWORD, 'OTHER_WALLET');
  await refused(b, otherNetwork, PASSWORD, 'WRONG_NETWORK', /testnet/);
  await b.call('wallet.lock', undefined);
  await refused(b, file.contents, PASSWORD, 'LOCKED');
  assert.equal((await b.raw('channels.restoreBackup', { contents: file.contents, password: PASSWORD }, false)).error?.code, 'FORBIDDEN', 'not for content scripts');
  assert.equal((await b.raw('channels.backup', { password: PASSWORD }, false)).error?.code, 'FORBIDDEN', 'not for content scripts');
  await b.call('wallet.unlock', { password: NEW_PASSWORD });

  // The real thing, then again.
  const restored = await b.call('channels.restoreBackup', { contents: file.contents, password: PASSWORD });
  assert.deepEqual(
    restored.added.map((c) => [c.id, c.state, c.signed, c.acknowledged, c.spent]),
    [
      ['regtest/0', 'open', '1000', '1000', '10'],
      ['regtest/3', 'open', '1000', '1000', '10'],
    ],
  );
  assert.equal(restored.skipped, 0);
  const wanted = essentials((await a.bg.store.channels()).filter((r) => r.network === 'regtest' && r.channel.state !== 'closed'));
  assert.deepEqual(essentials(await b.bg.store.channels()), wanted, 'everything a refund or a resume needs came back');
  assert.equal(await b.bg.store.getMeta(channelKeyCounter('regtest')), 4, 'new channels will not reuse a restored key');
  const again = await b.call('channels.restoreBackup', { contents: file.contents, password: PASSWORD });
  assert.deepEqual([again.added.length, again.skipped], [0, 2]);
  assert.deepEqual(essentials(await b.bg.store.channels()), wanted, 'importing twice adds nothing and changes nothing');
  a.db.close();
  b.db.close();
});

test('channel backup: a channel opened after the seed restore keeps its id; the backup gets another', async () => {
  const a = await walletRig(TEST_MNEMONIC);
  await withChannels(a, (ring) => [fixtureChannel(ring, 'regtest', 0, 'https://one.example/paychan/v1')]);
  const file = await a.call('channels.backup', { password: PASSWORD });
  a.db.close();
  const b = await walletRig(TEST_MNEMONIC);
  // Opened before the backup was restored: key index 0 again (the counter started over), another channel.
  const mine = await (async () => {
    const ring = await b.bg.session.keys();
    const r = fixtureChannel(ring, 'regtest', 0, 'https://new.example/paychan/v1');
    await b.bg.store.putChannel(r);
    await b.bg.store.setMeta(channelKeyCounter('regtest'), 1);
    return r;
  })();
  const out = await b.call('channels.restoreBackup', { contents: file.contents, password: PASSWORD });
  assert.equal(out.added.length, 1);
  assert.equal(out.added[0]!.id, `regtest/0/${out.added[0]!.channelId}`);
  assert.equal(out.added[0]!.endpoint, 'https://one.example/paychan/v1');
  assert.deepEqual((await b.bg.store.getChannel('regtest/0'))!.channel, mine.channel, 'the newer channel is untouched');
  assert.equal((await b.bg.store.channels()).length, 2);
  b.db.close();
});

test('channel backup: a file from before sat/kvB rates (refund `feeRate` in whole sat/vB) restores its refund at that rate × 1000', async () => {
  const a = await walletRig(TEST_MNEMONIC);
  await withChannels(a, (ring) => [fixtureChannel(ring, 'regtest', 0, 'https://one.example/paychan/v1')]);
  const file = await a.call('channels.backup', { password: PASSWORD });
  a.db.close();
  // Rewrite the sealed contents as an older wallet wrote them, and seal them again.
  const f = JSON.parse(file.contents) as Record<string, string> & { iterations: number; check: { iv: string; ciphertext: string } };
  const aad = new TextEncoder().encode(`${BACKUP_FORMAT}-v${BACKUP_VERSION}`);
  const vault = new Vault();
  const record = {
    version: 1 as const,
    kdf: 'PBKDF2-SHA256' as const,
    iterations: f.iterations,
    salt: parseHex(f.salt, 'salt'),
    iv: parseHex(f.iv, 'iv'),
    check: { iv: parseHex(f.check.iv, 'check.iv'), ciphertext: parseHex(f.check.ciphertext, 'check') },
    ciphertext: fromBase64Url(f.ciphertext!, 'ciphertext'),
  };
  const inner = JSON.parse(new TextDecoder().decode(await vault.openChecked(record, PASSWORD, aad))) as { channels: { refund: Record<string, string> }[] };
  const { feeRateKvb, ...refund } = inner.channels[0]!.refund;
  assert.equal(feeRateKvb, '2000', 'written in sat/kvB');
  inner.channels[0]!.refund = { ...refund, feeRate: '2' };
  const sealed = await vault.sealChecked(new TextEncoder().encode(JSON.stringify(inner)), PASSWORD, aad);
  const old = {
    ...f,
    salt: bytesToHex(sealed.salt),
    iv: bytesToHex(sealed.iv),
    check: { iv: bytesToHex(sealed.check.iv), ciphertext: bytesToHex(sealed.check.ciphertext) },
    ciphertext: toBase64Url(sealed.ciphertext),
  };

  const b = await walletRig(TEST_MNEMONIC);
  const out = await b.call('channels.restoreBackup', { contents: JSON.stringify(old), password: PASSWORD });
  assert.equal(out.added.length, 1);
  assert.equal((await b.bg.store.getChannel('regtest/0'))!.refund!.feeRateKvb, 2_000n);
  b.db.close();
});
