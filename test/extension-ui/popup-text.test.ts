/**
 * The words the popup and the approval window use about money: where a closed channel's deposit
 * went, what closing hands the site, and whether "Allow with budget" would really pay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelEnding, channelNow, closeConfirmText } from '../../src/extension/popup/channel-text.ts';
import { allowProblem, periodLine } from '../../src/extension/prompt/allow.ts';
import { costRows, lockedUntil, unusedCreditLine } from '../../src/extension/prompt/costs.ts';
import { chainEvents, weekSpend } from '../../src/extension/popup/week.ts';
import { approvalView } from './approval-fixture.ts';
import { channelSummary } from './channel-fixture.ts';

const channel = channelSummary;

describe('channel card after closing', () => {
  it('an open or opening channel has no ending (credit and expiry still apply)', () => {
    assert.equal(channelEnding(channel({})), null);
    assert.equal(channelEnding(channel({ state: 'opening' })), null);
  });

  it('settled: what the site was paid, what came back, and the unspent credit that went to the site', () => {
    const e = channelEnding(channel({ state: 'closed', outcome: 'settled', closingTxid: 'bb' }))!;
    assert.equal(e.summary, 'Settled on chain: the site was paid 1,400 sat and 48,600 sat came back to you. 190 sat of that was prepaid credit you had not used yet; it went to the site.');
    assert.deepEqual(e.facts, [
      ['Paid for what you read', '1,210 sat'],
      ['Unused credit the site kept', '190 sat'],
      ['Came back to you', '48,600 sat'],
      ['= Deposit', '50,000 sat'],
      ['Network fee to settle', 'paid by the site'],
    ]);
    assert.ok(!JSON.stringify(e).includes('Expires'));
  });

  it('settling (closing): the same split, in the future tense', () => {
    const e = channelEnding(channel({ state: 'closing', outcome: 'settled' }))!;
    assert.match(e.summary, /^The site is settling on chain: it gets 1,400 sat and 48,600 sat comes back to you\. 190 sat .* it goes to the site\.$/);
  });

  it('refunded: the whole deposit came back, the site got nothing', () => {
    const e = channelEnding(channel({ state: 'closed', outcome: 'refunded', closingTxid: 'cc' }))!;
    assert.match(e.summary, /^Refunded after expiry: the whole deposit, 50,000 sat, came back to you/);
    assert.deepEqual(e.facts, [
      ['Deposit', '50,000 sat'],
      ['Returned to you, less the fee', '50,000 sat'],
    ]);
    assert.match(channelEnding(channel({ state: 'refunding', outcome: 'refunded' }))!.summary, /on its way to you/);
  });

  it('abandoned: it never opened', () => {
    const e = channelEnding(channel({ state: 'closed', outcome: 'abandoned', signed: '0', credit: '0', lastError: 'the funding never reached the chain' }))!;
    assert.match(e.summary, /never opened/);
    assert.deepEqual(e.facts, []);
  });

  it('the close confirmation says the site is paid what it delivered and the unused credit comes back', () => {
    assert.equal(
      closeConfirmText(channel({})),
      'Close the channel with news.example? The site settles it on chain for the 1,210 sat it delivered, and the rest of the deposit, 48,790 sat, comes back to you, your 190 sat of unused prepaid credit included.',
    );
    assert.doesNotMatch(closeConfirmText(channel({ credit: '0', spent: '1400' })), /prepaid credit/);
  });

  it('closed with a close payment: the site is paid what it delivered and the credit came back', () => {
    const e = channelEnding(channel({ state: 'closed', outcome: 'settled', closingTxid: 'bb', closeAmount: '1210', settled: '1210' }))!;
    assert.equal(e.summary, 'Settled on chain: the site was paid 1,210 sat and 48,790 sat came back to you.');
    assert.deepEqual(e.facts, [
      ['Paid for what you read', '1,210 sat'],
      ['Came back to you', '48,790 sat'],
      ['= Deposit', '50,000 sat'],
      ['Network fee to settle', 'paid by the site'],
    ]);
  });

  it('a site that settled above what it delivered is named, with the credit it kept', () => {
    const e = channelEnding(channel({ state: 'closed', outcome: 'settled', closingTxid: 'bb', closeAmount: '1210', settled: '1400', keptCredit: '190' }))!;
    assert.equal(e.summary, 'Settled on chain: the site was paid 1,400 sat and 48,600 sat came back to you. The site settled above the 1,210 sat it delivered: it kept 190 sat of credit you had not used.');
    assert.deepEqual(e.facts[1], ['Unused credit the site kept', '190 sat']);
  });

  it('the parts of a settled deposit add up to it, and the cost to the reader counts the funding fee', () => {
    const e = channelEnding(channel({ state: 'closed', outcome: 'settled', closingTxid: 'bb', closeAmount: '1210', settled: '1210', fundingFee: '459' }))!;
    assert.deepEqual(e.facts, [
      ['Paid for what you read', '1,210 sat'],
      ['Came back to you', '48,790 sat'],
      ['= Deposit', '50,000 sat'],
      ['Network fee to settle', 'paid by the site'],
      ['Network fee to open (paid once)', '459 sat'],
      ['Cost to you, fees included', '1,669 sat'],
    ]);
    const sat = (label: string) => BigInt(e.facts.find(([l]) => l === label)![1].replace(/[^0-9]/g, ''));
    assert.equal(sat('Paid for what you read') + sat('Came back to you'), sat('= Deposit'));
  });

  it('a refund with a known fee: what came back plus the fee is the deposit', () => {
    const e = channelEnding(channel({ state: 'closed', outcome: 'refunded', closingTxid: 'cc', refundFee: '153' }))!;
    assert.deepEqual(e.facts, [
      ['Came back to you', '49,847 sat'],
      ['Network fee for the refund', '153 sat'],
      ['= Deposit', '50,000 sat'],
    ]);
  });
});

describe('channel card while open', () => {
  it('explains the prepaid credit and where it goes, and the deposit adds up', () => {
    const e = channelNow(channel({ credit: '200', spent: '1200', signed: '1400', fundingFee: '459' }));
    assert.equal(e.summary, '200 sat prepaid, not yet used; comes back when the channel closes.');
    assert.deepEqual(e.facts, [
      ['Deposit', '50,000 sat'],
      ['Paid for what you read', '1,200 sat'],
      ['Prepaid, not yet used', '200 sat'],
      ['Not yet paid to the site', '48,600 sat'],
      ['Network fee to open (paid once)', '459 sat'],
    ]);
  });
  it('without credit, says items are paid as they open', () => {
    assert.match(channelNow(channel({ credit: '0', spent: '1400' })).summary, /^No prepaid credit/);
  });
});

describe('approval window: "Allow with budget"', () => {
  const view = { price: '2', commitment: '2', period: { spent: '1000', budget: '1000', periodDays: 1, mode: 'auto' as const } };

  it('says what the period has counted of its budget', () => {
    assert.equal(periodLine(view), 'Budget: 1,000 of 1,000 sat counted (0 sat left).');
    assert.equal(periodLine({ period: { spent: '250', budget: '1000', periodDays: 7, mode: 'auto' } }), 'Budget: 250 of 1,000 sat counted (750 sat left).');
    assert.equal(periodLine({ period: { spent: '1000', budget: '0', periodDays: 1, mode: 'ask' } }), '1,000 sat committed at this site this period (items, prepaid credit and fees).');
    assert.equal(periodLine({ period: null }), null);
  });

  it('spent is items served plus fees, from the books; prepaid credit is shown apart; the budget counts both (issue 14)', () => {
    const books = { items: 480, charged: '1001', fees: '459', prepaid: '200' };
    const line = periodLine({ period: { spent: '1660', budget: '2000', periodDays: 1, mode: 'auto', books } });
    assert.equal(
      line,
      'Spent 1,460 sat at this site this period: 1,001 sat on 480 items, 459 sat in network fees. 200 sat prepaid, not yet used; comes back when the channel closes. Budget: 1,660 of 2,000 sat counted (340 sat left).',
    );
    assert.equal(1001 + 459 + 200, 1660, 'spent and prepaid add up to what the budget counts');
    assert.equal(
      periodLine({ period: { spent: '2000', budget: '2500', periodDays: 1, mode: 'auto', books: { ...books, prepaid: '0' } } }),
      'Spent 1,460 sat at this site this period: 1,001 sat on 480 items, 459 sat in network fees. Budget: 2,000 of 2,500 sat counted, 540 sat of it held until the period resets (500 sat left).',
      'what the budget holds beyond spent and prepaid (a refund fee set aside) is said, with how much',
    );
    assert.equal(
      periodLine({ period: { spent: '1460', budget: '0', periodDays: 1, mode: 'ask', books: { ...books, prepaid: '0' } } }),
      'Spent 1,460 sat at this site this period: 1,001 sat on 480 items, 459 sat in network fees.',
    );
  });

  it('refuses a budget that would not cover what is spent plus this payment, and says so', () => {
    assert.equal(allowProblem(view, 50n, 201n, 1), 'This period\'s budget already counts 1,000 sat, so this budget would not cover this payment (2 sat): it must be at least 1,002 sat.');
    assert.equal(allowProblem(view, 50n, 1001n, 1), 'This period\'s budget already counts 1,000 sat, so this budget would not cover this payment (2 sat): it must be at least 1,002 sat.');
    assert.equal(allowProblem(view, 50n, 1002n, 1), null);
    assert.equal(allowProblem(view, 1n, 2000n, 1), "The price limit must be at least this item's 2 sat.");
    assert.equal(allowProblem({ ...view, period: null, commitment: '1000' }, 10n, 999n, 1), 'The budget must cover at least this payment, 1,000 sat.');
    assert.equal(allowProblem(view, null, 2000n, 1), 'Enter whole numbers.');
  });
});

describe('approval window: what the item costs (issue 14)', () => {
  /** "1,234 sat" / "≈ 600 sat" / "−10 sat" → 1234n / 600n / -10n */
  const sats = (text: string) => BigInt(text.replace(/^≈ /, '').replace(/ sat$/, '').replace(/,/g, '').replace('−', '-'));

  it('a new channel: price, prepaid credit, funding fee at the current rate and refund fee add up to the total counted', () => {
    const rows = costRows(approvalView());
    assert.deepEqual(rows, [
      ['Price of this item', '10 sat'],
      ['Prepaid credit for later items', '990 sat'],
      ['Network fee to open the channel (at 2.5 sat/vB)', '≈ 600 sat'],
      ['Network fee of a refund, only if the site vanishes', '≈ 350 sat'],
      ['= Counted against your budget now', '1,950 sat'],
    ]);
    const parts = rows.slice(0, -1).reduce((sum, [, v]) => sum + sats(v), 0n);
    assert.equal(parts, sats(rows.at(-1)![1]));
  });

  it('an open channel whose credit covers part of the price says so, and the lines still add up', () => {
    const rows = costRows(approvalView({ deposit: null, fees: null, prepaid: '0', price: '10', commitment: '4' }));
    assert.deepEqual(rows, [
      ['Price of this item', '10 sat'],
      ['Paid from credit you prepaid', '−6 sat'],
      ['= Counted against your budget now', '4 sat'],
    ]);
  });

  it('the deposit is locked until a date, with the blocks as detail, and unused credit comes back', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const text = lockedUntil(approvalView({ expiryBlocks: 1008, createdAt: now }));
    assert.match(text, /^about .*2026 \(1,008 blocks, ~7 days\)$/);
    assert.match(text, /Jan 8|8 Jan/);
    assert.equal(
      unusedCreditLine(approvalView()),
      'The 990 sat of prepaid credit, if you do not use it, comes back to you when the channel closes. The rest of the deposit comes back too, or after expiry even if the site disappears (less the refund fee).',
    );
    assert.equal(unusedCreditLine(approvalView({ deposit: null, prepaid: '0' })), 'Prepaid credit you do not use comes back to you when the channel closes.');
  });
});

