/**
 * `paychan`: a command-line wallet that pays Paychan-priced sites and APIs. Runnable in-process
 * (tests) or from bin/paychan.ts; answers the exit code (io.ts EXIT).
 */
import { parseArgs } from 'node:util';
import { channelsCommand } from './commands/channels.ts';
import { fetchCommand } from './commands/fetch.ts';
import { walletCommand } from './commands/wallet.ts';
import { watchCommand } from './commands/watch.ts';
import { describeError, EXIT, usage, type CliIO } from './io.ts';

export const USAGE = `usage: paychan [--wallet FILE] <command>
  wallet create [--network N] [--esplora URL]   a new wallet; prints its recovery words
  wallet restore [--network N] [--esplora URL]  from recovery words (PAYCHAN_MNEMONIC or asked)
  wallet address                                a fresh receive address
  wallet balance                                confirmed, unconfirmed, in channels, prepaid (sat)
  wallet send ADDRESS AMOUNT [--fee-rate N]     send sats (fee rate in sat/vB)
  fetch URL [-o FILE] [--max-price N] [--budget N] [--max-deposit N] [-X METHOD] [-d DATA] [-H 'K: V']
                                                fetch, paying a Paychan 402 within the caps (sat)
  channels                                      list channels
  channels close ID                             close a channel cooperatively
  channels backup FILE | restore FILE           the encrypted channel backup (as the extension's)
  watch                                         resume, close idle channels, take refunds (cron)

The wallet file is --wallet, else PAYCHAN_WALLET, else ~/.paychan/wallet.db; the password comes
from PAYCHAN_PASSWORD or is asked on the terminal.
Exit codes: 0 ok, 1 failed, 2 usage, 3 wallet missing or locked, 4 cap reached (nothing paid),
5 site or chain unreachable.
`;

export async function runPaychan(argv: string[], io: CliIO): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        wallet: { type: 'string' },
        network: { type: 'string' },
        esplora: { type: 'string' },
        'fee-rate': { type: 'string' },
        output: { type: 'string', short: 'o' },
        'max-price': { type: 'string' },
        budget: { type: 'string' },
        'max-deposit': { type: 'string' },
        method: { type: 'string', short: 'X' },
        data: { type: 'string', short: 'd' },
        header: { type: 'string', short: 'H', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const [command, ...args] = positionals;
    if (values.help || !command) {
      io.out(USAGE);
      return command || values.help ? EXIT.OK : EXIT.USAGE;
    }
    switch (command) {
      case 'wallet':
        return await walletCommand(args, values, io);
      case 'fetch':
        return await fetchCommand(args, values, io);
      case 'channels':
        return await channelsCommand(args, values, io);
      case 'watch':
        return await watchCommand(values, io);
      default:
        throw usage(`unknown command ${command}\n${USAGE}`);
    }
  } catch (err) {
    const isParse = err instanceof TypeError && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS');
    const { exitCode, message } = isParse ? { exitCode: EXIT.USAGE, message: `${err.message}\n${USAGE}` } : describeError(err);
    io.err(`paychan: ${message}\n`);
    return exitCode;
  }
}
