/**
 * Every setting of the server, defined once: its name in the config file, type, environment
 * variable, meaning and parser. The loaders (config.ts for the library, proxy/config.ts for the
 * proxy's own) validate through it, and docs/operations.md's reference table is generated from it
 * (settings-doc.ts, `npm run docs:settings`; a test fails when the committed table differs), so
 * what is checked and what is documented cannot drift. Defaults come from DEFAULT_CONFIG and
 * PROXY_DEFAULTS.
 */
import { formatSatPerVb } from '../core/amounts.ts';
import { NETWORK_NAMES, parseNetworkName, type NetworkName } from '../core/network.ts';
import { LOG_LEVELS } from './logger.ts';
import { routeList, upstreamUrl } from './proxy/route-setting.ts';
import { count, flag, httpUrl, oneOf, orNull, satPerVb, sats, SettingError, text, type ValueParser } from './setting-values.ts';
import { parseExtendedPublicKey } from './payout-xpub.ts';

export interface SettingDefinition {
  /** As written in the config file; `group.key` for one inside an object (`terms.minDeposit`). */
  name: string;
  /** Where the value lands in the loaded config, where that differs from `name` (feeRate → feeRateKvb). */
  field?: string;
  /** The type as the docs name it. */
  type: string;
  /** Environment variables that set it; where several are set, the last listed wins. */
  env: readonly string[];
  meaning: string;
  parse: ValueParser<unknown>;
  /** A file path: relative in a config file, it is taken from the config file's directory. */
  path?: boolean;
  /** Read by the reverse proxy (paychan-server), not by the library. */
  proxy?: boolean;
  /** The docs' default where the value alone would not say it. */
  defaultText?: string;
  /** How the docs write the default, where not as it is held (sat/kvB held, sat/vB written). */
  format?: (value: unknown) => string;
}

/** A network name; "testnet" is testnet4. */
const network: ValueParser<NetworkName> = (value, name) => {
  const parsed = parseNetworkName(value);
  if (parsed === null) throw new SettingError(`${name} must be one of ${NETWORK_NAMES.join(', ')}, or testnet for testnet4`);
  return parsed;
};

const basePath: ValueParser<string> = (value, name) => {
  const v = text(value, name);
  if (!v.startsWith('/') || v.endsWith('/')) throw new SettingError(`${name} must start with / and not end with /`);
  return v;
};

const origin: ValueParser<string> = (value, name) => {
  if (typeof value !== 'string' || !/^https?:\/\/[^/]+$/.test(value)) throw new SettingError(`${name} must be an origin like https://example.com`);
  return value;
};

const xpub: ValueParser<string> = (value, name) => {
  const v = text(value, name);
  parseExtendedPublicKey(v, name);
  return v;
};

const DAY_MS = 86_400_000;
const perVb = (v: unknown) => formatSatPerVb(v as bigint);