describe('Home: spent in the last 7 days, per site (issue 14)', () => {
  const since = Date.UTC(2026, 10, 24);
  const DAY = 86_400_000;

  it('content is the day totals of the week; fees are the funding of channels opened in it and a refund\'s fee', () => {
    const days = [
      { day: since + 2 * DAY, site: 'https://news.example', items: 3, amount: '30' },
      { day: since, site: 'https://news.example', items: 1, amount: '10' },
      { day: since + DAY, site: 'https://video.example', items: 100, amount: '200' },
      { day: since - DAY, site: 'https://news.example', items: 9, amount: '90' },
    ];
    const channels = [
      channel({ endpoint: 'https://news.example/paychan/v1', createdAt: since + 10, fundingFee: '459' }),
      channel({ endpoint: 'https://news.example/paychan/v1', createdAt: since - DAY, fundingFee: '300' }),
      channel({ endpoint: 'https://video.example/paychan/v1', createdAt: since - 2 * DAY, updatedAt: since + DAY, fundingFee: '400', state: 'closed', outcome: 'refunded', refundFee: '141' }),
    ];
    assert.deepEqual(weekSpend(days, channels, since), [
      { site: 'https://news.example', content: 40n, fees: 459n },
      { site: 'https://video.example', content: 200n, fees: 141n },
    ]);
  });

  it('nothing this week: no rows', () => {
    assert.deepEqual(weekSpend([], [channel({ createdAt: since - 1, fundingFee: '459' })], since), []);
  });
});

describe('History: on-chain events with their fees (issue 14)', () => {
  it('a funding with its fee, a settlement the site paid for, a refund with its fee; newest first', () => {
    const ev = chainEvents([
      channel({ createdAt: 100, updatedAt: 500, fundingFee: '459', state: 'closed', outcome: 'settled', closingTxid: 'bb' }),
      channel({ endpoint: 'https://video.example/paychan/v1', createdAt: 200, updatedAt: 900, fundingFee: '400', refundFee: '141', state: 'closed', outcome: 'refunded', closingTxid: 'cc' }),
      channel({ createdAt: 300, state: 'closed', outcome: 'abandoned' }),
    ]);
    assert.deepEqual(ev, [
      { at: 900, site: 'https://video.example', what: 'Deposit refunded', fee: 141n },
      { at: 500, site: 'https://news.example', what: 'Settled on chain (the site paid the fee)', fee: null },
      { at: 200, site: 'https://video.example', what: 'Channel funded', fee: 400n },
      { at: 100, site: 'https://news.example', what: 'Channel funded', fee: 459n },
    ]);
  });
});
