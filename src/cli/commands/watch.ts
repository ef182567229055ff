/**
 * `paychan watch`: one look at every channel, for cron or a systemd timer. Resumes interrupted
 * payments, closes idle channels (unlocked) and broadcasts refunds after expiry (locked too: the
 * refund was signed when the channel was funded).
 */
import { channelSummary } from '../../client/lib/dto.ts';
import { EXIT, type CliIO } from '../io.ts';
import { openExistingWallet, type GlobalOptions } from '../wallet-context.ts';
import { line } from './channels.ts';

export async function watchCommand(opts: GlobalOptions, io: CliIO): Promise<number> {
  const file = openExistingWallet(opts, io);
  try {
    const pass = io.env.PAYCHAN_PASSWORD;
    if (pass) await file.engine.session.unlock(pass);
    else io.err('locked (no PAYCHAN_PASSWORD): refunds only, no closes\n');
    for (const r of await file.engine.watcher.check()) io.out(line(channelSummary(r)));
  } finally {
    file.close();
  }
  return EXIT.OK;
}
