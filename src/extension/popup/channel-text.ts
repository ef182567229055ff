/**
 * What a channel card and the close confirmation say about where the money went or will go.
 * Plain functions over the summary, so the wording is tested without a browser.
 *
 * A settlement pays the site everything the wallet signed (`signed`), including prepaid credit
 * the site has not delivered items for yet (`credit` = signed − spent), and returns the rest of
 * the deposit (capacity − signed). A refund after expiry returns the whole deposit.
 */
import type { ChannelSummary } from '../shared/types.ts';
import { fmtSats, hostOf } from './format.ts';

export interface ChannelEnding {
  /** One sentence on what happened (or is happening) to the deposit. */
  summary: string;
  /** Label/value rows for the card, in place of credit and expiry. */
  facts: [string, string][];
}

/** How a closing, refunding or closed channel ends; null while it is opening or open. */
export function channelEnding(c: ChannelSummary): ChannelEnding | null {
  if (c.state === 'open' || c.state === 'opening') return null;
  const capacity = BigInt(c.capacity);
  const signed = BigInt(c.signed);
  const credit = BigInt(c.credit);
  const done = c.state === 'closed';
  const outcome = c.outcome ?? (c.state === 'refunding' ? 'refunded' : 'settled');
  if (outcome === 'abandoned') {
    return { summary: 'This channel never opened: no deposit was locked and nothing was paid.', facts: [] };
  }
  if (outcome === 'refunded') {
    return {
      summary: done
        ? `Refunded after expiry: the whole deposit, ${fmtSats(capacity)}, came back to you (less the refund's network fee). The site was paid nothing.`
        : `The channel expired unsettled: the refund returning the whole deposit, ${fmtSats(capacity)}, is on its way to you (less its network fee).`,
      facts: [
        ['Deposit', fmtSats(capacity)],
        // The refund's fee comes out of the deposit (a settlement's comes out of the site's share).
        [done ? 'Returned to you, less the fee' : 'Coming back to you, less the fee', fmtSats(capacity)],
      ],
    };
  }
  const back = capacity > signed ? capacity - signed : 0n;
  const creditPart = credit > 0n ? ` ${fmtSats(credit)} of that was prepaid credit you had not used yet; it ${done ? 'went' : 'goes'} to the site.` : '';
  return {
    summary: done
      ? `Settled on chain: the site was paid ${fmtSats(signed)} and ${fmtSats(back)} came back to you.${creditPart}`
      : `The site is settling on chain: it gets ${fmtSats(signed)} and ${fmtSats(back)} comes back to you.${creditPart}`,
    facts: [
      ['Deposit', fmtSats(capacity)],
      [done ? 'Paid to the site' : 'Goes to the site', fmtSats(signed)],
      [done ? 'Unspent credit, went to the site' : 'Unspent credit, goes to the site', fmtSats(credit)],
      [done ? 'Returned to you' : 'Comes back to you', fmtSats(back)],
    ],
  };
}

/**
 * The question before closing. Closing settles what was signed, so prepaid credit not yet used
 * for items is the site's from then on: protocol-correct, and the reader must see it first.
 */
export function closeConfirmText(c: ChannelSummary): string {
  const back = BigInt(c.capacity) - BigInt(c.signed);
  const credit = BigInt(c.credit);
  let text = `Close the channel with ${hostOf(c.endpoint)}? The site settles it on chain and the rest of the deposit, ${fmtSats(back > 0n ? back : 0n)}, comes back to you.`;
  if (credit > 0n) text += ` Closing hands the site your ${fmtSats(credit)} of unspent prepaid credit.`;
  return text;
}
