/**
 * Drives the client and server state machines with random sequences of valid and invalid
 * messages and checks the protocol's promises after every step: the server's books never go
 * backwards or past what the client signed, the client never signs above its approval, a
 * rejected message changes nothing, and the final settlement pays out exactly what was paid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildSettlementTx,
  client,
  encodeTxSignature,
  hexToBytes,
  nobleSecp,
  p2wpkhOutputScript,
  p2wshOutputScript,
  channelScript,
  paymentSighash,
  ProtocolError,
  server,
  signPayment,
  type Payment,
} from '../../src/core/index.ts';
import { CLIENT_KEY, clientInFunding, fundingFor, key, paramsOf, pendingOpen, POLICY, SERVER_KEY, TERMS, TIP } from './fixtures.ts';
import { verifyScripts } from '../helpers/script-check.ts';
import { Transaction } from 'bitcoinjs-lib';

type Command =
  | { kind: 'pay'; delta: bigint; delivered: boolean }
  | { kind: 'replay'; back: number }
  | { kind: 'forge'; how: 'bitflip' | 'wrongKey' | 'wrongSighash' | 'overCapacity'; delta: bigint }
  | { kind: 'debit'; price: bigint }
  | { kind: 'raiseApproval'; by: bigint }
  | { kind: 'lyingReceipt'; extra: bigint };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('pay' as const), delta: fc.bigInt(1n, 30_000n), delivered: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), back: fc.nat(5) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('forge' as const),
      how: fc.constantFrom('bitflip' as const, 'wrongKey' as const, 'wrongSighash' as const, 'overCapacity' as const),
      delta: fc.bigInt(1n, 5_000n),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('debit' as const), price: fc.bigInt(1n, 3_000n) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raiseApproval' as const), by: fc.bigInt(0n, 40_000n) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lyingReceipt' as const), extra: fc.bigInt(1n, 1_000_000n) }) },
);

const policy = { ...POLICY, zeroConfLimit: 10_000_000n };

test('random message sequences keep both sides honest and the books exact', () => {
  fc.assert(
    fc.property(fc.bigInt(1_000n, 100_000n), fc.array(command, { maxLength: 14 }), (approval, commands) => {
      const pending = pendingOpen();
      const f = fundingFor(pending);
      let cl = clientInFunding(approval);
      const params = paramsOf(cl);
      const first = client.signNext(cl, 1_000n, CLIENT_KEY);
      cl = client.fundingAccepted(first.channel, 1_000n);
      let sv = server.markFundingConfirmed(
        server.acceptFunding(pending, hexToBytes(f.hex), f.vout, first.payment, TERMS, policy),
      );
      const history: Payment[] = [first.payment];

      const expectRejected = (fn: () => unknown) => {
        const before = structuredClone(sv);
        assert.throws(fn, ProtocolError);
        assert.deepEqual(sv, before, 'a rejected message changes nothing');
      };

      for (const cmd of commands) {
        const paidBefore = sv.paid;
        switch (cmd.kind) {
          case 'pay': {
            const wanted = cl.signed + cmd.delta;
            let signed: ReturnType<typeof client.signNext>;
            try {
              signed = client.signNext(cl, wanted, CLIENT_KEY);
            } catch (err) {
              assert.ok(err instanceof client.ClientRefusal);
              assert.ok(['EXCEEDS_APPROVAL', 'EXCEEDS_CAPACITY'].includes(err.reason), err.message);
              break;
            }
            assert.ok(signed.payment.amount <= cl.approved, 'never signs above the approval');
            cl = signed.channel;
            history.push(signed.payment);
            if (cmd.delivered) {
              sv = server.acceptPayment(sv, signed.payment, TIP, policy);
              cl = client.acknowledge(cl, sv.paid, sv.spent);
            }
            break;
          }
          case 'replay': {
            const old = history[Math.max(0, history.length - 1 - cmd.back)]!;
            if (old.amount < sv.paid) {
              expectRejected(() => server.acceptPayment(sv, old, TIP, policy));
            } else {
              // The newest undelivered payment, or an exact replay: both are fine to accept.
              sv = server.acceptPayment(sv, old, TIP, policy);
            }
            break;
          }
          case 'forge': {
            const amount = sv.paid + cmd.delta;
            if (cmd.how === 'overCapacity') {
              const bigger = { ...params, capacity: params.capacity * 2n };
              const over = params.capacity + cmd.delta;
              expectRejected(() => server.acceptPayment(sv, { amount: over, signature: signPayment(bigger, over, CLIENT_KEY) }, TIP, policy));
              break;
            }
            if (amount > params.capacity - 300n) break;
            let signature: Uint8Array;
            if (cmd.how === 'wrongKey') signature = signPayment(params, amount, key(99));
            else if (cmd.how === 'wrongSighash') signature = encodeTxSignature(nobleSecp.sign(paymentSighash(params, amount), CLIENT_KEY), 0x81);
            else {
              signature = signPayment(params, amount, CLIENT_KEY).slice();
              signature[10]! ^= 0x01;
            }
            expectRejected(() => server.acceptPayment(sv, { amount, signature }, TIP, policy));
            break;
          }
          case 'debit': {
            if (server.credit(sv) < cmd.price) {
              expectRejected(() => server.debit(sv, cmd.price, TIP, policy));
            } else {
              sv = server.debit(sv, cmd.price, TIP, policy);
              cl = client.acknowledge(cl, sv.paid, sv.spent);
            }
            break;
          }
          case 'raiseApproval':
            cl = client.raiseApproval(cl, cl.approved + cmd.by);
            break;
          case 'lyingReceipt': {
            const before = cl;
            cl = client.acknowledge(cl, cl.signed + cmd.extra, 0n);
            assert.equal(cl, before, 'a report of more than we signed is ignored');
            break;
          }
        }
        assert.ok(sv.paid >= paidBefore, 'amounts never go down');
        assert.ok(sv.spent <= sv.paid, 'never spends more than paid');
        assert.ok(sv.paid <= cl.signed, 'the server never holds more than the client signed');
        assert.ok(cl.signed <= cl.approved, 'the client never signs above its approval');
        assert.ok(cl.signed <= params.capacity);
      }

      // Settle what the server holds: the client's change is exactly what it did not pay.
      const st = buildSettlementTx({
        channels: [{ params, amount: sv.paid, clientSignature: sv.signature, serverPrivateKey: SERVER_KEY }],
        payoutScript: p2wpkhOutputScript(nobleSecp.publicKey(SERVER_KEY)),
        feeRateKvb: 1000n,
      });
      const tx = Transaction.fromHex(st.hex);
      const change = sv.paid < params.capacity ? tx.outs[0]!.value : 0n;
      assert.equal(change, params.capacity - sv.paid);
      assert.equal(st.payout + st.fee, sv.paid);
      verifyScripts(st.hex, [{ script: p2wshOutputScript(channelScript(params)), value: params.capacity }]);
    }),
    { numRuns: 100 },
  );
});
