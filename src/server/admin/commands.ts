/**
 * paychan-admin's commands, runnable in-process (tests) or from the CLI:
 *
 *   paychan-admin [--db FILE] [--config FILE] list [--state open|closing|closed]
 *   paychan-admin ... show <channelId>
 *   paychan-admin ... settle <channelId>
 *   paychan-admin ... totals [--csv] [--url URL | --api] [--token-file FILE]
 *   paychan-admin ... token [--rotate] [--show]
 *   paychan-admin ... export-csv [--out FILE]
 *   paychan-admin ... migrate --to postgres://…
 *   paychan-admin ... backup FILE
 *   paychan-admin ... wallet
 *   paychan-admin ... sweep ADDRESS
 *
 * The database is --db, else the config's dbPath (--config file, then PAYCHAN_* variables): a
 * SQLite file or a postgres:// URL.
 * `settle`, `wallet` and `sweep` also need the server's seed (PAYCHAN_SERVER_SEED or seedFile)
 * and its Esplora; `wallet` and `sweep` need no database.
 * `totals --url` (or `--api`) reads a running server's admin JSON API instead of the database.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseChannelId, formatChannelId } from '../../core/channel.ts';
import { ProtocolError } from '../../core/errors.ts';
import type { ServerChannelState } from '../../core/server-channel.ts';
import { loadConfig, type PaychanConfig } from '../config.ts';
import { jsonLogger } from '../logger.ts';
import { PROXY_KEYS } from '../proxy/config.ts';
import type { ChannelStore } from '../store/channel-store.ts';
import { isPostgresUrl, openChannelStore } from '../store/open-store.ts';
import { readTokenFile, writeTokenFile } from '../admin-api/token.ts';
import { storeTotals, totalsFromJson } from '../admin-api/views.ts';
import { backupDatabase } from './backup.ts';
import { migrateToPostgres } from './migrate.ts';
import { adminOrigin, getAdminApi, remoteTarget } from './remote.ts';
import { channelDetail, channelTable, eventsCsv, totalsCsv, totalsText } from './report.ts';
import { AdminError, settleNow } from './settle.ts';
import { walletCommand } from './wallet-command.ts';

export interface AdminIO {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

export const USAGE = `usage: paychan-admin [--db FILE|URL] [--config FILE] <command>
  list [--state open|closing|closed]   channels, oldest first
  show <channelId>                     one channel and its event history
  settle <channelId>                   settle a channel on chain now
  totals [--csv]                       delivered, unused credit, settled, fees, pending, zero-conf exposure (sat)
         [--url URL | --api]           ... read from a running server's admin API (--api: the config's admin address)
         [--token-file FILE]           ... its token (else PAYCHAN_ADMIN_TOKEN, else the config's admin.tokenFile)
  token [--rotate] [--show]            make the admin token file (admin.tokenFile, mode 0600); --show prints the dashboard's address with it
  export-csv [--out FILE]              every event as CSV (stdout unless --out)
  migrate --to postgres://…            copy this SQLite site into an empty PostgreSQL database
  backup FILE                          a consistent copy of the live database (SQLite online backup)
  wallet                               the server's own payout wallet: address and balance (sat)
  sweep ADDRESS                        send the wallet's confirmed coins to ADDRESS at the fee estimate
`;

const STATES = new Set<string>(['open', 'closing', 'closed']);

function channelIdArg(value: string | undefined): string {
  if (!value) throw new AdminError('a channel id <txid>:<vout> is required');
  try {
    return formatChannelId(parseChannelId(value));
  } catch {
    throw new AdminError(`not a channel id: ${value} (expected <64 hex txid>:<vout>)`);
  }
}

/** `token`: makes (or with --rotate replaces) the token file; --show prints the dashboard's address carrying it. */
function tokenCommand(config: PaychanConfig, values: { 'token-file'?: string; rotate?: boolean; show?: boolean }): string {
  const file = values['token-file'] ?? config.admin.tokenFile;
  if (!file) throw new AdminError('token needs admin.tokenFile in the config (or --token-file FILE)');
  if (values.show) {
    const token = readTokenFile(file);
    return `${token}\ndashboard: ${adminOrigin(config)}/#token=${token}\n`;
  }
  writeTokenFile(file, { replace: values.rotate ?? false });
  return `${values.rotate ? 'replaced' : 'wrote'} the admin token in ${file} (mode 0600)${values.rotate ? '; the old token no longer opens the API' : ''}\n`;
}

