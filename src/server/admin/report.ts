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

/**
 * The money, each satoshi in one place of the operator's books: what readers got (delivered),
 * what they prepaid and can still spend (unused credit, owed to them in items), what reached us
 * on chain (settled, less the fees paid), what is still on its way (pending settlement), and
 * what an unconfirmed funding could take back (zero-conf exposure).
 */
export interface Totals {
  channels: number;
  open: number;
  closing: number;
  closed: number;
  /** Everything readers signed over to us, on every channel. */
  earned: bigint;
  /** Prices of the items served (debits less releases), on every channel. */
  delivered: bigint;
  /** Paid but not yet spent on open channels: prepaid credit still owed to readers, as items. */
  unusedCredit: bigint;
  /** Earned on channels closed by our settlement: on chain, confirmed. */
  settled: bigint;
  /** Fees of confirmed settlements, each counted once. */
  feesPaid: bigint;
  /** Pending settlement: earned on open channels (not settled yet) plus closing ones (settlement unconfirmed). */
  pending: bigint;
  pendingOpen: bigint;
  settling: bigint;
  /** Fees of settlements broadcast and not yet confirmed (the latest of each channel's). */
  feesPending: bigint;
  /** Earned on channels that closed without our settlement (client refund, funding double-spent). */
  lost: bigint;
  /** Earned on channels not closed whose funding has not confirmed: what a double-spent funding would take back. */
  zeroConfExposure: bigint;
}

export function totals(channels: ServerChannel[], settlements: Map<string, SettlementRecord>): Totals {
  const t: Totals = {
    channels: channels.length,
    open: 0,
    closing: 0,
    closed: 0,
    earned: 0n,
    delivered: 0n,
    unusedCredit: 0n,
    settled: 0n,
    feesPaid: 0n,
    pending: 0n,
    pendingOpen: 0n,
    settling: 0n,
    feesPending: 0n,
    lost: 0n,
    zeroConfExposure: 0n,
  };
  for (const c of channels) {
    t[c.state]++;
    t.earned += c.paid;
    t.delivered += c.spent;
    if (c.state !== 'closed' && !c.fundingConfirmed) t.zeroConfExposure += c.paid;
    if (c.state === 'open') {
      t.pendingOpen += c.paid;
      t.unusedCredit += c.paid - c.spent;
    } else if (c.state === 'closing') t.settling += c.paid;
    else if (c.closeReason === 'settled') t.settled += c.paid;
    else t.lost += c.paid;
  }
  t.pending = t.pendingOpen + t.settling;
  for (const s of settlements.values()) {
    if (s.status === 'confirmed') t.feesPaid += s.fee;
    else t.feesPending += s.fee;
  }
  return t;
}

/** The totals as label, sat, meaning: the rows of both the text and the CSV. */
function totalsRows(t: Totals): [string, bigint, string][] {
  return [
    ['delivered', t.delivered, 'items served'],
    ['unused_credit', t.unusedCredit, 'prepaid on open channels, still owed to readers as items'],
    ['settled', t.settled, 'on chain in confirmed settlements'],
    ['settlement_fees_paid', t.feesPaid, 'fees of confirmed settlements'],
    ['pending_settlement', t.pending, 'not on chain yet: open channels plus settlements awaiting confirmation'],
    ['pending_open', t.pendingOpen, 'earned on open channels'],
    ['pending_settling', t.settling, 'in settlements broadcast, not confirmed'],
    ['pending_settlement_fees', t.feesPending, 'fees of settlements not confirmed yet'],
    ['zero_conf_exposure', t.zeroConfExposure, 'earned on channels whose funding is unconfirmed'],
    ['lost', t.lost, 'earned on channels closed without our settlement'],
    ['earned', t.earned, 'everything readers signed over'],
  ];
}

/** `zeroConfTotalLimit`: the server's cap on zero-conf exposure, shown next to it. */
export function totalsText(t: Totals, zeroConfTotalLimit?: bigint): string {
  const rows: [string, string][] = [['channels', `${t.channels} (${t.open} open, ${t.closing} closing, ${t.closed} closed)`]];
  for (const [label, sat, meaning] of totalsRows(t)) {
    const cap = label === 'zero_conf_exposure' && zeroConfTotalLimit !== undefined ? ` of ${zeroConfTotalLimit} sat allowed (zeroConfTotalLimit)` : '';
    rows.push([label.replace(/_/g, ' '), `${sat} sat${cap}  (${meaning})`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n';
}

export function totalsCsv(t: Totals): string {
  return ['category,sat,meaning', ...totalsRows(t).map(([label, sat, meaning]) => [label, sat.toString(), meaning].map(csvField).join(','))].join('\r\n') + '\r\n';
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
