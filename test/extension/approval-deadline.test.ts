/**
 * The approval deadline can be extended (WCAG 2.2.1): the background gives the time the window
 * asks for, never less than it had, never past the bound, and denies at the new deadline only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Approvals, type ApprovalUi } from '../../src/extension/background/paywall/approvals.ts';
import type { ApprovalChoice, ApprovalView } from '../../src/extension/shared/paywall-views.ts';

const ui: ApprovalUi = { open: async () => 1, close: async () => undefined };
const request: Omit<ApprovalView, 'id' | 'createdAt' | 'deadline'> = {
  site: 'https://news.example',
  url: 'https://news.example/a',
  price: '10',
  network: 'regtest',
  endpoint: 'https://news.example/paychan/v1',
  previousEndpoint: null,
  openDeposits: '0',
  depositLimit: '100000',
  deposit: null,
  expiryBlocks: null,
  expiryEstimate: null,
  commitment: '10',
  prepaid: '0',
  fees: null,
  suggested: { maxPrice: '10', budget: '100', periodDays: 1 },
  reason: 'ask',
  remaining: null,
  period: null,
  initiator: null,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Approvals.extend', () => {
  it('moves the deadline, and the request is denied at the new one, not the old', async () => {
    const approvals = new Approvals(ui, Date.now, 60, 5_000);
    let answer: ApprovalChoice | null = null;
    void approvals.request(request).then((c) => (answer = c));
    const [view] = approvals.list();
    const deadline = approvals.extend(view!.id, 400)!;
    assert.ok(deadline >= view!.createdAt + 400, `deadline ${deadline - view!.createdAt} ms after the request`);
    assert.equal(approvals.get(view!.id)?.deadline, deadline, 'the window reads the new deadline');
    await sleep(150);
    assert.equal(answer, null, 'still waiting after the old deadline');
    await sleep(400);
    assert.deepEqual(answer, { kind: 'deny' }, 'denied at the new deadline');
  });

  it('never shortens the time, never goes past the bound, and knows no finished request', async () => {
    const approvals = new Approvals(ui, Date.now, 1_000, 3_000);
    void approvals.request(request);
    const [view] = approvals.list();
    assert.equal(approvals.extend(view!.id, 0), view!.deadline, 'asking for less keeps the deadline');
    assert.equal(approvals.extend(view!.id, 60_000), view!.createdAt + 3_000, 'bounded');
    assert.equal(approvals.extend(view!.id, 60_000), view!.createdAt + 3_000, 'still bounded');
    approvals.decide(view!.id, { kind: 'deny' });
    assert.equal(approvals.extend(view!.id, 1_000), null);
  });
});
