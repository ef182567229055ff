/**
 * Server configuration: defaults that work against the local devnet, overridden by a JSON file,
 * then by PAYCHAN_* environment variables, then by code. Amounts may be written as numbers or
 * decimal strings in the file and environment; they become bigint satoshis here.
 */
import { readFileSync } from 'node:fs';
import { parseSatPerVb, parseSats, type SatPerKvb } from '../core/amounts.ts';
import { parseNetworkName, type NetworkName } from '../core/network.ts';
import { checkTermsConsistent, type ServerTerms } from '../core/terms.ts';
import { ESPLORA_URLS } from '../chain/esplora.ts';
import { isLogLevel, type LogLevel } from './logger.ts';

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
  /** File holding the BIP32 seed as hex; PAYCHAN_SERVER_SEED (hex) takes precedence. */
  seedFile: string | null;
  /** Settlements pay here; null: a key derived from the seed (m/1017'/coin'/1'/0'). */
  payoutAddress: string | null;
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

class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * A satoshi amount from a file, the environment or a flag, by the wire's rules (core's
 * parseSats). JSON and code may also write it as a number or a bigint, which count as their
 * decimal form. Throws a ProtocolError naming `field`.
 */
export function parseSatsSetting(value: unknown, field: string): bigint {
  const whole = typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value));
  return parseSats(whole ? String(value) : value, field);
}

