import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReceiptQueue } from '../../src/extension/background/paywall/receipt-queue.ts';
import type { PaidItem } from '../../src/extension/background/paywall/store.ts';
import type { ReceiptSeen } from '../../src/extension/background/paywall/topup.ts';

const SITE = 'https://news.example';
const item = (n: number): PaidItem => ({ site: SITE, url: `${SITE}/a/${n}`, amount: 10n, channel: 'aa:0', tabId: 1, at: n });
const receipt = (channel: string, paid: bigint, spent: bigint, charged = 10n): ReceiptSeen => ({ header: `${channel}/${spent}`, site: SITE, url: `${SITE}/a`, tabId: 1, kind: 'navigation', initiator: null, channel, charged, paid, spent });

function recorder(delayMs: number) {
  const log: string[] = [];
  const queue = new ReceiptQueue({
    delayMs,
    addItems: async (items) => void log.push(`items ${items.map((i) => i.at).join(',')}`),
    record: async (r) => (log.push(`receipt ${r.header}`), true),
    topUp: async (r) => void log.push(`top-up ${r.header}`),
  });
  return { log, queue };
}

describe('receipt queue', () => {
  it('records receipts with plenty of credit later, together: every item, the newest receipt per channel', async () => {
    const { log, queue } = recorder(40);
    const done = [queue.seen(item(1), receipt('aa:0', 1000n, 10n)), queue.seen(item(2), receipt('bb:0', 1000n, 10n)), queue.seen(item(3), receipt('aa:0', 1000n, 30n)), queue.seen(item(4), receipt('aa:0', 1000n, 20n))];
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(log, [], 'nothing written while the page loads');
    await Promise.all(done);
    assert.deepEqual(log, ['receipt aa:0/30', 'receipt bb:0/10', 'items 1,2,3,4', 'top-up aa:0/30', 'top-up bb:0/10']);
  });

  it('handles a receipt that shows credit running low at once, after the ones waiting', async () => {
    const { log, queue } = recorder(10_000);
    void queue.seen(item(1), receipt('aa:0', 1000n, 900n));
    // 1000 - 980 = 20 sat left: fewer than 3 items of 10 sat.
    await queue.seen(item(2), receipt('aa:0', 1000n, 980n));
    assert.deepEqual(log, ['receipt aa:0/980', 'items 1,2', 'top-up aa:0/980']);
  });

  it('flush records what waits now, and resolves after earlier batches; an empty flush does nothing', async () => {
    const { log, queue } = recorder(10_000);
    await queue.flush();
    assert.deepEqual(log, []);
    void queue.seen(item(1), receipt('aa:0', 1000n, 10n));
    await queue.flush();
    assert.deepEqual(log, ['receipt aa:0/10', 'items 1', 'top-up aa:0/10']);
  });

  it('does not wait for the top-up, which may wait on the reader', async () => {
    const log: string[] = [];
    const queue = new ReceiptQueue({
      delayMs: 10_000,
      addItems: async () => undefined,
      record: async (r) => (log.push(r.header), true),
      topUp: () => new Promise(() => undefined), // a site lock held by a pending approval
    });
    await queue.seen(item(1), receipt('aa:0', 1000n, 990n));
    await queue.seen(item(2), receipt('aa:0', 1000n, 995n));
    assert.deepEqual(log, ['aa:0/990', 'aa:0/995']);
  });

  it('a failing write does not stop the receipts or later batches', async () => {
    const log: string[] = [];
    const queue = new ReceiptQueue({
      delayMs: 5,
      addItems: async () => Promise.reject(new Error('quota')),
      record: async (r) => (log.push(r.header), true),
      topUp: async () => Promise.reject(new Error('offline')),
    });
    await queue.seen(item(1), receipt('aa:0', 1000n, 10n));
    await queue.seen(item(2), receipt('aa:0', 1000n, 20n));
    assert.deepEqual(log, ['aa:0/10', 'aa:0/20']);
  });

  it('a receipt the wallet refused (another site naming our channel) makes no history line and no top-up, and does not hide the real one (finding 8)', async () => {
    const log: string[] = [];
    const EVIL = 'https://evil.example';
    const queue = new ReceiptQueue({
      delayMs: 5,
      addItems: async (items) => void log.push(`items ${items.map((i) => i.site).join(',')}`),
      record: async (r) => (log.push(`receipt ${r.site}`), r.site === SITE),
      topUp: async (r) => void log.push(`top-up ${r.site}`),
    });
    const real = queue.seen(item(1), receipt('aa:0', 1000n, 10n));
    const forged = queue.seen({ ...item(2), site: EVIL }, { ...receipt('aa:0', 1000n, 990n), site: EVIL, url: `${EVIL}/x` });
    await Promise.all([real, forged]);
    assert.deepEqual(log, [`receipt ${SITE}`, `receipt ${EVIL}`, `items ${SITE}`, `top-up ${SITE}`]);
  });
});
