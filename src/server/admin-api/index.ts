/** The admin listener of a running Paychan: the dashboard and the admin JSON API (docs/operations.md). */
import { EsploraClient } from '../../chain/esplora.ts';
import type { ChainBackend } from '../chain.ts';
import type { Logger } from '../logger.ts';
import type { Paychan } from '../paychan.ts';
import { startAdminServer, type AdminServer } from './server.ts';
import { AdminTokenError, checkToken, readTokenFile } from './token.ts';

export { startAdminServer, isLoopback, DASHBOARD_CSP, type AdminServer, type AdminServerOptions } from './server.ts';
export { ADMIN_CODES, type AdminCode } from './api.ts';
export { writeTokenFile, readTokenFile, AdminTokenError } from './token.ts';
export type * from './views.ts';

export interface AdminListenerOptions {
  logger: Logger;
  /** Reads the tip for the channels' expiry dates; default: config.esploraUrl. */
  chain?: Pick<ChainBackend, 'getTipHeight'>;
  /** Default: the file config.admin.tokenFile names, read at every request (so `paychan-admin token --rotate` applies at once). */
  token?: string;
  /** Default: config.admin's. */
  host?: string;
  port?: number;
}

export function startAdminListener(paychan: Paychan, opts: AdminListenerOptions): Promise<AdminServer> {
  const { config, store } = paychan;
  const file = config.admin.tokenFile;
  let token: () => string;
  if (opts.token !== undefined) {
    const given = opts.token;
    token = () => checkToken(given, 'token');
  } else if (file) token = () => readTokenFile(file);
  else token = () => {
    throw new AdminTokenError('no admin.tokenFile in the config');
  };
  const chain = opts.chain ?? new EsploraClient(config.esploraUrl);
  return startAdminServer({
    config,
    store,
    token,
    getTipHeight: () => chain.getTipHeight(),
    host: opts.host ?? config.admin.host,
    port: opts.port ?? config.admin.port ?? 0,
    logger: opts.logger,
  });
}
