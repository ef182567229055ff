/**
 * Unused credit comes back (issue 12): the wallet's cooperative close carries a payment for what
 * the site delivered, the real merchant server settles at it on the devnet, and the wallet reads
 * the settlement back from the chain; a site that settles above what it delivered is recorded and
 * shown; channels left idle, or nearing the server's settlement margin, are closed by the watcher
 * so their credit comes back.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EsploraClient, type FetchLike } from '../../src/chain/esplora.ts';
import { bytesToHex } from '../../src/core/bytes.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { settleNow } from '../../src/server/admin/settle.ts';
import { CLOSE_BEFORE_MARGIN_BLOCKS } from '../../src/client/channels/channel-watcher.ts';
import { SEED_ENV } from '../../src/server/keys.ts';
import { silentLogger } from '../../src/server/index.ts';
import { FakeClock, fetchPaid, makeRig, PASSWORD, startMerchant, type MerchantRig, type Rig } from './helpers.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const START = 1_000_000n;

let devnet: Devnet;
let esplora: EsploraClient;
let merchant: MerchantRig;
const seed = Uint8Array.from(randomBytes(32));
before(async () => {
  devnet = await startDevnet({ port: 0 });
  esplora = new EsploraClient(devnet.url);
  merchant = await startMerchant(devnet.url, { seed });
});
after(async () => {
  await merchant?.stop();
  await devnet?.stop();
});

/** A funded wallet on a clock the test moves, allowed to pay the merchant. */
async function wallet(clock = new FakeClock(Date.now()), apiFetch?: FetchLike): Promise<Rig> {
  const rig = await makeRig({ clock, ...(apiFetch ? { apiFetch } : {}) });
  await rig.call('settings.set', { esploraUrls: { regtest: devnet.url } });
  const { mnemonic } = await rig.call('wallet.generate', undefined);
  await rig.call('wallet.create', { mnemonic, password: PASSWORD, network: 'regtest' });
  await devnet.faucet((await rig.call('wallet.receiveAddress', undefined)).address, START);
  await devnet.mine(1);
  await rig.call('sites.allow', { endpoint: `${merchant.url}/paychan/v1`, allowance: '20000' });
  return rig;
}

async function read(rig: Rig, items: number, tag: string): Promise<void> {
  for (let i = 0; i < items; i++) assert.equal((await fetchPaid(rig, `${merchant.url}/articles/${tag}-${i}`)).status, 200);
}

test('the close pays the site what it delivered; the settlement returns the unused credit on chain', async () => {
  const rig = await wallet();
  await read(rig, 120, 'close'); // 1,200 delivered, above the server's 1,000 minimum
  const [ch] = await rig.call('channels.list', undefined);
  assert.ok(BigInt(ch!.signed) > 1_200n, `prepaid credit is held: signed ${ch!.signed}`);

  const closing = await rig.call('channels.close', { id: ch!.id });
  assert.deepEqual([closing.state, closing.closeAmount], ['closing', '1200']);
  const server = (await merchant.paychan.store.getChannel(ch!.channelId!))!;
  assert.deepEqual([server.state, server.paid, server.spent], ['closing', 1_200n, 1_200n]);

  await devnet.mine(1);
  const [closed] = await rig.call('channels.check', undefined);
  assert.deepEqual([closed!.state, closed!.settled, closed!.keptCredit], ['closed', '1200', null]);
  const settlement = await esplora.getTx(closing.closingTxid!);
  assert.equal(settlement.vout[0]!.value, 50_000n - 1_200n, 'capacity − delivered comes back to the wallet');
  assert.equal(settlement.vout[1]!.value, 1_200n - settlement.fee, "the site's payout: delivered − fee");
  const funding = await esplora.getTx(ch!.channelId!.split(':')[0]!);
  const balances = await rig.call('wallet.balances', undefined);
  assert.equal(BigInt(balances.confirmed) + BigInt(balances.unconfirmed), START - funding.fee - 1_200n, 'the reader paid exactly what was delivered');
  rig.db.close();
});

test('a site that settles above what it delivered is recorded and shown', async () => {
  const rig = await wallet();
  await read(rig, 110, 'greedy');
  const [ch] = await rig.call('channels.list', undefined);
  const signed = BigInt(ch!.signed);
  // The operator settles with the newest payment, unused credit included, without the wallet's close.
  await settleNow({ config: merchant.paychan.config, store: merchant.paychan.store, env: { [SEED_ENV]: bytesToHex(seed) }, logger: silentLogger, channelId: ch!.channelId! });
  await devnet.mine(1);
  const [closed] = await rig.call('channels.check', undefined);
  assert.deepEqual([closed!.state, closed!.settled, closed!.keptCredit], ['closed', String(signed), String(signed - 1_100n)]);
  rig.db.close();
});

