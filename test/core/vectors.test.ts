import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2';
import * as tinysecp from 'tiny-secp256k1';
import {
  concatBytes,
  decodeTxSignature,
  hashFromTxid,
  hexToBytes,
  parseChallenge,
  parseCredential,
  parseReceipt,
} from '../../src/core/index.ts';
import { computeVectors, VECTOR_INPUTS, type VectorInputs } from './vectors.ts';
import { verifyScripts } from '../helpers/script-check.ts';

function vectorsFromSpec(): { inputs: VectorInputs; outputs: ReturnType<typeof computeVectors> } {
  const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
  const m = /<!-- vectors:begin -->\s*```json\n([\s\S]*?)```\s*<!-- vectors:end -->/.exec(doc);
  assert.ok(m, 'docs/protocol.md has a vectors block');
  return JSON.parse(m[1]!);
}

const spec = vectorsFromSpec();

test('the spec vectors are exactly what the code computes', () => {
  assert.deepEqual(spec.inputs, VECTOR_INPUTS);
  assert.deepEqual(computeVectors(spec.inputs), spec.outputs);
});

const dsha = (b: Uint8Array) => sha256(sha256(b));
const u32 = (n: number) => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
const u64 = (n: bigint) => {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
};
const varBytes = (b: Uint8Array) => concatBytes(Uint8Array.of(b.length), b);

test('payment sighashes match an independent BIP143 computation', () => {
  // Written from BIP143's text, not from bitcoinjs-lib: ANYONECANPAY zeroes hashPrevouts and
  // hashSequence; SINGLE hashes only the output at the input's index; NONE hashes nothing.
  const o = spec.outputs;
  const script = hexToBytes(o.witnessScript);
  const capacity = BigInt(spec.inputs.capacity);
  for (const p of o.payments) {
    const amount = BigInt(p.amount);
    const hashOutputs =
      p.sighashType === 0x83
        ? dsha(concatBytes(u64(capacity - amount), varBytes(hexToBytes(o.changeScript))))
        : new Uint8Array(32);
    const preimage = concatBytes(
      u32(2),
      new Uint8Array(32),
      new Uint8Array(32),
      hashFromTxid(spec.inputs.fundingTxid),
      u32(spec.inputs.fundingVout),
      varBytes(script),
      u64(capacity),
      u32(0xfffffffd),
      hashOutputs,
      u32(0),
      u32(p.sighashType),
    );
    assert.equal(Buffer.from(dsha(preimage)).toString('hex'), p.sighash, `sighash of payment ${p.amount}`);
  }
});

test('payment signatures verify under libsecp256k1 (tiny-secp256k1), a second implementation', () => {
  for (const p of spec.outputs.payments) {
    const { compact, hashType } = decodeTxSignature(hexToBytes(p.signature));
    assert.equal(hashType, p.sighashType);
    assert.equal(tinysecp.verify(hexToBytes(p.sighash), hexToBytes(spec.outputs.clientPubkey), compact, true), true);
  }
});

test('the settlement and refund vectors pass Bitcoin script validation (bcoin interpreter)', () => {
  const prevout = { script: hexToBytes(spec.outputs.outputScript), value: BigInt(spec.inputs.capacity) };
  verifyScripts(spec.outputs.settlement.hex, [prevout]);
  verifyScripts(spec.outputs.refund.hex, [prevout]);
});

test('the challenge, credential and receipt vectors parse back to their inputs', () => {
  const c = parseChallenge(spec.outputs.challenge);
  assert.ok(c);
  assert.equal(c.price, 10n);
  assert.equal(c.endpoint, spec.inputs.endpoint);
  assert.deepEqual(c.versions, [1]);
  assert.equal(c.terms.minFirstPayment, 1000n);
  const cred = parseCredential(spec.outputs.credentialWithPayment);
  assert.ok(cred?.payment);
  assert.equal(cred.channel.txid, spec.inputs.fundingTxid);
  assert.equal(Buffer.from(cred.token).toString('hex'), spec.inputs.accessToken);
  assert.equal(Buffer.from(cred.payment.signature).toString('hex'), spec.outputs.payments[0]!.signature);
  const r = parseReceipt(spec.outputs.receipt);
  assert.deepEqual(r && [r.charged, r.paid, r.spent], [10n, 1000n, 10n]);
});
