/**
 * Server configuration: defaults that work against the local devnet, overridden by a JSON file,
 * then by PAYCHAN_* environment variables, then by code. Each setting is parsed by its one
 * definition in settings.ts (which the docs' table is made from). Amounts may be written as
 * numbers or decimal strings in the file and environment; they become bigint satoshis here.
 * Relative paths in a file are taken from the file's directory, so a server started in another
 * directory still finds the same key and database.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SatPerKvb } from '../core/amounts.ts';
import type { NetworkName } from '../core/network.ts';
import { addressToOutputScript } from '../core/script.ts';
import { checkTermsConsistent, type ServerTerms } from '../core/terms.ts';
import { ESPLORA_URLS } from '../chain/esplora.ts';
import type { LogLevel } from './logger.ts';
import { payoutXpubFor } from './payout-xpub.ts';
import { closestName } from './setting-values.ts';
import { isPostgresUrl } from './store/postgres/pool.ts';
import { PROXY_KEYS, SETTING_GROUPS, SETTINGS, settingNamed } from './settings.ts';

export { parseSatsSetting } from './setting-values.ts';

export type Durability = 'full' | 'normal';

/** The settlement watcher (src/server/watcher): funding confirmations, settlements, fee bumps, refunds. */
export interface WatcherConfig {
  /** Run it inside this server; turn off where another process on the same database runs it. */
  enabled: boolean;
  /** Time between the end of one pass over the chain and the start of the next. */
  intervalMs: number;
}

/**
 * The admin listener (src/server/admin-api): the dashboard and the admin JSON API, on their own
 * port so the public one never serves them. Off until a port is set; every API request needs the
 * bearer token kept in tokenFile (0600, made by `paychan-admin token`).
 */
export interface AdminConfig {
  /** Null: no admin listener. 0: any free port. */
  port: number | null;
  /** Loopback by default: reach it through an SSH tunnel (docs/operations.md). */
  host: string;
  tokenFile: string | null;
}

export interface PaychanConfig {
  network: NetworkName;
  /** Mainnet is refused unless this is set: real money is only at stake when the operator says so. */
  allowMainnet: boolean;
  /** Esplora REST API the server reads the chain through and broadcasts to. */
  esploraUrl: string;
  /** Where the channel API is mounted. */
  basePath: string;
  /** Public origin (e.g. https://shop.example) for the absolute endpoint in challenges; null: from the Host header. */
  publicUrl: string | null;
  /**
   * The database: a SQLite file path (the embedded default), or a postgres:// URL for PostgreSQL,
   * which several server instances can share (store/open-store.ts).
   */
  dbPath: string;
  /** The server key file: a BIP39 recovery phrase (or an older hex seed); PAYCHAN_SERVER_SEED (hex) takes precedence. */
  seedFile: string | null;
  /** Settlements pay here; null: payoutXpub, else the server's own wallet (m/1017'/coin'/1'/0'). */
  payoutAddress: string | null;
  /** Settlements pay fresh P2WPKH addresses m/0/i of this account key (payout.ts); null: see payoutAddress. */
  payoutXpub: string | null;
  /** The chain check refuses a tip older than this; null: 120 minutes, except on regtest (unchecked). */
  maxTipAgeMinutes: number | null;
  terms: ServerTerms;
  /** Payments accepted, at most, before a channel's funding confirms. */
  zeroConfLimit: bigint;
  /**
   * Payments held on all channels whose funding has not confirmed, at most together: without it,
   * chained unconfirmed fundings (each spending the last one's change) could each take zeroConfLimit.
   */
  zeroConfTotalLimit: bigint;
  /** Stop taking payments this many blocks before a channel's expiry. */
  settleMarginBlocks: number;
  /**
   * Settlement fee rate floor in sat/kvB, beside the backend's own minimum (the higher wins). Set
   * as `feeRate` in sat/vB, decimals allowed ("1.5"); default 1 sat/vB, Bitcoin Core's minimum relay fee.
   */
  feeRateKvb: SatPerKvb;
  /** Confirmation target looked up in Esplora's fee estimates. */
  feeTargetBlocks: number;
  /** A settlement still unconfirmed this many blocks after its broadcast is rebuilt at a higher fee (RBF). */
  feeBumpAfterBlocks: number;
  /** Settlements and fee bumps never go above this rate, in sat/kvB; set as `maxFeeRate` in sat/vB. */
  maxFeeRateKvb: SatPerKvb;
  watcher: WatcherConfig;
  admin: AdminConfig;
  /** How long a chain tip read stays fresh. */
  tipCacheMs: number;
  /** Request bodies larger than this are refused with 413. */
  maxBodyBytes: number;
  /** A request body must arrive within this long, or the request gets 408. */
  bodyTimeoutMs: number;
  /** Headers must arrive within this long (applies to servers made by createServer). */
  headersTimeoutMs: number;
  /**
   * 'full' fsyncs the write-ahead log at every commit that stores a payment, so an acknowledged
   * payment survives a power cut (a debit alone is not waited on); 'normal' survives a process
   * crash only and may lose the last commits on power loss.
   */
  durability: Durability;
  logLevel: LogLevel;
  /** Match priced routes ignoring letter case, for sites that serve `/Articles/1` as `/articles/1`. */
  caseInsensitivePaths: boolean;
  /** An open proposal (openId) not funded within this long expires and is pruned (protocol.md: 10 minutes). */
  openProposalTtlMs: number;
  /** Unfunded open proposals waiting at once, from one client address and from everyone. */
  maxPendingOpensPerClient: number;
  maxPendingOpens: number;
  /** Opens (`POST …/channels`) one client address may make per minute, in bursts up to that many; 0: no limit. */
  openRateLimit: number;
  /** Payments (`POST …/payments` and inline) one client address may send per minute, likewise; 0: no limit. */
  paymentRateLimit: number;
  /**
   * Behind a reverse proxy: take the client address from the last X-Forwarded-For entry (the one
   * the proxy appended) instead of the connection. Leave off when clients connect directly, or
   * they could name any address they like.
   */
  trustProxy: boolean;
}

