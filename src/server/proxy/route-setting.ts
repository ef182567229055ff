/**
 * Value parsers of the reverse proxy's own settings (upstream, listen.port, routes), used by the
 * settings table (settings.ts) that the proxy's config loader and the docs both read.
 */
import { parseSatsSetting, SettingError, type ValueParser } from '../setting-values.ts';

export interface ProxyRoute {
  /** An exact path or a prefix ending in `*`. */
  path: string;
  price: bigint;
  /** Methods charged; others pass free. Default: GET, HEAD, POST, PUT, PATCH, DELETE. */
  methods: string[];
}

export const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export const upstreamUrl: ValueParser<URL> = (value, name) => {
  let u: URL;
  try {
    u = new URL(String(value));
  } catch {
    throw new SettingError(`${name} must be an http(s) URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new SettingError(`${name} must be an http(s) URL`);
  if (u.search || u.hash || u.username || u.password) throw new SettingError(`${name} must not carry a query, fragment or credentials`);
  return u;
};

function route(value: unknown, where: string): ProxyRoute {
  const fail = (msg: string): never => {
    throw new SettingError(`${where}: ${msg}`);
  };
  if (!value || typeof value !== 'object') fail('a route must be an object {path, price, methods?}');
  const r = value as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!['path', 'price', 'methods'].includes(k)) fail(`${k} is not a route setting`);
  const path = r.path;
  if (typeof path !== 'string' || !path.startsWith('/') || path.slice(0, -1).includes('*')) fail('path must start with / and may only end in *');
  let methods = DEFAULT_METHODS;
  if (r.methods !== undefined) {
    if (!Array.isArray(r.methods) || r.methods.length === 0 || !r.methods.every((m) => typeof m === 'string' && /^[A-Za-z]+$/.test(m))) {
      fail('methods must be a non-empty list of HTTP methods');
    }
    methods = (r.methods as string[]).map((m) => m.toUpperCase());
  }
  let price = 0n;
  try {
    price = parseSatsSetting(r.price, 'price');
  } catch (err) {
    fail((err as Error).message);
  }
  return { path: path as string, price, methods };
}

export const routeList: ValueParser<ProxyRoute[]> = (value, name) => {
  if (!Array.isArray(value)) throw new SettingError(`${name} must be a list (it may be empty)`);
  return value.map((r, i) => route(r, `${name}[${i}]`));
};
