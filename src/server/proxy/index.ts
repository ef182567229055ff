/**
 * The Paychan reverse proxy: puts a paywall in front of an existing site with no change to it.
 * Priced routes from the config answer 402 until paid; everything else, and every paid request,
 * is forwarded to the upstream. The channel API is served here, under the library's base path.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAdminListener, type AdminServer } from '../admin-api/index.ts';
import { jsonLogger } from '../logger.ts';
import { createPaychan, type Paychan, type PaychanOptions } from '../paychan.ts';
import type { ProxyConfig } from './config.ts';
import { createForwarder } from './forward.ts';

export { loadProxyConfig, type ProxyConfig, type ProxyRoute } from './config.ts';

export interface RunningProxy {
  /** Origin the proxy listens on, e.g. http://127.0.0.1:8402 */
  url: string;
  paychan: Paychan;
  server: Server;
  /** The dashboard and admin API, when the config gives admin.port. */
  admin: AdminServer | null;
  stop(): Promise<void>;
}

export async function startProxy(config: ProxyConfig, opts: Omit<PaychanOptions, 'config'> = {}): Promise<RunningProxy> {
  const logger = opts.logger ?? jsonLogger(config.paychan.logLevel);
  const paychan = await createPaychan({ ...opts, logger, config: config.paychan });
  for (const r of config.routes) paychan.route(r.path, r.price, { methods: r.methods });
  const forward = createForwarder({ upstream: config.upstream, timeoutMs: config.upstreamTimeoutMs, logger });

  const server = createServer(
    {
      headersTimeout: config.paychan.headersTimeoutMs,
      // Bodies stream through to the upstream, so no whole-request deadline: uploads may be long.
      requestTimeout: 0,
      keepAliveTimeout: 5_000,
    },
    // The handler normalises req.url (http/path.ts): what it matched is what is forwarded.
    (req, res) => paychan.handler(req, res, () => forward(req, res)),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.listen.port, config.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    forward.close();
    await paychan.close();
    throw err;
  }
  let admin: AdminServer | null = null;
  if (config.paychan.admin.port !== null) {
    try {
      admin = await startAdminListener(paychan, { logger, ...(opts.chain ? { chain: opts.chain } : {}) });
    } catch (err) {
      server.close();
      forward.close();
      await paychan.close();
      throw err;
    }
    logger.info('admin listener', { url: admin.url });
  }
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  logger.info('proxy listening', { url, upstream: config.upstream.href, routes: config.routes.length });
  let stopped: Promise<void> | null = null;
  return {
    url,
    paychan,
    server,
    admin,
    stop() {
      stopped ??= Promise.all([
        admin?.stop(),
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
      ]).then(() => {
        forward.close();
        return paychan.close();
      });
      return stopped;
    },
  };
}
