/**
 * The demo site's routes: which paths cost what (registered on the paychan instance), and the
 * node:http listener that serves the content once a request is free or paid.
 *
 * Prices are functions of the request so that a path naming nothing (an unknown article, a
 * chunk past the end, a bad year) is free and gets its 404/400 instead of a bill.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Paychan } from '../paychan.ts';
import type { PaidRequest } from '../paywall.ts';
import { quote, timeline } from './api.ts';
import { articleBySlug } from './articles.ts';
import { audioChunk, CHUNK_COUNT, CHUNK_SECONDS, STREAM_TITLE } from './audio.ts';
import { plateById, plateSvg, previewSvg } from './gallery.ts';
import { aboutPage, apiPage, articlePage, galleryPage, homePage, listenPage, notFoundPage } from './pages.ts';
import { PRICES } from './prices.ts';

const ARTICLE = /^\/articles\/([a-z0-9-]+)$/;
const PLATE = /^\/gallery\/plate\/([a-z0-9-]+)\.svg$/;
const PREVIEW = /^\/gallery\/preview\/([a-z0-9-]+)\.svg$/;
const CHUNK = /^\/stream\/chunk\/(0|[1-9][0-9]{0,5})$/;

function url(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://demo.invalid');
}

function yearOf(u: URL): number | null {
  const y = u.searchParams.get('year');
  return y !== null && /^-?[0-9]{1,4}$/.test(y) ? Number(y) : null;
}

function quoteIdOf(u: URL): number | undefined | null {
  const id = u.searchParams.get('id');
  if (id === null) return undefined;
  return /^[1-9][0-9]{0,3}$/.test(id) && quote(Number(id)) ? Number(id) : null;
}

/** Registers the demo's priced routes on `paychan`. */
export function priceDemoRoutes(paychan: Paychan): void {
  const GET = { methods: ['GET', 'HEAD'] };
  paychan.route(ARTICLE, (req) => (articleBySlug(ARTICLE.exec(url(req).pathname)?.[1] ?? '') ? PRICES.article : null), GET);
  paychan.route(PLATE, (req) => plateById(PLATE.exec(url(req).pathname)?.[1] ?? '')?.price ?? null, GET);
  paychan.route('/api/quote', (req) => (quoteIdOf(url(req)) === null ? null : PRICES.quote), GET);
  paychan.route('/api/timeline', (req) => (yearOf(url(req)) === null ? null : PRICES.timeline), GET);
  paychan.route(CHUNK, (req) => (audioChunk(Number(CHUNK.exec(url(req).pathname)?.[1])) ? PRICES.streamPerSecond * BigInt(CHUNK_SECONDS) : null), GET);
}

type Send = (status: number, type: string, body: string | Buffer, cache?: string) => void;

function sender(res: ServerResponse): Send {
  return (status, type, body, cache = 'no-cache') => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': cache, 'X-Content-Type-Options': 'nosniff' });
    res.end(body);
  };
}

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const SVG = 'image/svg+xml';
/** Paid items are charged per request: nothing in between may keep a copy. */
const PAID = 'private, no-store';
const STATIC = 'public, max-age=86400';

export function demoSite(): RequestListener {
  return (req, res) => {
    const send = sender(res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    const u = url(req);
    const path = u.pathname;
    const receipt = (req as PaidRequest).paychan;
    let m: RegExpExecArray | null;
    if (path === '/') return send(200, HTML, homePage());
    if (path === '/about') return send(200, HTML, aboutPage());
    if (path === '/gallery') return send(200, HTML, galleryPage());
    if (path === '/api') return send(200, HTML, apiPage());
    if (path === '/listen') return send(200, HTML, listenPage());
    if ((m = ARTICLE.exec(path))) {
      const a = articleBySlug(m[1]!);
      if (a) return send(200, HTML, articlePage(a, receipt), PAID);
    }
    if ((m = PREVIEW.exec(path))) {
      const p = plateById(m[1]!);
      if (p) return send(200, SVG, previewSvg(p), STATIC);
    }
    if ((m = PLATE.exec(path))) {
      const p = plateById(m[1]!);
      if (p) return send(200, SVG, plateSvg(p), PAID);
    }
    if (path === '/api/quote') {
      const id = quoteIdOf(u);
      if (id === null) return send(404, JSON_TYPE, JSON.stringify({ error: 'no such quote' }));
      return send(200, JSON_TYPE, JSON.stringify(quote(id)), PAID);
    }
    if (path === '/api/timeline') {
      const year = yearOf(u);
      if (year === null) return send(400, JSON_TYPE, JSON.stringify({ error: 'year must be a whole number, e.g. ?year=1500 or ?year=-600' }));
      return send(200, JSON_TYPE, JSON.stringify({ year, events: timeline(year) }), PAID);
    }
    if (path === '/stream/info') {
      return send(200, JSON_TYPE, JSON.stringify({ title: STREAM_TITLE, chunks: CHUNK_COUNT, chunkSeconds: CHUNK_SECONDS, pricePerSecond: PRICES.streamPerSecond.toString() }));
    }
    if ((m = CHUNK.exec(path))) {
      const chunk = audioChunk(Number(m[1]));
      if (chunk) return send(200, 'audio/wav', chunk, PAID);
    }
    send(404, HTML, notFoundPage());
  };
}
