/**
 * The demo site, started in-process: the magazine served through the Paychan library on plain
 * node:http. Used by the demo command, the e2e tests and anyone who wants to see it work.
 */
import type { AddressInfo } from 'node:net';
import type { ConfigInput } from '../config.ts';
import { createPaychan, type Paychan, type PaychanOptions } from '../paychan.ts';
import { demoSite, priceDemoRoutes } from './site.ts';

export interface DemoSiteOptions extends Omit<PaychanOptions, 'config'> {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Library settings (defaults: the local devnet, paychan.db and paychan.seed in the working directory). */
  config?: ConfigInput;
  /** Shorthands for the settings a demo most often changes; they win over `config`. */
  esploraUrl?: string;
  dbPath?: string;
}

export interface DemoSite {
  /** Origin, e.g. http://127.0.0.1:3000 */
  url: string;
  paychan: Paychan;
  stop(): Promise<void>;
}

export async function startDemoSite(opts: DemoSiteOptions = {}): Promise<DemoSite> {
  const { port = 0, host = '127.0.0.1', config = {}, esploraUrl, dbPath, ...library } = opts;
  const paychan = await createPaychan({
    ...library,
    config: { ...config, ...(esploraUrl ? { esploraUrl } : {}), ...(dbPath ? { dbPath } : {}) },
  });
  priceDemoRoutes(paychan);
  const server = paychan.createServer(demoSite());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await paychan.close();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let stopped: Promise<void> | null = null;
  return {
    url: `http://${shownHost}:${addr.port}`,
    paychan,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => paychan.close());
      return stopped;
    },
  };
}
