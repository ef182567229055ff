/**
 * What paychan-admin prints: channel tables, one channel's record and history, the money
 * totals, and the event log as CSV. Pure formatting over store records; amounts are whole sats.
 */
import { formatSatPerVb } from '../../core/amounts.ts';
import { outputScriptToAddress } from '../../core/script.ts';
import type { ServerChannel } from '../../core/server-channel.ts';
import type { ChannelEvent, SettlementRecord } from '../store/channel-store.ts';

function table(header: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

const iso = (ms: number) => new Date(ms).toISOString();

/** One line per channel, oldest first; `opened` is the time of its funded event. */
export function channelTable(channels: ServerChannel[], events: ChannelEvent[]): string {
  if (channels.length === 0) return 'no channels\n';
  const opened = new Map<string, number>();
  for (const e of events) if (e.kind === 'funded' && !opened.has(e.channelId)) opened.set(e.channelId, e.at);
  const rows = channels.map((c) => [
    c.id,
    c.state,
    c.params.capacity.toString(),
    c.paid.toString(),
    c.spent.toString(),
    (c.paid - c.spent).toString(),
    c.params.expiry.toString(),
    c.fundingConfirmed ? 'yes' : 'no',
    opened.has(c.id) ? iso(opened.get(c.id)!) : '',
  ]);
  return table(['CHANNEL', 'STATE', 'CAPACITY', 'PAID', 'SPENT', 'CREDIT', 'EXPIRY', 'CONFIRMED', 'OPENED'], rows, new Set([2, 3, 4, 5, 6]));
}

export function channelDetail(c: ServerChannel, events: ChannelEvent[], settlement: SettlementRecord | null): string {
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  let change: string;
  try {
    change = outputScriptToAddress(c.params.changeScript, c.params.network);
  } catch {
    change = hex(c.params.changeScript);
  }
  const fields: [string, string][] = [
    ['channel', c.id],
    ['state', c.state + (c.closeReason ? ` (${c.closeReason})` : '')],
    ['network', c.params.network],
    ['capacity', `${c.params.capacity} sat`],
    ['paid', `${c.paid} sat`],
    ['spent', `${c.spent} sat`],
    ['credit', `${c.paid - c.spent} sat`],
    ['expiry', `block ${c.params.expiry}`],
    ['funding confirmed', c.fundingConfirmed ? 'yes' : 'no'],
    ['client change', change],
    ['client pubkey', hex(c.params.clientPubkey)],
    ['server pubkey', `${hex(c.params.serverPubkey)} (key index ${c.serverKeyIndex})`],
    ['settlement', c.settlementTxid ?? '-'],
  ];
  if (settlement) {
    fields.push(
      ['settlement status', settlement.status + (settlement.detail ? ` (${settlement.detail})` : '')],
      ['settlement fee', `${settlement.fee} sat at ${formatSatPerVb(settlement.feeRateKvb)} sat/vB`],
      ['settlement payout', `${settlement.payout} sat (${settlement.channels.length} channel${settlement.channels.length === 1 ? '' : 's'})`],
    );
  }
  const width = Math.max(...fields.map(([k]) => k.length));
  const record = fields.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
  const history = table(
    ['TIME', 'KIND', 'AMOUNT', 'PAID', 'SPENT', 'REF'],
    events.map((e) => [iso(e.at), e.kind, e.amount.toString(), e.paid.toString(), e.spent.toString(), e.ref ?? '']),
    new Set([2, 3, 4]),
  );
  return `${record}\n\nhistory (${events.length} event${events.length === 1 ? '' : 's'}):\n${history}`;
}

export interface Totals {
  channels: number;
  open: number;
  closing: number;
  closed: number;
  /** Everything clients signed over to us, on every channel. */
  earned: bigint;
  /** Prices of items delivered; earned − delivered is credit clients prepaid and have not used. */
  delivered: bigint;
  /** Earned on open channels: not on chain yet. */
  pending: bigint;
  /** Earned on closing channels: settlement broadcast, not yet confirmed. */
  settling: bigint;
  /** Earned on channels closed by our settlement. */
  settled: bigint;
  /** Earned on channels that closed without our settlement (client refund, funding double-spent). */
  lost: bigint;
  /** Fees of the settlements of closing and settled channels, each settlement counted once. */
  fees: bigint;
  /** Earned on channels not closed whose funding has not confirmed: what a double-spent funding would take back. */
  unconfirmed: bigint;
}

export function totals(channels: ServerChannel[], settlements: Map<string, SettlementRecord>): Totals {
  const t: Totals = { channels: channels.length, open: 0, closing: 0, closed: 0, earned: 0n, delivered: 0n, pending: 0n, settling: 0n, settled: 0n, lost: 0n, fees: 0n, unconfirmed: 0n };
  for (const c of channels) {
    t[c.state]++;
    t.earned += c.paid;
    t.delivered += c.spent;
    if (c.state !== 'closed' && !c.fundingConfirmed) t.unconfirmed += c.paid;
    if (c.state === 'open') t.pending += c.paid;
    else if (c.state === 'closing') t.settling += c.paid;
    else if (c.closeReason === 'settled') t.settled += c.paid;
    else t.lost += c.paid;
  }
  for (const s of settlements.values()) t.fees += s.fee;
  return t;
}

/** `zeroConfTotalLimit`: the server's cap on `unconfirmed`, shown next to it. */
export function totalsText(t: Totals, zeroConfTotalLimit?: bigint): string {
  const rows: [string, string][] = [
    ['channels', `${t.channels} (${t.open} open, ${t.closing} closing, ${t.closed} closed)`],
    ['earned', `${t.earned} sat`],
    ['  delivered', `${t.delivered} sat`],
    ['  prepaid, unused', `${t.earned - t.delivered} sat`],
    ['settled', `${t.settled} sat`],
    ['settling', `${t.settling} sat`],
    ['pending', `${t.pending} sat`],
    ['lost', `${t.lost} sat`],
    ['settlement fees', `${t.fees} sat`],
    ['unconfirmed', `${t.unconfirmed} sat${zeroConfTotalLimit === undefined ? '' : ` of ${zeroConfTotalLimit} sat allowed (zeroConfTotalLimit)`}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

/** RFC 4180 quoting; a leading = + - @ is defused so a spreadsheet never runs a client-chosen path as a formula. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const CSV_HEADER = ['time', 'channel', 'kind', 'amount', 'paid', 'spent', 'ref'];

export function eventsCsv(events: ChannelEvent[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const e of events) {
    lines.push([iso(e.at), e.channelId, e.kind, e.amount.toString(), e.paid.toString(), e.spent.toString(), e.ref ?? ''].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
