/**
 * Where settlements pay, on the devnet: fresh P2WPKH addresses of a payout xpub, m/0/0 then
 * m/0/1, the next index kept in the store across a restart; or, with no payout configured, the
 * server's own wallet, which `paychan-admin wallet` shows and `paychan-admin sweep` empties at the
 * chain's fee estimate.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { feeForVsize } from '../../src/core/amounts.ts';
import { bytesToHex } from '../../src/core/bytes.ts';
import { p2wpkhAddress, p2wpkhOutputScript } from '../../src/core/script.ts';
import { runAdmin } from '../../src/server/admin/commands.ts';
import { ServerKeys } from '../../src/server/keys.ts';
import type { ChannelClient } from './helpers/channel-client.ts';
import { post } from './helpers/problems.ts';
import { TEST_SEED, tempDbPath } from './helpers/server.ts';
import { fundedChannel, startWatchedServer, watchedSuite } from './watcher-fixture.ts';

/** The devnet's estimate for the default 6-block target. */
const DEVNET_RATE = 3_000n; // sat/kvB
const TESTNET_VERSIONS = { private: 0x04358394, public: 0x043587cf };

/** An operator's wallet account (BIP84 m/84'/1'/0') and its tpub, as a wallet would export it. */
function operatorAccount() {
  const account = HDKey.fromMasterSeed(randomBytes(32), TESTNET_VERSIONS).derive("m/84'/1'/0'");
  const receive = (i: number) => bytesToHex(p2wpkhOutputScript(account.deriveChild(0).deriveChild(i).publicKey!));
  return { tpub: account.publicExtendedKey, tprv: account.privateExtendedKey, receive };
}

async function closeChannel(client: ChannelClient): Promise<string> {
  const answer = await post(`${client.endpoint}/channels/${client.channelId}/close`, {}, { authorization: client.credential() });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.settlementTxid as string;
}

