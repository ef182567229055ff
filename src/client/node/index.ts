/**
 * `paychan/client`: pay Paychan-priced HTTP APIs from Node.
 *
 *     import { paychanFetch } from 'paychan/client';
 *     const res = await paychanFetch('https://api.example/v1/answer?q=42');
 *
 * `paychanFetch` uses the wallet file at PAYCHAN_WALLET (default ~/.paychan/wallet.db), unlocked
 * with PAYCHAN_PASSWORD, and the default caps; `openPaychanClient` takes all of it explicitly.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { WalletError } from '../lib/errors.ts';
import { openPaychanClient, type PaychanClient } from './paychan-client.ts';

export { openPaychanClient, PaychanClient, type PaychanClientOptions, type PaychanFetch } from './paychan-client.ts';
export { CapExceeded, DEFAULT_CAPS, type CapName, type HostCaps } from './caps.ts';
export { openWalletFile, type WalletFile, type WalletFileOptions } from './wallet-file.ts';
export { SqliteClientStore } from './sqlite-store.ts';
export { UnreachableError, WalletError } from '../lib/errors.ts';

/** The wallet file programs use unless told otherwise. */
export function defaultWalletPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PAYCHAN_WALLET ?? join(homedir(), '.paychan', 'wallet.db');
}

let shared: Promise<PaychanClient> | null = null;

/** fetch, paying Paychan 402s from the wallet at PAYCHAN_WALLET with PAYCHAN_PASSWORD, within the default caps. */
export async function paychanFetch(input: string | URL, init?: RequestInit): Promise<Response> {
  if (!shared) {
    const password = process.env.PAYCHAN_PASSWORD;
    if (!password) throw new WalletError('LOCKED', 'set PAYCHAN_PASSWORD to unlock the wallet for paychanFetch');
    shared = openPaychanClient({ path: defaultWalletPath(), password });
    shared.catch(() => (shared = null));
  }
  return (await shared).fetch(input, init);
}
