/** The demo site's HTML pages. Every page says what its items cost. */
import type { Receipt } from '../../core/http-binding.ts';
import { QUOTES } from './api.ts';
import { ARTICLES, wordCount, type Article } from './articles.ts';
import { CHUNK_COUNT, CHUNK_SECONDS, STREAM_TITLE } from './audio.ts';
import { PLATES } from './gallery.ts';
import { escapeHtml, page, priceTag, SITE_NAME } from './html.ts';
import { API_SCRIPT, GALLERY_SCRIPT, PLAYER_SCRIPT } from './scripts.ts';
import { PRICES } from './prices.ts';

const longDate = (iso: string) => new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

function byline(a: Article): string {
  return `<p class="byline">By ${escapeHtml(a.author)} · ${longDate(a.date)} · ${Math.ceil(wordCount(a) / 220)} min read</p>`;
}

export function homePage(): string {
  const teasers = ARTICLES.map(
    (a) => `<article class="teaser">
<h2><a href="/articles/${a.slug}">${escapeHtml(a.title)}</a></h2>
<p class="dek">${escapeHtml(a.dek)}</p>
${byline(a)}
<p>${escapeHtml(a.paragraphs[0]!)}</p>
<p><a href="/articles/${a.slug}">Read the whole article</a> ${priceTag(PRICES.article)}</p>
</article>`,
  ).join('\n');
  return page({
    title: 'Articles',
    body: `<h1>Articles</h1>
<p class="note">Teasers are free. A whole article costs ${PRICES.article} sat, paid from a small prepaid
Paychan channel in your browser: no account, no subscription. <a href="/about">How it works</a>.</p>
${teasers}`,
  });
}

export function articlePage(a: Article, receipt: Receipt | undefined): string {
  const paid = receipt
    ? `<p class="note">You paid ${receipt.charged} sat for this article. Credit left on your channel: ${receipt.paid - receipt.spent} sat.</p>`
    : '';
  return page({
    title: a.title,
    body: `<h1>${escapeHtml(a.title)}</h1>
<p class="dek">${escapeHtml(a.dek)}</p>
${byline(a)}
<div class="body">${a.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}</div>
${paid}
<p><a href="/">← More from ${SITE_NAME}</a></p>`,
  });
}

export function galleryPage(): string {
  const figures = PLATES.map(
    (p) => `<figure data-src="/gallery/plate/${p.id}.svg" data-price="${p.price}">
<a href="/gallery/plate/${p.id}.svg"><img src="/gallery/preview/${p.id}.svg" alt="${escapeHtml(p.title)} (blurred preview)"></a>
<figcaption><strong>${escapeHtml(p.title)}</strong> ${priceTag(p.price)}<br>${escapeHtml(p.caption)}<br>
<button type="button">View the plate</button> <span class="status"></span></figcaption>
</figure>`,
  ).join('\n');
  return page({
    title: 'Gallery',
    wide: true,
    body: `<h1>The coin cabinet</h1>
<p class="dek">Plates drawn for the magazine. The blurred previews are free; each full plate has its price.</p>
<div class="grid">${figures}</div>`,
    script: GALLERY_SCRIPT,
  });
}

export function apiPage(): string {
  return page({
    title: 'API',
    body: `<h1>The Counting House API</h1>
<p class="dek">Quotations and dates from the history of money, as JSON, paid per call.</p>
<table>
<tr><th>Call</th><th>Returns</th><th>Price</th></tr>
<tr><td><code>GET /api/quote</code></td><td>the next of ${QUOTES.length} quotations; <code>?id=N</code> for one in particular</td><td>${priceTag(PRICES.quote)}</td></tr>
<tr><td><code>GET /api/timeline?year=1500</code></td><td>events within a century of the year (negative years are BC)</td><td>${priceTag(PRICES.timeline)}</td></tr>
</table>
<p>Calls without a channel get <code>402 Payment Required</code> with a <code>WWW-Authenticate: Paychan …</code>
challenge; send <code>Authorization: Paychan channel="…", token="…"</code> and each call is debited from your credit,
with a <code>Paychan-Receipt</code> header saying what was charged. A request that fails (a bad year) costs nothing.</p>
<p><button type="button" data-call="/api/quote">Try /api/quote</button>
<button type="button" data-call="/api/timeline?year=1300">Try /api/timeline?year=1300</button></p>
<pre id="api-out">Press a button.</pre>`,
    script: API_SCRIPT,
  });
}

/** Seconds as m:ss, as the player shows elapsed time (the script has its own copy). */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function listenPage(): string {
  const info = { chunks: CHUNK_COUNT, chunkSeconds: CHUNK_SECONDS, pricePerSecond: PRICES.streamPerSecond.toString() };
  return page({
    title: 'Listen',
    body: `<h1>${escapeHtml(STREAM_TITLE)}</h1>
<p class="dek">A short piece for the counting house, metered by the second: ${priceTag(PRICES.streamPerSecond, 'per second')}.</p>
<p>It is ${CHUNK_COUNT} seconds long, so the whole piece costs ${PRICES.streamPerSecond * BigInt(CHUNK_COUNT)} sat.
The player fetches one second at a time, just ahead of what you hear; pause and the paying stops.</p>
<p class="player"><button type="button" id="play">Play</button> <span class="elapsed" id="elapsed" aria-live="off">${clock(0)} / ${clock(CHUNK_COUNT * CHUNK_SECONDS)}</span>
<progress id="progress" max="${CHUNK_COUNT}" value="0" aria-label="Seconds fetched and paid"></progress></p>
<p class="meta" id="status">Not playing.</p>
<script type="application/json" id="stream-info">${JSON.stringify(info)}</script>`,
    script: PLAYER_SCRIPT,
  });
}

export function aboutPage(): string {
  return page({
    title: 'About',
    body: `<h1>About this site</h1>
<p>The Counting House is a demonstration of Paychan: paying for the web by the item, a few satoshis at a time,
through a Bitcoin payment channel between your browser and the site.</p>
<p>Your wallet extension locks a small deposit in a channel with the site once. Each article, plate, API call or
second of audio is then paid by signing a slightly larger share of that deposit to the site: no transaction per item,
no account, no card number. When you are done, the site settles the latest signature on chain and the rest of the
deposit returns to you. If the site vanishes, the deposit comes back to you on its own after the channel expires.</p>
<table>
<tr><th>Item</th><th>Price</th></tr>
<tr><td>Article teasers, gallery previews, these pages</td><td><span class="price free">free</span></td></tr>
<tr><td>A whole article</td><td>${priceTag(PRICES.article)}</td></tr>
<tr><td>A gallery plate</td><td>${PLATES.map((p) => p.price).reduce((a, b) => (a < b ? a : b))}–${PLATES.map((p) => p.price).reduce((a, b) => (a > b ? a : b))} sat each</td></tr>
<tr><td>An API call</td><td>${PRICES.quote}–${PRICES.timeline} sat</td></tr>
<tr><td>Audio</td><td>${priceTag(PRICES.streamPerSecond, 'per second')}</td></tr>
</table>`,
  });
}

export function notFoundPage(): string {
  return page({ title: 'Not found', body: '<h1>Not found</h1><p>There is nothing here. <a href="/">Back to the articles</a>.</p>' });
}
