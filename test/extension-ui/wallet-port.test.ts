import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { walletPortFromMessages, type Call } from '../../src/extension/background/paywall/wallet-port.ts';
import type { ChannelSummary } from '../../src/extension/shared/types.ts';

const ENDPOINT = 'https://news.example/paychan/v1';

function channel(approved: string, spent = '0'): ChannelSummary {
  return { id: 'regtest/0', channelId: 'aa:0', endpoint: ENDPOINT, network: 'regtest', state: 'open', capacity: '50000', expiry: 2000, approved, signed: approved, acknowledged: approved, spent, credit: '0', closingTxid: null, createdAt: 1, updatedAt: 1 };
}

describe('wallet port over the message map', () => {
  it('estimates opening fees from the wallet\'s rate in sat/kvB: 240 + 140 vB at 2.5 sat/vB is 600 + 350 sat', async () => {
    const call = (async (type: string) => {
      if (type === 'wallet.feeRates') return { fast: '5000', normal: '2500', slow: '1000', minimum: '1000', ageSeconds: 0 };
      throw new Error(type);
    }) as Call;
    assert.deepEqual(await walletPortFromMessages(call).openFees!(), { rateKvb: 2500n, funding: 600n, refund: 350n });
  });

  it('sends the limit with the payment (no allowance written outside the endpoint lock), and counts what it approved plus fees (findings 5, 11)', async () => {
    const calls: [string, unknown][] = [];
    let channels = [channel('1200', '1000')];
    const call = (async (type: string, payload: unknown) => {
      calls.push([type, payload]);
      if (type === 'channels.list') return channels;
      if (type === 'sites.allow') return { endpoint: ENDPOINT, allowance: (payload as { allowance: string }).allowance, updatedAt: 0 };
      if (type === 'pay') {
        channels = [channel('1400', '1010')];
        return { authorization: 'Paychan x', channelId: 'aa:0', price: '10', credit: '390', opened: false, approved: '200', fees: '0' };
      }
      throw new Error(type);
    }) as Call;
    const port = walletPortFromMessages(call);
    const out = await port.pay({ url: 'https://news.example/a', challenge: 'Paychan ...', endpoint: ENDPOINT, price: 10n, limit: 210n, maxNewDeposit: 0n });
    assert.equal(out.ok, true);
    assert.equal(out.committed, 200n);
    assert.deepEqual(calls.filter(([t]) => t === 'sites.allow'), [], 'nothing is written for another payment to pick up');
    assert.deepEqual(calls.find(([t]) => t === 'pay')![1], { url: 'https://news.example/a', challenge: 'Paychan ...', limit: '210', maxNewDeposit: '0' });
    assert.equal(calls.filter(([t]) => t === 'channels.list').length, 1, 'what the payment approved comes with it: no second listing');

    // With the caller's fresh list the wallet is not listed at all.
    calls.length = 0;
    channels = [channel('1200', '1000')];
    const again = await port.pay({ url: 'https://news.example/b', challenge: 'Paychan ...', endpoint: ENDPOINT, price: 10n, limit: 210n, maxNewDeposit: 0n, channels });
    assert.equal(again.ok && again.committed, 200n);
    assert.deepEqual(calls.map(([t]) => t), ['pay']);
  });

  it('reports failures with what was approved anyway', async () => {
    const call = (async (type: string) => {
      if (type === 'channels.list') return [];
      if (type === 'sites.allow') return null;
      throw Object.assign(new Error('not enough coins'), { code: 'INSUFFICIENT_FUNDS' });
    }) as Call;
    const out = await walletPortFromMessages(call).pay({ url: 'https://news.example/a', challenge: 'Paychan ...', endpoint: ENDPOINT, price: 10n, limit: 1000n, maxNewDeposit: 50_000n });
    assert.deepEqual(out, { ok: false, error: { code: 'INSUFFICIENT_FUNDS', message: 'not enough coins' }, committed: 0n });
  });
});
