/**
 * Issue #12 hardening: `POST …/payments` needs no credential, so what a bogus payment costs the
 * server must be small. Checks run cheapest first; a payment whose signature does not verify is
 * refused before the server asks the chain anything (counted at a loopback relay in front of a
 * real devnet's Esplora) and writes nothing. A valid payment is verified once.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { client as cc } from '../../src/core/index.ts';
import { encodePayment } from '../../src/core/messages.ts';
import { signPayment, type Payment } from '../../src/core/payment.ts';
import type { Secp } from '../../src/core/secp.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import type { SqliteChannelStore } from '../../src/server/store/sqlite-store.ts';
import { tinySecp } from '../../src/server/tiny-secp.ts';
import type { ChannelClient } from './helpers/channel-client.ts';
import { startCountingEsplora, type CountingEsplora } from './helpers/counting-esplora.ts';
import { post, refusedWithoutTrace, send } from './helpers/problems.ts';
import { fundedReader } from './helpers/proxy.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';

describe('unauthenticated work: payments are checked cheapest first', () => {
  let devnet: Devnet;
  let esplora: CountingEsplora;
  let srv: TestServer;
  let reader: ChannelClient;
  let verifies = 0;
  /** Verifications run while the store held its write transaction. */
  let verifiesInLock = 0;
  const tmp = tempDbPath();
  const countingSecp: Secp = {
    sign: (d, k) => tinySecp.sign(d, k),
    publicKey: (k) => tinySecp.publicKey(k),
    verify: (s, d, p) => {
      verifies++;
      if ((srv.paychan.store as SqliteChannelStore).db.inTransaction) verifiesInLock++;
      return tinySecp.verify(s, d, p);
    },
  };

  /** A well-formed payment of `amount` for the reader's channel, signed with someone else's key. */
  const forged = (amount: bigint): Payment => ({
    amount,
    signature: signPayment(cc.channelParams(reader.mustChannel()), amount, Uint8Array.from(randomBytes(32)), tinySecp),
  });

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    esplora = await startCountingEsplora(devnet.url);
    srv = await startServer({
      dbPath: tmp.dbPath,
      secp: countingSecp,
      config: { esploraUrl: esplora.url, tipCacheMs: 0, zeroConfLimit: 5_000n, watcher: { enabled: false } },
    });
    srv.paychan.route('/item/*', 10n);
    reader = await fundedReader(devnet, srv.endpoint);
  });
  after(async () => {
    await srv?.stop();
    await esplora?.close();
    await devnet?.stop();
    tmp.cleanup();
  });

  test('a bad signature at the payment endpoint asks the chain nothing and writes nothing', async () => {
    // 2 000 is within the zero-conf limit; 6 000 is above it, which used to send the server to
    // the chain for the funding's confirmation before it looked at the signature.
    for (const amount of [2_000n, 6_000n]) {
      const asked = esplora.requests.length;
      await refusedWithoutTrace(tmp.dbPath, () => post(reader.paymentsUrl(), encodePayment(forged(amount))), 400, 'BAD_SIGNATURE');
      assert.deepEqual(esplora.requests.slice(asked), [], `payment of ${amount}`);
    }
  });

  test('a bad signature riding on a paid request asks the chain nothing and writes nothing', async () => {
    for (const amount of [2_000n, 6_000n]) {
      const asked = esplora.requests.length;
      await refusedWithoutTrace(
        tmp.dbPath,
        () => send(`${srv.url}/item/1`, { headers: { accept: 'application/json', authorization: reader.credential(forged(amount)) } }),
        402,
        'BAD_SIGNATURE',
      );
      assert.deepEqual(esplora.requests.slice(asked), [], `inline payment of ${amount}`);
    }
  });

  test('a valid payment is verified once, outside the write lock; the lock re-checks it without a second verify', async () => {
    const before = verifies;
    const status = await reader.pay(3_000n);
    assert.equal(status.paid, 3_000n);
    const inline = await fetch(`${srv.url}/item/2`, { headers: { authorization: reader.credential(reader.sign(3_500n)) } });
    assert.equal(inline.status, 200);
    await inline.text();
    assert.equal(verifies - before, 2, 'one verification per payment');
    assert.equal(verifiesInLock, 0, 'no verification inside the write transaction');
  });

  test('only a payment that would otherwise be accepted asks the chain about the zero-conf limit', async () => {
    const asked = esplora.requests.length;
    const payment = reader.sign(6_000n);
    const refused = await post(reader.paymentsUrl(), encodePayment(payment));
    assert.equal(refused.body.code, 'UNCONFIRMED_LIMIT');
    assert.ok(esplora.requests.slice(asked).some((r) => r.includes('/status')), 'the funding confirmation was looked up');
    await devnet.mine(1);
    const accepted = await post(reader.paymentsUrl(), encodePayment(payment));
    assert.equal(accepted.status, 200);
  });
});
