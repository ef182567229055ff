/**
 * The dashboard's reads on a site with a long event log: `npm run bench -- dashboard`.
 * A SQLite store with CHANNELS synthetic channels and EVENTS debits spread over 30 days; the
 * earnings per day summed in the database (what the admin API does) beside the whole log read
 * into memory and summed in JavaScript (what it would cost otherwise), in the same run; and the
 * six API requests a dashboard refresh makes, over HTTP on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAdminServer } from '../src/server/admin-api/server.ts';
import { earnings } from '../src/server/admin-api/views.ts';
import { loadConfig } from '../src/server/config.ts';
import { ServerKeys } from '../src/server/keys.ts';
import { silentLogger } from '../src/server/logger.ts';
import { SqliteChannelStore } from '../src/server/store/sqlite-store.ts';
import { syntheticChannel } from '../test/server/helpers/synthetic-channel.ts';
import { median, round } from './measure.ts';

const CHANNELS = 200;
const EVENTS = 100_000;
const DAY = 86_400_000;
const RUNS = 7;
const SEED = new Uint8Array(32).fill(7);
const TOKEN = 'b'.repeat(43);

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function benchDashboard(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'paychan-bench-dashboard-'));
  const now = Date.now();
  let clock = now - 30 * DAY;
  const store = new SqliteChannelStore(join(dir, 'bench.db'), { durability: 'normal', now: () => clock });
  try {
    const keys = new ServerKeys(SEED, 'regtest');
    const ids: string[] = [];
    for (let c = 0; c < CHANNELS; c++) ids.push((await syntheticChannel(store, keys, { capacity: 100_000_000n, expiry: 10_000, firstPayment: 100_000_000n })).id);
    for (let i = 0; i < EVENTS; i++) {
      clock = now - 30 * DAY + Math.floor((i / EVENTS) * 30 * DAY);
      await store.updateChannel(ids[i % CHANNELS]!, (c) => ({ channel: { ...c, spent: c.spent + 10n }, events: [{ kind: 'debit', amount: 10n }], result: null }), { durable: false });
    }
    const inDb: number[] = [];
    const inJs: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      inDb.push(await timeMs(() => earnings(store, 'day', now)));
      inJs.push(
        await timeMs(async () => {
          const sums = new Map<number, bigint>();
          for (const e of await store.listEvents()) if (e.kind === 'debit') sums.set(Math.floor(e.at / DAY), (sums.get(Math.floor(e.at / DAY)) ?? 0n) + e.amount);
        }),
      );
    }
    const admin = await startAdminServer({ config: loadConfig({ env: {} }), store, token: () => TOKEN, getTipHeight: async () => 1_000, host: '127.0.0.1', port: 0, logger: silentLogger });
    const refresh: number[] = [];
    try {
      const paths = ['/api/totals', '/api/earnings?bucket=day', '/api/channels', '/api/settlements', '/api/proposals', '/api/zero-conf'];
      for (let r = 0; r < RUNS; r++) {
        refresh.push(
          await timeMs(() =>
            Promise.all(
              paths.map(async (p) => {
                const res = await fetch(admin.url + p, { headers: { authorization: `Bearer ${TOKEN}` } });
                if (res.status !== 200) throw new Error(`${p}: ${res.status}`);
                await res.arrayBuffer();
              }),
            ),
          ),
        );
      }
    } finally {
      await admin.stop();
    }
    const db = median(inDb);
    const js = median(inJs);
    return {
      dashboard_earnings_sql_ms: round(db, 1),
      dashboard_earnings_js_ms: round(js, 1),
      dashboard_earnings_speedup: round(js / db, 1),
      dashboard_refresh_ms: round(median(refresh), 1),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
