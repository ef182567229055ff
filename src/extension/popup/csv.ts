/** CSV export of the paid items (RFC 4180: CRLF, quotes doubled, fields with , " or newlines quoted). */
import type { PaidItemView } from '../shared/paywall-views.ts';

function field(v: string): string {
  // A leading = + - @ would make spreadsheets run it as a formula; a quote mark defuses that.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function itemsToCsv(items: readonly PaidItemView[]): string {
  const rows = [['time', 'site', 'url', 'amount_sat', 'channel']];
  for (const i of items) rows.push([new Date(i.at).toISOString(), i.site, i.url, i.amount, i.channel]);
  return rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}
