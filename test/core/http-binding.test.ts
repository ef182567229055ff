import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatChallenge,
  parseAuthHeader,
  parseChallenge,
  parseCredential,
  parseReceipt,
  ProtocolError,
  toProblem,
  fromProblem,
} from '../../src/core/index.ts';
import { TERMS } from './fixtures.ts';

const syntax = (e: unknown) => e instanceof ProtocolError && e.code === 'SYNTAX_ERROR';

describe('auth header syntax (RFC 9110 §11)', () => {
  test('finds the Paychan challenge among others, with token and quoted values', () => {
    const ours = formatChallenge({ versions: [1], price: 21n, endpoint: 'http://127.0.0.1:8080/paychan/v1', terms: TERMS });
    const header = `Basic realm="a, b", ${ours}, Bearer abc.def==, L402 macaroon="m", invoice=lnbc1`;
    const items = parseAuthHeader(header);
    assert.deepEqual(items.map((i) => i.scheme), ['basic', 'paychan', 'bearer', 'l402']);
    assert.equal(items[0]!.params.get('realm'), 'a, b');
    assert.equal(items[2]!.params.get(''), 'abc.def==');
    assert.equal(items[3]!.params.get('invoice'), 'lnbc1');
    assert.equal(parseChallenge(header)?.price, 21n);
    const lower = parseChallenge('paychan VERSION=1, network=regtest, price=5, endpoint="http://h/p", min_deposit=1, max_deposit=2, min_expiry=1, max_expiry=2, min_first_payment=1');
    assert.equal(lower?.price, 5n);
  });

  test('escapes and unescapes quoted strings', () => {
    const items = parseAuthHeader('Paychan a="x\\"y\\\\z", b=tok');
    assert.equal(items[0]!.params.get('a'), 'x"y\\z');
  });

  test('rejects garbage with SYNTAX_ERROR, not a crash', () => {
    for (const h of ['Paychan a="unterminated', 'Paychan a=1 b=2', 'Paychan a=1, a=2', '"quoted', 'Paychan =x', 'x'.repeat(9000)]) {
      assert.throws(() => parseAuthHeader(h), syntax, h.slice(0, 40));
    }
    assert.equal(parseChallenge('Basic realm="x"'), null);
    assert.throws(() => parseChallenge('Paychan version="1", network="regtest"'), syntax);
    assert.throws(() => parseChallenge(formatChallenge({ versions: [1], price: 1n, endpoint: 'javascript:alert(1)', terms: TERMS })), syntax);
  });

  test('credentials: token size, channel id and paired amount/sig are enforced', () => {
    const id = 'ab'.repeat(32) + ':0';
    const token = 'A'.repeat(43);
    assert.ok(parseCredential(`Paychan channel="${id}", token="${token}"`));
    assert.throws(() => parseCredential(`Paychan channel="${id}", token="AAAA"`), syntax);
    assert.throws(() => parseCredential(`Paychan channel="${id}x", token="${token}"`), syntax);
    assert.throws(() => parseCredential(`Paychan channel="${id}", token="${token}", amount="10"`), syntax);
    assert.throws(() => parseCredential(`Paychan channel="${id}", token="${token}", amount="01", sig="00"`), syntax);
    assert.throws(() => parseCredential(`Paychan channel="${id}", token="${token}", amount="-1", sig="00"`), syntax);
    assert.throws(() => parseCredential(`Paychan channel="${id}", token="${token}", amount="1", sig="0G"`), syntax);
  });

  test('receipts that claim more spent than paid are refused', () => {
    const id = 'ab'.repeat(32) + ':0';
    assert.throws(() => parseReceipt(`Paychan channel="${id}", charged="1", paid="5", spent="6"`), syntax);
  });

  test('problem documents round-trip their stable code', () => {
    const p = toProblem(new ProtocolError('AMOUNT_DECREASED', 'lower', { paid: '10' }));
    assert.equal(p.status, 409);
    assert.equal(p.type, 'urn:paychan:error:amount-decreased');
    assert.equal(p.paid, '10');
    assert.equal(fromProblem(JSON.parse(JSON.stringify(p))).code, 'AMOUNT_DECREASED');
    assert.equal(fromProblem({ code: 'NOPE' }).code, 'INTERNAL');
  });
});
