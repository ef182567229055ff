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
  parseOpenRequest,
  parseReceipt,
  parseTermsResponse,
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

test('the JSON vectors carry integers as JSON numbers and amounts as strings, and parse back', () => {
  const o = spec.outputs;
  assert.deepEqual(o.terms.versions, [1]);
  for (const k of ['minExpiryBlocks', 'maxExpiryBlocks', 'tip', 'settleMarginBlocks'] as const) assert.equal(typeof o.terms[k], 'number', k);
  for (const k of ['minDeposit', 'maxDeposit', 'minFirstPayment', 'zeroConfLimit'] as const) assert.equal(typeof o.terms[k], 'string', k);
  assert.equal(parseTermsResponse(o.terms).settleMarginBlocks, 36);
  assert.deepEqual([typeof o.openRequest.version, typeof o.openRequest.expiry, typeof o.openRequest.capacity], ['number', 'number', 'string']);
  assert.equal(parseOpenRequest(o.openRequest).expiry, spec.inputs.expiry);
  // The same spelling of versions everywhere: the header's list, /terms, and `supported`.
  assert.equal(o.noAcceptableVersion.supported, o.terms.versions.join(','));
  assert.match(o.challenge, new RegExp(`version="${o.terms.versions.join(',')}"`));
  // Strings where numbers belong are refused, so a second implementation cannot guess either way.
  assert.throws(() => parseOpenRequest({ ...o.openRequest, version: '1' }), { code: 'SYNTAX_ERROR' });
  assert.throws(() => parseOpenRequest({ ...o.openRequest, expiry: String(o.openRequest.expiry) }), { code: 'SYNTAX_ERROR' });
  assert.throws(() => parseTermsResponse({ ...o.terms, versions: ['1'] }), { code: 'SYNTAX_ERROR' });
});

test('the challenges announce the settlement margin; a refused inline payment names its code and the stored credit', () => {
  assert.equal(parseChallenge(spec.outputs.challenge)!.settleMarginBlocks, 36);
  const c = parseChallenge(spec.outputs.challengeInvalidPayment)!;
  assert.deepEqual([c.error, c.code, c.credit, c.settleMarginBlocks], ['invalid_payment', 'BAD_SIGNATURE', 990n, 36]);
});
