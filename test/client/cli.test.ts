/**
 * The `paychan` command line (src/cli) over the devnet and the merchant server, run in-process
 * through runPaychan as the bin runs it: from nothing to a paid call, the exit codes a script
 * branches on, restore from words plus the channel backup, and `paychan watch` taking the
 * refund after expiry once the site has vanished.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { runPaychan } from '../../src/cli/run.ts';
import { EXIT, type CliIO } from '../../src/cli/io.ts';
import { openWalletFile } from '../../src/client/node/wallet-file.ts';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { startMerchant } from '../extension/helpers.ts';
import { PASSWORD, tempWalletPath, useDevnetMerchant } from './helpers.ts';

const rig = useDevnetMerchant();

async function paychan(argv: string[], env: Record<string, string | undefined> = { PAYCHAN_PASSWORD: PASSWORD }): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = {
    out: (t) => (out += typeof t === 'string' ? t : Buffer.from(t).toString('utf8')),
    err: (t) => (err += t),
    env,
  };
  const code = await runPaychan(argv, io);
  return { code, out, err };
}

/** wallet create + fund through the CLI; answers the wallet path and its recovery words. */
async function createFunded(sats: bigint): Promise<{ wallet: string; words: string }> {
  const wallet = tempWalletPath();
  const created = await paychan(['--wallet', wallet, 'wallet', 'create', '--network', 'regtest', '--esplora', rig.devnet.url]);
  assert.equal(created.code, EXIT.OK, created.err);
  const words = created.out.trim().split('\n').pop()!;
  assert.equal(words.split(' ').length, 12);
  const address = await paychan(['--wallet', wallet, 'wallet', 'address']);
  assert.equal(address.code, EXIT.OK, address.err);
  await rig.devnet.faucet(address.out.trim(), sats);
  await rig.devnet.mine(1);
  return { wallet, words };
}

