/**
 * What every `paychan` command shares: its IO (so tests run commands in-process), the exit codes,
 * and how an error becomes one line on stderr and a code a script can branch on.
 */
import { EsploraError } from '../chain/esplora-error.ts';
import { ProtocolError } from '../core/errors.ts';
import { CapExceeded } from '../client/node/caps.ts';
import { UnreachableError, WalletError } from '../client/lib/errors.ts';

export interface CliIO {
  out(text: string | Uint8Array): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Asks on the terminal (hidden input for secrets); absent when there is none. */
  prompt?(question: string, hidden: boolean): Promise<string>;
}

export const EXIT = {
  OK: 0,
  /** Anything else that failed: a refusal by the site or the chain, too few coins, a bad file. */
  FAILED: 1,
  USAGE: 2,
  /** No wallet file, a wrong password, or no password to unlock with. */
  WALLET: 3,
  /** A cap (max price, budget, max deposit) stopped a payment; nothing was paid. */
  CAP: 4,
  /** The site or the chain (Esplora) did not answer. */
  UNREACHABLE: 5,
} as const;

/** A failure the command already explained: its message and exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usage(message: string): CliError {
  return new CliError(EXIT.USAGE, message);
}

const WALLET_CODES = new Set(['NO_WALLET', 'LOCKED', 'WRONG_PASSWORD', 'WALLET_EXISTS', 'INVALID_MNEMONIC']);

/** The exit code and message for whatever a command threw. */
export function describeError(err: unknown): { exitCode: number; message: string } {
  if (err instanceof CliError) return { exitCode: err.exitCode, message: err.message };
  if (err instanceof CapExceeded) return { exitCode: EXIT.CAP, message: `cap reached (${err.cap}): ${err.message}; nothing was paid` };
  if (err instanceof WalletError && WALLET_CODES.has(err.code)) return { exitCode: EXIT.WALLET, message: `wallet: ${err.message}` };
  if (err instanceof UnreachableError) return { exitCode: EXIT.UNREACHABLE, message: `unreachable: ${err.message}` };
  if (err instanceof EsploraError && (err.status === 0 || err.status >= 500)) return { exitCode: EXIT.UNREACHABLE, message: `chain unreachable: ${err.message}` };
  if (err instanceof WalletError || err instanceof ProtocolError) return { exitCode: EXIT.FAILED, message: `${err.code}: ${err.message}` };
  return { exitCode: EXIT.FAILED, message: err instanceof Error ? err.message : String(err) };
}

/** A whole number of sats from a flag: bigint, never a float. */
export function satsArg(value: string | undefined, name: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(value)) throw usage(`${name} must be a whole number of sats, got ${value}`);
  return BigInt(value);
}

/** The password from PAYCHAN_PASSWORD, else asked on the terminal; a missing one is a wallet error. */
export async function password(io: CliIO, question = 'wallet password: '): Promise<string> {
  const fromEnv = io.env.PAYCHAN_PASSWORD;
  if (fromEnv) return fromEnv;
  if (!io.prompt) throw new CliError(EXIT.WALLET, 'wallet: the wallet is locked: set PAYCHAN_PASSWORD or run on a terminal');
  const answer = await io.prompt(question, true);
  if (!answer) throw new CliError(EXIT.WALLET, 'wallet: no password given');
  return answer;
}
