/**
 * What a channel card and the close confirmation say about where the money went or will go.
 * Plain functions over the summary, so the wording is tested without a browser.
 *
 * A settlement pays the site what the wallet's close signed for: what the site delivered (`spent`),
 * so the unused prepaid credit comes back with the rest of the deposit. A channel the site settled
 * on its own (before expiry, without a close) pays it everything signed (`signed`), credit
 * included. Once the settlement is on chain the wallet reads what it really paid (`settled`), and a
 * site that took more than it delivered is named (`keptCredit`). A refund after expiry returns the
 * whole deposit.
 */
import type { ChannelSummary } from '../shared/types.ts';
import { fmtSats, hostOf } from './format.ts';

export interface ChannelEnding {
  /** One sentence on what happened (or is happening) to the deposit. */
  summary: string;
  /** Label/value rows for the card, in place of credit and expiry. */
  facts: [string, string][];
}

/**
 * An open channel, in words for someone who has never heard of one: the credit it holds and what
 * becomes of it, and a breakdown of the deposit that adds up.
 */
export function channelNow(c: ChannelSummary): ChannelEnding {
  const capacity = BigInt(c.capacity);
  const spent = BigInt(c.spent);
  const credit = BigInt(c.credit);
  const unpaid = capacity - spent - credit;
  const summary =
    credit > 0n
      ? `${fmtSats(credit)} prepaid, not yet used; comes back when the channel closes.`
      : 'No prepaid credit: every item is paid as you open it. What is left of the deposit comes back when the channel closes.';
  return {
    summary,
    facts: [
      ['Deposit', fmtSats(capacity)],
      ['Paid for what you read', fmtSats(spent)],
      ['Prepaid, not yet used', fmtSats(credit)],
      ['Not yet paid to the site', fmtSats(unpaid > 0n ? unpaid : 0n)],
      ...feeFacts(c),
    ],
  };
}

/** The network fee the reader paid to open the channel, when known: a cost outside the deposit. */
function feeFacts(c: ChannelSummary): [string, string][] {
  return c.fundingFee ? [['Network fee to open (paid once)', fmtSats(BigInt(c.fundingFee))]] : [];
}

/** How a closing, refunding or closed channel ends; null while it is opening or open. */
export function channelEnding(c: ChannelSummary): ChannelEnding | null {
  if (c.state === 'open' || c.state === 'opening') return null;
  const capacity = BigInt(c.capacity);
  const signed = BigInt(c.signed);
  const done = c.state === 'closed';
  const outcome = c.outcome ?? (c.state === 'refunding' ? 'refunded' : 'settled');
  if (outcome === 'abandoned') {
    return { summary: 'This channel never opened: no deposit was locked and nothing was paid.', facts: [] };
  }
  if (outcome === 'refunded') {
    // The refund's fee comes out of the deposit (a settlement's comes out of the site's share).
    const fee = c.refundFee ? BigInt(c.refundFee) : null;
    return {
      summary: done
        ? `Refunded after expiry: the whole deposit, ${fmtSats(capacity)}, came back to you (less the refund's network fee). The site was paid nothing.`
        : `The channel expired unsettled: the refund returning the whole deposit, ${fmtSats(capacity)}, is on its way to you (less its network fee).`,
      facts:
        fee === null
          ? [
              ['Deposit', fmtSats(capacity)],
              [done ? 'Returned to you, less the fee' : 'Coming back to you, less the fee', fmtSats(capacity)],
              ...feeFacts(c),
            ]
          : [
              [done ? 'Came back to you' : 'Comes back to you', fmtSats(capacity - fee)],
              ['Network fee for the refund', fmtSats(fee)],
              ['= Deposit', fmtSats(capacity)],
              ...feeFacts(c),
            ],
    };
  }
  const spent = BigInt(c.spent);
  // What the settlement pays the site: read from the chain once seen, else what the close signed.
  const toSite = BigInt(c.settled ?? c.closeAmount ?? signed);
  const back = capacity > toSite ? capacity - toSite : 0n;
  const delivered = toSite < spent ? toSite : spent;
  const unused = toSite > spent ? toSite - spent : 0n;
  const kept = c.keptCredit ? ` The site settled above the ${fmtSats(spent)} it delivered: it kept ${fmtSats(BigInt(c.keptCredit))} of credit you had not used.` : '';
  const creditPart = unused > 0n && !kept ? ` ${fmtSats(unused)} of that was prepaid credit you had not used yet; it ${done ? 'went' : 'goes'} to the site.` : kept;
  const fundingFee = c.fundingFee ? BigInt(c.fundingFee) : null;
  return {
    summary: done
      ? `Settled on chain: the site was paid ${fmtSats(toSite)} and ${fmtSats(back)} came back to you.${creditPart}`
      : `The site is settling on chain: it gets ${fmtSats(toSite)} and ${fmtSats(back)} comes back to you.${creditPart}`,
    // Three parts that add up to the deposit, then what the whole channel cost the reader.
    facts: [
      ['Paid for what you read', fmtSats(delivered)],
      ...(unused > 0n ? [[done ? 'Unused credit the site kept' : 'Unused credit the site keeps', fmtSats(unused)] as [string, string]] : []),
      [done ? 'Came back to you' : 'Comes back to you', fmtSats(back)],
      ['= Deposit', fmtSats(capacity)],
      ['Network fee to settle', 'paid by the site'],
      ...feeFacts(c),
      ...(fundingFee !== null ? [['Cost to you, fees included', fmtSats(toSite + fundingFee)] as [string, string]] : []),
    ],
  };
}

/**
 * The question before closing. The close pays the site what it delivered, so the rest of the
 * deposit, prepaid credit not yet used included, comes back.
 */
export function closeConfirmText(c: ChannelSummary): string {
  const spent = BigInt(c.spent);
  const back = BigInt(c.capacity) - spent;
  const credit = BigInt(c.credit);
  let text = `Close the channel with ${hostOf(c.endpoint)}? The site settles it on chain for the ${fmtSats(spent)} it delivered, and the rest of the deposit, ${fmtSats(back > 0n ? back : 0n)}, comes back to you`;
  text += credit > 0n ? `, your ${fmtSats(credit)} of unused prepaid credit included.` : '.';
  return text;
}
