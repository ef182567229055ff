/**
 * Request paths, normalised once per request for matching priced routes and for what the site
 * (or the proxy's upstream) then serves. Both must agree, and agree with what the site will act
 * on: otherwise `/free/../articles/1` or `/%61rticles/1` would match no priced route here and then
 * be served as `/articles/1` by a site that normalises. So the target is rewritten first (dot
 * segments resolved, percent-encoded unreserved characters decoded, slashes merged) and encodings
 * sites disagree about are refused (encoded slash or backslash, NUL, raw backslash).
 *
 * Matching then looks through what identifies the same resource on common servers but is left
 * in the target the site sees: `;` parameters (`/api/search;x`), a trailing slash (`/api/search/`)
 * and, when configured, letter case (`/Articles/1`). These stay in the forwarded target because
 * rewriting them can change what a site does (a static server redirects `/dir` to `/dir/`, which
 * would loop); if the site treats them as the same resource, the route already priced it, and if
 * not, the site answers something else (a 404 is not charged).
 */
import type { IncomingMessage } from 'node:http';

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
  });
}

/** RFC 3986 §5.2.4 on an absolute path, with empty segments (`//`) merged. */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/').slice(1);
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === '..') {
      out.pop();
      if (last) out.push('');
    } else if (seg === '.') {
      if (last) out.push('');
    } else if (seg !== '' || last) out.push(seg);
  });
  return '/' + out.join('/');
}

/** The origin-form target to match and serve, or null when it must be refused. */
export function normalizeTarget(target: string): string | null {
  let t = target;
  if (/^https?:\/\//i.test(t)) {
    // Absolute-form (RFC 9112 §3.2.2): keep only the path and query.
    const slash = t.indexOf('/', t.indexOf('//') + 2);
    t = slash === -1 ? '/' : t.slice(slash);
  }
  if (!t.startsWith('/')) return null;
  const q = t.indexOf('?');
  const rawPath = q === -1 ? t : t.slice(0, q);
  const query = q === -1 ? '' : t.slice(q);
  if (/%(2f|5c|00)/i.test(rawPath) || rawPath.includes('\\') || /%(?![0-9A-Fa-f]{2})/.test(rawPath)) return null;
  return removeDotSegments(decodeUnreserved(rawPath)) + query;
}

/** The path routes are matched against: `;` parameters dropped, lower case when `foldCase`. */
export function matchPath(path: string, foldCase: boolean): string {
  const bare = path.replace(/;[^/]*/g, '');
  return foldCase ? bare.toLowerCase() : bare;
}

/** Without its trailing slash, so `/api/search/` names `/api/search`; `/` stays `/`. */
export function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * Normalises the request's target in place (`req.url`, and Express's `originalUrl` when mounted
 * under a prefix), so whatever runs next serves the path that was matched. Returns the full path
 * without the query, or null when the target must be refused.
 */
export function normalizeRequest(req: IncomingMessage): string | null {
  const r = req as IncomingMessage & { originalUrl?: string };
  const url = normalizeTarget(req.url ?? '/');
  if (url === null) return null;
  req.url = url;
  let full = url;
  if (r.originalUrl !== undefined) {
    const original = normalizeTarget(r.originalUrl);
    if (original === null) return null;
    r.originalUrl = full = original;
  }
  const q = full.indexOf('?');
  return q === -1 ? full : full.slice(0, q);
}
