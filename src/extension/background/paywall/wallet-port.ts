/**
 * A WalletPort built only from the background's existing message map (issue 5), so wiring the
 * paywall needs no change to the wallet code: `call` is the background router's own dispatch.
 *
 * The paywall's reservation travels with the payment (`pay`'s `limit`): the wallet, under the
 * endpoint's lock, grows the endpoint's approvals plus the fees of a channel it opens by at most
 * that much. Nothing is written beforehand that another payment could pick up. What a payment
 * really approved (and paid in fees) the wallet reports with the payment; after a failure it is
 * measured as the growth of the approvals of the endpoint's channels.
 */
import { feeForVsize } from '../../../core/amounts.ts';
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

/**
 * Virtual bytes of a funding transaction with two wallet inputs and change (11 + 2 × 68 + 43 + 31
 * ≈ 221, rounded up), and of the refund the wallet signs with it (≈ 140): what opening a channel
 * is expected to cost in fees, before the coins are chosen.
 */
export const FUNDING_VBYTES = 240;
export const REFUND_VBYTES = 140;
export const OPEN_VBYTES = FUNDING_VBYTES + REFUND_VBYTES;

export function walletPortFromMessages(call: Call): WalletPort & TopUpPort {
  return {
    async topUp({ endpoint, price, items, limit, send }) {
      const out = await call('channels.topUp', { endpoint, price: String(price), items: Number(items), limit: String(limit), send });
      return { approved: BigInt(out.approved), channel: out.channel, credential: out.credential };
    },
    status: () => call('wallet.status', undefined),
    settings: () => call('settings.get', undefined),
    channels: () => call('channels.list', undefined),
    async openFees() {
      // wallet.feeRates answers sat/kvB.
      const rateKvb = BigInt((await call('wallet.feeRates', undefined)).normal);
      return { rateKvb, funding: feeForVsize(FUNDING_VBYTES, rateKvb), refund: feeForVsize(REFUND_VBYTES, rateKvb) };
    },
    async receipt(header, url) {
      return (await call('pay.receipt', { receipt: header, url })) !== null;
    },
    async pay({ url, challenge, endpoint, limit, maxNewDeposit, channels }): Promise<PayOutcome> {
      const before = channels ?? (await call('channels.list', undefined));
      let outcome: PayOutcome;
      try {
        const result = await call('pay', { url, challenge, limit: String(limit), maxNewDeposit: String(maxNewDeposit) });
        outcome = { ok: true, result, committed: BigInt(result.approved) + BigInt(result.fees ?? '0') };
      } catch (err) {
        outcome = { ok: false, error: errorInfo(err), committed: 0n };
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
