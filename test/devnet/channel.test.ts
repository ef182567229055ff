/**
 * The channel's transactions, built by src/core, judged by a validating node: funding and
 * settlement are accepted, a wrong server signature fails script verification, and the refund
 * becomes valid exactly at the expiry height.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EsploraClient } from '../../src/chain/esplora.ts';
import type { ChannelParams } from '../../src/core/channel.ts';
import { signPayment } from '../../src/core/payment.ts';
import { channelScript, p2wshAddress, p2wshOutputScript } from '../../src/core/script.ts';
import { buildFundingTx, buildRefundTx, buildSettlementTx } from '../../src/core/transactions.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { assertEsploraError, fund, testKey, type TestKey } from './helpers.ts';

let devnet: Devnet;
let esplora: EsploraClient;
const server = testKey('channel-server');
const payout = testKey('channel-payout');

before(async () => {
  devnet = await startDevnet({ port: 0 });
  esplora = new EsploraClient(devnet.url);
});

after(async () => {
  await devnet.stop();
});

/** Funds a channel of `capacity` expiring `expiresIn` blocks after the current tip, and mines it. */
async function openChannel(label: string, capacity: bigint, expiresIn: number): Promise<{ client: TestKey; params: ChannelParams }> {
  const client = testKey(`channel-client-${label}`);
  const coin = await fund(devnet, esplora, client, capacity + 20_000n);
  const expiry = (await esplora.getTipHeight()) + expiresIn;
  const script = channelScript({ serverPubkey: server.pubkey, clientPubkey: client.pubkey, expiry });
  const funding = buildFundingTx({
    coins: [{ txid: coin.txid, vout: coin.vout, value: coin.value, privateKey: client.privateKey }],
    capacity,
    channelOutputScript: p2wshOutputScript(script),
    changeScript: client.script,
    feeRateKvb: 2000n,
  });
  assert.equal(await esplora.broadcast(funding.hex), funding.txid);
  await devnet.mine(1);

  const output = (await esplora.getTx(funding.txid)).vout[funding.vout];
  assert.equal(output?.value, capacity);
  assert.equal(output?.scriptpubkey_type, 'v0_p2wsh');
  assert.equal(output?.scriptpubkey_address, p2wshAddress(script, 'regtest'));
  return {
    client,
    params: {
      network: 'regtest',
      serverPubkey: server.pubkey,
      clientPubkey: client.pubkey,
      expiry,
      capacity,
      changeScript: client.script,
      funding: { txid: funding.txid, vout: funding.vout },
    },
  };
}

test('a settlement with the client payment and the server signature is accepted and mined', async () => {
  const { client, params } = await openChannel('settle', 100_000n, 100);
  const amount = 30_000n;
  const settlement = buildSettlementTx({
    channels: [{ params, amount, clientSignature: signPayment(params, amount, client.privateKey), serverPrivateKey: server.privateKey }],
    payoutScript: payout.script,
    feeRateKvb: 2000n,
  });
  assert.equal(await esplora.broadcast(settlement.hex), settlement.txid);
  assert.equal((await esplora.getOutspend(params.funding.txid, params.funding.vout)).txid, settlement.txid);

  const height = await devnet.mine(1);
  const tx = await esplora.getTx(settlement.txid);
  assert.equal(tx.status.block_height, height);
  assert.equal(tx.fee, settlement.fee);
  assert.deepEqual(
    tx.vout.map((o) => [o.scriptpubkey_address, o.value]),
    [
      [client.address, 70_000n],
      [payout.address, amount - settlement.fee],
    ],
  );
});

test('a settlement of the whole capacity (no change output) is accepted', async () => {
  const { client, params } = await openChannel('full', 40_000n, 100);
  const settlement = buildSettlementTx({
    channels: [
      { params, amount: params.capacity, clientSignature: signPayment(params, params.capacity, client.privateKey), serverPrivateKey: server.privateKey },
    ],
    payoutScript: payout.script,
    feeRateKvb: 2000n,
  });
  assert.equal(await esplora.broadcast(settlement.hex), settlement.txid);
  await devnet.mine(1);
  assert.equal((await esplora.getTxStatus(settlement.txid)).confirmed, true);
});

test('a settlement signed with the wrong server key fails script verification', async () => {
  const { client, params } = await openChannel('wrong-server', 60_000n, 100);
  const amount = 10_000n;
  const forged = buildSettlementTx({
    channels: [
      { params, amount, clientSignature: signPayment(params, amount, client.privateKey), serverPrivateKey: testKey('not-the-server').privateKey },
    ],
    payoutScript: payout.script,
    feeRateKvb: 2000n,
  });
  await assertEsploraError(esplora.broadcast(forged.hex), 400, /^mandatory-script-verify-flag-failed/);
  assert.deepEqual(await esplora.getOutspend(params.funding.txid, params.funding.vout), { spent: false });
});

test('a refund is non-final before the expiry height and accepted once the tip reaches it', async () => {
  const { client, params } = await openChannel('refund', 50_000n, 5);
  const refund = buildRefundTx(params, { clientPrivateKey: client.privateKey, destinationScript: client.script, feeRateKvb: 2000n });

  await assertEsploraError(esplora.broadcast(refund.hex), 400, /^non-final$/);
  // nLockTime = expiry: the transaction may first go into block `expiry`, the one after tip expiry - 1.
  const tip = await esplora.getTipHeight();
  if (tip < params.expiry - 1) await devnet.mine(params.expiry - 1 - tip);
  assert.equal(await esplora.getTipHeight(), params.expiry - 1);
  await assertEsploraError(esplora.broadcast(refund.hex), 400, /^non-final$/);

  await devnet.mine(1);
  assert.equal(await esplora.broadcast(refund.hex), refund.txid);
  const height = await devnet.mine(1);
  assert.equal((await esplora.getTxStatus(refund.txid)).block_height, height);
  const spend = await esplora.getOutspend(params.funding.txid, params.funding.vout);
  assert.equal(spend.txid, refund.txid);
  assert.equal(spend.status?.confirmed, true);
});
