import type { ChannelSummary } from '../../src/extension/shared/types.ts';

/** An open regtest channel of 50,000 sat with 1,400 paid and 1,210 spent, changed by `over`. */
export function channelSummary(over: Partial<ChannelSummary> = {}): ChannelSummary {
  return {
    id: 'regtest/0',
    channelId: 'aa:0',
    endpoint: 'https://news.example/paychan/v1',
    network: 'regtest',
    state: 'open',
    capacity: '50000',
    expiry: 2000,
    approved: '1400',
    signed: '1400',
    acknowledged: '1400',
    spent: '1210',
    credit: '190',
    closingTxid: null,
    outcome: null,
    lastError: null,
    createdAt: 1,
    updatedAt: 1,
    ...over,
  };
}
