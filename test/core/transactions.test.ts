import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction } from 'bitcoinjs-lib';
import {
  buildSettlementTx,
  buildWalletTx,
  channelScript,

  nobleSecp,
  p2wpkhOutputScript,
  p2wshOutputScript,
  ProtocolError,
  selectCoins,
  signPayment,
  type ChannelParams,
} from '../../src/core/index.ts';
import { feeForVsize, formatSatPerVb } from '../../src/core/amounts.ts';
import { verifyScripts } from '../helpers/script-check.ts';
import { key } from './fixtures.ts';

function channel(n: number, capacity: bigint): { params: ChannelParams; clientKey: Uint8Array; serverKey: Uint8Array } {
  const clientKey = key(10 + n);
  const serverKey = key(50 + n);
  return {
    clientKey,
    serverKey,
    params: {
      network: 'regtest',
      serverPubkey: nobleSecp.publicKey(serverKey),
      clientPubkey: nobleSecp.publicKey(clientKey),
      expiry: 1000 + n,
      capacity,
      changeScript: p2wpkhOutputScript(nobleSecp.publicKey(clientKey)),
      funding: { txid: String(n).repeat(64).slice(0, 64), vout: n },
    },
  };
}

const payout = p2wpkhOutputScript(nobleSecp.publicKey(key(200)));
const prevoutOf = (p: ChannelParams) => ({ script: p2wshOutputScript(channelScript(p)), value: p.capacity });

describe('batch settlement', () => {
  const a = channel(1, 50_000n);
  const b = channel(2, 80_000n);
  const c = channel(3, 30_000n);
  // b is fully paid (SIGHASH_NONE) but listed first: the builder must move it after the others.
  const parts = [
    { ...b, amount: 80_000n },
    { ...a, amount: 12_345n },
    { ...c, amount: 1_000n },
  ].map((x) => ({ params: x.params, amount: x.amount, clientSignature: signPayment(x.params, x.amount, x.clientKey), serverPrivateKey: x.serverKey }));
  const feeCoin = { txid: 'fe'.repeat(32), vout: 0, value: 5_000n, privateKey: key(201) };

  test('pairs each change-keeping input with its output and passes script validation', () => {
    const st = buildSettlementTx({ channels: parts, payoutScript: payout, feeRateKvb: 3000n, feeCoins: [feeCoin] });
    const tx = Transaction.fromHex(st.hex);
    assert.deepEqual(st.order, [a, c, b].map((x) => `${x.params.funding.txid}:${x.params.funding.vout}`));
    assert.equal(tx.outs.length, 3);
    assert.equal(tx.outs[0]!.value, 50_000n - 12_345n);
    assert.equal(tx.outs[1]!.value, 30_000n - 1_000n);
    assert.equal(tx.outs[2]!.value, 12_345n + 1_000n + 80_000n + 5_000n - st.fee);
    assert.ok(st.fee >= BigInt(st.vsize) * 3n, 'fee rate is met');
    verifyScripts(st.hex, [prevoutOf(a.params), prevoutOf(c.params), prevoutOf(b.params), { script: p2wpkhOutputScript(nobleSecp.publicKey(key(201))), value: 5_000n }]);
  });

  test('can be rebuilt with a higher fee from the same client signatures (RBF)', () => {
    const slow = buildSettlementTx({ channels: parts, payoutScript: payout, feeRateKvb: 2000n });
    const fast = buildSettlementTx({ channels: parts, payoutScript: payout, feeRateKvb: 20000n });
    assert.notEqual(slow.txid, fast.txid);
    assert.ok(fast.fee > slow.fee);
    assert.equal(Transaction.fromHex(fast.hex).ins[0]!.sequence, 0xfffffffd);
    verifyScripts(fast.hex, [prevoutOf(a.params), prevoutOf(c.params), prevoutOf(b.params)]);
  });

  test('a client signature moved to another index no longer validates', () => {
    // Swap the change outputs of a and c: each SINGLE signature now covers the wrong output.
    const st = buildSettlementTx({ channels: parts, payoutScript: payout, feeRateKvb: 2000n });
    const tx = Transaction.fromHex(st.hex);
    [tx.outs[0], tx.outs[1]] = [tx.outs[1]!, tx.outs[0]!];
    assert.throws(() => verifyScripts(tx.toHex(), [prevoutOf(a.params), prevoutOf(c.params), prevoutOf(b.params)]));
  });

  test('refuses duplicates, wrong sighash types and payouts below dust', () => {
    const bad = (fn: () => unknown, code: string) => assert.throws(fn, (e: unknown) => e instanceof ProtocolError && e.code === code);
    bad(() => buildSettlementTx({ channels: [parts[0]!, parts[0]!], payoutScript: payout, feeRateKvb: 2000n }), 'SYNTAX_ERROR');
    const wrongType = { ...parts[1]!, amount: a.params.capacity }; // signature is 0x83 but amount needs 0x82
    bad(() => buildSettlementTx({ channels: [wrongType], payoutScript: payout, feeRateKvb: 2000n }), 'BAD_SIGHASH_TYPE');
    bad(() => buildSettlementTx({ channels: [{ ...parts[2]!, amount: 400n, clientSignature: signPayment(c.params, 400n, c.clientKey) }], payoutScript: payout, feeRateKvb: 2000n }), 'SYNTAX_ERROR');
  });
});

