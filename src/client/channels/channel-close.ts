/**
 * The wallet's side of a cooperative close (docs/protocol.md §5), shared by the popup's "Close"
 * and the watcher's close of idle channels: the close carries a payment for exactly what the site
 * delivered, so the settlement returns the unused prepaid credit; and once the settlement is on
 * chain, what it really paid the site is read back, so a site that settles above what it
 * delivered is recorded and shown.
 */
import { bytesToHex } from '../../core/bytes.ts';
import { signClose } from '../../core/client-channel.ts';
import { ProtocolError } from '../../core/errors.ts';
import type { EsploraTx } from '../../chain/esplora-types.ts';
import { channelId, type ChannelBook } from './channel-book.ts';
import type { KeyRing } from '../wallet/keys.ts';
import type { ChannelRecord } from '../storage/records.ts';

/** Signs the close payment and stores it with the channel marked closing, before anything is sent. */
async function signAndStore(book: ChannelBook, record: ChannelRecord, minimum: bigint, ring: KeyRing): Promise<ChannelRecord> {
  const key = ring.channelKey(record.network, record.channel.clientKeyIndex);
  const { channel } = signClose(record.channel, minimum, key.privateKey, ...(book.d.secp ? [book.d.secp] : []));
  return book.save({ ...record, channel });
}

/**
 * Closes an open (or funding) channel with the server: signs a close payment for what was
 * delivered, stores it, sends it, and folds the server's answer in. A server whose floor is
 * higher (its `min_first_payment`: a settlement must be worth its fee) names it in the refusal;
 * the close is signed once more at that floor when it is within what was already signed, which
 * gives the server nothing it could not already take. Throws what the server or network threw;
 * the channel stays closing either way, so it takes no more payments.
 */
export async function closeCooperatively(book: ChannelBook, record: ChannelRecord, ring: KeyRing): Promise<ChannelRecord> {
  let r = await signAndStore(book, record, 0n, ring);
  const send = (rec: ChannelRecord) => book.d.api.close(rec.endpoint, channelId(rec), book.credential(rec, ring), rec.channel.closePayment!);
  let status;
  try {
    status = await send(r);
  } catch (err) {
    const floor = err instanceof ProtocolError && err.code === 'AMOUNT_DECREASED' && typeof err.extra.minimum === 'string' ? BigInt(err.extra.minimum) : null;
    if (floor === null || floor <= r.channel.closePayment!.amount || floor > r.channel.signed) throw err;
    r = await signAndStore(book, r, floor, ring);
    status = await send(r);
  }
  return book.applyStatus(r, status);
}

/**
 * What a transaction spending the channel paid the site: capacity minus the change output at the
 * channel input's index (0x83 keeps the change there), or the whole capacity when there is none.
 * Null when the spend is not a settlement (the refund spends by the expiry branch: 3 witness items).
 */
export function settledAmount(record: ChannelRecord, tx: EsploraTx<bigint>): bigint | null {
  const { funding, request } = record.channel;
  if (!funding) return null;
  const index = tx.vin.findIndex((i) => i.txid === funding.txid && i.vout === funding.vout);
  if (index < 0 || tx.vin[index]!.witness?.length !== 4) return null;
  const change = tx.vout[index];
  const keepsChange = change !== undefined && change.scriptpubkey === bytesToHex(request.changeScript);
  return keepsChange ? request.capacity - change.value : request.capacity;
}

/**
 * Records what the settlement paid the site, once. A site that took more than it delivered kept
 * credit the reader did not use; the popup shows it (dto.ts `keptCredit`).
 */
export async function recordSettlement(book: ChannelBook, record: ChannelRecord, spendingTxid: string): Promise<ChannelRecord> {
  if (record.settled !== undefined && record.settled !== null) return record;
  const client = await book.d.chain.client(record.network);
  const settled = settledAmount(record, await client.getTx(spendingTxid));
  return settled === null ? record : book.save({ ...record, settled });
}

/** The last time a channel was used: its newest payment, or its opening. */
export async function lastUsedAt(book: ChannelBook, record: ChannelRecord): Promise<number> {
  const payments = await book.d.store.payments(record.id);
  return payments.reduce((latest, p) => (p.at > latest ? p.at : latest), record.createdAt);
}
