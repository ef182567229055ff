/**
 * The demo's closing books print what the reader spent on content, on fees and in forfeited
 * credit, apart, and those add up to what left the wallet (issue 14). Figures of the issue's
 * reader: 1,001 sat of items from 1,201 signed, a 459 sat funding fee, the unused 200 back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closingBooks, readerSpend } from '../../scripts/demo-books.ts';
import type { Books } from './story.ts';

const BOOKS: Books = {
  start: 100_000n,
  wallet: 98_540n,
  serverEarnings: 701n,
  fundingFee: 459n,
  settlementFee: 300n,
  itemsCharged: 1001n,
  paid: 1201n,
  settled: 1001n,
  forfeited: 0n,
  capacity: 50_000n,
  settlementTxid: 'c'.repeat(64),
  fundingTxid: 'f'.repeat(64),
};

describe('the demo\'s closing books', () => {
  it('print spent on content, on network fees and forfeited credit apart, adding up to what left the wallet', () => {
    const lines = closingBooks(BOOKS);
    const value = (label: string) => {
      const line = lines.find((l) => l.trim().startsWith(label));
      assert.ok(line, `a line for ${label}`);
      return BigInt(line.slice(4 + 29, 4 + 29 + 10).trim());
    };
    assert.equal(value('on content'), 1001n);
    assert.equal(value('on network fees'), 459n);
    assert.equal(value('prepaid credit forfeited'), 0n);
    assert.equal(value('total'), 1460n);
    assert.equal(value('total'), BOOKS.start - BOOKS.wallet);
    assert.ok(lines.some((l) => l.includes('unused credit 200 came back with the close')));
  });

  it('refuses books where content, fees and forfeited credit are not what left the wallet', () => {
    assert.throws(() => readerSpend({ ...BOOKS, wallet: BOOKS.wallet - 1n }), /is not what left the wallet/);
  });
});
