/**
 * One settlement-watcher pass over 100 000 open channels, of which 20 are due and 20 wait for
 * their funding, on SQLite and on PostgreSQL (a throwaway cluster, test/helpers/pg-cluster.ts):
 * its time, and the peak memory of the process running it, at 10 000 channels and at 100 000,
 * so a pass that loaded every channel would show it. Each pass runs in a process of its own
 * (watcher-pass.ts) on a database built beforehand (watcher-setup.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestPostgres } from '../test/helpers/pg-cluster.ts';
import { fillWatcherBench } from './watcher-setup.ts';

interface PassResult {
  ms: number;
  rssBeforeMb: number;
  peakRssMb: number;
  settled: number;
  confirmed: number;
}

const PASS_SCRIPT = fileURLToPath(new URL('./watcher-pass.ts', import.meta.url));

function pass(location: string): PassResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', PASS_SCRIPT, location], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!) as PassResult;
}

/** A pass over a database of `total` channels that `newLocation` makes; checks it settled the due ones. */
async function measure(newLocation: () => Promise<string>, total: number): Promise<PassResult> {
  const location = await newLocation();
  const { due } = await fillWatcherBench(location, total);
  const result = pass(location);
  if (result.settled !== due) throw new Error(`the pass settled ${result.settled} channels, not the ${due} due`);
  return result;
}

export async function benchWatcher(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'paychan-bench-watcher-'));
  let n = 0;
  const sqliteFile = async () => join(dir, `watcher-${++n}.db`);
  const pg = await startTestPostgres();
  try {
    const s10k = await measure(sqliteFile, 10_000);
    const s100k = await measure(sqliteFile, 100_000);
    const p10k = await measure(() => pg.newDatabase(), 10_000);
    const p100k = await measure(() => pg.newDatabase(), 100_000);
    const ms = (r: PassResult) => Math.round(r.ms);
    return {
      watcher_pass_ms_100k: ms(s100k),
      watcher_pass_ms_10k: ms(s10k),
      watcher_pass_peak_rss_mb_100k: s100k.peakRssMb,
      watcher_pass_peak_rss_mb_10k: s10k.peakRssMb,
      watcher_pass_rss_growth_mb: s100k.peakRssMb - s10k.peakRssMb,
      pg_watcher_pass_ms_100k: ms(p100k),
      pg_watcher_pass_ms_10k: ms(p10k),
      pg_watcher_pass_peak_rss_mb_100k: p100k.peakRssMb,
      pg_watcher_pass_peak_rss_mb_10k: p10k.peakRssMb,
      pg_watcher_pass_rss_growth_mb: p100k.peakRssMb - p10k.peakRssMb,
    };
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
