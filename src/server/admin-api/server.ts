/**
 * The admin listener: the dashboard and the admin JSON API on a port of their own, loopback by
 * default (reach it through an SSH tunnel). It never starts without a token, and a token is
 * required on every API request, so a listener bound elsewhere by mistake still shows nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { adminApi, AdminProblem, sendAdminProblem, type AdminApiDeps } from './api.ts';
import { loadAssets } from './assets.ts';
import { AdminTokenError } from './token.ts';

/** No remote code, no inline script or style, no framing, and nothing sent to other sites. */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface AdminServerOptions extends AdminApiDeps {
  host: string;
  /** 0: any free port. */
  port: number;
}

export interface AdminServer {
  /** Origin, e.g. http://127.0.0.1:8403 */
  url: string;
  server: Server;
  stop(): Promise<void>;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  try {
    opts.token();
  } catch (err) {
    const where = isLoopback(opts.host) ? '' : ` (and never on ${opts.host}, which is not loopback)`;
    throw new AdminTokenError(`the admin listener does not start without a token${where}: ${(err as Error).message}`);
  }
  const assets = await loadAssets();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    if (url.pathname.startsWith('/api/')) return adminApi(opts, req, res, url);
    const asset = assets.get(url.pathname);
    if (!asset) throw new AdminProblem('NOT_FOUND', `no ${url.pathname.slice(0, 100)} here: the dashboard is at /`);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new AdminProblem('METHOD_NOT_ALLOWED', 'GET only');
    res.writeHead(200, {
      'Content-Type': asset.type,
      'Content-Length': Buffer.byteLength(asset.body),
      'Content-Security-Policy': DASHBOARD_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    res.end(asset.body);
  };
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof AdminProblem) return sendAdminProblem(res, err);
      opts.logger.error('admin API error', { path: req.url, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      sendAdminProblem(res, new AdminProblem('INTERNAL', 'internal error (see the server log)'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  if (!isLoopback(addr.address)) opts.logger.warn('admin listener is not on loopback: put TLS in front of it, the token travels in every request', { url });
  let stopped: Promise<void> | null = null;
  return {
    url,
    server,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
