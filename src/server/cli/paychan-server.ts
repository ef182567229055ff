#!/usr/bin/env node
/**
 * paychan-server: a reverse proxy that sells an existing site's pages through Paychan.
 *
 *   paychan-server init [--yes --dir DIR --network NET --esplora URL [--upstream URL] [--payout ADDRESS_OR_XPUB] [--route PATH=PRICE]... [--allow-mainnet]]
 *   paychan-server check --config FILE
 *   paychan-server --config FILE [--port 8402] [--host 0.0.0.0] [--db FILE|postgres://…]
 *
 * --db overrides the file's dbPath and PAYCHAN_DB/PAYCHAN_DATABASE_URL: a SQLite file, or a
 * PostgreSQL URL that several paychan-server instances behind one load balancer share.
 * See src/server/proxy/config.ts for the file's format and docs/operations.md for running it.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ESPLORA_URLS } from '../../chain/esplora.ts';
import { readTokenFile } from '../admin-api/token.ts';
import { checkChainBackend } from '../chain-check.ts';
import { askInit, DEFAULT_UPSTREAM, INIT_NETWORK, initReport, parseInitNetwork, parsePayout, parseRoute, writeInit, type InitAnswers } from '../init.ts';
import { loadSeed, SEED_ENV } from '../keys.ts';
import { loadProxyConfig, startProxy } from '../proxy/index.ts';

const USAGE = `usage: paychan-server --config FILE [--port N] [--host ADDR] [--db FILE|URL]
       paychan-server check --config FILE
       paychan-server init [--yes] [--dir DIR] [--network signet|testnet4|mainnet|regtest] [--esplora URL]
                           [--upstream URL] [--payout ADDRESS_OR_XPUB] [--route PATH=PRICE]... [--allow-mainnet]`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  db: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  yes: { type: 'boolean', short: 'y' },
  dir: { type: 'string' },
  network: { type: 'string' },
  esplora: { type: 'string' },
  upstream: { type: 'string' },
  payout: { type: 'string' },
  route: { type: 'string', multiple: true },
  'allow-mainnet': { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

async function init(values: Values): Promise<void> {
  const network = parseInitNetwork(values.network ?? INIT_NETWORK);
  const given: Partial<InitAnswers> = {
    ...(values.dir ? { dir: values.dir } : {}),
    network,
    ...(values.esplora ? { esploraUrl: values.esplora } : {}),
    ...(values.upstream ? { upstream: values.upstream } : {}),
    ...(values.payout ? parsePayout(values.payout, network) : {}),
    routes: (values.route ?? []).map(parseRoute),
    allowMainnet: values['allow-mainnet'] ?? false,
  };
  let answers: InitAnswers;
  if (values.yes) {
    if (!values.dir) throw new Error(`init --yes needs --dir\n${USAGE}`);
    answers = {
      dir: values.dir,
      network,
      esploraUrl: values.esplora ?? ESPLORA_URLS[network],
      upstream: values.upstream ?? DEFAULT_UPSTREAM,
      ...parsePayout(values.payout ?? '', network),
      routes: given.routes ?? [],
      allowMainnet: given.allowMainnet ?? false,
    };
  } else {
    if (!process.stdin.isTTY) throw new Error(`init asks its questions on a terminal; in a script, pass --yes with the settings\n${USAGE}`);
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    // Lines read through the iterator are buffered, so answers pasted ahead of their questions are kept.
    const lines = rl[Symbol.asyncIterator]();
    try {
      answers = await askInit(async (q, fallback) => {
        process.stdout.write(`${q} [${fallback}]: `);
        const line = await lines.next();
        if (line.done) throw new Error('init: no answer (input closed)');
        return (line.value as string).trim() || fallback;
      }, given);
    } finally {
      rl.close();
    }
  }
  process.stdout.write(initReport(writeInit(answers)));
}

async function check(values: Values): Promise<void> {
  if (!values.config) throw new Error(`check needs --config\n${USAGE}`);
  const config = loadProxyConfig({ file: values.config });
  const { network, esploraUrl, seedFile, maxTipAgeMinutes } = config.paychan;
  // The key first, as the start reads it: a missing key stops the start as surely as a dead chain.
  loadSeed({ network, seedFile });
  // The admin listener would refuse to start on a token it cannot read: say so here too.
  const { admin } = config.paychan;
  if (admin.port !== null && admin.tokenFile) readTokenFile(admin.tokenFile);
  const tip = await checkChainBackend(esploraUrl, network, { maxTipAgeMinutes });
  const age = tip.tipTime === null ? '' : `, mined ${Math.max(0, Math.round(Date.now() / 60_000 - tip.tipTime / 60))} minutes ago`;
  console.log(`ok: key ${process.env[SEED_ENV] ? SEED_ENV : seedFile} readable; ${esploraUrl} serves ${network}, tip at block ${tip.tipHeight} (${tip.tipHash})${age}`);
}

async function serve(values: Values): Promise<void> {
  if (!values.config) throw new Error(`--config is required (paychan-server init makes one)\n${USAGE}`);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port must be a port number\n${USAGE}`);
  const config = loadProxyConfig({
    file: values.config,
    listen: { ...(port !== undefined ? { port } : {}), ...(values.host ? { host: values.host } : {}) },
  });
  if (values.db) config.paychan.dbPath = values.db;
  // Before listening: a paywall that cannot read its chain would answer every reader with 500.
  await checkChainBackend(config.paychan.esploraUrl, config.paychan.network, { maxTipAgeMinutes: config.paychan.maxTipAgeMinutes });
  const proxy = await startProxy(config);
  console.log(`paychan-server: ${proxy.url} -> ${config.upstream.href} (${config.routes.length} priced routes, channel API at ${config.paychan.basePath})`);
  if (proxy.admin) console.log(`paychan-server: dashboard and admin API at ${proxy.admin.url}/ (token in ${config.paychan.admin.tokenFile})`);
  const shutdown = () => {
    void proxy.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: OPTIONS, allowPositionals: true });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [command, ...extra] = positionals;
  if (extra.length > 0) throw new Error(`unexpected ${extra.join(' ')}\n${USAGE}`);
  if (command === 'init') await init(values);
  else if (command === 'check') await check(values);
  else if (command === undefined) await serve(values);
  else throw new Error(`unknown command ${command}\n${USAGE}`);
}

main().catch((err: unknown) => {
  console.error(`paychan-server: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
