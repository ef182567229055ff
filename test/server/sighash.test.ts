/**
 * The payment digest is written out by hand in src/core/payment.ts for speed (the server computes
 * one per payment). Here it is checked byte for byte against bitcoinjs-lib's BIP143 over the
 * same settlement template, across random channels and amounts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Transaction } from 'bitcoinjs-lib';
import { hashFromTxid } from '../../src/core/bytes.ts';
import type { ChannelParams } from '../../src/core/channel.ts';
import { dustThreshold } from '../../src/core/amounts.ts';
import { CHANNEL_INPUT_SEQUENCE, paymentHashType, paymentSighash, SETTLEMENT_LOCKTIME, SETTLEMENT_VERSION } from '../../src/core/payment.ts';
import { channelScript } from '../../src/core/script.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';

function reference(params: ChannelParams, amount: bigint): Uint8Array {
  const tx = new Transaction();
  tx.version = SETTLEMENT_VERSION;
  tx.locktime = SETTLEMENT_LOCKTIME;
  tx.addInput(hashFromTxid(params.funding.txid), params.funding.vout, CHANNEL_INPUT_SEQUENCE);
  if (amount < params.capacity) tx.addOutput(params.changeScript, params.capacity - amount);
  return tx.hashForWitnessV0(0, channelScript(params), params.capacity, paymentHashType(params, amount));
}

const CHANGE_SCRIPTS = [
  (h: Buffer) => Buffer.concat([Buffer.from([0x00, 0x14]), h.subarray(0, 20)]),
  (h: Buffer) => Buffer.concat([Buffer.from([0x00, 0x20]), h]),
  (h: Buffer) => Buffer.concat([Buffer.from([0x76, 0xa9, 0x14]), h.subarray(0, 20), Buffer.from([0x88, 0xac])]),
  (h: Buffer) => Buffer.concat([Buffer.from([0xa9, 0x14]), h.subarray(0, 20), Buffer.from([0x87])]),
  (h: Buffer) => Buffer.concat([Buffer.from([0x51, 0x20]), h]),
];

test('the hand-written payment digest equals bitcoinjs-lib BIP143', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 499_999_999 }),
      fc.bigInt({ min: 1_000n, max: 2_100_000_000_000_000n }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: CHANGE_SCRIPTS.length - 1 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (expiry, capacity, vout, kind, fraction) => {
        const params: ChannelParams = {
          network: 'regtest',
          serverPubkey: tinySecp.publicKey(Uint8Array.from(randomBytes(32))),
          clientPubkey: tinySecp.publicKey(Uint8Array.from(randomBytes(32))),
          expiry,
          capacity,
          changeScript: CHANGE_SCRIPTS[kind]!(randomBytes(32)),
          funding: { txid: randomBytes(32).toString('hex'), vout },
        };
        let amount = (capacity * BigInt(Math.floor(fraction * 1e6))) / 1_000_000n;
        if (capacity - amount > 0n && capacity - amount < dustThreshold(params.changeScript)) amount = capacity;
        assert.deepEqual(paymentSighash(params, amount), Uint8Array.from(reference(params, amount)));
        // Twice: the second call hits the per-channel cache, and the last digest's; a caller
        // writing over the digest it got does not change the next one.
        paymentSighash(params, amount).fill(0);
        assert.deepEqual(paymentSighash(params, amount), Uint8Array.from(reference(params, amount)));
        assert.deepEqual(paymentSighash(params, capacity), Uint8Array.from(reference(params, capacity)));
      },
    ),
    { numRuns: 300 },
  );
});

test('an explicit script is used instead of the cached one', () => {
  const params: ChannelParams = {
    network: 'regtest',
    serverPubkey: tinySecp.publicKey(Uint8Array.from(randomBytes(32))),
    clientPubkey: tinySecp.publicKey(Uint8Array.from(randomBytes(32))),
    expiry: 1000,
    capacity: 100_000n,
    changeScript: CHANGE_SCRIPTS[0]!(randomBytes(32)),
    funding: { txid: randomBytes(32).toString('hex'), vout: 1 },
  };
  const normal = paymentSighash(params, 5_000n);
  assert.notDeepEqual(paymentSighash(params, 5_000n, Uint8Array.of(0x51)), normal);
  assert.deepEqual(paymentSighash(params, 5_000n), normal);
});