function sats(value: unknown, field: string): bigint {
  try {
    return parseSatsSetting(value, field);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function satPerVb(value: unknown, field: string): SatPerKvb {
  try {
    return parseSatPerVb(value, field);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function count(value: unknown, field: string): number {
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new ConfigError(`${field} must be a whole number`);
  return n;
}

function flag(value: unknown, field: string): boolean {
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw new ConfigError(`${field} must be true or false`);
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${field} must be a non-empty string`);
  return value;
}

function nullableText(value: unknown, field: string): string | null {
  return value === null || value === '' ? null : text(value, field);
}

/** Normalises and checks one layer of input; unknown keys are errors, so typos do not pass silently. */
function normalise(input: Record<string, unknown>, where: string): ConfigInput {
  const out: ConfigInput = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const field = `${where}: ${key}`;
    switch (key) {
      case 'network': {
        const network = parseNetworkName(value);
        if (network === null) throw new ConfigError(`${field} must be mainnet, testnet (testnet4), testnet4, testnet3, signet or regtest`);
        out.network = network;
        break;
      }
      case 'esploraUrl':
      case 'basePath':
      case 'dbPath':
        out[key] = text(value, field);
        break;
      case 'publicUrl':
      case 'seedFile':
      case 'payoutAddress':
        out[key] = nullableText(value, field);
        break;
      case 'zeroConfLimit':
      case 'zeroConfTotalLimit':
      case 'feeRateKvb':
      case 'maxFeeRateKvb':
        out[key] = sats(value, field);
        break;
      case 'feeRate':
        out.feeRateKvb = satPerVb(value, field);
        break;
      case 'maxFeeRate':
        out.maxFeeRateKvb = satPerVb(value, field);
        break;
      case 'settleMarginBlocks':
      case 'feeTargetBlocks':
      case 'feeBumpAfterBlocks':
      case 'tipCacheMs':
      case 'maxBodyBytes':
      case 'bodyTimeoutMs':
      case 'headersTimeoutMs':
      case 'openProposalTtlMs':
      case 'maxPendingOpensPerClient':
      case 'maxPendingOpens':
      case 'openRateLimit':
      case 'paymentRateLimit':
        out[key] = count(value, field);
        break;
      case 'durability':
        if (value !== 'full' && value !== 'normal') throw new ConfigError(`${field} must be full or normal`);
        out.durability = value;
        break;
      case 'caseInsensitivePaths':
      case 'trustProxy':
      case 'allowMainnet':
        out[key] = flag(value, field);
        break;
      case 'logLevel':
        if (!isLogLevel(value)) throw new ConfigError(`${field} must be debug, info, warn or error`);
        out.logLevel = value;
        break;
      case 'watcher': {
        if (!value || typeof value !== 'object') throw new ConfigError(`${field} must be an object`);
        const w: Partial<WatcherConfig> = {};
        for (const [wk, wv] of Object.entries(value as Record<string, unknown>)) {
          if (wv === undefined) continue;
          if (wk === 'enabled') w.enabled = flag(wv, `${field}.enabled`);
          else if (wk === 'intervalMs') w.intervalMs = count(wv, `${field}.intervalMs`);
          else throw new ConfigError(`${field}.${wk} is not a setting`);
        }
        out.watcher = w;
        break;
      }
      case 'admin': {
        if (!value || typeof value !== 'object') throw new ConfigError(`${field} must be an object`);
        const a: Partial<AdminConfig> = {};
        for (const [ak, av] of Object.entries(value as Record<string, unknown>)) {
          if (av === undefined) continue;
          if (ak === 'port') a.port = av === null || av === '' ? null : count(av, `${field}.port`);
          else if (ak === 'host') a.host = text(av, `${field}.host`);
          else if (ak === 'tokenFile') a.tokenFile = nullableText(av, `${field}.tokenFile`);
          else throw new ConfigError(`${field}.${ak} is not a setting`);
        }
        out.admin = a;
        break;
      }
      case 'terms': {
        if (!value || typeof value !== 'object') throw new ConfigError(`${field} must be an object`);
        const t: Partial<ServerTerms> = {};
        for (const [tk, tv] of Object.entries(value as Record<string, unknown>)) {
          if (tv === undefined) continue;
          if (tk === 'minDeposit' || tk === 'maxDeposit' || tk === 'minFirstPayment') t[tk] = sats(tv, `${field}.${tk}`);
          else if (tk === 'minExpiryBlocks' || tk === 'maxExpiryBlocks') t[tk] = count(tv, `${field}.${tk}`);
          else if (tk === 'network') continue; // always the server's network
          else throw new ConfigError(`${field}.${tk} is not a setting`);
        }
        out.terms = t;
        break;
      }
      default:
        throw new ConfigError(`${field} is not a setting`);
    }
  }
  return out;
}

const ENV: Record<string, string> = {
  PAYCHAN_NETWORK: 'network',
  PAYCHAN_ESPLORA_URL: 'esploraUrl',
  PAYCHAN_BASE_PATH: 'basePath',
  PAYCHAN_PUBLIC_URL: 'publicUrl',
  PAYCHAN_DB: 'dbPath',
  // A file path or a postgres:// URL, as PAYCHAN_DB; listed after it, so it wins where both are set.
  PAYCHAN_DATABASE_URL: 'dbPath',
  PAYCHAN_SEED_FILE: 'seedFile',
  PAYCHAN_PAYOUT_ADDRESS: 'payoutAddress',
  PAYCHAN_ZERO_CONF_LIMIT: 'zeroConfLimit',
  PAYCHAN_ZERO_CONF_TOTAL_LIMIT: 'zeroConfTotalLimit',
  PAYCHAN_SETTLE_MARGIN_BLOCKS: 'settleMarginBlocks',
  PAYCHAN_FEE_RATE: 'feeRate',
  PAYCHAN_FEE_BUMP_AFTER_BLOCKS: 'feeBumpAfterBlocks',
  PAYCHAN_MAX_FEE_RATE: 'maxFeeRate',
  PAYCHAN_DURABILITY: 'durability',
  PAYCHAN_LOG_LEVEL: 'logLevel',
  PAYCHAN_CASE_INSENSITIVE_PATHS: 'caseInsensitivePaths',
  PAYCHAN_OPEN_PROPOSAL_TTL_MS: 'openProposalTtlMs',
  PAYCHAN_MAX_PENDING_OPENS_PER_CLIENT: 'maxPendingOpensPerClient',
  PAYCHAN_MAX_PENDING_OPENS: 'maxPendingOpens',
  PAYCHAN_OPEN_RATE_LIMIT: 'openRateLimit',
  PAYCHAN_PAYMENT_RATE_LIMIT: 'paymentRateLimit',
  PAYCHAN_TRUST_PROXY: 'trustProxy',
  PAYCHAN_ALLOW_MAINNET: 'allowMainnet',
};

function fromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) if (env[name] !== undefined) out[key] = env[name];
  const watcher: Record<string, unknown> = {};
  if (env.PAYCHAN_WATCHER !== undefined) watcher.enabled = env.PAYCHAN_WATCHER;
  if (env.PAYCHAN_WATCHER_INTERVAL_MS !== undefined) watcher.intervalMs = env.PAYCHAN_WATCHER_INTERVAL_MS;
  if (Object.keys(watcher).length > 0) out.watcher = watcher;
  const admin: Record<string, unknown> = {};
  if (env.PAYCHAN_ADMIN_PORT !== undefined) admin.port = env.PAYCHAN_ADMIN_PORT;
  if (env.PAYCHAN_ADMIN_HOST !== undefined) admin.host = env.PAYCHAN_ADMIN_HOST;
  if (env.PAYCHAN_ADMIN_TOKEN_FILE !== undefined) admin.tokenFile = env.PAYCHAN_ADMIN_TOKEN_FILE;
  if (Object.keys(admin).length > 0) out.admin = admin;
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
  if (!c.basePath.startsWith('/') || c.basePath.endsWith('/')) throw new ConfigError('basePath must start with / and not end with /');
  if (c.feeRateKvb < 1n) throw new ConfigError('feeRate must be above 0 sat/vB');
  if (c.settleMarginBlocks >= c.terms.minExpiryBlocks) {
    throw new ConfigError('settleMarginBlocks must be below terms.minExpiryBlocks, or no channel could ever take a payment');
  }
  if (c.feeBumpAfterBlocks < 1) throw new ConfigError('feeBumpAfterBlocks must be at least 1');
  if (c.maxFeeRateKvb < c.feeRateKvb) throw new ConfigError('maxFeeRate must be at least feeRate');
  if (c.admin.port !== null && c.admin.port > 65535) throw new ConfigError('admin.port must be 0 to 65535');
  // The admin API answers only with the token: a listener without one could never be used.
  if (c.admin.port !== null && c.admin.tokenFile === null) throw new ConfigError('admin.port needs admin.tokenFile (paychan-admin token --config FILE makes one)');
  if (c.watcher.intervalMs < 100) throw new ConfigError('watcher.intervalMs must be at least 100 ms');
  if (c.maxBodyBytes < 1024) throw new ConfigError('maxBodyBytes below 1 KiB cannot carry a funding request');
  if (c.zeroConfTotalLimit < c.zeroConfLimit) throw new ConfigError('zeroConfTotalLimit must be at least zeroConfLimit');
  if (c.openProposalTtlMs < 1_000) throw new ConfigError('openProposalTtlMs must be at least 1000 ms');
  if (c.maxPendingOpensPerClient < 1 || c.maxPendingOpens < c.maxPendingOpensPerClient) {
    throw new ConfigError('maxPendingOpensPerClient must be at least 1 and maxPendingOpens at least that');
  }
  if (c.publicUrl !== null && !/^https?:\/\/[^/]+$/.test(c.publicUrl)) throw new ConfigError('publicUrl must be an origin like https://example.com');
  return c;
}

export interface LoadConfigOptions {
  /** A JSON file with any subset of the settings. */
  file?: string;
  env?: Record<string, string | undefined>;
  overrides?: ConfigInput;
  /** Settings of the file that another reader takes (the proxy's upstream, listen, routes): skipped here, not refused. */
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
    const own = Object.entries(parsed as Record<string, unknown>).filter(([k]) => !opts.otherKeys?.has(k));
    config = merge(config, normalise(Object.fromEntries(own), opts.file));
  }
  config = merge(config, normalise(fromEnv(opts.env ?? process.env), 'environment'));
  if (opts.overrides) config = merge(config, normalise(opts.overrides as Record<string, unknown>, 'overrides'));
  return checkConfig(config);
}
