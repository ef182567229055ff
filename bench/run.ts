/**
 * `npm run bench`: runs every benchmark in this process, prints one line per metric and writes
 * them all to bench-results.json at the repository root as {"metric_name": number}.
 * Pass names to run a subset: `npm run bench -- core devnet`.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchCore } from './core.ts';
import { writeBenchmarksDoc } from './report.ts';

type Bench = () => Promise<Record<string, number>>;

/** Benchmarks that live in modules which may not exist yet in every checkout are loaded lazily. */
const BENCHES: Record<string, () => Promise<Bench>> = {
  core: async () => benchCore,
  devnet: async () => (await import('./devnet.ts')).benchDevnet,
  server: async () => (await import('./server.ts')).benchServer,
  watcher: async () => (await import('./watcher.ts')).benchWatcher,
  pg: async () => (await import('./pg.ts')).benchPg,
  client: async () => (await import('./client.ts')).benchClient,
  paychanfetch: async () => (await import('./paychanfetch.ts')).benchPaychanFetch,
  bundle: async () => (await import('./bundle.ts')).benchBundle,
  e2e: async () => (await import('./e2e.ts')).benchE2e,
  dashboard: async () => (await import('./dashboard.ts')).benchDashboard,
  popup: async () => (await import('./popup-history.ts')).benchPopup,
};

const args = process.argv.slice(2);
const writeDocs = args.includes('--docs');
const wanted = args.filter((a) => a !== '--docs');
const names = wanted.length ? wanted : Object.keys(BENCHES);
const results: Record<string, number> = {};
console.log(`# paychan bench on ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, node ${process.version}`);
for (const name of names) {
  const load = BENCHES[name];
  if (!load) throw new Error(`unknown benchmark ${name}; have ${Object.keys(BENCHES).join(', ')}`);
  const metrics = await (await load())();
  for (const [metric, value] of Object.entries(metrics)) {
    results[metric] = value;
    console.log(`${metric} ${value}`);
  }
}
const path = new URL('../bench-results.json', import.meta.url);
writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
console.log(`# wrote ${path.pathname}`);
if (writeDocs) {
  writeBenchmarksDoc(results, `npm run bench${args.length ? ' -- ' + args.join(' ') : ''}`);
  console.log('# wrote docs/benchmarks.md');
}
process.exit(0);
