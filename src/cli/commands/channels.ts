/** `paychan channels [close ID | backup FILE | restore FILE]`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { channelSummary } from '../../client/lib/dto.ts';
import type { ChannelSummary } from '../../client/views.ts';
import { password, usage, EXIT, type CliIO } from '../io.ts';
import { openExistingWallet, type GlobalOptions } from '../wallet-context.ts';
import { unlocked } from './wallet.ts';

export async function channelsCommand(args: string[], opts: GlobalOptions, io: CliIO): Promise<number> {
  const [sub, arg] = args;
  switch (sub) {
    case undefined: {
      const file = openExistingWallet(opts, io);
      try {
        const records = (await file.store.channels()).sort((a, b) => a.createdAt - b.createdAt);
        if (records.length === 0) io.out('no channels\n');
        for (const r of records) io.out(line(channelSummary(r)));
      } finally {
        file.close();
      }
      return EXIT.OK;
    }
    case 'close':
      if (!arg) throw usage('usage: paychan channels close ID (the id `paychan channels` lists first)');
      return unlocked(opts, io, async (file) => io.out(line(await file.engine.channels.close(arg))));
    case 'backup':
      if (!arg) throw usage('usage: paychan channels backup FILE');
      return unlocked(opts, io, async (file) => {
        const backup = await file.engine.backup.backup(await password(io));
        writeFileSync(arg, backup.contents, { mode: 0o600 });
        io.out(`${backup.channels} channel(s) backed up to ${arg}\n`);
      });
    case 'restore':
      if (!arg) throw usage('usage: paychan channels restore FILE');
      return unlocked(opts, io, async (file) => {
        const result = await file.engine.backup.restore(readFileSync(arg, 'utf8'), await password(io));
        io.out(`${result.added.length} channel(s) restored, ${result.skipped} already here\n`);
      });
    default:
      throw usage('usage: paychan channels [close ID | backup FILE | restore FILE]');
  }
}

/** One channel per line: id, state, endpoint and its sats. */
export function line(s: ChannelSummary): string {
  const error = s.lastError ? `  (${s.lastError})` : '';
  return `${s.id}  ${s.state}  ${s.endpoint}  capacity ${s.capacity}  signed ${s.signed}  spent ${s.spent}  expiry ${s.expiry}${error}\n`;
}
