/**
 * Request-target normalisation for the proxy. The paywall matches the path the proxy forwards,
 * so both must be the same string, and it must be the path the upstream will act on: otherwise
 * `/free/../articles/1` or `/%61rticles/1` would match no priced route here and then be served
 * as `/articles/1` by an upstream that normalises. So the proxy resolves dot segments, decodes
 * percent-encoded unreserved characters and merges slashes first, and refuses encodings that
 * upstreams disagree about (encoded slash or backslash, NUL, raw backslash).
 */

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

/** The origin-form target to match and forward, or null when the proxy should refuse it. */
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
