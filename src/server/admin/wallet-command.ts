/** `paychan-admin wallet` and `paychan-admin sweep ADDRESS`: the text they print (wallet.ts does the work). */
import { EsploraClient } from '../../chain/esplora.ts';
import { formatSatPerVb } from '../../core/amounts.ts';
import type { PaychanConfig } from '../config.ts';
import { ServerKeys } from '../keys.ts';
import { jsonLogger } from '../logger.ts';
import { AdminError, seedOf } from './settle.ts';
import { sweepWallet, walletBalance } from './wallet.ts';

export async function walletCommand(
  command: 'wallet' | 'sweep',
  arg: string | undefined,
  config: PaychanConfig,
  io: { err(text: string): void; env: Record<string, string | undefined> },
): Promise<string> {
  const keys = new ServerKeys(seedOf(config, io.env), config.network);
  const chain = new EsploraClient(config.esploraUrl);
  const elsewhere = config.payoutXpub ? 'payoutXpub' : config.payoutAddress ? 'payoutAddress' : null;
  const note = elsewhere ? `(settlements now pay ${elsewhere}; this wallet holds what earlier ones paid)\n` : '';
  if (command === 'wallet') {
    const b = await walletBalance(config, keys, chain);
    return `${note}server wallet ${b.address}: ${b.confirmed} sat confirmed, ${b.unconfirmed} sat unconfirmed, in ${b.coins} coins\n`;
  }
  if (!arg) throw new AdminError('sweep needs a destination: paychan-admin sweep ADDRESS');
  const s = await sweepWallet({ config, keys, chain, to: arg, logger: jsonLogger('warn', io.err) });
  return `${note}swept ${s.amount} sat to ${s.to} in ${s.txid} (fee ${s.fee} sat, ${formatSatPerVb(s.feeRateKvb)} sat/vB)\n`;
}
