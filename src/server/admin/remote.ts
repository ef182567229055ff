/**
 * paychan-admin reading a running server through its admin JSON API (`--url`, or `--api` for the
 * address in the config), so the command line and the dashboard show the same figures. The token
 * comes from --token-file, else PAYCHAN_ADMIN_TOKEN, else the config's admin.tokenFile.
 */
import { readTokenFile, checkToken } from '../admin-api/token.ts';
import type { PaychanConfig } from '../config.ts';
import { ADMIN_PORT } from '../init.ts';
import { AdminError } from './settle.ts';

export interface RemoteTarget {
  url: string;
  token: string;
}

/** The admin listener's origin from the config (its port, else init's default). */
export function adminOrigin(config: PaychanConfig, port = config.admin.port): string {
  const host = config.admin.host.includes(':') ? `[${config.admin.host}]` : config.admin.host;
  return `http://${host}:${port ?? ADMIN_PORT}`;
}

export function remoteTarget(opts: { url?: string; api?: boolean; tokenFile?: string }, config: PaychanConfig, env: Record<string, string | undefined>): RemoteTarget | null {
  let url = opts.url;
  if (url === undefined && opts.api) {
    if (config.admin.port === null) throw new AdminError('--api reads the admin listener named by admin.port in the config, and it has none (or pass --url)');
    url = adminOrigin(config);
  }
  if (url === undefined) return null;
  if (!/^https?:\/\/[^/]+\/?$/.test(url)) throw new AdminError(`--url must be the admin listener's origin, like http://127.0.0.1:8403: ${url.slice(0, 100)}`);
  let token: string;
  try {
    if (opts.tokenFile) token = readTokenFile(opts.tokenFile);
    else if (env.PAYCHAN_ADMIN_TOKEN) token = checkToken(env.PAYCHAN_ADMIN_TOKEN, 'PAYCHAN_ADMIN_TOKEN');
    else if (config.admin.tokenFile) token = readTokenFile(config.admin.tokenFile);
    else throw new AdminError('the admin API needs its token: --token-file FILE, PAYCHAN_ADMIN_TOKEN, or admin.tokenFile in --config');
  } catch (err) {
    throw new AdminError((err as Error).message);
  }
  return { url: url.replace(/\/$/, ''), token };
}

/** GET one API path; a refusal becomes an AdminError carrying the problem's code and detail. */
export async function getAdminApi(target: RemoteTarget, path: string): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(target.url + path, { headers: { Authorization: `Bearer ${target.token}` } });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new AdminError(`cannot reach the admin API at ${target.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!res.ok || body === null) throw new AdminError(`the admin API at ${target.url} answered ${res.status}${body ? ` ${String(body.code)}: ${String(body.detail)}` : ''}`);
  return body;
}
