/** An approval the background never asked for, for windows answered in the page (fake-answers.ts). */
import type { ApprovalView } from '../../src/extension/shared/paywall-views.ts';

const NOW = Date.now();

/** A new channel of 50,000 sat for a 10 sat article (1,000 sat first payment, 950 sat of fees at 2.5 sat/vB), asked for by another site; changed by `over`. */
export function approvalView(over: Partial<ApprovalView> = {}): ApprovalView {
  return {
    id: 'fake',
    site: 'https://news.example',
    url: 'https://news.example/articles/the-first-coins-of-lydia-and-what-they-were-worth-to-the-people-who-used-them',
    price: '10',
    network: 'regtest',
    endpoint: 'https://news.example/paychan/v1',
    previousEndpoint: null,
    openDeposits: '0',
    depositLimit: '100000',
    deposit: '50000',
    expiryBlocks: 1008,
    expiryEstimate: NOW + 7 * 86_400_000,
    commitment: '1950',
    prepaid: '990',
    fees: { rateKvb: '2500', funding: '600', refund: '350' },
    suggested: { maxPrice: '10', budget: '2000', periodDays: 1 },
    reason: 'third-party',
    remaining: null,
    period: null,
    initiator: 'https://aggregator.example',
    createdAt: Date.now(),
    deadline: Date.now() + 120_000,
    ...over,
  };
}
