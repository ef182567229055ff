/**
 * The 402 page people see: the default one tells a reader with Paychan to unlock it and reload and
 * links to the install page, keeping its `main` landmark and link home; a site's own template gets
 * the request, the price and the standard message, and its page is what is served.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedTip } from '../../src/server/chain.ts';
import { escapeHtml } from '../../src/server/http/html.ts';
import { PAYCHAN_INSTALL_URL, type ChallengePageInfo } from '../../src/server/index.ts';
import { startServer, tempDbPath, type TestServer } from './helpers/server.ts';
import { stubChain } from './helpers/synthetic-channel.ts';

const HTML = { accept: 'text/html' };

describe('the 402 page for people', () => {
  const tmp = [tempDbPath(), tempDbPath()];
  let plain: TestServer;
  let themed: TestServer;
  const seen: ChallengePageInfo[] = [];
  before(async () => {
    plain = await startServer({ dbPath: tmp[0]!.dbPath, chain: stubChain(), tip: fixedTip(1_000) });
    themed = await startServer({
      dbPath: tmp[1]!.dbPath,
      chain: stubChain(),
      tip: fixedTip(1_000),
      challengePage: (info) => {
        seen.push(info);
        return `<!doctype html><html lang="en"><title>The Daily</title><header>The Daily</header><main><h1>Teaser of ${escapeHtml(info.req.url ?? '')}</h1>${info.message}</main></html>`;
      },
    });
    plain.paychan.route('/item/*', 10n);
    themed.paychan.route('/item/*', 10n);
  });
  after(async () => {
    await plain?.stop();
    await themed?.stop();
    for (const t of tmp) t.cleanup();
  });

  test('the default page: price, unlock and reload, install link, main landmark and a way home', async () => {
    const res = await fetch(`${plain.url}/item/story`, { headers: HTML });
    assert.equal(res.status, 402);
    assert.ok(res.headers.get('www-authenticate')?.startsWith('Paychan'));
    const body = await res.text();
    assert.match(body, /This page costs <strong>10 sat<\/strong>/);
    assert.match(body, /Have Paychan\?<\/strong> Unlock it from the toolbar and reload this page/);
    assert.ok(body.includes(`<a href="${PAYCHAN_INSTALL_URL}">Install the Paychan browser extension</a>`));
    assert.match(body, /<main>[\s\S]*<\/main>/);
    assert.match(body, /<a href="\/">Back to the site's home page<\/a>/);
  });

  test("a site's own template is served, with the request, the price and the standard message", async () => {
    const res = await fetch(`${themed.url}/item/story?x=1`, { headers: HTML });
    assert.equal(res.status, 402);
    assert.ok(res.headers.get('www-authenticate')?.startsWith('Paychan'), 'the challenge header stays');
    const body = await res.text();
    assert.match(body, /<header>The Daily<\/header><main><h1>Teaser of \/item\/story\?x=1<\/h1><p>This page costs/);
    assert.ok(body.includes('Unlock it from the toolbar and reload this page'));
    assert.equal(seen.at(-1)!.price, 10n);
    // Programs asking for JSON still get problem+json, not the template.
    const json = await fetch(`${themed.url}/item/story`, { headers: { accept: 'application/json' } });
    assert.equal(json.status, 402);
    assert.match(json.headers.get('content-type') ?? '', /problem\+json/);
  });
});
