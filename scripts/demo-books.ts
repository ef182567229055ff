/**
 * The demo's closing books, as printed lines: where the satoshis went (they must add up to what
 * the faucet gave), then what the reader spent, apart: on content (the items delivered), on
 * network fees (the funding the wallet paid; the settlement's fee comes out of the site's payout),
 * and prepaid credit the site kept without an item for it. Those three are what left the wallet.
 */
import type { Books } from '../test/e2e/story.ts';

const row = (label: string, v: bigint, note = '') => `    ${label.padEnd(29)}${v.toString().padStart(10)}${note ? `   (${note})` : ''}`;

/** What the reader spent: content, fees and forfeited credit, which add up to start − wallet. */
export function readerSpend(b: Books): { content: bigint; fees: bigint; forfeited: bigint; total: bigint } {
  const total = b.itemsCharged + b.fundingFee + b.forfeited;
  if (total !== b.start - b.wallet) throw new Error(`the reader's spend ${total} is not what left the wallet, ${b.start - b.wallet}`);
  return { content: b.itemsCharged, fees: b.fundingFee, forfeited: b.forfeited, total };
}

export function closingBooks(b: Books): string[] {
  const spend = readerSpend(b);
  return [
    '  Satoshi totals',
    row('started with (faucet)', b.start),
    row('wallet now', b.wallet),
    row("site's settlement payout", b.serverEarnings),
    row('funding fee', b.fundingFee),
    row('settlement fee', b.settlementFee, "the site's, out of what it was paid"),
    row('sum', b.wallet + b.serverEarnings + b.fundingFee + b.settlementFee),
    '',
    '  What the reader spent',
    row('on content', spend.content, `items delivered; signed into the channel: ${b.paid}, settled: ${b.settled}`),
    row('on network fees', spend.fees, 'the funding transaction'),
    row('prepaid credit forfeited', spend.forfeited, `unused credit ${b.paid - b.settled} came back with the close`),
    row('total', spend.total, 'started with − wallet now'),
  ];
}
