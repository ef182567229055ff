/** Opening the wallet file a command works on, locked or unlocked. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { defaultWalletPath } from '../client/node/index.ts';
import { openWalletFile, type WalletFile } from '../client/node/wallet-file.ts';
import { CliError, EXIT, password, type CliIO } from './io.ts';

export interface GlobalOptions {
  wallet?: string | undefined;
}

export function walletPath(opts: GlobalOptions, io: CliIO): string {
  return opts.wallet ?? defaultWalletPath(io.env);
}

/** A new wallet file's directory is made; an existing file is refused by the engine (WALLET_EXISTS). */
export function openNewWallet(opts: GlobalOptions, io: CliIO): WalletFile {
  const path = walletPath(opts, io);
  mkdirSync(dirname(path), { recursive: true });
  return openWalletFile({ path });
}

/** The wallet file's path, which must exist (opening a missing one would create it empty). */
export function existingWalletPath(opts: GlobalOptions, io: CliIO): string {
  const path = walletPath(opts, io);
  if (!existsSync(path)) throw new CliError(EXIT.WALLET, `wallet: no wallet at ${path} (paychan wallet create, or --wallet FILE / PAYCHAN_WALLET)`);
  return path;
}

export function openExistingWallet(opts: GlobalOptions, io: CliIO): WalletFile {
  return openWalletFile({ path: existingWalletPath(opts, io) });
}

/** The wallet file, unlocked with the password from the environment or the terminal. */
export async function openUnlockedWallet(opts: GlobalOptions, io: CliIO): Promise<WalletFile> {
  const file = openExistingWallet(opts, io);
  try {
    await file.engine.session.unlock(await password(io));
  } catch (err) {
    file.close();
    throw err;
  }
  return file;
}