export const DEFAULT_CONFIG: PaychanConfig = {
  network: 'regtest',
  allowMainnet: false,
  esploraUrl: ESPLORA_URLS.regtest,
  basePath: '/paychan/v1',
  publicUrl: null,
  dbPath: 'paychan.db',
  seedFile: 'paychan.seed',
  payoutAddress: null,
  payoutXpub: null,
  maxTipAgeMinutes: null,
  terms: {
    network: 'regtest',
    minDeposit: 10_000n,
    maxDeposit: 5_000_000n,
    minExpiryBlocks: 144,
    maxExpiryBlocks: 4032,
    minFirstPayment: 1_000n,
  },
  zeroConfLimit: 50_000n,
  zeroConfTotalLimit: 500_000n,
  settleMarginBlocks: 36,
  feeRateKvb: 1_000n,
  feeTargetBlocks: 6,
  feeBumpAfterBlocks: 3,
  maxFeeRateKvb: 200_000n,
  // Blocks come every ten minutes or so; half a minute notices each one soon enough.
  watcher: { enabled: true, intervalMs: 30_000 },
  admin: { port: null, host: '127.0.0.1', tokenFile: null },
  tipCacheMs: 5_000,
  maxBodyBytes: 64 * 1024,
  bodyTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  durability: 'full',
  logLevel: 'info',
  caseInsensitivePaths: false,
  openProposalTtlMs: 10 * 60_000,
  maxPendingOpensPerClient: 20,
  maxPendingOpens: 10_000,
  // A wallet opens a channel per site now and then and tops up every few items: far below these.
  openRateLimit: 20,
  paymentRateLimit: 600,
  trustProxy: false,
};

/** Partial configuration as written in a file, the environment or code. */
export type ConfigInput = Partial<Omit<PaychanConfig, 'terms' | 'watcher' | 'admin'>> & {
  terms?: Partial<ServerTerms>;
  watcher?: Partial<WatcherConfig>;
  admin?: Partial<AdminConfig>;
  /** Fee rates as people write them, in sat/vB with up to three decimals: feeRateKvb and maxFeeRateKvb. */
  feeRate?: bigint | number | string;
  maxFeeRate?: bigint | number | string;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function unknownSetting(name: string): string {
  const library = SETTINGS.filter((s) => !s.proxy).map((s) => s.name);
  const known = settingNamed(name);
  if (known?.proxy) return `${name} is a setting of paychan-server's config file, not of the library`;
  const near = closestName(name, [...library, ...SETTING_GROUPS]);
  return `${name} is not a setting${near ? ` (did you mean ${near}?)` : ''}; the settings are listed in docs/operations.md`;
}

/** Sets `value` at a dotted path of `target`, making the objects on the way. */
function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys.at(-1)!] = value;
}

/** One setting through its definition; a relative path from a file is taken from `baseDir`. */
function parseOne(out: Record<string, unknown>, name: string, value: unknown, where: string, baseDir: string | undefined): void {
  const def = settingNamed(name);
  if (!def || def.proxy) throw new ConfigError(`${where}: ${unknownSetting(name)}`);
  let parsed: unknown;
  try {
    parsed = def.parse(value, name);
  } catch (err) {
    throw new ConfigError(`${where}: ${(err as Error).message}`);
  }
  if (def.path && baseDir !== undefined && typeof parsed === 'string' && !isPostgresUrl(parsed)) parsed = resolve(baseDir, parsed);
  setAt(out, def.field ?? name, parsed);
}