async function admin(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAdmin(args, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

describe('payout on the devnet', () => {
  const suite = watchedSuite();

  test('settlements pay fresh addresses of the payout xpub, m/0/0 then m/0/1, and a restart goes on at m/0/2', async () => {
    const { devnet, wallet } = suite;
    const account = operatorAccount();
    const srv = await suite.server({ config: { payoutXpub: account.tpub } });
    const paid: string[] = [];
    for (let i = 0; i < 2; i++) {
      const client = await fundedChannel(srv, wallet, { capacity: 50_000n, first: 4_000n, expiryBlocks: 100 });
      const tx = await devnet.esplora.getTx(await closeChannel(client));
      paid.push(tx.vout.at(-1)!.scriptpubkey);
    }
    assert.deepEqual(paid, [account.receive(0), account.receive(1)]);

    // The index is the store's: a server started again on the same database never pays m/0/0 or m/0/1 again.
    await srv.stop();
    const again = await startWatchedServer(devnet, { dbPath: srv.dbPath, config: { payoutXpub: account.tpub } });
    try {
      const client = await fundedChannel(again, wallet, { capacity: 50_000n, first: 4_000n, expiryBlocks: 100 });
      const tx = await devnet.esplora.getTx(await closeChannel(client));
      assert.equal(tx.vout.at(-1)!.scriptpubkey, account.receive(2));
    } finally {
      await again.stop();
    }
  });

  test('a payout xpub of the wrong network, or a private key, is refused before anything starts', async () => {
    const { devnet } = suite;
    const account = operatorAccount();
    const mainnetXpub = HDKey.fromMasterSeed(randomBytes(32)).derive("m/84'/0'/0'").publicExtendedKey;
    const tmp = tempDbPath();
    try {
      await assert.rejects(startWatchedServer(devnet, { dbPath: tmp.dbPath, config: { payoutXpub: mainnetXpub } }), {
        message: 'payoutXpub is a mainnet key (xpub): regtest takes tpub or vpub',
      });
      await assert.rejects(startWatchedServer(devnet, { dbPath: tmp.dbPath, config: { payoutXpub: account.tprv } }), {
        message: "overrides: payoutXpub is a private key: give the account's extended public key (xpub, zpub, tpub or vpub), never the private one",
      });
    } finally {
      tmp.cleanup();
    }
  });

  test("with no payout configured, the server's own wallet collects settlements and sweep moves them at the fee estimate", async () => {
    const { devnet, wallet } = suite;
    const srv = await suite.server();
    const tmp = tempDbPath();
    try {
      const own = p2wpkhAddress(new ServerKeys(TEST_SEED, 'regtest').payoutKey().publicKey, 'regtest');
      const config = join(tmp.dir, 'paychan.json');
      writeFileSync(config, JSON.stringify({ upstream: 'http://127.0.0.1:9', routes: [], esploraUrl: devnet.url, dbPath: srv.dbPath, seedFile: 'absent.key' }));
      const env = { PAYCHAN_SERVER_SEED: Buffer.from(TEST_SEED).toString('hex') };
      const before = await admin(['--config', config, 'wallet'], env);
      assert.equal(before.code, 0, before.err);
      const start = /: (\d+) sat confirmed, (\d+) sat unconfirmed/.exec(before.out)!;
      assert.ok(before.out.includes(own), before.out);

      const txids = [];
      for (let i = 0; i < 2; i++) {
        const client = await fundedChannel(srv, wallet, { capacity: 50_000n, first: 4_000n + BigInt(i) * 1_000n, expiryBlocks: 100 });
        txids.push(await closeChannel(client));
      }
      await devnet.mine(1);
      let earned = 0n;
      for (const txid of txids) {
        const out = (await devnet.esplora.getTx(txid)).vout.at(-1)!;
        assert.equal(out.scriptpubkey_address, own);
        earned += out.value;
      }
      const collected = await admin(['--config', config, 'wallet'], env);
      assert.match(collected.out, new RegExp(`${own}: ${BigInt(start[1]!) + earned} sat confirmed, 0 sat unconfirmed`));

      // Refused: an address of another network; nothing is sent.
      const mainnet = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
      const refused = await admin(['--config', config, 'sweep', mainnet], env);
      assert.equal(refused.code, 1);
      assert.equal(refused.err, `paychan-admin: ${mainnet} is not a regtest address: sweep sends only to an address of the configured network\n`);
      assert.match((await admin(['--config', config, 'wallet'], env)).out, new RegExp(`${BigInt(start[1]!) + earned} sat confirmed`));

      const swept = await admin(['--config', config, 'sweep', wallet.address], env);
      assert.equal(swept.code, 0, swept.err);
      const [, amount, txid, fee] = /swept (\d+) sat to \S+ in ([0-9a-f]{64}) \(fee (\d+) sat, 3 sat\/vB\)/.exec(swept.out) ?? [];
      assert.ok(txid, swept.out);
      const tx = await devnet.esplora.getTx(txid!);
      const balance = BigInt(start[1]!) + earned;
      assert.equal(tx.fee, BigInt(fee!));
      assert.equal(BigInt(amount!) + tx.fee, balance, 'every confirmed sat moves: to the address, or to the fee');
      assert.deepEqual(tx.vout.map((o) => [o.scriptpubkey_address, o.value]), [[wallet.address, BigInt(amount!)]]);
      // At the estimate: at least its rate on the real size, and at most a byte of signature per input above it.
      const vsize = Math.ceil(tx.weight / 4);
      assert.ok(tx.fee >= feeForVsize(vsize, DEVNET_RATE) && tx.fee <= feeForVsize(vsize + tx.vin.length, DEVNET_RATE), `fee ${tx.fee} for ${vsize} vB`);
      await devnet.mine(1);
      assert.match((await admin(['--config', config, 'wallet'], env)).out, /: 0 sat confirmed, 0 sat unconfirmed, in 0 coins/);

      // A balance that cannot pay the fee and leave more than dust is not swept into an output-less transaction.
      await devnet.faucet(own, 500n);
      await devnet.mine(1);
      const crumbs = await admin(['--config', config, 'sweep', wallet.address], env);
      assert.equal(crumbs.code, 1);
      assert.equal(crumbs.err, "paychan-admin: the server wallet's 500 sat cannot pay the fee at 3 sat/vB and leave more than dust: nothing sent\n");
      assert.match((await admin(['--config', config, 'wallet'], env)).out, /: 500 sat confirmed, 0 sat unconfirmed, in 1 coins/);
    } finally {
      tmp.cleanup();
    }
  });
});
