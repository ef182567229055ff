import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentChallenges, detectChallenge, detectReceipt, resourceKind } from '../../src/extension/background/paywall/challenge.ts';
import { CredentialRules, FakeDnr, RULE_ID_BASE, buildRules } from '../../src/extension/background/paywall/credentials.ts';
import { Badge, badgeFace, shortSats } from '../../src/extension/background/paywall/badge.ts';

const CHALLENGE =
  'Paychan realm="paychan", version="1", network="regtest", price="10", endpoint="https://news.example/paychan/v1", min_deposit="10000", max_deposit="5000000", min_expiry="144", max_expiry="4032", min_first_payment="1000"';
const RECEIPT = 'Paychan channel="4b0f5d3e6c3a2b1f8e9d7c6b5a493827161504f3e2d1c0b9a897867564534231:1", charged="10", paid="1000", spent="10"';

describe('402 detection', () => {
  it('finds a Paychan challenge in a 402, whatever the header case', () => {
    const d = detectChallenge(402, 'https://news.example/a/1?x=2', [
      { name: 'Content-Type', value: 'text/html' },
      { name: 'www-authenticate', value: CHALLENGE },
    ]);
    assert.ok(d);
    assert.equal(d.site, 'https://news.example');
    assert.equal(d.challenge.price, 10n);
    assert.equal(d.challenge.endpoint, 'https://news.example/paychan/v1');
    assert.equal(d.header, CHALLENGE);
  });

  it('finds it among other schemes and in a repeated header', () => {
    const d = detectChallenge(402, 'https://news.example/', [
      { name: 'WWW-Authenticate', value: 'Basic realm="x"' },
      { name: 'WWW-Authenticate', value: `Bearer realm="y", ${CHALLENGE}` },
    ]);
    assert.equal(d?.challenge.price, 10n);
  });

  it('ignores other statuses, other schemes, broken challenges and odd URLs', () => {
    assert.equal(detectChallenge(200, 'https://news.example/', [{ name: 'WWW-Authenticate', value: CHALLENGE }]), null);
    assert.equal(detectChallenge(401, 'https://news.example/', [{ name: 'WWW-Authenticate', value: CHALLENGE }]), null);
    assert.equal(detectChallenge(402, 'https://news.example/', [{ name: 'WWW-Authenticate', value: 'L402 macaroon="x", invoice="y"' }]), null);
    assert.equal(detectChallenge(402, 'https://news.example/', [{ name: 'WWW-Authenticate', value: 'Paychan realm="paychan", price="10"' }]), null);
    assert.equal(detectChallenge(402, 'https://news.example/', [{ name: 'WWW-Authenticate', value: 'Paychan price="1' }]), null);
    assert.equal(detectChallenge(402, 'https://news.example/', undefined), null);
    assert.equal(detectChallenge(402, 'data:text/plain,hi', [{ name: 'WWW-Authenticate', value: CHALLENGE }]), null);
  });

  it('reads receipts', () => {
    const r = detectReceipt('https://news.example/a/1', [{ name: 'paychan-receipt', value: RECEIPT }]);
    assert.equal(r?.receipt.charged, 10n);
    assert.equal(r?.channel, '4b0f5d3e6c3a2b1f8e9d7c6b5a493827161504f3e2d1c0b9a897867564534231:1');
    assert.equal(detectReceipt('https://news.example/', [{ name: 'Paychan-Receipt', value: 'garbage"' }]), null);
  });

  it('maps webRequest resource types', () => {
    assert.equal(resourceKind('main_frame'), 'navigation');
    assert.equal(resourceKind('sub_frame'), 'frame');
    assert.equal(resourceKind('image'), 'media');
    assert.equal(resourceKind('media'), 'media');
    assert.equal(resourceKind('xmlhttprequest'), 'fetch');
    assert.equal(resourceKind('script'), 'other');
  });

  it('lets the page wrapper wait for the 402 webRequest reports', async () => {
    const recent = new RecentChallenges();
    const d = detectChallenge(402, 'https://news.example/a', [{ name: 'WWW-Authenticate', value: CHALLENGE }])!;
    const waiting = recent.find(7, 'https://news.example/a#frag', 1000);
    setTimeout(() => recent.record(7, d), 20);
    assert.equal(await waiting, d);
    assert.equal(await recent.find(7, 'https://news.example/a', 0), d);
    // Another tab, or a URL webRequest never saw: nothing (a page cannot invent a challenge).
    assert.equal(await recent.find(8, 'https://news.example/a', 30), null);
    assert.equal(await recent.find(7, 'https://news.example/b', 30), null);
  });
});

describe('credential rules (declarativeNetRequest)', () => {
  it('sets Paychan-Credential for the site, subresources only from the site or approved pages', () => {
    const [nav, sub] = buildRules('https://news.example', 'Paychan channel="x", token="y"', ['blog.example'], [10000, 10001]);
    assert.equal(nav!.condition.urlFilter, '|https://news.example/');
    assert.deepEqual(nav!.condition.resourceTypes, ['main_frame', 'sub_frame']);
    assert.deepEqual(nav!.action.requestHeaders, [{ header: 'Paychan-Credential', operation: 'set', value: 'Paychan channel="x", token="y"' }]);
    assert.deepEqual(sub!.condition.initiatorDomains, ['news.example', 'blog.example']);
    assert.ok(!sub!.condition.resourceTypes!.includes('main_frame'));
    // A port is part of the origin.
    assert.equal(buildRules('http://127.0.0.1:8080', 'c', [], [1, 2])[0]!.condition.urlFilter, '|http://127.0.0.1:8080/');
  });

  it('replaces, lists and removes rules without touching others', async () => {
    const dnr = new FakeDnr();
    dnr.rules.push({ id: 1, action: { type: 'block' }, condition: { urlFilter: '|https://ads.example/' } });
    const rules = new CredentialRules(dnr);
    await rules.set('https://news.example', 'A');
    await rules.set('https://blog.example', 'B');
    await rules.set('https://news.example', 'C');
    assert.equal(dnr.rules.length, 5);
    assert.ok(dnr.rules.every((r) => r.id === 1 || r.id >= RULE_ID_BASE));
    const news = dnr.rules.filter((r) => r.condition.urlFilter === '|https://news.example/');
    assert.deepEqual(news.map((r) => r.action.requestHeaders![0]!.value), ['C', 'C']);
    assert.deepEqual((await rules.sites()).sort(), ['https://blog.example', 'https://news.example']);
    await rules.remove('https://news.example');
    assert.deepEqual(await rules.sites(), ['https://blog.example']);
    await rules.clear();
    assert.deepEqual(dnr.rules.map((r) => r.id), [1]);
  });
});

describe('badge', () => {
  it('shows pending approvals first, then what the tab paid', () => {
    assert.equal(badgeFace(2, { items: 3, charged: 30n, site: null }).text, '!2');
    assert.equal(badgeFace(12, undefined).text, '!9+');
    assert.equal(badgeFace(0, { items: 3, charged: 30n, site: null }).text, '30');
    assert.equal(badgeFace(0, undefined).text, '');
    assert.equal(shortSats(12_345n), '12k');
    assert.equal(shortSats(3_400_000n), '3M');
    const seen: [number | null, string][] = [];
    const b = new Badge((tab, face) => seen.push([tab, face.text]));
    b.paid(4, 'https://news.example', 10n);
    b.paid(4, 'https://news.example', 15n);
    b.setPending(1);
    b.setPending(0);
    b.reset(4);
    assert.deepEqual(seen, [[4, '10'], [4, '25'], [null, '!1'], [4, '!1'], [null, ''], [4, '25'], [4, '']]);
  });
});
