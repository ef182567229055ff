import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  channelScript,
  checkTermsAcceptable,
  chooseChannelShape,
  client,
  nobleSecp,
  p2wshAddress,
  ProtocolError,
  verifyPayment,
  type ClientPolicy,
} from '../../src/core/index.ts';
import { CLIENT_KEY, clientInFunding, key, openRequest, paramsOf, pendingOpen, TERMS } from './fixtures.ts';

const refusal = (reason: client.ClientRefusal['reason']) => (err: unknown) =>
  err instanceof client.ClientRefusal && err.reason === reason;

describe('client channel', () => {
  test('refuses an open response that is not the channel it asked for', () => {
    const req = openRequest();
    const pending = pendingOpen(req);
    const proposed = client.propose('http://x/paychan/v1', req, 0, 10_000n);
    const script = channelScript({ serverPubkey: pending.serverPubkey, clientPubkey: req.clientPubkey, expiry: req.expiry });
    const good = { openId: pending.openId, serverPubkey: pending.serverPubkey, script, address: p2wshAddress(script, 'regtest'), capacity: req.capacity, expiry: req.expiry };
    assert.equal(client.acceptOpenResponse(proposed, good).state, 'accepted');
    assert.throws(() => client.acceptOpenResponse(proposed, { ...good, capacity: req.capacity + 1n }), refusal('TERMS_MISMATCH'));
    assert.throws(() => client.acceptOpenResponse(proposed, { ...good, expiry: req.expiry + 1 }), refusal('TERMS_MISMATCH'));
    const otherScript = channelScript({ serverPubkey: pending.serverPubkey, clientPubkey: nobleSecp.publicKey(key(5)), expiry: req.expiry });
    assert.throws(() => client.acceptOpenResponse(proposed, { ...good, script: otherScript }), refusal('TERMS_MISMATCH'));
    assert.throws(() => client.acceptOpenResponse(proposed, { ...good, address: p2wshAddress(otherScript, 'regtest') }), refusal('TERMS_MISMATCH'));
    assert.throws(() => client.acceptOpenResponse(proposed, { ...good, serverPubkey: req.clientPubkey }), refusal('TERMS_MISMATCH'));
  });

  test('never signs above the approval, and rounds dust change up before checking it', () => {
    let ch = clientInFunding(99_800n);
    const first = client.signNext(ch, 1_000n, CLIENT_KEY);
    verifyPayment(paramsOf(ch), first.payment.amount, first.payment.signature);
    ch = first.channel;
    // 99_800 leaves 200 sat change, below P2WPKH dust: it would really cost the full 100_000.
    assert.throws(() => client.signNext(ch, 99_800n, CLIENT_KEY), refusal('EXCEEDS_APPROVAL'));
    assert.throws(() => client.signNext(ch, 99_801n, CLIENT_KEY), refusal('EXCEEDS_APPROVAL'));
    assert.equal(client.signNext(ch, 99_700n, CLIENT_KEY).payment.amount, 99_700n);
    ch = client.raiseApproval(ch, 100_000n);
    assert.equal(client.signNext(ch, 99_800n, CLIENT_KEY).payment.amount, 100_000n);
    assert.throws(() => client.signNext(ch, 100_001n, CLIENT_KEY), refusal('EXCEEDS_CAPACITY'));
    assert.throws(() => client.raiseApproval(ch, 1n), refusal('EXCEEDS_APPROVAL'));
  });

  test('amounts only grow and the key must be the channel key', () => {
    const { channel } = client.signNext(clientInFunding(), 5_000n, CLIENT_KEY);
    assert.throws(() => client.signNext(channel, 5_000n, CLIENT_KEY), refusal('AMOUNT_NOT_INCREASING'));
    assert.throws(() => client.signNext(channel, 4_000n, CLIENT_KEY), refusal('AMOUNT_NOT_INCREASING'));
    assert.throws(() => client.signNext(channel, 6_000n, key(77)), refusal('TERMS_MISMATCH'));
  });

  test('cannot pay before funding or after closing', () => {
    const req = openRequest();
    const proposed = client.propose('http://x/paychan/v1', req, 0, 10_000n);
    assert.throws(() => client.signNext(proposed, 1_000n, CLIENT_KEY), refusal('BAD_STATE'));
    const closing = client.beginClose(client.fundingAccepted(clientInFunding(), 0n));
    assert.throws(() => client.signNext(closing, 1_000n, CLIENT_KEY), refusal('BAD_STATE'));
  });

  test('top-ups keep the target credit within approval and capacity', () => {
    let ch = client.fundingAccepted(client.signNext(clientInFunding(5_000n), 1_000n, CLIENT_KEY).channel, 1_000n);
    assert.equal(client.nextTopUp(ch, 10n, 500n), null, 'credit of 1000 covers 10 + 500');
    ch = client.acknowledge(ch, 1_000n, 900n);
    assert.equal(client.nextTopUp(ch, 10n, 500n), 1_410n);
    ch = client.acknowledge(ch, 1_000n, 1_000n);
    assert.equal(client.nextTopUp(ch, 10n, 10_000n), 5_000n, 'capped at the approval');
    ch = client.acknowledge(client.signNext(ch, 5_000n, CLIENT_KEY).channel, 5_000n, 4_995n);
    assert.equal(client.nextTopUp(ch, 10n, 10n), null, 'approval exhausted: nothing more to sign');
  });

  test('refund only from expiry on', () => {
    const ch = clientInFunding();
    assert.throws(() => client.beginRefund(ch, 'aa'.repeat(32), ch.request.expiry - 1), refusal('BAD_STATE'));
    assert.equal(client.beginRefund(ch, 'aa'.repeat(32), ch.request.expiry).state, 'refunding');
  });
});