test('paychan: wallet create, address, balance, then fetch pays a priced page; channels lists the channel', async () => {
  const { wallet } = await createFunded(500_000n);
  const balance = await paychan(['--wallet', wallet, 'wallet', 'balance']);
  assert.equal(balance.code, EXIT.OK, balance.err);
  assert.match(balance.out, /^confirmed 500000 sat$/m);

  const out = join(dirname(wallet), 'item.txt');
  const fetched = await paychan(['--wallet', wallet, 'fetch', `${rig.merchant.url}/articles/cli`, '-o', out, '--max-price', '10', '--budget', '5000']);
  assert.equal(fetched.code, EXIT.OK, fetched.err);
  assert.equal(readFileSync(out, 'utf8'), 'content of /articles/cli');
  const toStdout = await paychan(['--wallet', wallet, 'fetch', `${rig.merchant.url}/articles/cli2`]);
  assert.equal(toStdout.out, 'content of /articles/cli2');

  const listed = await paychan(['--wallet', wallet, 'channels'], {});
  assert.equal(listed.code, EXIT.OK, 'listing needs no password');
  assert.match(listed.out, /^regtest\/0 {2}open {2}http:\/\/127\.0\.0\.1:\d+\/paychan\/v1 {2}capacity \d+ {2}signed \d+ {2}spent 20 /m);

  const sent = await paychan(['--wallet', wallet, 'wallet', 'send', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', '10000', '--fee-rate', '2']);
  assert.equal(sent.code, EXIT.OK, sent.err);
  assert.match(sent.out, /^sent 10000 sat in [0-9a-f]{64} \(fee \d+ sat\)$/m);
});

test('paychan: exit codes and messages for a missing or locked wallet, a cap, an unreachable site or chain, bad usage', async () => {
  const missing = await paychan(['--wallet', join(dirname(tempWalletPath()), 'none.db'), 'wallet', 'balance']);
  assert.equal(missing.code, EXIT.WALLET);
  assert.match(missing.err, /no wallet at .*none\.db/);
  assert.ok(!existsSync(join(dirname(tempWalletPath()), 'none.db')));

  const { wallet } = await createFunded(200_000n);
  const locked = await paychan(['--wallet', wallet, 'fetch', `${rig.merchant.url}/articles/l`], {});
  assert.equal(locked.code, EXIT.WALLET);
  assert.match(locked.err, /locked: set PAYCHAN_PASSWORD/);
  const wrong = await paychan(['--wallet', wallet, 'wallet', 'address'], { PAYCHAN_PASSWORD: 'not it' });
  assert.equal(wrong.code, EXIT.WALLET);

  const capped = await paychan(['--wallet', wallet, 'fetch', `${rig.merchant.url}/articles/c`, '--max-price', '5']);
  assert.equal(capped.code, EXIT.CAP);
  assert.match(capped.err, /cap reached \(maxPrice\).*10 sat, above the 5 sat max price.*nothing was paid/);
  const tooSmallBudget = await paychan(['--wallet', wallet, 'fetch', `${rig.merchant.url}/articles/c`, '--budget', '5']);
  assert.equal(tooSmallBudget.code, EXIT.CAP);
  assert.match(tooSmallBudget.err, /cap reached \(budget\)/);
  const file = openWalletFile({ path: wallet });
  assert.equal((await file.store.payments()).length, 0, 'no signature for a capped call');
  assert.equal((await file.store.channels()).filter((r) => !r.abandoned).length, 0);
  file.close();

  const site = await paychan(['--wallet', wallet, 'fetch', 'http://127.0.0.1:9/nothing']);
  assert.equal(site.code, EXIT.UNREACHABLE);
  assert.match(site.err, /unreachable: http:\/\/127\.0\.0\.1:9 cannot be reached/);

  const offline = openWalletFile({ path: wallet });
  await offline.engine.settings.set({ esploraUrls: { regtest: 'http://127.0.0.1:9' } });
  offline.close();
  const chain = await paychan(['--wallet', wallet, 'wallet', 'balance']);
  assert.equal(chain.code, EXIT.UNREACHABLE, chain.err);
  assert.match(chain.err, /chain unreachable/);

  assert.equal((await paychan(['fetch'])).code, EXIT.USAGE);
  assert.equal((await paychan(['--wallet', wallet, 'fetch', `${rig.merchant.url}/a`, '--budget', '1.5'])).code, EXIT.USAGE);
  assert.equal((await paychan(['bogus'])).code, EXIT.USAGE);
});

test('paychan: restore from words plus the channel backup brings the channel back; it pays on', async () => {
  const { wallet, words } = await createFunded(300_000n);
  assert.equal((await paychan(['--wallet', wallet, 'fetch', `${rig.merchant.url}/articles/r1`])).code, EXIT.OK);
  await rig.devnet.mine(1);
  const backupFile = join(dirname(wallet), 'channels.json');
  const backed = await paychan(['--wallet', wallet, 'channels', 'backup', backupFile]);
  assert.equal(backed.code, EXIT.OK, backed.err);
  assert.match(backed.out, /^1 channel\(s\) backed up/);

  // The machine is lost: a new wallet file from the words, then the backup on top.
  const restoredWallet = tempWalletPath();
  const env = { PAYCHAN_PASSWORD: PASSWORD, PAYCHAN_MNEMONIC: words };
  const restored = await paychan(['--wallet', restoredWallet, 'wallet', 'restore', '--network', 'regtest', '--esplora', rig.devnet.url], env);
  assert.equal(restored.code, EXIT.OK, restored.err);
  const channels = await paychan(['--wallet', restoredWallet, 'channels', 'restore', backupFile]);
  assert.equal(channels.code, EXIT.OK, channels.err);
  assert.match(channels.out, /^1 channel\(s\) restored, 0 already here/);

  const again = await paychan(['--wallet', restoredWallet, 'fetch', `${rig.merchant.url}/articles/r2`]);
  assert.equal(again.code, EXIT.OK, again.err);
  assert.equal(again.out, 'content of /articles/r2');
  const file = openWalletFile({ path: restoredWallet });
  const live = (await file.store.channels()).filter((r) => !r.abandoned);
  file.close();
  assert.equal(live.length, 1, 'paid on the restored channel, no new one');
  const ch = live[0]!.channel;
  const server = (await rig.merchant.paychan.store.getChannel(`${ch.funding!.txid}:${ch.funding!.vout}`))!;
  assert.equal(server.spent, 20n, 'both items, one before the loss and one after');
  assert.equal(ch.signed, server.paid);
});

test('paychan watch: the site vanishes; after expiry watch broadcasts the refund, locked, and the deposit comes back', async () => {
  const merchant = await startMerchant(rig.devnet.url, { minExpiryBlocks: 20, maxExpiryBlocks: 40, settleMarginBlocks: 5 });
  const { wallet } = await createFunded(300_000n);
  const setup = openWalletFile({ path: wallet });
  const policy = (await setup.engine.settings.get()).policy;
  await setup.engine.settings.set({ policy: { ...policy, preferredExpiryBlocks: 20 } });
  setup.close();
  assert.equal((await paychan(['--wallet', wallet, 'fetch', `${merchant.url}/articles/w`])).code, EXIT.OK);
  await rig.devnet.mine(1);
  await merchant.stop();

  const file = openWalletFile({ path: wallet });
  const [record] = await file.store.channels();
  file.close();
  const expiry = record!.channel.request.expiry;
  await rig.devnet.mine(expiry - (await rig.devnet.tipHeight()) - 1);
  const early = await paychan(['--wallet', wallet, 'watch'], {});
  assert.equal(early.code, EXIT.OK, early.err);
  assert.match(early.out, / open /, 'a block early: nothing to do');

  await rig.devnet.mine(1);
  const due = await paychan(['--wallet', wallet, 'watch'], {});
  assert.equal(due.code, EXIT.OK, due.err);
  assert.match(due.err, /locked \(no PAYCHAN_PASSWORD\): refunds only/);
  assert.match(due.out, / refunding /);
  await rig.devnet.mine(1);
  const done = await paychan(['--wallet', wallet, 'watch'], {});
  assert.match(done.out, / closed /);

  const after = openWalletFile({ path: wallet });
  const refunded = (await after.store.getChannel(record!.id))!;
  after.close();
  const refundTx = await new EsploraClient(rig.devnet.url).getTx(refunded.channel.closingTxid!);
  assert.ok(refundTx.status.confirmed, 'the refund is confirmed');
  const balance = await paychan(['--wallet', wallet, 'wallet', 'balance']);
  const confirmed = BigInt(/^confirmed (\d+) sat$/m.exec(balance.out)![1]!);
  const capacity = record!.channel.request.capacity;
  const fees = 300_000n - confirmed;
  assert.ok(fees > 0n && fees < 5_000n, `only the funding and refund fees are lost (${fees} sat of a ${capacity} sat deposit)`);
});