/** Normalises and checks one layer of input; unknown keys are errors, so typos do not pass silently. */
function normalise(input: Record<string, unknown>, where: string, baseDir?: string): ConfigInput {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!SETTING_GROUPS.has(key)) {
      parseOne(out, key, value, where, baseDir);
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${where}: ${key} must be an object`);
    for (const [sub, v] of Object.entries(value as Record<string, unknown>)) {
      // A loaded config passed back in carries terms.network: always the server's network.
      if (v === undefined || (key === 'terms' && sub === 'network')) continue;
      parseOne(out, `${key}.${sub}`, v, where, baseDir);
    }
  }
  return out as ConfigInput;
}

/** The settings the PAYCHAN_* variables give, as a file would write them. */
function fromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const def of SETTINGS) for (const name of def.env) if (env[name] !== undefined) setAt(out, def.name, env[name]);
  return out;
}

function merge(base: PaychanConfig, layer: ConfigInput): PaychanConfig {
  const { terms, watcher, admin, ...rest } = layer;
  const network = rest.network ?? base.network;
  const esploraUrl = rest.esploraUrl ?? (rest.network && rest.network !== base.network ? ESPLORA_URLS[rest.network] : base.esploraUrl);
  return { ...base, ...rest, esploraUrl, terms: { ...base.terms, ...terms, network }, watcher: { ...base.watcher, ...watcher }, admin: { ...base.admin, ...admin } };
}

/** Checks a finished configuration for settings that cannot work together. */
export function checkConfig(c: PaychanConfig): PaychanConfig {
  if (c.network === 'mainnet' && !c.allowMainnet) {
    throw new ConfigError('network is mainnet but allowMainnet is not true: set "allowMainnet": true in the config (or PAYCHAN_ALLOW_MAINNET=1) to take real bitcoin');
  }
  checkTermsConsistent(c.terms);
  if (c.feeRateKvb < 1n) throw new ConfigError('feeRate must be above 0 sat/vB');
  if (c.settleMarginBlocks >= c.terms.minExpiryBlocks) {
    throw new ConfigError('settleMarginBlocks must be below terms.minExpiryBlocks, or no channel could ever take a payment');
  }
  if (c.maxFeeRateKvb < c.feeRateKvb) throw new ConfigError('maxFeeRate must be at least feeRate');
  // The admin API answers only with the token: a listener without one could never be used.
  if (c.admin.port !== null && c.admin.tokenFile === null) throw new ConfigError('admin.port needs admin.tokenFile (paychan-admin token --config FILE makes one)');
  if (c.zeroConfTotalLimit < c.zeroConfLimit) throw new ConfigError('zeroConfTotalLimit must be at least zeroConfLimit');
  if (c.maxPendingOpens < c.maxPendingOpensPerClient) throw new ConfigError('maxPendingOpens must be at least maxPendingOpensPerClient');
  if (c.payoutAddress !== null && c.payoutXpub !== null) throw new ConfigError('payoutAddress and payoutXpub are both set: settlements pay one of them, so keep one');
  if (c.payoutAddress !== null) {
    try {
      addressToOutputScript(c.payoutAddress, c.network);
    } catch {
      throw new ConfigError(`payoutAddress must be a ${c.network} address`);
    }
  }
  if (c.payoutXpub !== null) {
    try {
      payoutXpubFor(c.payoutXpub, c.network);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }
  return c;
}

export interface LoadConfigOptions {
  /** A JSON file with any subset of the settings. */
  file?: string;
  env?: Record<string, string | undefined>;
  overrides?: ConfigInput;
  /** Keys of the file that another reader takes: skipped here, not refused. The proxy's own settings always are. */
  otherKeys?: ReadonlySet<string>;
}

export function loadConfig(opts: LoadConfigOptions = {}): PaychanConfig {
  let config = DEFAULT_CONFIG;
  if (opts.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(opts.file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read config file ${opts.file}: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${opts.file} must hold a JSON object`);
    const own = Object.fromEntries(Object.entries(parsed as Record<string, unknown>).filter(([k]) => !PROXY_KEYS.has(k) && !opts.otherKeys?.has(k)));
    // A file that leaves out dbPath or seedFile means the default file next to it, not in whatever directory the server starts in.
    for (const def of SETTINGS) {
      const fallback = (DEFAULT_CONFIG as unknown as Record<string, unknown>)[def.name];
      if (def.path && own[def.name] === undefined && typeof fallback === 'string') own[def.name] = fallback;
    }
    config = merge(config, normalise(own, opts.file, dirname(resolve(opts.file))));
  }
  config = merge(config, normalise(fromEnv(opts.env ?? process.env), 'environment'));
  if (opts.overrides) config = merge(config, normalise(opts.overrides as Record<string, unknown>, 'overrides'));
  return checkConfig(config);
}
