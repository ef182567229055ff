/**
 * `paychan-server init`: the first run. Writes DIR/paychan.json (the proxy's config, with
 * absolute paths) and the server key DIR/paychan.key as a new BIP39 recovery phrase, which is
 * returned so the command shows it once. Asks for what it needs on a terminal; scripts pass
 * everything as flags with --yes. Existing files are never overwritten.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESPLORA_URLS } from '../chain/esplora.ts';
import type { NetworkName } from '../core/network.ts';
import { addressToOutputScript } from '../core/script.ts';
import { writeTokenFile } from './admin-api/token.ts';
import { createKeyFile } from './keys.ts';
import { payoutXpubFor } from './payout-xpub.ts';
import type { ProxyRoute } from './proxy/route-setting.ts';
import { settingNamed } from './settings.ts';

export const CONFIG_FILE = 'paychan.json';
export const KEY_FILE = 'paychan.key';
export const DB_FILE = 'paychan.db';
export const ADMIN_TOKEN_FILE = 'paychan.admin-token';
/** The dashboard's port on loopback, next to the proxy's 8402. */
export const ADMIN_PORT = 8403;
/** init's network when none is named: test coins, so a first run risks nothing. */
export const INIT_NETWORK: NetworkName = 'signet';
export const DEFAULT_UPSTREAM = 'http://127.0.0.1:8080';

export class InitError extends Error {
  override name = 'InitError';
}

export interface InitAnswers {
  dir: string;
  network: NetworkName;
  esploraUrl: string;
  upstream: string;
  /** Settlements pay here, or fresh addresses of payoutXpub; neither: the key's own wallet. */
  payoutAddress: string | null;
  payoutXpub: string | null;
  routes: { path: string; price: string }[];
  /** Needed, and written to the config, for mainnet. */
  allowMainnet: boolean;
}

export interface InitResult {
  configFile: string;
  keyFile: string;
  dbPath: string;
  /** The dashboard's address and the file of its token (0600). */
  adminUrl: string;
  adminTokenFile: string;
  /** The recovery phrase: shown once, never stored anywhere but the key file. */
  phrase: string;
}

/** An answer checked by its setting's one definition (settings.ts), as the server will check the config. */
function asSetting<T>(name: string, value: unknown): T {
  try {
    return settingNamed(name)!.parse(value, name) as T;
  } catch (err) {
    throw new InitError(`${(err as Error).message}: ${JSON.stringify(value).slice(0, 120)}`);
  }
}

/** `value` as given, once its setting accepts it. */
function checked(name: string, value: string): string {
  asSetting(name, value);
  return value;
}

export function parseInitNetwork(value: string): NetworkName {
  return asSetting<NetworkName>('network', value);
}

/** A payout as given: an address or an extended key (by its prefix), checked against the network; empty: neither. */
export function parsePayout(value: string, network: NetworkName): Pick<InitAnswers, 'payoutAddress' | 'payoutXpub'> {
  const v = value.trim();
  if (v === '') return { payoutAddress: null, payoutXpub: null };
  if (/^[a-z]{4}[1-9A-HJ-NP-Za-km-z]{100,}$/.test(v)) {
    try {
      payoutXpubFor(v, network, 'payout');
    } catch (err) {
      throw new InitError((err as Error).message);
    }
    return { payoutAddress: null, payoutXpub: v };
  }
  try {
    addressToOutputScript(v, network);
  } catch {
    throw new InitError(`payout must be a ${network} address or extended public key: ${v.slice(0, 120)}`);
  }
  return { payoutAddress: v, payoutXpub: null };
}

/** `/articles/*=10` → a priced route. */
export function parseRoute(value: string): { path: string; price: string } {
  const m = /^(\/[^=\s]*)=(\S+)$/.exec(value.trim());
  if (!m) throw new InitError(`a route is PATH=PRICE with PATH starting with / and only ending in *, e.g. /articles/*=10: ${value}`);
  let route: ProxyRoute;
  try {
    [route] = settingNamed('routes')!.parse([{ path: m[1], price: m[2] }], 'routes') as [ProxyRoute];
  } catch (err) {
    throw new InitError(`${value}: ${(err as Error).message.replace(/^routes\[0\]: /, '')}`);
  }
  return { path: route.path, price: route.price.toString() };
}

