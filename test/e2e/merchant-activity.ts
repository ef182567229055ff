/**
 * Readers' activity on the demo site, made with the protocol client on the devnet, so the
 * dashboard has something of each kind to show: open channels with items read, one channel
 * settled on chain, one funding not confirmed yet (zero-conf exposure) and one open proposal
 * never funded. Used by the dashboard test and `npm run demo`.
 */
import { ARTICLES } from '../../src/server/demo/articles.ts';
import { ChannelClient } from '../server/helpers/channel-client.ts';
import { TestWallet } from '../server/helpers/wallet.ts';
import type { Stack } from './harness.ts';

export interface MerchantActivity {
  /** Open, funding confirmed, three articles read. */
  reading: string;
  /** Reads one more article on the reading channel's prepaid credit. */
  readAnother(slug: string): Promise<void>;
  /** Closed by the reader, settled and confirmed. */
  settled: string;
  /** Open on an unconfirmed funding, two articles read. */
  unconfirmed: string;
  /** An open proposal never funded. */
  proposal: string;
}

export async function makeMerchantActivity(stack: Stack): Promise<MerchantActivity> {
  const endpoint = stack.url + stack.site.paychan.config.basePath;
  const wallet = new TestWallet(stack.devnet);
  const read = async (c: ChannelClient, slug: string) => {
    const res = await fetch(`${stack.url}/articles/${slug}`, { headers: { authorization: c.credential() } });
    if (res.status !== 200) throw new Error(`article ${slug}: ${res.status}`);
    await res.arrayBuffer();
  };
  const reader = async (capacity: bigint, first: bigint, articles: number) => {
    const c = new ChannelClient(endpoint);
    await c.open(await c.openRequest(capacity, wallet.script));
    c.buildFunding([await wallet.coin(capacity + 20_000n)], wallet.script);
    await c.fund(first);
    for (const a of ARTICLES.slice(0, articles)) await read(c, a.slug);
    return c;
  };
  const reading = await reader(60_000n, 1_000n, 3);
  const settled = await reader(40_000n, 2_000n, 1);
  await settled.close();
  await stack.devnet.mine(1);
  // The watcher's next pass records the settlement and the fundings as confirmed.
  await stack.site.paychan.watcher!.tick();
  const unconfirmed = await reader(30_000n, 1_500n, 2);
  const proposal = new ChannelClient(endpoint);
  await proposal.open(await proposal.openRequest(25_000n, wallet.script));
  return { reading: reading.channelId, readAnother: (slug) => read(reading, slug), settled: settled.channelId, unconfirmed: unconfirmed.channelId, proposal: proposal.mustChannel().openId! };
}
