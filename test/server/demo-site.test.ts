/**
 * The demo site over real HTTP against a real regtest node: free pages are free, priced items
 * answer 402 with a Paychan challenge, and a real channel buys an article, a plate, API calls
 * and seconds of audio at their prices.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenge, parseReceipt } from '../../src/core/http-binding.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import { ARTICLES } from '../../src/server/demo/articles.ts';
import { CHUNK_COUNT, SAMPLE_RATE } from '../../src/server/demo/audio.ts';
import { PLATES } from '../../src/server/demo/gallery.ts';
import { startDemoSite, type DemoSite } from '../../src/server/demo/index.ts';
import { silentLogger } from '../../src/server/logger.ts';
import { ChannelClient } from './helpers/channel-client.ts';
import { TEST_SEED, tempDbPath } from './helpers/server.ts';
import { TestWallet } from './helpers/wallet.ts';

describe('demo site', () => {
  let devnet: Devnet;
  let site: DemoSite;
  let reader: ChannelClient;
  const tmp = tempDbPath();

  before(async () => {
    devnet = await startDevnet({ port: 0 });
    site = await startDemoSite({ dbPath: tmp.dbPath, esploraUrl: devnet.url, config: { tipCacheMs: 0 }, seed: TEST_SEED, logger: silentLogger });
  });
  after(async () => {
    await site?.stop();
    await devnet?.stop();
    tmp.cleanup();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(site.url + path, { headers });
  const paid = (path: string) => get(path, { authorization: reader.credential() });

  test('free pages are served and say what items cost', async () => {
    const home = await get('/');
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-type')!, /text\/html/);
    const html = await home.text();
    for (const a of ARTICLES) {
      assert.ok(html.includes(`/articles/${a.slug}`), a.slug);
      assert.ok(html.includes(a.paragraphs[0]!.slice(0, 60)), `teaser of ${a.slug}`);
      assert.ok(!html.includes(a.paragraphs[1]!.slice(0, 60)), `${a.slug} gives away no paid text`);
    }
    assert.match(html, /10 sat\b/);
    for (const path of ['/about', '/gallery', '/api', '/listen']) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.match(await res.text(), /sats?/, path);
    }
    const preview = await get(`/gallery/preview/${PLATES[0]!.id}.svg`);
    assert.equal(preview.status, 200);
    assert.equal(preview.headers.get('content-type'), 'image/svg+xml');
    assert.match(await preview.text(), /feGaussianBlur/);
    const info = await (await get('/stream/info')).json();
    assert.equal(info.chunks, CHUNK_COUNT);
    assert.equal(info.pricePerSecond, '1');
  });

  test('paid items answer 402 with a Paychan challenge at their price', async () => {
    const priced: [string, bigint][] = [
      [`/articles/${ARTICLES[0]!.slug}`, 10n],
      ...PLATES.map((p): [string, bigint] => [`/gallery/plate/${p.id}.svg`, p.price]),
      ['/api/quote', 1n],
      ['/api/timeline?year=1300', 2n],
      ['/stream/chunk/0', 1n],
      [`/stream/chunk/${CHUNK_COUNT - 1}`, 1n],
    ];
    for (const [path, price] of priced) {
      const res = await get(path);
      assert.equal(res.status, 402, path);
      const challenge = parseChallenge(res.headers.get('www-authenticate')!)!;
      assert.equal(challenge.price, price, path);
      assert.equal(challenge.endpoint, `${site.url}/paychan/v1`);
      await res.arrayBuffer();
    }
  });

  test('paths that name nothing are not billed', async () => {
    assert.equal((await get('/articles/no-such-article')).status, 404);
    assert.equal((await get('/gallery/plate/nothing.svg')).status, 404);
    assert.equal((await get(`/stream/chunk/${CHUNK_COUNT}`)).status, 404);
    assert.equal((await get('/api/timeline?year=soon')).status, 400);
    assert.equal((await get('/api/quote?id=999')).status, 404);
    assert.equal((await get('/nowhere')).status, 404);
  });

  test('a reader opens and funds a channel with the site', async () => {
    const wallet = new TestWallet(devnet);
    reader = new ChannelClient(`${site.url}/paychan/v1`);
    await reader.open(await reader.openRequest(50_000n, wallet.script));
    reader.buildFunding([await wallet.coin(80_000n)], wallet.script);
    const status = await reader.fund(1_000n);
    assert.equal(status.state, 'open');
  });

  test('a paid article returns the whole text with a receipt', async () => {
    const a = ARTICLES[1]!;
    const res = await paid(`/articles/${a.slug}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('cache-control')!, /no-store/);
    const receipt = parseReceipt(res.headers.get('paychan-receipt')!)!;
    assert.equal(receipt.charged, 10n);
    assert.equal(receipt.spent, 10n);
    const html = await res.text();
    for (const p of a.paragraphs) assert.ok(html.includes(p.slice(0, 60).replace(/'/g, '&#39;')), p.slice(0, 30));
    assert.match(html, /You paid 10 sat for this article/);
  });

  test('gallery plates, API calls and stream chunks charge their prices', async () => {
    let spent = 10n;
    const charge = async (path: string, price: bigint) => {
      const res = await paid(path);
      assert.equal(res.status, 200, path);
      const receipt = parseReceipt(res.headers.get('paychan-receipt')!)!;
      spent += price;
      assert.equal(receipt.charged, price, path);
      assert.equal(receipt.spent, spent, path);
      return res;
    };
    const plate = PLATES.find((p) => p.id === 'ducat')!;
    const svg = await (await charge(`/gallery/plate/${plate.id}.svg`, plate.price)).text();
    assert.match(svg, /^<svg/);
    assert.ok(!svg.includes('filter="url(#soft)"'), 'the paid plate is not the blurred preview');
    assert.match(svg, /DVCAT/);

    const q = await (await charge('/api/quote', 1n)).json();
    assert.equal(typeof q.text, 'string');
    const byId = await (await charge('/api/quote?id=8', 1n)).json();
    assert.equal(byId.author, 'Satoshi Nakamoto');
    const tl = await (await charge('/api/timeline?year=1300', 2n)).json();
    assert.ok(tl.events.some((e: { year: number }) => e.year === 1284));

    for (let n = 0; n < 3; n++) {
      const res = await charge(`/stream/chunk/${n}`, 1n);
      assert.equal(res.headers.get('content-type'), 'audio/wav');
      const wav = Buffer.from(await res.arrayBuffer());
      assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
      assert.equal(wav.toString('ascii', 8, 12), 'WAVE');
      assert.equal(wav.readUInt32LE(24), SAMPLE_RATE);
      assert.equal(wav.length, 44 + SAMPLE_RATE * 2); // one second of 16-bit mono
    }
    const status = await reader.status();
    assert.equal(status.spent, spent);
    const debits = (await site.paychan.store.listEvents(reader.channelId)).filter((e) => e.kind === 'debit');
    assert.deepEqual(
      debits.map((e) => e.ref),
      [`/articles/${ARTICLES[1]!.slug}`, '/gallery/plate/ducat.svg', '/api/quote', '/api/quote', '/api/timeline', '/stream/chunk/0', '/stream/chunk/1', '/stream/chunk/2'],
    );
  });

  test('a failed API call costs nothing', async () => {
    const before = (await reader.status()).spent;
    const res = await paid('/api/timeline?year=next-tuesday');
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('paychan-receipt'), null);
    assert.equal((await reader.status()).spent, before);
  });
});
