/** Starts a Paychan server on 127.0.0.1 with a temporary SQLite file, for tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createPaychan, type Paychan, type PaychanOptions } from '../../../src/server/paychan.ts';
import { silentLogger } from '../../../src/server/logger.ts';
import type { ConfigInput } from '../../../src/server/config.ts';

export const TEST_SEED = Uint8Array.from(Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex'));

export interface TestServer {
  paychan: Paychan;
  server: Server;
  /** Origin, e.g. http://127.0.0.1:12345 */
  url: string;
  /** The channel API base URL. */
  endpoint: string;
  dbPath: string;
  stop(): Promise<void>;
}

export function tempDbPath(): { dir: string; dbPath: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'paychan-server-test-'));
  return { dir, dbPath: join(dir, 'paychan.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Serves `site` behind the paychan handler; `/item/*` costs 10 sat unless the options price routes. */
export async function startServer(
  opts: Omit<PaychanOptions, 'config'> & { config?: ConfigInput; dbPath: string; site?: Parameters<Paychan['createServer']>[0] },
): Promise<TestServer> {
  const paychan = await createPaychan({
    seed: TEST_SEED,
    logger: silentLogger,
    ...opts,
    config: { dbPath: opts.dbPath, ...opts.config },
  });
  const site =
    opts.site ??
    ((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`content of ${req.url}`);
    });
  const server = paychan.createServer(site);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    paychan,
    server,
    url,
    endpoint: url + paychan.config.basePath,
    dbPath: opts.dbPath,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await paychan.close();
    },
  };
}