export const SETTINGS: readonly SettingDefinition[] = [
  // The reverse proxy's own.
  { name: 'upstream', type: 'URL', env: [], proxy: true, parse: upstreamUrl, defaultText: 'required', meaning: 'The site the paywall is put in front of: requests are forwarded to this origin (and base path).' },
  { name: 'listen.port', type: 'port', env: [], proxy: true, parse: count(0, { max: 65535 }), meaning: 'Port the proxy listens on (`--port` wins).' },
  { name: 'listen.host', type: 'string', env: [], proxy: true, parse: text, meaning: 'Address the proxy listens on (`--host` wins); 0.0.0.0 for every interface.' },
  { name: 'routes', type: 'list of {path, price, methods?}', env: [], proxy: true, parse: routeList, defaultText: 'required', meaning: 'Priced routes: an exact path or a prefix ending in `*`, a price in sat, and the methods charged (default GET, HEAD, POST, PUT, PATCH, DELETE).' },
  { name: 'upstreamTimeoutMs', type: 'ms', env: [], proxy: true, parse: count(1, { unit: 'ms' }), meaning: 'An upstream silent for this long (no bytes either way) gets 504.' },

  // Chain and network.
  { name: 'network', type: 'mainnet, testnet4, testnet3, signet, regtest', env: ['PAYCHAN_NETWORK'], parse: network, meaning: 'The Bitcoin network; "testnet" means testnet4.' },
  { name: 'allowMainnet', type: 'boolean', env: ['PAYCHAN_ALLOW_MAINNET'], parse: flag, meaning: 'Mainnet is refused unless this is true: real money is at stake only when the operator says so.' },
  { name: 'esploraUrl', type: 'URL', env: ['PAYCHAN_ESPLORA_URL'], parse: httpUrl, defaultText: "the network's public Esplora (see Which Esplora); regtest: the devnet's", meaning: 'Esplora REST API the server reads the chain through and broadcasts to.' },
  { name: 'maxTipAgeMinutes', type: 'minutes or null', env: ['PAYCHAN_MAX_TIP_AGE_MINUTES'], parse: orNull(count(1, { unit: 'minutes' })), defaultText: 'null: 120 on mainnet, testnet4, testnet3 and signet; regtest unchecked', meaning: "The start-up check refuses a chain backend whose tip block is older than this: a stalled node or a backend that stopped syncing." },
  { name: 'tipCacheMs', type: 'ms', env: ['PAYCHAN_TIP_CACHE_MS'], parse: count(0, { unit: 'ms' }), meaning: 'How long a chain tip read stays fresh.' },

  // Files.
  { name: 'dbPath', type: 'path or postgres:// URL', env: ['PAYCHAN_DB', 'PAYCHAN_DATABASE_URL'], parse: text, path: true, meaning: 'The database: a SQLite file (relative: to the config file\'s directory), or a postgres:// URL for PostgreSQL, which several instances can share.' },
  { name: 'seedFile', type: 'path or null', env: ['PAYCHAN_SEED_FILE'], parse: orNull(text), path: true, meaning: "The server key: a BIP39 recovery phrase (or hex seed) file, relative to the config file's directory. PAYCHAN_SERVER_SEED (hex) takes precedence." },
  { name: 'durability', type: 'full, normal', env: ['PAYCHAN_DURABILITY'], parse: oneOf(['full', 'normal'] as const), meaning: "'full' fsyncs every commit that stores a payment, so it survives a power cut; 'normal' survives a process crash only." },

  // Payout.
  { name: 'payoutAddress', type: 'address or null', env: ['PAYCHAN_PAYOUT_ADDRESS'], parse: orNull(text), meaning: 'Settlements pay this address of the network.' },
  { name: 'payoutXpub', type: 'extended public key or null', env: ['PAYCHAN_PAYOUT_XPUB'], parse: orNull(xpub), meaning: "Settlements pay a fresh P2WPKH address of this account key each, m/0/0, m/0/1, …: tpub or vpub on test networks, xpub or zpub on mainnet; never a private key. Without payoutAddress or payoutXpub, settlements pay the server key's own wallet (`paychan-admin wallet`)." },

  // HTTP.
  { name: 'basePath', type: 'path', env: ['PAYCHAN_BASE_PATH'], parse: basePath, meaning: 'Where the channel API is mounted.' },
  { name: 'publicUrl', type: 'origin or null', env: ['PAYCHAN_PUBLIC_URL'], parse: orNull(origin), meaning: 'Public origin (https://shop.example) for the endpoint in challenges; null: from the Host header.' },
  { name: 'trustProxy', type: 'boolean', env: ['PAYCHAN_TRUST_PROXY'], parse: flag, meaning: 'Behind a reverse proxy: take the client address from the last X-Forwarded-For entry. Leave off when clients connect directly.' },
  { name: 'caseInsensitivePaths', type: 'boolean', env: ['PAYCHAN_CASE_INSENSITIVE_PATHS'], parse: flag, meaning: 'Match priced routes ignoring letter case.' },
  { name: 'maxBodyBytes', type: 'bytes', env: ['PAYCHAN_MAX_BODY_BYTES'], parse: count(1024, { unit: 'bytes' }), meaning: 'Request bodies larger than this are refused with 413 (below 1 KiB a funding request would not fit).' },
  { name: 'bodyTimeoutMs', type: 'ms', env: ['PAYCHAN_BODY_TIMEOUT_MS'], parse: count(1, { unit: 'ms' }), meaning: 'A request body must arrive within this long, or the request gets 408.' },
  { name: 'headersTimeoutMs', type: 'ms', env: ['PAYCHAN_HEADERS_TIMEOUT_MS'], parse: count(1, { unit: 'ms' }), meaning: 'Headers must arrive within this long.' },
  { name: 'logLevel', type: LOG_LEVELS.join(', '), env: ['PAYCHAN_LOG_LEVEL'], parse: oneOf(LOG_LEVELS), meaning: 'The least severe log line written.' },

  // Channel terms.
  { name: 'terms.minDeposit', type: 'sat', env: ['PAYCHAN_TERMS_MIN_DEPOSIT'], parse: sats, meaning: 'Smallest channel capacity accepted.' },
  { name: 'terms.maxDeposit', type: 'sat', env: ['PAYCHAN_TERMS_MAX_DEPOSIT'], parse: sats, meaning: 'Largest channel capacity accepted.' },
  { name: 'terms.minExpiryBlocks', type: 'blocks', env: ['PAYCHAN_TERMS_MIN_EXPIRY_BLOCKS'], parse: count(1, { unit: 'blocks' }), meaning: 'Shortest channel lifetime accepted, in blocks from funding.' },
  { name: 'terms.maxExpiryBlocks', type: 'blocks', env: ['PAYCHAN_TERMS_MAX_EXPIRY_BLOCKS'], parse: count(1, { unit: 'blocks' }), meaning: 'Longest channel lifetime accepted.' },
  { name: 'terms.minFirstPayment', type: 'sat', env: ['PAYCHAN_TERMS_MIN_FIRST_PAYMENT'], parse: sats, meaning: 'The first payment on a channel is at least this (it pays for settling the channel).' },
  { name: 'settleMarginBlocks', type: 'blocks', env: ['PAYCHAN_SETTLE_MARGIN_BLOCKS'], parse: count(0, { unit: 'blocks' }), meaning: "Stop taking payments this many blocks before a channel's expiry; below terms.minExpiryBlocks." },

  // Zero-conf.
  { name: 'zeroConfLimit', type: 'sat', env: ['PAYCHAN_ZERO_CONF_LIMIT'], parse: sats, meaning: "Payments accepted, at most, on one channel before its funding confirms." },
  { name: 'zeroConfTotalLimit', type: 'sat', env: ['PAYCHAN_ZERO_CONF_TOTAL_LIMIT'], parse: sats, meaning: 'Payments held on all unconfirmed channels together, at most; at least zeroConfLimit.' },

  // Settlement fees.
  { name: 'feeRate', field: 'feeRateKvb', type: 'sat/vB, up to 3 decimals', env: ['PAYCHAN_FEE_RATE'], parse: satPerVb, format: perVb, meaning: "Settlement fee rate floor, beside the backend's own minimum (the higher wins)." },
  { name: 'maxFeeRate', field: 'maxFeeRateKvb', type: 'sat/vB, up to 3 decimals', env: ['PAYCHAN_MAX_FEE_RATE'], parse: satPerVb, format: perVb, meaning: 'Settlements, fee bumps and sweeps never go above this rate; at least feeRate.' },
  { name: 'feeRateKvb', type: 'sat/kvB', env: [], parse: sats, meaning: 'feeRate in sat/kvB, the form the loaded config holds (for code passing a loaded config back).' },
  { name: 'maxFeeRateKvb', type: 'sat/kvB', env: [], parse: sats, meaning: 'maxFeeRate in sat/kvB, likewise.' },
  { name: 'feeTargetBlocks', type: 'blocks', env: ['PAYCHAN_FEE_TARGET_BLOCKS'], parse: count(1, { max: 1008, unit: 'blocks' }), meaning: "Confirmation target looked up in Esplora's fee estimates." },
  { name: 'feeBumpAfterBlocks', type: 'blocks', env: ['PAYCHAN_FEE_BUMP_AFTER_BLOCKS'], parse: count(1, { unit: 'blocks' }), meaning: 'A settlement still unconfirmed this many blocks after its broadcast is rebuilt at a higher fee (RBF).' },

  // The admin listener: the dashboard and the admin JSON API (src/server/admin-api).
  { name: 'admin.port', type: 'port or null', env: ['PAYCHAN_ADMIN_PORT'], parse: orNull(count(0, { max: 65535 })), meaning: 'Port of the admin listener (dashboard and admin API); null: no listener; 0: any free port. Needs admin.tokenFile.' },
  { name: 'admin.host', type: 'string', env: ['PAYCHAN_ADMIN_HOST'], parse: text, meaning: 'Address the admin listener binds; loopback by default, reach it through an SSH tunnel (docs/operations.md).' },
  { name: 'admin.tokenFile', type: 'path or null', env: ['PAYCHAN_ADMIN_TOKEN_FILE'], parse: orNull(text), path: true, meaning: 'File (mode 0600) holding the bearer token every admin request must carry; made by `paychan-admin token`.' },

  // The settlement watcher.
  { name: 'watcher.enabled', type: 'boolean', env: ['PAYCHAN_WATCHER'], parse: flag, meaning: 'Run the settlement watcher in this server; off where another process on the same database runs it.' },
  { name: 'watcher.intervalMs', type: 'ms', env: ['PAYCHAN_WATCHER_INTERVAL_MS'], parse: count(100, { unit: 'ms' }), meaning: "Time between the end of one pass over the chain and the start of the next." },

  // Abuse limits.
  { name: 'openProposalTtlMs', type: 'ms', env: ['PAYCHAN_OPEN_PROPOSAL_TTL_MS'], parse: count(1000, { max: DAY_MS, unit: 'ms' }), meaning: 'An open proposal not funded within this long expires.' },
  { name: 'maxPendingOpensPerClient', type: 'count', env: ['PAYCHAN_MAX_PENDING_OPENS_PER_CLIENT'], parse: count(1), meaning: 'Unfunded open proposals waiting at once from one client address.' },
  { name: 'maxPendingOpens', type: 'count', env: ['PAYCHAN_MAX_PENDING_OPENS'], parse: count(1), meaning: 'Unfunded open proposals waiting at once from everyone; at least maxPendingOpensPerClient.' },
  { name: 'openRateLimit', type: 'per minute', env: ['PAYCHAN_OPEN_RATE_LIMIT'], parse: count(0), meaning: 'Opens one client address may make per minute, in bursts up to that many; 0: no limit.' },
  { name: 'paymentRateLimit', type: 'per minute', env: ['PAYCHAN_PAYMENT_RATE_LIMIT'], parse: count(0), meaning: 'Payments one client address may send per minute, likewise; 0: no limit.' },
];

const BY_NAME = new Map(SETTINGS.map((s) => [s.name, s]));

export function settingNamed(name: string): SettingDefinition | undefined {
  return BY_NAME.get(name);
}

/** The groups (`terms`, `watcher`, `listen`): settings written as an object in the file. */
export const SETTING_GROUPS: ReadonlySet<string> = new Set(SETTINGS.filter((s) => s.name.includes('.')).map((s) => s.name.split('.')[0]!));

/** The proxy's own top-level keys: the library's loader leaves them to the proxy's. */
export const PROXY_KEYS: ReadonlySet<string> = new Set(SETTINGS.filter((s) => s.proxy).map((s) => s.name.split('.')[0]!));
