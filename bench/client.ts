/**
 * `client_pay_per_s`: payments per second from one extension channel client (the background
 * services, IndexedDB via fake-indexeddb) to the real merchant server (SQLite, full durability)
 * on loopback. Each payment is signed, stored in IndexedDB, sent, stored by the server, and its
 * acknowledgement stored again: persisted on both sides, one at a time on one channel.
 */
import { startDevnet } from '../src/devnet/index.ts';
import { fetchPaid, fundedRig, startMerchant } from '../test/extension/helpers.ts';
import { measureRateAsync } from './measure.ts';

const PRICE = 10n;

export async function benchClient(): Promise<Record<string, number>> {
  const devnet = await startDevnet({ port: 0 });
  // No per-address payment limit: this measures the payment path, and every payment comes from loopback.
  const merchant = await startMerchant(devnet.url, { price: PRICE, paymentRateLimit: 0 });
  try {
    const endpoint = `${merchant.url}/paychan/v1`;
    const rig = await fundedRig(devnet, 1_000_000n, endpoint, '200000');
    const policy = (await rig.call('settings.get', undefined)).policy;
    // Capacity for every payment below, and no prepaid target: each top-up is exactly one payment.
    await rig.call('settings.set', { policy: { ...policy, preferredDeposit: '200000', prepaidTarget: '0' } });
    if ((await fetchPaid(rig, `${merchant.url}/articles/open`)).status !== 200) throw new Error('could not open a channel');
    await devnet.mine(1); // past the zero-conf limit the server wants the funding confirmed
    const [ch] = await rig.call('channels.list', undefined);
    const id = ch!.id;
    const rate = await measureRateAsync(async () => {
      // Asking for credit of one more item than the channel holds makes exactly one new payment.
      const rec = (await rig.bg.store.getChannel(id))!;
      const credit = rec.channel.signed - rec.channel.spent;
      await rig.bg.channels.topUp(id, credit + PRICE);
    }, 3000);
    const rec = (await rig.bg.store.getChannel(id))!;
    const server = (await merchant.paychan.store.getChannel(ch!.channelId!))!;
    if (server.paid !== rec.channel.signed || rec.channel.acknowledged !== rec.channel.signed) {
      throw new Error(`totals differ: server ${server.paid}, client signed ${rec.channel.signed}, acknowledged ${rec.channel.acknowledged}`);
    }
    rig.db.close();
    return { client_pay_per_s: rate };
  } finally {
    await merchant.stop();
    await devnet.stop();
  }
}
