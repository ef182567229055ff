/**
 * The reverse proxy's configuration file: the proxy's own settings (upstream, listen, routes)
 * next to the library's (network, esploraUrl, dbPath, seedFile, payoutAddress, terms, …):
 *
 *   {
 *     "upstream": "http://127.0.0.1:8080",
 *     "listen": { "port": 8402, "host": "0.0.0.0" },
 *     "routes": [
 *       { "path": "/articles/*", "price": "10" },
 *       { "path": "/api/search", "price": 2, "methods": ["GET"] }
 *     ],
 *     "network": "regtest", "esploraUrl": "http://127.0.0.1:3002", "dbPath": "proxy.db"
 *   }
 *
 * Library settings then take PAYCHAN_* environment variables for any setting the file leaves
 * out (loadConfig cannot layer a file it did not read itself, so the file wins where both set one).
 */
import { readFileSync } from 'node:fs';
import { loadConfig, parseSatsSetting, type ConfigInput, type PaychanConfig } from '../config.ts';

export interface ProxyRoute {
  /** An exact path or a prefix ending in `*`. */
  path: string;
  price: bigint;
  /** Methods charged; others pass free. Default: GET, HEAD, POST, PUT, PATCH, DELETE. */
  methods: string[];
}

export interface ProxyConfig {
  /** Origin (and optional base path) requests are forwarded to. */
  upstream: URL;
  listen: { port: number; host: string };
  routes: ProxyRoute[];
  /** An upstream silent for this long (no bytes either way) gets 504. */
  upstreamTimeoutMs: number;
  paychan: PaychanConfig;
}

export const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The proxy's own settings; the rest of the file is the library's (loadConfig's). */
export const PROXY_KEYS: ReadonlySet<string> = new Set(['upstream', 'listen', 'routes', 'upstreamTimeoutMs']);

export class ProxyConfigError extends Error {
  override name = 'ProxyConfigError';
}

function fail(where: string, msg: string): never {
  throw new ProxyConfigError(`${where}: ${msg}`);
}

function upstreamUrl(value: unknown, where: string): URL {
  let u: URL;
  try {
    u = new URL(String(value));
  } catch {
    fail(where, 'upstream must be an http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') fail(where, 'upstream must be an http(s) URL');
  if (u.search || u.hash || u.username || u.password) fail(where, 'upstream must not carry a query, fragment or credentials');
  return u;
}

function port(value: unknown, where: string): number {
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) fail(where, 'port must be 0 to 65535');
  return n;
}

function price(value: unknown, where: string): bigint {
  try {
    return parseSatsSetting(value, 'price');
  } catch (err) {
    fail(where, (err as Error).message);
  }
}

function route(value: unknown, where: string): ProxyRoute {
  if (!value || typeof value !== 'object') fail(where, 'a route must be an object {path, price, methods?}');
  const r = value as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!['path', 'price', 'methods'].includes(k)) fail(where, `${k} is not a route setting`);
  const path = r.path;
  if (typeof path !== 'string' || !path.startsWith('/') || path.slice(0, -1).includes('*')) {
    fail(where, 'path must start with / and may only end in *');
  }
  let methods = DEFAULT_METHODS;
  if (r.methods !== undefined) {
    if (!Array.isArray(r.methods) || r.methods.length === 0 || !r.methods.every((m) => typeof m === 'string' && /^[A-Za-z]+$/.test(m))) {
      fail(where, 'methods must be a non-empty list of HTTP methods');
    }
    methods = (r.methods as string[]).map((m) => m.toUpperCase());
  }
  return { path, price: price(r.price, where), methods };
}

export interface LoadProxyConfigOptions {
  file: string;
  env?: Record<string, string | undefined>;
  /** Command-line flags; they win over the file. */
  listen?: { port?: number; host?: string };
}

export function loadProxyConfig(opts: LoadProxyConfigOptions): ProxyConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(opts.file, 'utf8'));
  } catch (err) {
    throw new ProxyConfigError(`cannot read config file ${opts.file}: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) fail(opts.file, 'must hold a JSON object');
  const all = parsed as Record<string, unknown>;
  const library: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) if (!PROXY_KEYS.has(k)) library[k] = v;

  if (all.upstream === undefined) fail(opts.file, 'upstream is required');
  const listen = (all.listen ?? {}) as Record<string, unknown>;
  if (typeof listen !== 'object') fail(opts.file, 'listen must be an object {port, host}');
  if (!Array.isArray(all.routes)) fail(opts.file, 'routes must be a list (it may be empty)');
  const timeout = all.upstreamTimeoutMs ?? 60_000;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0) fail(opts.file, 'upstreamTimeoutMs must be a positive whole number');

  return {
    upstream: upstreamUrl(all.upstream, opts.file),
    listen: {
      port: opts.listen?.port ?? (listen.port === undefined ? 8402 : port(listen.port, `${opts.file}: listen.port`)),
      host: opts.listen?.host ?? (typeof listen.host === 'string' ? listen.host : '127.0.0.1'),
    },
    routes: all.routes.map((r, i) => route(r, `${opts.file}: routes[${i}]`)),
    upstreamTimeoutMs: timeout,
    paychan: loadConfig({ env: opts.env ?? process.env, overrides: library as ConfigInput }),
  };
}
