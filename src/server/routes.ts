/** Path patterns for priced routes registered with `paychan.route(...)`. */
import { matchPath, withoutTrailingSlash } from './http/path.ts';
import type { Price } from './paywall.ts';

/**
 * An exact path, a prefix ending in `*` (`/articles/*`), or a regular expression. Each is matched
 * against the normalised request path (http/path.ts): an exact path ignores a trailing slash, and
 * with case folding a string pattern ignores case (write a regular expression in lower case or with
 * the `i` flag).
 */
export type RoutePattern = string | RegExp;

export interface PricedRoute {
  /** `path` as from matchPath. */
  matches(path: string, method: string): boolean;
  price: Price;
}

export function pricedRoute(
  pattern: RoutePattern,
  price: Price,
  methods: readonly string[] = ['GET', 'HEAD', 'POST'],
  opts: { foldCase?: boolean } = {},
): PricedRoute {
  const allowed = new Set(methods.map((m) => m.toUpperCase()));
  let test: (path: string) => boolean;
  if (pattern instanceof RegExp) test = (p) => pattern.test(p) || pattern.test(withoutTrailingSlash(p));
  else if (pattern.endsWith('*')) {
    const prefix = matchPath(pattern.slice(0, -1), opts.foldCase ?? false);
    test = (p) => p.startsWith(prefix);
  } else {
    const exact = withoutTrailingSlash(matchPath(pattern, opts.foldCase ?? false));
    test = (p) => withoutTrailingSlash(p) === exact;
  }
  return { matches: (path, method) => allowed.has(method) && test(path), price };
}
