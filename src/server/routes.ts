/** Path patterns for priced routes registered with `paychan.route(...)`. */
import type { Price } from './paywall.ts';

/** An exact path, a prefix ending in `*` (`/articles/*`), or a regular expression. */
export type RoutePattern = string | RegExp;

export interface PricedRoute {
  matches(path: string, method: string): boolean;
  price: Price;
}

export function pricedRoute(pattern: RoutePattern, price: Price, methods: readonly string[] = ['GET', 'HEAD', 'POST']): PricedRoute {
  const allowed = new Set(methods.map((m) => m.toUpperCase()));
  let test: (path: string) => boolean;
  if (pattern instanceof RegExp) test = (p) => pattern.test(p);
  else if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    test = (p) => p.startsWith(prefix);
  } else test = (p) => p === pattern;
  return { matches: (path, method) => allowed.has(method) && test(path), price };
}
