/**
 * A WalletPort built only from the background's existing message map (issue 5), so wiring the
 * paywall needs no change to the wallet code: `call` is the background router's own dispatch.
 *
 * The wallet never signs past a site's allowance (the most one channel with the endpoint may be
 * approved). To hold it to the paywall's reservation, the allowance is raised to "what the
 * channel has approved + limit" just for this payment and dropped to 0 afterwards, so nothing can
 * approve more behind the budget's back. What a payment really approved the wallet reports with
 * the payment; after a failure it is measured as the growth of the approvals of the endpoint's
 * channels.
 */
import type { MessageType, RequestOf, ResponseOf } from '../../shared/messages.ts';
import type { ChannelSummary } from '../../shared/types.ts';
import type { PayOutcome, WalletPort } from './service.ts';
import type { TopUpPort } from './topup.ts';

export type Call = <T extends MessageType>(type: T, payload: RequestOf<T>) => Promise<ResponseOf<T>>;

/** What a failed call threw, in the envelope's shape. */
function errorInfo(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : 'INTERNAL', message: typeof e?.message === 'string' ? e.message : String(err) };
}

function approvedSum(channels: ChannelSummary[], endpoint: string): bigint {
  let sum = 0n;
  for (const c of channels) if (c.endpoint === endpoint) sum += BigInt(c.approved);
  return sum;
}

export function walletPortFromMessages(call: Call): WalletPort & TopUpPort {
  return {
    async topUp({ endpoint, price, items, limit, send }) {
      const out = await call('channels.topUp', { endpoint, price: String(price), items: Number(items), limit: String(limit), send });
      return { approved: BigInt(out.approved), channel: out.channel, credential: out.credential };
    },
    status: () => call('wallet.status', undefined),
    settings: () => call('settings.get', undefined),
    channels: () => call('channels.list', undefined),
    async receipt(header) {
      await call('pay.receipt', { receipt: header });
    },
    async pay({ url, challenge, endpoint, price, limit, channels }): Promise<PayOutcome> {
      const before = channels ?? (await call('channels.list', undefined));
      const live = before
        .filter((c) => c.endpoint === endpoint && (c.state === 'open' || c.state === 'opening') && BigInt(c.capacity) - BigInt(c.spent) >= price)
        .sort((a, b) => b.createdAt - a.createdAt)[0];
      const allowance = (live ? BigInt(live.approved) : 0n) + limit;
      let outcome: PayOutcome;
      try {
        await call('sites.allow', { endpoint, allowance: String(allowance) });
        const result = await call('pay', { url, challenge });
        outcome = { ok: true, result, committed: BigInt(result.approved) };
      } catch (err) {
        outcome = { ok: false, error: errorInfo(err), committed: 0n };
      } finally {
        await call('sites.allow', { endpoint, allowance: '0' }).catch(() => undefined);
      }
      if (!outcome.ok) {
        // A failed payment may still have approved something (a channel opened, then refused):
        // measure it. Unknown after a failure to list: count the whole limit, never less than may have left.
        const after = await call('channels.list', undefined).catch(() => null);
        const grew = after ? approvedSum(after, endpoint) - approvedSum(before, endpoint) : limit;
        outcome.committed = grew > 0n ? grew : 0n;
      }
      return outcome;
    },
  };
}