test('a channel idle for closeIdleChannelsAfterDays is closed by the watcher at what was delivered', async () => {
  const clock = new FakeClock(Date.now());
  const rig = await wallet(clock);
  assert.equal((await rig.call('settings.get', undefined)).closeIdleChannelsAfterDays, 2, 'the default');
  await read(rig, 105, 'idle');
  const [ch] = await rig.call('channels.list', undefined);

  clock.advance(DAY_MS);
  assert.equal((await rig.call('channels.check', undefined))[0]!.state, 'open', 'one day is not idle');
  await rig.call('settings.set', { closeIdleChannelsAfterDays: 0 });
  clock.advance(5 * DAY_MS);
  assert.equal((await rig.call('channels.check', undefined))[0]!.state, 'open', '0: never');

  await rig.call('settings.set', { closeIdleChannelsAfterDays: 2 });
  const [closing] = await rig.call('channels.check', undefined);
  assert.deepEqual([closing!.state, closing!.closeAmount], ['closing', '1050']);
  const server = (await merchant.paychan.store.getChannel(ch!.channelId!))!;
  assert.deepEqual([server.state, server.paid], ['closing', 1_050n]);
  await assert.rejects(rig.call('settings.set', { closeIdleChannelsAfterDays: -1 }), /closeIdleChannelsAfterDays/);
  rig.db.close();
});

test('a close whose answer never came is sent again by the watcher, at what was delivered', async () => {
  let closeReachable = false;
  const apiFetch: FetchLike = (input, init) =>
    !closeReachable && String(input).endsWith('/close') ? Promise.reject(new TypeError('fetch failed')) : globalThis.fetch(input, init);
  const rig = await wallet(new FakeClock(Date.now()), apiFetch);
  await read(rig, 101, 'lost');
  const [ch] = await rig.call('channels.list', undefined);
  await assert.rejects(rig.call('channels.close', { id: ch!.id }), /UNREACHABLE|no answer/);
  const [stored] = await rig.call('channels.list', undefined);
  assert.deepEqual([stored!.state, stored!.closeAmount, stored!.closingTxid], ['closing', '1010', null], 'stored before it was sent');
  assert.equal((await merchant.paychan.store.getChannel(ch!.channelId!))!.state, 'open');

  closeReachable = true;
  const [sent] = await rig.call('channels.check', undefined);
  assert.equal(sent!.state, 'closing');
  assert.ok(sent!.closingTxid, 'the server answered with its settlement');
  const server = (await merchant.paychan.store.getChannel(ch!.channelId!))!;
  assert.deepEqual([server.state, server.paid, server.settlementTxid], ['closing', 1_010n, sent!.closingTxid]);
  rig.db.close();
});

test('a channel nearing the settlement margin the server announced is closed at what was delivered', async () => {
  const site = await startMerchant(devnet.url, { minExpiryBlocks: 20, maxExpiryBlocks: 40, settleMarginBlocks: 5 });
  const rig = await wallet();
  await rig.call('sites.allow', { endpoint: `${site.url}/paychan/v1`, allowance: '20000' });
  const policy = (await rig.call('settings.get', undefined)).policy;
  await rig.call('settings.set', { policy: { ...policy, preferredExpiryBlocks: 20 } });
  for (let i = 0; i < 102; i++) assert.equal((await fetchPaid(rig, `${site.url}/articles/margin-${i}`)).status, 200);
  const [ch] = await rig.call('channels.list', undefined);
  const due = ch!.expiry - 5 - CLOSE_BEFORE_MARGIN_BLOCKS;
  await devnet.mine(due - 1 - (await devnet.tipHeight()));
  assert.equal((await rig.call('channels.check', undefined))[0]!.state, 'open', 'one block before: still open');
  await devnet.mine(1);
  const [closing] = await rig.call('channels.check', undefined);
  assert.deepEqual([closing!.state, closing!.closeAmount], ['closing', '1020']);
  const server = (await site.paychan.store.getChannel(ch!.channelId!))!;
  assert.deepEqual([server.state, server.paid, server.spent], ['closing', 1_020n, 1_020n]);
  rig.db.close();
  await site.stop();
});
