/**
 * A program paying calls with paychanFetch that SIGKILLs itself at one point of a top-up
 * payment (test/client/crash.test.ts): `before-send`, once the signature is stored and before
 * the request leaves; `after-send`, once the server has answered and before the answer is
 * stored. Prints one line per paid call. Args: walletPath baseUrl mode password.
 */
import { openPaychanClient } from '../../src/client/node/index.ts';
import type { FetchLike } from '../../src/chain/esplora.ts';

const [path, base, mode, password] = process.argv.slice(2) as [string, string, 'before-send' | 'after-send', string];
let calls = 0;
const apiFetch: FetchLike = async (input, init) => {
  // A top-up: POST …/channels/<id>/payments, after the first call (whose payment rides the funding).
  const topUp = init?.method === 'POST' && String(input).endsWith('/payments') && calls > 0;
  if (topUp && mode === 'before-send') process.kill(process.pid, 'SIGKILL');
  const res = await globalThis.fetch(input, init);
  if (topUp && mode === 'after-send') {
    await res.clone().text();
    process.kill(process.pid, 'SIGKILL');
  }
  return res;
};
const client = await openPaychanClient({ path, password, apiFetch, caps: { budget: 20_000n } });
for (;;) {
  const res = await client.fetch(`${base}/articles/k${calls}`);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  await res.arrayBuffer();
  calls++;
  process.stdout.write(`paid ${calls}\n`);
}
