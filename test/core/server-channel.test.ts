import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Transaction } from 'bitcoinjs-lib';
import {
  bytesToHex,
  channelScript,
  encodeTxSignature,
  hashFromTxid,
  hexToBytes,
  nobleSecp,
  p2wpkhOutputScript,
  paymentSighash,
  ProtocolError,
  server,
  signPayment,
  type ChannelParams,
  type ErrorCode,
} from '../../src/core/index.ts';
import { CLIENT_KEY, clientInFunding, fundingFor, key, openRequest, paramsOf, pendingOpen, POLICY, SERVER_KEY, TERMS, TIP } from './fixtures.ts';

function rejects(code: ErrorCode, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** A funded server channel plus the client channel that matches it. */
function funded(firstAmount = 1_000n) {
  const pending = pendingOpen();
  const f = fundingFor(pending);
  const cl = clientInFunding();
  const params = paramsOf(cl);
  const sig = signPayment(params, firstAmount, CLIENT_KEY);
  const ch = server.acceptFunding(pending, hexToBytes(f.hex), f.vout, { amount: firstAmount, signature: sig }, TERMS, POLICY);
  return { ch: server.markFundingConfirmed(ch), params, pending, funding: f };
}

describe('open', () => {
  test('accepts a request inside the terms', () => {
    server.acceptOpen(TERMS, openRequest(), TIP);
  });
  test('rejects each term violation with its code', () => {
    rejects('DEPOSIT_OUT_OF_RANGE', () => server.acceptOpen(TERMS, openRequest({ capacity: 9_999n }), TIP));
    rejects('DEPOSIT_OUT_OF_RANGE', () => server.acceptOpen(TERMS, openRequest({ capacity: 5_000_001n }), TIP));
    rejects('TIME_WINDOW_UNACCEPTABLE', () => server.acceptOpen(TERMS, openRequest({ expiry: TIP + 100 }), TIP));
    rejects('TIME_WINDOW_UNACCEPTABLE', () => server.acceptOpen(TERMS, openRequest({ expiry: TIP + 5000 }), TIP));
    rejects('WRONG_NETWORK', () => server.acceptOpen(TERMS, openRequest({ network: 'mainnet' }), TIP));
    rejects('NO_ACCEPTABLE_VERSION', () => server.acceptOpen(TERMS, openRequest({ version: 2 }), TIP));
    rejects('UNSUPPORTED_CHANGE_SCRIPT', () => server.acceptOpen(TERMS, openRequest({ changeScript: Uint8Array.of(0x6a, 0x01, 0x00) }), TIP));
  });
  test('tolerates a few blocks of tip disagreement, not more', () => {
    server.acceptOpen(TERMS, openRequest({ expiry: TIP + 144 - 6 }), TIP);
    rejects('TIME_WINDOW_UNACCEPTABLE', () => server.acceptOpen(TERMS, openRequest({ expiry: TIP + 144 - 7 }), TIP));
  });
});

describe('funding', () => {
  test('a matching funding output and first payment open the channel', () => {
    const { ch, funding } = funded();
    assert.equal(ch.state, 'open');
    assert.equal(ch.paid, 1_000n);
    assert.equal(ch.id, `${funding.txid}:0`);
  });
  test('rejects a funding output with the wrong amount, script or index', () => {
    const pending = pendingOpen();
    const cl = clientInFunding();
    const sig = signPayment(paramsOf(cl), 1_000n, CLIENT_KEY);
    const wrongAmount = fundingFor(pending, 99_999n);
    rejects('FUNDING_MISMATCH', () => server.acceptFunding(pending, hexToBytes(wrongAmount.hex), 0, { amount: 1_000n, signature: sig }, TERMS, POLICY));
    const good = fundingFor(pending);
    rejects('FUNDING_MISMATCH', () => server.acceptFunding(pending, hexToBytes(good.hex), 1, { amount: 1_000n, signature: sig }, TERMS, POLICY));
    rejects('FUNDING_MISMATCH', () => server.acceptFunding(pending, hexToBytes(good.hex), 7, { amount: 1_000n, signature: sig }, TERMS, POLICY));
    const otherServer = { ...pending, serverPubkey: nobleSecp.publicKey(key(9)) };
    rejects('FUNDING_MISMATCH', () => server.acceptFunding(otherServer, hexToBytes(good.hex), 0, { amount: 1_000n, signature: sig }, TERMS, POLICY));
    rejects('SYNTAX_ERROR', () => server.acceptFunding(pending, Uint8Array.of(1, 2, 3), 0, { amount: 1_000n, signature: sig }, TERMS, POLICY));
  });
  test('rejects a first payment below the minimum or above the zero-conf limit', () => {
    const pending = pendingOpen();
    const f = fundingFor(pending);
    const params = paramsOf(clientInFunding());
    rejects('FIRST_PAYMENT_TOO_SMALL', () =>
      server.acceptFunding(pending, hexToBytes(f.hex), 0, { amount: 999n, signature: signPayment(params, 999n, CLIENT_KEY) }, TERMS, POLICY),
    );
    rejects('UNCONFIRMED_LIMIT', () =>
      server.acceptFunding(pending, hexToBytes(f.hex), 0, { amount: 50_001n, signature: signPayment(params, 50_001n, CLIENT_KEY) }, TERMS, POLICY),
    );
  });
});

describe('payments', () => {
  test('a higher amount with a valid signature is accepted; an exact replay changes nothing', () => {
    const { ch, params } = funded();
    const sig = signPayment(params, 2_000n, CLIENT_KEY);
    const next = server.acceptPayment(ch, { amount: 2_000n, signature: sig }, TIP, POLICY);
    assert.equal(next.paid, 2_000n);
    assert.equal(server.acceptPayment(next, { amount: 2_000n, signature: sig }, TIP, POLICY), next);
  });

  test('wrong sighash type', () => {
    const { ch, params } = funded();
    const digest = paymentSighash(params, 2_000n);
    for (const hashType of [0x01, 0x03, 0x82, 0x81]) {
      const sig = encodeTxSignature(nobleSecp.sign(digest, CLIENT_KEY), hashType);
      rejects('BAD_SIGHASH_TYPE', () => server.acceptPayment(ch, { amount: 2_000n, signature: sig }, TIP, POLICY));
    }
    // Full capacity must be SIGHASH_NONE|ANYONECANPAY, not SINGLE.
    const fullDigest = paymentSighash(params, params.capacity);
    const single = encodeTxSignature(nobleSecp.sign(fullDigest, CLIENT_KEY), 0x83);
    rejects('BAD_SIGHASH_TYPE', () => server.acceptPayment(ch, { amount: params.capacity, signature: single }, TIP, POLICY));
  });

  test('signature by the wrong key', () => {
    const { ch, params } = funded();
    rejects('BAD_SIGNATURE', () => server.acceptPayment(ch, { amount: 2_000n, signature: signPayment(params, 2_000n, SERVER_KEY) }, TIP, POLICY));
  });

  test('signature over the wrong outputs or amount', () => {
    const { ch, params } = funded();
    const otherChange = { ...params, changeScript: p2wpkhOutputScript(nobleSecp.publicKey(key(8))) };
    rejects('BAD_SIGNATURE', () => server.acceptPayment(ch, { amount: 2_000n, signature: signPayment(otherChange, 2_000n, CLIENT_KEY) }, TIP, POLICY));
    rejects('BAD_SIGNATURE', () => server.acceptPayment(ch, { amount: 3_000n, signature: signPayment(params, 2_000n, CLIENT_KEY) }, TIP, POLICY));
    const otherOutpoint = { ...params, funding: { txid: '00'.repeat(32), vout: 0 } };
    rejects('BAD_SIGNATURE', () => server.acceptPayment(ch, { amount: 2_000n, signature: signPayment(otherOutpoint, 2_000n, CLIENT_KEY) }, TIP, POLICY));
  });

  test('an amount lower than the last one, or equal with a different signature', () => {
    const { ch, params } = funded(5_000n);
    rejects('AMOUNT_DECREASED', () => server.acceptPayment(ch, { amount: 4_000n, signature: signPayment(params, 4_000n, CLIENT_KEY) }, TIP, POLICY));
    // RFC 6979 makes the client's own re-signing identical, so a different signature for the same
    // amount can only come from someone else: flip one bit of the stored one.
    const tweaked = ch.signature.slice();
    tweaked[tweaked.length - 2]! ^= 1;
    rejects('CONFLICTING_SIGNATURE', () => server.acceptPayment(ch, { amount: 5_000n, signature: tweaked }, TIP, POLICY));
  });

  test('an amount above capacity', () => {
    const { ch, params } = funded();
    const over = { ...params, capacity: params.capacity + 10_000n };
    rejects('AMOUNT_EXCEEDS_CAPACITY', () =>
      server.acceptPayment(ch, { amount: params.capacity + 1n, signature: signPayment(over, params.capacity + 1n, CLIENT_KEY) }, TIP, {
        ...POLICY,
        zeroConfLimit: 10_000_000n,
      }),
    );
  });

  test('change below dust not zeroed', () => {
    const { ch, params } = funded();
    const amount = params.capacity - 100n; // 100 sat change < 294 sat P2WPKH dust
    const digest = paymentSighashUnchecked(params, amount);
    const sig = encodeTxSignature(nobleSecp.sign(digest, CLIENT_KEY), 0x83);
    rejects('CHANGE_BELOW_DUST', () => server.acceptPayment(ch, { amount, signature: sig }, TIP, { ...POLICY, zeroConfLimit: 10_000_000n }));
  });

  test('malformed DER, trailing garbage, high S', () => {
    const { ch, params } = funded();
    const sig = signPayment(params, 2_000n, CLIENT_KEY);
    rejects('SYNTAX_ERROR', () => server.acceptPayment(ch, { amount: 2_000n, signature: sig.slice(1) }, TIP, POLICY));
    rejects('SYNTAX_ERROR', () => server.acceptPayment(ch, { amount: 2_000n, signature: Uint8Array.of(...sig.slice(0, -1), 0, 0x83) }, TIP, POLICY));
    // High-S twin of a valid signature: s' = n - s.
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const compact = nobleSecp.sign(paymentSighash(params, 2_000n), CLIENT_KEY);
    const s = BigInt('0x' + bytesToHex(compact.slice(32)));
    const highS = Uint8Array.of(...compact.slice(0, 32), ...hexToBytes((n - s).toString(16).padStart(64, '0')));
    rejects('SYNTAX_ERROR', () => server.acceptPayment(ch, { amount: 2_000n, signature: encodeTxSignature(highS, 0x83) }, TIP, POLICY));
  });

  test('closed and expiring channels take no payments or debits', () => {
    const { ch, params } = funded();
    const sig = signPayment(params, 2_000n, CLIENT_KEY);
    const closing = server.markSettling(ch, 'ee'.repeat(32));
    rejects('CHANNEL_CLOSED', () => server.acceptPayment(closing, { amount: 2_000n, signature: sig }, TIP, POLICY));
    rejects('CHANNEL_CLOSED', () => server.debit(closing, 10n, TIP, POLICY));
    const nearExpiry = params.expiry - POLICY.settleMarginBlocks;
    rejects('CHANNEL_EXPIRING', () => server.acceptPayment(ch, { amount: 2_000n, signature: sig }, nearExpiry, POLICY));
    server.acceptPayment(ch, { amount: 2_000n, signature: sig }, nearExpiry - 1, POLICY);
  });

  test('payments above the zero-conf limit wait for the funding to confirm', () => {
    const { ch, params } = funded();
    const unconfirmed = { ...ch, fundingConfirmed: false };
    const sig = signPayment(params, 60_000n, CLIENT_KEY);
    rejects('UNCONFIRMED_LIMIT', () => server.acceptPayment(unconfirmed, { amount: 60_000n, signature: sig }, TIP, POLICY));
    assert.equal(server.acceptPayment(ch, { amount: 60_000n, signature: sig }, TIP, POLICY).paid, 60_000n);
  });
});

describe('debits', () => {
  test('debit takes the price out of credit and refuses beyond it', () => {
    const { ch } = funded(1_000n);
    let c = ch;
    for (let i = 0; i < 100; i++) c = server.debit(c, 10n, TIP, POLICY);
    assert.equal(server.credit(c), 0n);
    rejects('INSUFFICIENT_CREDIT', () => server.debit(c, 1n, TIP, POLICY));
  });
});

/** The sighash of a dust-change payment, which the core refuses to compute (on purpose). */
function paymentSighashUnchecked(params: ChannelParams, amount: bigint): Uint8Array {
  const tx = new Transaction();
  tx.version = 2;
  tx.addInput(hashFromTxid(params.funding.txid), params.funding.vout, 0xfffffffd);
  tx.addOutput(params.changeScript, params.capacity - amount);
  return tx.hashForWitnessV0(0, channelScript(params), params.capacity, 0x83);
}

describe('a close payment (docs/protocol.md §5)', () => {
  /** A channel with 5,000 sat paid and `spent` delivered. */
  function used(spent: bigint) {
    const f = funded(1_000n);
    const paid = server.acceptPayment(f.ch, { amount: 5_000n, signature: signPayment(f.params, 5_000n, CLIENT_KEY) }, TIP, POLICY);
    return { ...f, ch: server.debit(paid, spent, TIP, POLICY) };
  }
  const pay = (params: ChannelParams, amount: bigint, k = CLIENT_KEY) => ({ amount, signature: signPayment(params, amount, k) });

  test('may settle below the newest payment, down to what was delivered, and only at close', () => {
    const { ch, params } = used(1_200n);
    rejects('AMOUNT_DECREASED', () => server.acceptPayment(ch, pay(params, 1_200n), TIP, POLICY));
    const closed = server.acceptClosePayment(ch, pay(params, 1_200n), TERMS.minFirstPayment, POLICY);
    assert.deepEqual([closed.paid, closed.spent, server.credit(closed)], [1_200n, 1_200n, 0n]);
    assert.equal(bytesToHex(closed.signature), bytesToHex(pay(params, 1_200n).signature));
  });

  test('never below what was delivered, nor below min_first_payment, and the refusal names the floor', () => {
    const { ch, params } = used(1_200n);
    assert.throws(() => server.acceptClosePayment(ch, pay(params, 1_190n), TERMS.minFirstPayment, POLICY), { code: 'AMOUNT_DECREASED', extra: { paid: '5000', minimum: '1200' } });
    const light = used(10n);
    assert.equal(server.closeFloor(light.ch, TERMS.minFirstPayment), TERMS.minFirstPayment);
    rejects('AMOUNT_DECREASED', () => server.acceptClosePayment(light.ch, pay(light.params, 10n), TERMS.minFirstPayment, POLICY));
    assert.equal(server.acceptClosePayment(light.ch, pay(light.params, TERMS.minFirstPayment), TERMS.minFirstPayment, POLICY).paid, TERMS.minFirstPayment);
  });

  test('is verified like any payment: signature, sighash, capacity, conflicts, replays', () => {
    const { ch, params } = used(1_200n);
    rejects('BAD_SIGNATURE', () => server.acceptClosePayment(ch, pay(params, 2_000n, key(9)), TERMS.minFirstPayment, POLICY));
    rejects('BAD_SIGNATURE', () => server.acceptClosePayment(ch, { amount: 2_000n, signature: pay(params, 2_001n).signature }, TERMS.minFirstPayment, POLICY));
    rejects('CONFLICTING_SIGNATURE', () => server.acceptClosePayment(ch, pay(params, 5_000n, key(9)), TERMS.minFirstPayment, POLICY));
    rejects('AMOUNT_EXCEEDS_CAPACITY', () => server.acceptClosePayment(ch, { amount: params.capacity + 1n, signature: pay(params, 2_000n).signature }, TERMS.minFirstPayment, POLICY));
    assert.equal(server.acceptClosePayment(ch, pay(params, 5_000n), TERMS.minFirstPayment, POLICY), ch, 'the newest payment again changes nothing');
    assert.equal(server.acceptClosePayment(ch, pay(params, 5_100n), TERMS.minFirstPayment, POLICY).paid, 5_100n, 'a final payment above the newest is taken');
    rejects('CHANNEL_CLOSED', () => server.acceptClosePayment(server.markSettling(ch, '00'.repeat(32)), pay(params, 2_000n), TERMS.minFirstPayment, POLICY));
  });

  test('is accepted inside the settlement margin, where payments are not: the server settles now', () => {
    const { ch, params } = used(1_200n);
    const late = ch.params.expiry - POLICY.settleMarginBlocks;
    rejects('CHANNEL_EXPIRING', () => server.acceptPayment(ch, pay(params, 6_000n), late, POLICY));
    assert.equal(server.acceptClosePayment(ch, pay(params, 1_200n), TERMS.minFirstPayment, POLICY).paid, 1_200n);
  });
});
