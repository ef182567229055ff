/**
 * `client_call_vs_free_ratio`: the median latency of a paid API call with warm credit through
 * paychanFetch (src/client/node) ÷ the median of the same call on a free route with plain fetch,
 * against the real merchant server on loopback. Beside it, the same paid call sent by plain fetch
 * with the credential paychanFetch last sent: what the server's side of a paid call costs
 * (`client_call_credential_vs_free_ratio`), and what the client adds to it (`client_call_vs_credential_ratio`).
 * The three kinds of call alternate, so all see the same machine load.
 */
import { CREDENTIAL_HEADER } from '../src/core/http-binding.ts';
import { openPaychanClient } from '../src/client/node/index.ts';
import { startDevnet } from '../src/devnet/index.ts';
import { fundedWalletFile, PASSWORD } from '../test/client/helpers.ts';
import { startMerchant } from '../test/extension/helpers.ts';
import { median, round } from './measure.ts';

const CALLS = 400;

export async function benchPaychanFetch(): Promise<Record<string, number>> {
  const devnet = await startDevnet({ port: 0 });
  const merchant = await startMerchant(devnet.url, { price: 10n });
  try {
    const path = await fundedWalletFile(devnet, 1_000_000n);
    let credential = '';
    const client = await openPaychanClient({
      path,
      password: PASSWORD,
      caps: { budget: 300_000n, maxDeposit: 200_000n },
      fetch: (input, init) => {
        credential = new Headers(init?.headers).get(CREDENTIAL_HEADER) ?? credential;
        return fetch(input, init);
      },
    });
    const policy = (await client.engine.settings.get()).policy;
    // Credit for thousands of calls ahead: the measured calls are warm, not top-ups.
    await client.engine.settings.set({ policy: { ...policy, preferredDeposit: '200000', maxDeposit: '200000', prepaidTarget: '50000' } });
    const call = async (url: string, how: 'client' | 'credential' | 'free'): Promise<number> => {
      const start = performance.now();
      const res = how === 'client' ? await client.fetch(url) : await fetch(url, how === 'credential' ? { headers: { [CREDENTIAL_HEADER]: credential } } : {});
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`HTTP ${res.status} from ${url}`);
      return performance.now() - start;
    };
    await call(`${merchant.url}/articles/open`, 'client');
    await devnet.mine(1); // past the zero-conf limit the server wants the funding confirmed
    for (let i = 0; i < 50; i++) {
      await call(`${merchant.url}/articles/warm${i}`, 'client');
      await call(`${merchant.url}/free/warm${i}`, 'free');
    }
    const paid: number[] = [];
    const raw: number[] = [];
    const free: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      paid.push(await call(`${merchant.url}/articles/${i}`, 'client'));
      raw.push(await call(`${merchant.url}/articles/raw${i}`, 'credential'));
      free.push(await call(`${merchant.url}/free/${i}`, 'free'));
    }
    await client.close();
    const paidMs = median(paid);
    const rawMs = median(raw);
    const freeMs = median(free);
    return {
      client_call_paid_ms: round(paidMs, 3),
      client_call_credential_ms: round(rawMs, 3),
      client_call_free_ms: round(freeMs, 3),
      client_call_vs_free_ratio: round(paidMs / freeMs, 2),
      client_call_credential_vs_free_ratio: round(rawMs / freeMs, 2),
      client_call_vs_credential_ratio: round(paidMs / rawMs, 2),
    };
  } finally {
    await merchant.stop();
    await devnet.stop();
  }
}
