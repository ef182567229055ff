/**
 * Runs the demo site until interrupted:
 *
 *   npx tsx src/server/demo/cli.ts [--port 3000] [--host 127.0.0.1] [--esplora URL] [--db FILE|postgres://…] [--config FILE]
 *
 * Settings come from the config file, then PAYCHAN_* environment variables, then these flags.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { redactUrl } from '../store/postgres/pool.ts';
import { isPostgresUrl } from '../store/open-store.ts';
import { createKeyFile } from '../keys.ts';
import { startDemoSite } from './index.ts';

const USAGE = 'usage: demo [--port N] [--host ADDR] [--esplora URL] [--db FILE|URL] [--config FILE]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      esplora: { type: 'string' },
      db: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number\n${USAGE}`);
  const config = loadConfig({
    ...(values.config ? { file: values.config } : {}),
    overrides: { ...(values.esplora ? { esploraUrl: values.esplora } : {}), ...(values.db ? { dbPath: values.db } : {}) },
  });
  // The demo runs on the devnet with no setup, so it makes its own key there, saying so; on any
  // other network the key must come from `paychan-server init`.
  if (config.network === 'regtest' && config.seedFile && !existsSync(config.seedFile)) {
    createKeyFile(config.seedFile);
    console.log(`created a devnet key at ${config.seedFile}`);
  }
  const site = await startDemoSite({ port, host: values.host, config });
  console.log(`The Counting House is open at ${site.url} (Esplora ${config.esploraUrl}, database ${isPostgresUrl(config.dbPath) ? redactUrl(config.dbPath) : config.dbPath})`);
  const shutdown = () => {
    void site.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
