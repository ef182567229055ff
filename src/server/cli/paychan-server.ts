#!/usr/bin/env node
/**
 * paychan-server: a reverse proxy that sells an existing site's pages through Paychan.
 *
 *   paychan-server --config proxy.json [--port 8402] [--host 0.0.0.0] [--db FILE|postgres://…]
 *
 * --db overrides the file's dbPath and PAYCHAN_DB/PAYCHAN_DATABASE_URL: a SQLite file, or a
 * PostgreSQL URL that several paychan-server instances behind one load balancer share.
 * See src/server/proxy/config.ts for the file's format.
 */
import { parseArgs } from 'node:util';
import { loadProxyConfig, startProxy } from '../proxy/index.ts';

const USAGE = 'usage: paychan-server --config FILE [--port N] [--host ADDR] [--db FILE|URL]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.config) throw new Error(`--config is required\n${USAGE}`);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port must be a port number\n${USAGE}`);
  const config = loadProxyConfig({
    file: values.config,
    listen: { ...(port !== undefined ? { port } : {}), ...(values.host ? { host: values.host } : {}) },
  });
  if (values.db) config.paychan.dbPath = values.db;
  const proxy = await startProxy(config);
  console.log(`paychan-server: ${proxy.url} -> ${config.upstream.href} (${config.routes.length} priced routes, channel API at ${config.paychan.basePath})`);
  const shutdown = () => {
    void proxy.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
