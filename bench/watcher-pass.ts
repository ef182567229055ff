/**
 * One settlement-watcher pass in a process of its own, so its peak memory is the pass's and not
 * the benchmark's (which built the database): `tsx bench/watcher-pass.ts <db file or postgres://…>`.
 * Prints {"ms", "rssBeforeMb", "peakRssMb", "settled", "confirmed"} on stdout.
 *
 * The chain answers at once: the tip is 1 000, every transaction confirmed, no output spent, every
 * broadcast accepted; so the pass's time is the store's and the settlement's, not a node's.
 */
import { Transaction } from 'bitcoinjs-lib';
import { parseEsploraFees } from '../src/chain/fee-rates.ts';
import { fixedTip } from '../src/server/chain.ts';
import { loadConfig } from '../src/server/config.ts';
import { createServerContext } from '../src/server/context.ts';
import { silentLogger } from '../src/server/logger.ts';
import { openChannelStore } from '../src/server/store/open-store.ts';
import { SettlementWatcher, type WatcherChain } from '../src/server/watcher/index.ts';
import { WATCHER_BENCH_SEED, WATCHER_BENCH_TIP } from './watcher-setup.ts';

const CONFIRMED = { confirmed: true as const, block_height: WATCHER_BENCH_TIP, block_hash: '00'.repeat(32), block_time: 0 };

const chain: WatcherChain = {
  getTipHeight: async () => WATCHER_BENCH_TIP,
  getFeeRates: async () => parseEsploraFees({ '6': 2 }),
  getTxStatus: async () => CONFIRMED,
  getTx: async (txid) => ({ txid, status: CONFIRMED }),
  getOutspend: async () => ({ spent: false }),
  broadcast: async (hex) => Transaction.fromHex(hex).getId(),
};

const location = process.argv[2]!;
const store = await openChannelStore(location, { durability: 'full' });
const config = loadConfig({ env: {}, overrides: { dbPath: location } });
const ctx = createServerContext({ config, store, chain, tip: fixedTip(WATCHER_BENCH_TIP), seed: WATCHER_BENCH_SEED, logger: silentLogger });
const watcher = new SettlementWatcher({ ...ctx, chain });
const rssBefore = process.memoryUsage().rss;
const start = performance.now();
const report = await watcher.tick();
const ms = performance.now() - start;
if (report.errors.length > 0) throw new Error(`the pass failed: ${JSON.stringify(report.errors)}`);
await store.close();
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
process.stdout.write(
  JSON.stringify({
    ms,
    rssBeforeMb: mb(rssBefore),
    // resourceUsage reports kilobytes: the highest resident set this process ever had.
    peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
    settled: report.settlements.reduce((n, s) => n + s.channels.length, 0),
    confirmed: report.fundingConfirmed.length,
  }) + '\n',
);
process.exit(0);
