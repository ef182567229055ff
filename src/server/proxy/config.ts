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
 * Every key is defined in settings.ts. The library's settings are read by loadConfig, as
 * paychan-admin reads them from the same file: PAYCHAN_* variables win over the file, and
 * relative paths are taken from the file's directory.
 */
import { readFileSync } from 'node:fs';
import { loadConfig, type PaychanConfig } from '../config.ts';
import { PROXY_KEYS, settingNamed } from '../settings.ts';
import type { ProxyRoute } from './route-setting.ts';

export { DEFAULT_METHODS, type ProxyRoute } from './route-setting.ts';
export { PROXY_KEYS };

export interface ProxyConfig {
  /** Origin (and optional base path) requests are forwarded to. */
  upstream: URL;
  listen: { port: number; host: string };
  routes: ProxyRoute[];
  /** An upstream silent for this long (no bytes either way) gets 504. */
  upstreamTimeoutMs: number;
  paychan: PaychanConfig;
}

/** The proxy's defaults, for settings the file leaves out (settings.ts documents them from here). */
export const PROXY_DEFAULTS = { listen: { port: 8402, host: '127.0.0.1' }, upstreamTimeoutMs: 60_000 } as const;

export class ProxyConfigError extends Error {
  override name = 'ProxyConfigError';
}

export interface LoadProxyConfigOptions {
  file: string;
  env?: Record<string, string | undefined>;
  /** Command-line flags; they win over the file. */
  listen?: { port?: number; host?: string };
}

export function loadProxyConfig(opts: LoadProxyConfigOptions): ProxyConfig {
  const where = opts.file;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(opts.file, 'utf8'));
  } catch (err) {
    throw new ProxyConfigError(`cannot read config file ${opts.file}: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ProxyConfigError(`${where}: must hold a JSON object`);
  const all = parsed as Record<string, unknown>;
  const setting = <T>(name: string, value: unknown): T => {
    try {
      return settingNamed(name)!.parse(value, name) as T;
    } catch (err) {
      throw new ProxyConfigError(`${where}: ${(err as Error).message}`);
    }
  };
  if (all.upstream === undefined) throw new ProxyConfigError(`${where}: upstream is required`);
  const listen = all.listen ?? {};
  if (!listen || typeof listen !== 'object' || Array.isArray(listen)) throw new ProxyConfigError(`${where}: listen must be an object {port, host}`);
  const given = listen as Record<string, unknown>;
  for (const k of Object.keys(given)) if (!settingNamed(`listen.${k}`)) throw new ProxyConfigError(`${where}: listen.${k} is not a setting (listen takes port and host)`);

  return {
    upstream: setting<URL>('upstream', all.upstream),
    listen: {
      port: opts.listen?.port ?? (given.port === undefined ? PROXY_DEFAULTS.listen.port : setting<number>('listen.port', given.port)),
      host: opts.listen?.host ?? (given.host === undefined ? PROXY_DEFAULTS.listen.host : setting<string>('listen.host', given.host)),
    },
    routes: setting<ProxyRoute[]>('routes', all.routes),
    upstreamTimeoutMs: all.upstreamTimeoutMs === undefined ? PROXY_DEFAULTS.upstreamTimeoutMs : setting<number>('upstreamTimeoutMs', all.upstreamTimeoutMs),
    paychan: loadConfig({ file: opts.file, env: opts.env ?? process.env }),
  };
}
