import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentChallenges, detectChallenge, detectReceipt, resourceKind } from '../../src/extension/background/paywall/challenge.ts';
import { CredentialRules, FakeDnr, RULE_ID_BASE, buildRules, scopeOf } from '../../src/extension/background/paywall/credentials.ts';
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
  it('sets Paychan-Credential for the whole site: navigations from anywhere, everything else only when the site itself asks (finding 2)', () => {
    const scope = scopeOf('https://www.news.example/a')!;
    const [nav, sub] = buildRules(scope, 'Paychan channel="x", token="y"', [10000, 10001], [4, 2]);
    assert.deepEqual(nav!.condition, { urlFilter: '|https://', requestDomains: ['news.example'], resourceTypes: ['main_frame'], requestMethods: ['get', 'head'] });
    assert.deepEqual(nav!.action.requestHeaders, [{ header: 'Paychan-Credential', operation: 'set', value: 'Paychan channel="x", token="y"' }]);
    // Frames too: a hidden iframe on another site is not a navigation by the reader; and a
    // top-level form post carries it only when the site itself posted it.
    assert.ok(sub!.condition.resourceTypes!.includes('sub_frame'));
    assert.ok(sub!.condition.resourceTypes!.includes('main_frame'));
    assert.deepEqual(sub!.condition.initiatorDomains, ['news.example']);
    assert.deepEqual(sub!.condition.requestDomains, ['news.example']);
    // Only from tabs whose top-level page is the site: a free page of it framed elsewhere spends nothing.
    assert.deepEqual(sub!.condition.tabIds, [2, 4]);
    assert.equal(buildRules(scope, 'x', [10000, 10001], []).length, 1, 'no tab on the site: no subresource rule (DNR refuses an empty tabIds)');
    // The registrable domain by the Public Suffix List: img.news.co.uk and www.news.co.uk share one, evil.co.uk does not.
    assert.deepEqual(scopeOf('https://img.news.co.uk/p.png')!.requestDomains, ['news.co.uk']);
    // No registrable domain (an IP address): that origin, port included.
    assert.equal(scopeOf('http://127.0.0.1:8080/x')!.urlFilter, '|http://127.0.0.1:8080/');
    assert.equal(scopeOf('http://127.0.0.1:8080/x')!.requestDomains, undefined);
  });

  it('replaces, lists and removes rules without touching others; a same-site host shares the site\'s rules', async () => {
    const dnr = new FakeDnr();
    dnr.rules.push({ id: 1, action: { type: 'block' }, condition: { urlFilter: '|https://ads.example/' } });
    const rules = new CredentialRules(dnr);
    await rules.set('https://news.example', 'A');
    await rules.set('https://blog.example', 'B');
    await rules.set('https://img.news.example/p.png', 'C');
    await rules.tabCommitted(3, 'https://www.news.example/front');
    await rules.tabCommitted(4, 'https://blog.example/');
    assert.equal(dnr.rules.length, 5);
    assert.ok(dnr.rules.every((r) => r.id === 1 || r.id >= RULE_ID_BASE));
    const news = dnr.rules.filter((r) => r.condition.requestDomains?.[0] === 'news.example');
    assert.deepEqual(news.map((r) => r.action.requestHeaders![0]!.value), ['C', 'C']);
    assert.equal(await rules.current('https://www.news.example/'), 'C');
    assert.deepEqual((await rules.sites()).sort(), ['blog.example', 'news.example']);
    await rules.remove('https://news.example');
    assert.deepEqual(await rules.sites(), ['blog.example']);
    await rules.clear();
    assert.deepEqual(dnr.rules.map((r) => r.id), [1]);
  });

  it('a site\'s own requests carry its credential only from tabs showing the site: not from its free page framed by another site (finding 2)', async () => {
    const dnr = new FakeDnr();
    const rules = new CredentialRules(dnr);
    const sub = () => dnr.rules.find((r) => r.condition.requestMethods === undefined);
    // Tab 1 shows evil.example, which frames a free page of news.example: the site is paid for, but
    // no tab shows it, so only top-level navigations carry the credential.
    await rules.tabsOpen([{ id: 1, url: 'https://evil.example/cats' }, { id: 5, url: 'chrome://newtab/' }]);
    await rules.set('https://news.example/a', 'A');
    assert.deepEqual(dnr.rules.map((r) => r.condition.resourceTypes), [['main_frame']]);
    // The reader opens news.example in tab 2: its first requests leave before the commit is reported.
    await rules.tabNavigating(2, 'https://www.news.example/front');
    assert.deepEqual(sub()!.condition.tabIds, [2]);
    assert.deepEqual(sub()!.condition.initiatorDomains, ['news.example']);
    await rules.tabCommitted(2, 'https://www.news.example/front');
    assert.deepEqual(sub()!.condition.tabIds, [2]);
    // evil.example navigates tab 1 to news.example: it counts for news from its start ...
    await rules.tabNavigating(1, 'https://news.example/b');
    assert.deepEqual(sub()!.condition.tabIds, [1, 2]);
    // ... but a navigation that fails leaves tab 1 on evil.example.
    await rules.tabNavigationFailed(1);
    assert.deepEqual(sub()!.condition.tabIds, [2]);
    // A redirect off the site: at commit the tab is wherever it landed.
    await rules.tabNavigating(2, 'https://news.example/out');
    await rules.tabCommitted(2, 'https://elsewhere.example/');
    assert.equal(sub(), undefined, 'tab 2 left news.example: no tab shows it, no subresource rule');
    // A new credential (top-up) keeps the tabs; closing the last tab on the site drops the rule.
    await rules.tabCommitted(3, 'https://img.news.example/p.png');
    await rules.update('https://news.example/', 'B');
    assert.deepEqual(sub()!.condition.tabIds, [3]);
    assert.equal(sub()!.action.requestHeaders![0]!.value, 'B');
    await rules.tabClosed(3);
    assert.equal(sub(), undefined);
    assert.equal(await rules.current('https://news.example/'), 'B', 'navigations still carry it');
    // Locked, tabs keep moving; the unlock installs the rules for where they are now.
    await rules.suspend();
    await rules.tabCommitted(4, 'https://news.example/c');
    assert.deepEqual(dnr.rules, []);
    await rules.resume();
    assert.deepEqual(sub()!.condition.tabIds, [4]);
  });

  it('two sites paid at the same moment get distinct rule ids (finding 11)', async () => {
    const dnr = new FakeDnr();
    const rules = new CredentialRules(dnr);
    await rules.tabsOpen([{ id: 1, url: 'https://news.example/' }, { id: 2, url: 'https://blog.example/' }, { id: 3, url: 'https://shop.example/' }]);
    await Promise.all([rules.set('https://news.example', 'A'), rules.set('https://blog.example', 'B'), rules.set('https://shop.example', 'C')]);
    assert.equal(dnr.rules.length, 6);
    assert.equal(new Set(dnr.rules.map((r) => r.id)).size, 6);
    assert.equal(await rules.current('https://blog.example/x'), 'B');
  });

  it('a one-shot grant covers one URL, one tab and one initiator, and goes once delivered (finding 3)', async () => {
    const dnr = new FakeDnr();
    const rules = new CredentialRules(dnr);
    await rules.grantOnce('https://news.example/a/1#top', 'https://blog.example', 7, 'G');
    const [g] = dnr.rules;
    assert.deepEqual(g!.condition.initiatorDomains, ['blog.example']);
    assert.deepEqual(g!.condition.tabIds, [7]);
    assert.equal(g!.condition.urlFilter, '|https://news.example/a/1|');
    assert.deepEqual(await rules.sites(), [], 'not a credential for the site');
    await rules.delivered('https://news.example/a/1', 8);
    assert.equal(dnr.rules.length, 1, 'another tab\'s delivery leaves it');
    await rules.delivered('https://news.example/a/1', 7);
    assert.equal(dnr.rules.length, 0);
  });

  it('locking takes every credential down and unlocking puts them back (finding 7)', async () => {
    const dnr = new FakeDnr();
    dnr.rules.push({ id: 1, action: { type: 'block' }, condition: { urlFilter: '|https://ads.example/' } });
    const rules = new CredentialRules(dnr);
    await rules.tabsOpen([{ id: 1, url: 'https://news.example/' }, { id: 2, url: 'https://blog.example/' }]);
    await rules.set('https://news.example', 'A');
    await rules.grantOnce('https://news.example/x', 'https://blog.example', 3, 'A');
    await rules.suspend();
    assert.deepEqual(dnr.rules.map((r) => r.id), [1], 'no credential is sent while locked');
    assert.equal(await rules.current('https://news.example'), null);
    await rules.resume();
    assert.equal(await rules.current('https://news.example'), 'A');
    assert.equal(dnr.rules.length, 3, 'the site\'s two rules are back; the one-shot grant is not');
    // A payment that finishes while locked installs nothing until the unlock.
    await rules.suspend();
    await rules.set('https://blog.example', 'B');
    await rules.grantOnce('https://news.example/y', 'https://blog.example', 3, 'A');
    assert.deepEqual(dnr.rules.map((r) => r.id), [1]);
    await rules.resume();
    assert.equal(await rules.current('https://blog.example/'), 'B');
    assert.equal(new Set(dnr.rules.map((r) => r.id)).size, 5);
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
    b.paid(4, 'https://news.example', 0n); // charged="0": not delivered, not counted
    assert.deepEqual(b.tab(4), { items: 2, charged: 25n, site: 'https://news.example' });
    b.setPending(1);
    b.setPending(0);
    b.reset(4);
    assert.deepEqual(seen, [[4, '10'], [4, '25'], [null, '!1'], [4, '!1'], [null, ''], [4, '25'], [4, '']]);
  });
});