describe('wallet transactions', () => {
  const wallet = key(90);
  const walletScript = p2wpkhOutputScript(nobleSecp.publicKey(wallet));
  test('change above dust is kept, below dust goes to the fee', () => {
    const coins = [{ txid: 'aa'.repeat(32), vout: 1, value: 100_000n, privateKey: wallet }];
    const dest = p2wpkhOutputScript(nobleSecp.publicKey(key(91)));
    const withChange = buildWalletTx({ coins, outputs: [{ script: dest, value: 50_000n }], changeScript: walletScript, feeRateKvb: 2000n });
    assert.equal(withChange.changeVout, 1);
    const tx = Transaction.fromHex(withChange.hex);
    assert.equal(tx.outs[1]!.value + 50_000n + withChange.fee, 100_000n);
    verifyScripts(withChange.hex, [{ script: walletScript, value: 100_000n }]);
    const noChange = buildWalletTx({ coins, outputs: [{ script: dest, value: 100_000n - 300n }], changeScript: walletScript, feeRateKvb: 2000n });
    assert.equal(noChange.changeVout, null);
    assert.equal(noChange.fee, 300n);
  });

  test('coin selection covers the target and the fee, or says how much is missing', () => {
    const coins = [10_000n, 50_000n, 20_000n].map((value, i) => ({ txid: 'bb'.repeat(32), vout: i, value }));
    assert.deepEqual(selectCoins(coins, 55_000n, 2_000n).map((c) => c.value), [50_000n, 20_000n]);
    assert.throws(() => selectCoins(coins, 80_000n, 2_000n), /not enough funds/);
  });

  test('a fractional rate pays ceil(vsize × rate), not the rate rounded up to whole sat/vB', () => {
    const coins = [{ txid: 'cc'.repeat(32), vout: 0, value: 100_000n, privateKey: wallet }];
    const dest = p2wpkhOutputScript(nobleSecp.publicKey(key(92)));
    const half = buildWalletTx({ coins, outputs: [{ script: dest, value: 40_000n }], changeScript: walletScript, feeRateKvb: 500n });
    assert.equal(half.fee, BigInt(Math.ceil(half.vsize * 0.5)), `0.5 sat/vB on ${half.vsize} vB`);
    assert.ok(half.fee < BigInt(half.vsize), 'below what 1 sat/vB would pay');
    const twoAndAHalf = buildWalletTx({ coins, outputs: [{ script: dest, value: 40_000n }], changeScript: walletScript, feeRateKvb: 2_500n });
    assert.equal(twoAndAHalf.fee, (BigInt(twoAndAHalf.vsize) * 2_500n + 999n) / 1_000n);
    assert.ok(twoAndAHalf.fee < BigInt(twoAndAHalf.vsize) * 3n);
  });
});

describe('fee rates in sat/kvB', () => {
  test('the fee is rounded up to the next satoshi, never down', () => {
    assert.equal(feeForVsize(141, 1_000n), 141n);
    assert.equal(feeForVsize(141, 500n), 71n); // 70.5
    assert.equal(feeForVsize(141, 250n), 36n); // 35.25
    assert.equal(feeForVsize(141, 2_001n), 283n); // 282.141
    assert.equal(feeForVsize(200, 2_500n), 500n);
  });

  test('rates are shown as sat/vB with up to three decimals', () => {
    assert.deepEqual([250n, 1_000n, 2_500n, 1n, 12_345n, 0n].map(formatSatPerVb), ['0.25', '1', '2.5', '0.001', '12.345', '0']);
  });
});