/** Writes the config and the key; refuses mainnet without allowMainnet and any file already there. */
export function writeInit(a: InitAnswers): InitResult {
  if (a.network === 'mainnet' && !a.allowMainnet) {
    throw new InitError('mainnet takes real bitcoin: pass --allow-mainnet (it writes "allowMainnet": true to the config) once you have tried the setup on signet');
  }
  const dir = resolve(a.dir);
  const configFile = join(dir, CONFIG_FILE);
  const keyFile = join(dir, KEY_FILE);
  const dbPath = join(dir, DB_FILE);
  const adminTokenFile = join(dir, ADMIN_TOKEN_FILE);
  for (const f of [configFile, keyFile, adminTokenFile]) if (existsSync(f)) throw new InitError(`${f} already exists: init never overwrites a config or a key`);
  const config = {
    upstream: checked('upstream', a.upstream.replace(/\/+$/, '')),
    listen: { port: 8402, host: '127.0.0.1' },
    routes: a.routes,
    network: a.network,
    ...(a.network === 'mainnet' ? { allowMainnet: true } : {}),
    esploraUrl: checked('esploraUrl', a.esploraUrl.replace(/\/+$/, '')),
    dbPath,
    seedFile: keyFile,
    payoutAddress: a.payoutAddress,
    admin: { port: ADMIN_PORT, host: '127.0.0.1', tokenFile: adminTokenFile },
    ...(a.payoutXpub ? { payoutXpub: a.payoutXpub } : {}),
  };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The key first: a config pointing at no key would make the next start fail.
  const phrase = createKeyFile(keyFile);
  writeTokenFile(adminTokenFile);
  writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
  return { configFile, keyFile, dbPath, adminUrl: `http://127.0.0.1:${ADMIN_PORT}/`, adminTokenFile, phrase };
}

export type Ask = (question: string, fallback: string) => Promise<string>;

/** The questions asked on a terminal; each answer falls back to the flag given, else a default. */
export async function askInit(ask: Ask, given: Partial<InitAnswers>): Promise<InitAnswers> {
  const dir = await ask('Directory for the config, database and key', given.dir ?? process.cwd());
  const network = parseInitNetwork(await ask('Network (signet, testnet4, mainnet)', given.network ?? INIT_NETWORK));
  let allowMainnet = given.allowMainnet ?? false;
  if (network === 'mainnet' && !allowMainnet) {
    allowMainnet = /^y(es)?$/i.test(await ask('Mainnet takes real bitcoin. Allow it?', 'no'));
  }
  const esploraUrl = await ask('Esplora URL', given.esploraUrl ?? ESPLORA_URLS[network]);
  const upstream = await ask('The site to put the paywall in front of (upstream URL)', given.upstream ?? DEFAULT_UPSTREAM);
  const routes: { path: string; price: string }[] = [...(given.routes ?? [])];
  for (;;) {
    const r = await ask('A priced route as PATH=PRICE in sat (e.g. /articles/*=10), empty when done', '');
    if (r === '') break;
    routes.push(parseRoute(r));
  }
  const payout = parsePayout(await ask('Payout address or xpub (empty: a wallet of the server key, swept with paychan-admin sweep)', given.payoutXpub ?? given.payoutAddress ?? ''), network);
  return { dir, network, esploraUrl, upstream, ...payout, routes, allowMainnet };
}

/** What init prints: where things are, and the phrase with the instruction to write it down. */
export function initReport(r: InitResult): string {
  return `Wrote ${r.configFile}
Server key: ${r.keyFile} (readable by you only; the database will be ${r.dbPath})

Recovery phrase of the server key. Write these words down on paper now and keep them safe.
They are shown only this once. Without them, or the key file, the money in open channels
cannot be settled to you if this machine is lost.

    ${r.phrase}

Dashboard (this machine only): ${r.adminUrl}, with the token in ${r.adminTokenFile}
(paychan-admin token --show --config ${r.configFile} prints the address to open).

Next: paychan-server check --config ${r.configFile}
Then: paychan-server --config ${r.configFile}
`;
}