describe('terms acceptance', () => {
  const policy: ClientPolicy = {
    network: 'regtest',
    maxDeposit: 200_000n,
    preferredDeposit: 50_000n,
    maxExpiryBlocks: 2016,
    preferredExpiryBlocks: 1008,
    maxPrice: 100n,
  };
  const bad = (fn: () => void, code: string) => assert.throws(fn, (e: unknown) => e instanceof ProtocolError && e.code === code);

  test('accepts sane terms and clamps the preferred shape into both ranges', () => {
    checkTermsAcceptable(TERMS, 10n, policy);
    assert.deepEqual(chooseChannelShape(TERMS, policy, 100), { capacity: 50_000n, expiry: 1108 });
    assert.deepEqual(chooseChannelShape({ ...TERMS, minDeposit: 80_000n }, policy, 100), { capacity: 80_000n, expiry: 1108 });
    assert.deepEqual(chooseChannelShape({ ...TERMS, maxExpiryBlocks: 500 }, policy, 100), { capacity: 50_000n, expiry: 600 });
  });

  test('refuses terms outside the reader\'s policy or inconsistent ones', () => {
    bad(() => checkTermsAcceptable(TERMS, 101n, policy), 'SYNTAX_ERROR');
    bad(() => checkTermsAcceptable(TERMS, 0n, policy), 'SYNTAX_ERROR');
    bad(() => checkTermsAcceptable({ ...TERMS, minDeposit: 300_000n }, 10n, policy), 'DEPOSIT_OUT_OF_RANGE');
    bad(() => checkTermsAcceptable({ ...TERMS, minExpiryBlocks: 3000, maxExpiryBlocks: 4000 }, 10n, policy), 'TIME_WINDOW_UNACCEPTABLE');
    bad(() => checkTermsAcceptable({ ...TERMS, network: 'mainnet' }, 10n, policy), 'WRONG_NETWORK');
    bad(() => checkTermsAcceptable({ ...TERMS, minDeposit: 10n, maxDeposit: 5n }, 10n, policy), 'DEPOSIT_OUT_OF_RANGE');
    bad(() => checkTermsAcceptable({ ...TERMS, minFirstPayment: 20_000n }, 10n, policy), 'FIRST_PAYMENT_TOO_SMALL');
  });
});

describe('the close payment (signClose)', () => {
  /** 5,000 signed, the server acknowledged it and reports `spent` delivered. */
  function paid(spent: bigint) {
    let ch = client.signNext(clientInFunding(60_000n), 5_000n, CLIENT_KEY).channel;
    ch = client.fundingAccepted(ch, 5_000n);
    return client.acknowledge(ch, 5_000n, spent);
  }

  test('signs exactly what was delivered, below what was signed, and closes the channel to payments', () => {
    const { channel, payment } = client.signClose(paid(1_210n), 0n, CLIENT_KEY);
    assert.equal(payment.amount, 1_210n);
    verifyPayment(paramsOf(channel), payment.amount, payment.signature);
    assert.deepEqual([channel.state, channel.signed, channel.closePayment?.amount], ['closing', 5_000n, 1_210n]);
    assert.throws(() => client.signNext(channel, 6_000n, CLIENT_KEY), refusal('BAD_STATE'));
  });

  test("meets a server's floor, but never signs above what was already signed", () => {
    assert.equal(client.signClose(paid(10n), 1_000n, CLIENT_KEY).payment.amount, 1_000n);
    assert.equal(client.signClose(paid(10n), 9_000n, CLIENT_KEY).payment.amount, 5_000n);
  });

  test('rounds a dust change up, within what was signed', () => {
    let ch = client.signNext(clientInFunding(100_000n), 100_000n, CLIENT_KEY).channel;
    ch = client.acknowledge(client.fundingAccepted(ch, 100_000n), 100_000n, 99_800n);
    assert.equal(client.signClose(ch, 0n, CLIENT_KEY).payment.amount, 100_000n);
  });

  test('refuses a closed channel and a foreign key', () => {
    assert.throws(() => client.signClose(client.markClosed(paid(10n), 'aa'.repeat(32)), 0n, CLIENT_KEY), refusal('BAD_STATE'));
    assert.throws(() => client.signClose(paid(10n), 0n, key(9)), refusal('TERMS_MISMATCH'));
  });
});