/** Runs one command; resolves the process exit code (0 ok, 1 failed, 2 usage). */
export async function runAdmin(argv: string[], io: AdminIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        config: { type: 'string' },
        state: { type: 'string' },
        out: { type: 'string' },
        to: { type: 'string' },
        csv: { type: 'boolean' },
        url: { type: 'string' },
        api: { type: 'boolean' },
        'token-file': { type: 'string' },
        rotate: { type: 'boolean' },
        show: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, arg] = positionals;
  if (values.help || !command) {
    (values.help ? io.out : io.err)(USAGE);
    return values.help ? 0 : 2;
  }
  if (!['list', 'show', 'settle', 'totals', 'export-csv', 'migrate', 'backup', 'token', 'wallet', 'sweep'].includes(command)) {
    io.err(`unknown command ${command}\n${USAGE}`);
    return 2;
  }
  if (values.state !== undefined && !STATES.has(values.state)) {
    io.err(`--state must be open, closing or closed\n`);
    return 2;
  }

  let store: ChannelStore | null = null;
  try {
    const config: PaychanConfig = loadConfig({
      ...(values.config ? { file: values.config } : {}),
      // The same file as paychan-server's: its proxy settings are not the admin's to check.
      otherKeys: PROXY_KEYS,
      env: io.env,
      overrides: values.db ? { dbPath: values.db } : {},
    });
    if (command === 'wallet' || command === 'sweep') {
      io.out(await walletCommand(command, arg, config, io));
      return 0;
    }
    if (command === 'token') {
      io.out(tokenCommand(config, values));
      return 0;
    }
    const remote = command === 'totals' ? remoteTarget({ ...values, tokenFile: values['token-file'] }, config, io.env) : null;
    if (remote) {
      const { totals: t, zeroConfTotalLimit } = totalsFromJson(await getAdminApi(remote, '/api/totals'));
      io.out(values.csv ? totalsCsv(t) : totalsText(t, zeroConfTotalLimit));
      return 0;
    }
    // Opening a missing file would create an empty database and report nothing, silently.
    if (!isPostgresUrl(config.dbPath) && !existsSync(config.dbPath)) throw new AdminError(`no database at ${config.dbPath} (use --db or --config; paychan-server creates it on its first start)`);
    if (command === 'migrate') {
      if (!values.to || !isPostgresUrl(values.to)) throw new AdminError('migrate needs --to postgres://… (an empty PostgreSQL database)');
      if (isPostgresUrl(config.dbPath)) throw new AdminError('migrate copies a SQLite file: --db must name one');
      const r = await migrateToPostgres(config.dbPath, values.to);
      io.out(`migrated ${r.channels} channels, ${r.events} events and ${r.settlements} settlements (paid ${r.paid} sat, spent ${r.spent} sat)\n`);
      return 0;
    }
    if (command === 'backup') {
      if (!arg) throw new AdminError('backup needs a target file: paychan-admin backup FILE');
      if (isPostgresUrl(config.dbPath)) throw new AdminError('backup copies a SQLite file; back PostgreSQL up with pg_dump (docs/operations.md)');
      const { pages } = await backupDatabase(config.dbPath, arg);
      io.out(`backed up ${config.dbPath} to ${arg} (${pages} pages)\n`);
      return 0;
    }
    store = await openChannelStore(config.dbPath, { durability: config.durability });

    switch (command) {
      case 'list': {
        const state = values.state as ServerChannelState | undefined;
        io.out(channelTable(await store.listChannels(state ? { state } : {}), await store.listEvents()));
        break;
      }
      case 'show': {
        const id = channelIdArg(arg);
        const channel = await store.getChannel(id);
        if (!channel) throw new AdminError(`no channel ${id}`);
        const settlement = channel.settlementTxid ? await store.getSettlement(channel.settlementTxid) : null;
        io.out(channelDetail(channel, await store.listEvents(id), settlement));
        break;
      }
      case 'settle': {
        const id = channelIdArg(arg);
        const logger = jsonLogger(config.logLevel === 'debug' ? 'debug' : 'warn', io.err);
        const status = await settleNow({ config, store, env: io.env, logger, channelId: id });
        io.out(`channel ${status.channelId} is ${status.state}: settlement ${status.settlementTxid} pays ${status.paid} sat\n`);
        break;
      }
      case 'totals': {
        const t = await storeTotals(store);
        io.out(values.csv ? totalsCsv(t) : totalsText(t, config.zeroConfTotalLimit));
        break;
      }
      case 'export-csv': {
        const csv = eventsCsv(await store.listEvents());
        if (values.out) {
          writeFileSync(values.out, csv);
          io.err(`wrote ${csv.split('\r\n').length - 2} events to ${values.out}\n`);
        } else io.out(csv);
        break;
      }
    }
    return 0;
  } catch (err) {
    const known = err instanceof AdminError || (err instanceof Error && err.name === 'AdminTokenError') || err instanceof ProtocolError || (err instanceof Error && err.name === 'ConfigError');
    io.err(`paychan-admin: ${known ? (err as Error).message : (err as Error).stack ?? String(err)}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}
