/**
 * Writes docs/benchmarks.md from one `npm run bench` run: every metric with its goal where the
 * issues set one, the command, and the machine, so the figures can be checked and re-measured.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem, loadavg } from 'node:os';

interface Goal {
  what: string;
  goal?: string;
  meets?: (v: number) => boolean;
}

const GOALS: Record<string, Goal> = {
  core_sign_per_s: { what: 'client payment signatures per second (noble, sighash included), one core' },
  core_verify_per_s: { what: 'payment verifications per second with noble (the core default), one core' },
  core_verify_wasm_per_s: { what: 'payment verifications per second with libsecp256k1 in WebAssembly (tiny-secp256k1), one core' },
  core_verify_native_per_s: { what: 'payment verifications per second with libsecp256k1 as a native addon (the server\'s verifier), one core' },
  devnet_startup_ms: { what: 'devnet start to ready, activation blocks mined (median of 3)', goal: '< 3000', meets: (v) => v < 3000 },
  server_pay_per_s: { what: 'payments accepted per CPU second over HTTP on loopback, verified and committed durably (SQLite, WAL fsynced)' },
  server_raw_verify_per_s: { what: 'the same verifier\'s raw rate (libsecp256k1, native), same digests, same run, CPU time' },
  server_http_floor_us: { what: 'CPU µs per request of a bare node:http server (read and parse the body, fixed answer) under the same load' },
  server_floor_pay_per_s: { what: 'the floor: 10⁶ / (server_http_floor_us + µs per verify), a bare request plus one verify' },
  server_pay_vs_floor_ratio: { what: 'server_pay_per_s / server_floor_pay_per_s: how close the whole payment path comes to the floor', goal: '≥ 0.7', meets: (v) => v >= 0.7 },
  server_pay_wall_per_s: { what: 'the same payments per second of wall-clock time (load generator in a child process)' },
  server_pay_us: { what: 'CPU µs per accepted payment, all of it; the server_pay_us_* parts below add up to it' },
  server_pay_us_http: { what: '… node:http: the floor (server_http_floor_us)' },
  server_pay_us_parse: { what: '… JSON and payment parsing, alone on the same bodies' },
  server_pay_us_digest: { what: '… one BIP143 payment digest, alone on the same payments' },
  server_pay_us_verify: { what: '… one signature verify (1 / server_raw_verify_per_s)' },
  server_pay_us_commit: { what: '… one store update with its event, 8 per transaction, not fsynced, alone on a side database' },
  server_pay_us_fsync: { what: '… the WAL fsync\'s share: the same load on the same server with durability \'normal\', subtracted' },
  server_pay_us_other: { what: '… the rest: routing, the unlocked precheck\'s read, promises, the answer\'s JSON' },
  server_paid_per_s: { what: 'paid reads of an article served from prepaid credit per CPU second (debit committed, not fsynced)' },
  server_free_per_s: { what: 'the same article served free by the same server, same load, per CPU second' },
  server_paid_vs_free_ratio: { what: 'server_paid_per_s / server_free_per_s', goal: '≥ 0.9', meets: (v) => v >= 0.9 },
  server_paid_extra_us: { what: 'CPU µs a paid read costs beyond a free one; the parts below add up to it' },
  server_paid_extra_us_credential: { what: '… parsing the credential and hashing its token, alone' },
  server_paid_extra_us_commit: { what: '… one debit store update with its event, 8 per transaction, alone on a side database' },
  server_paid_extra_us_other: { what: '… the rest: the write transaction\'s turn (setImmediate), the receipt header, delivery tracking' },
  watcher_pass_ms_100k: { what: 'one settlement-watcher pass over 100 000 open channels on SQLite (20 due, 20 unconfirmed), its own process', goal: '≤ 1000', meets: (v) => v <= 1000 },
  watcher_pass_ms_10k: { what: 'the same over 10 000 channels' },
  watcher_pass_peak_rss_mb_100k: { what: 'peak resident memory of the process running that pass (MiB; Node and tsx alone take most)' },
  watcher_pass_peak_rss_mb_10k: { what: 'the same at 10 000 channels' },
  watcher_pass_rss_growth_mb: { what: 'peak memory at 100 000 channels minus at 10 000: flat when a pass pages', goal: '≤ 16', meets: (v) => v <= 16 },
  pg_watcher_pass_ms_100k: { what: 'the same pass on PostgreSQL (throwaway cluster on this machine)', goal: '≤ 1000', meets: (v) => v <= 1000 },
  pg_watcher_pass_ms_10k: { what: 'the same over 10 000 channels' },
  pg_watcher_pass_peak_rss_mb_100k: { what: 'peak resident memory of the process running the PostgreSQL pass (MiB)' },
  pg_watcher_pass_peak_rss_mb_10k: { what: 'the same at 10 000 channels' },
  pg_watcher_pass_rss_growth_mb: { what: 'peak memory at 100 000 channels minus at 10 000, PostgreSQL', goal: '≤ 16', meets: (v) => v <= 16 },
  pg_pay_per_s: { what: 'payments accepted per wall second by one instance on PostgreSQL (synchronous_commit on), same load shape as server_pay_per_s' },
  pg_pay_2_instances_per_s: { what: 'the same with two instances, each a process, half the connections each' },
  pg_instances_2_vs_1: { what: 'pg_pay_2_instances_per_s / pg_pay_per_s, on this 2-core machine shared with PostgreSQL and the load generator' },
  pg_paid_per_s: { what: 'paid reads from prepaid credit per wall second, one instance on PostgreSQL' },
  pg_free_per_s: { what: 'the same article free, same instance, same load' },
  pg_paid_vs_free_ratio: { what: 'pg_paid_per_s / pg_free_per_s' },
  warm_paid_load_ms: { what: 'median load of the paywalled article with warm credit' },
  warm_free_load_ms: { what: 'median load of the same article unpaywalled' },
  cold_exhausted_requests: { what: 'measured navigations sent while the server held less credit than the price' },
  cold_navigations_402: { what: 'measured navigations that got a 402 in the cold scenario' },
  cold_402_added_ms: { what: 'the old cold path: credit gone, no receipt since; 402, payment, reload' },
  client_pay_per_s: { what: 'payments per second from one channel client to the server, persisted on both sides' },
  client_call_paid_ms: { what: 'median latency of a paid API call with warm credit through paychanFetch (Node, SQLite wallet)' },
  client_call_credential_ms: { what: 'median latency of the same paid call sent by plain fetch with the credential paychanFetch sent (the server\'s side alone)' },
  client_call_free_ms: { what: 'median latency of the same call on a free route with plain fetch, alternating with the paid ones' },
  client_call_credential_vs_free_ratio: { what: 'client_call_credential_ms / client_call_free_ms: what the server\'s durable debit adds to a call' },
  client_call_vs_credential_ratio: { what: 'client_call_paid_ms / client_call_credential_ms: what paychanFetch adds on top (receipt recorded, credential attached)' },
  client_call_vs_free_ratio: { what: 'client_call_paid_ms / client_call_free_ms', goal: '≤ 1.1', meets: (v) => v <= 1.1 },
  background_bundle_gzip_kb: { what: 'background service worker bundle, gzipped', goal: '≤ 250', meets: (v) => v <= 250 },
  popup_bundle_gzip_kb: { what: 'popup bundle, gzipped' },
  popup_history_open_ratio: { what: 'popup open to history shown, with a year of browsing (100,000 items, 300 sites, 200 channels) / with an empty wallet, Chromium', goal: '≤ 1.5', meets: (v) => v <= 1.5 },
  popup_history_open_ms: { what: 'popup open to history shown with a year of browsing, median' },
  popup_history_open_empty_ms: { what: 'popup open to history shown with an empty wallet, median' },
  warm_page_load_ratio: { what: 'paywalled article with warm credit / same article unpaywalled, median load', goal: '≤ 1.15', meets: (v) => v <= 1.15 },
  cold_payment_added_ms: { what: 'added time when credit must be topped up first', goal: '≤ 30', meets: (v) => v <= 30 },
  new_channel_to_content_ms: { what: 'approval to content shown, new channel on the devnet' },
  dashboard_earnings_sql_ms: { what: 'admin API earnings per day, summed in SQLite, 100,000 debit events over 30 days (median of 7)' },
  dashboard_earnings_js_ms: { what: 'the same sums from the whole event log read into memory, same run' },
  dashboard_earnings_speedup: { what: 'dashboard_earnings_js_ms / dashboard_earnings_sql_ms' },
  dashboard_refresh_ms: { what: 'the six admin API requests of one dashboard refresh over HTTP on loopback, same store (median of 7)' },
};

/** The explanation of each goal this run missed, with this run's own figures in it. */
function whyNotMet(r: Record<string, number>): string {
  const missed = Object.entries(r).filter(([name, v]) => GOALS[name]?.meets && !GOALS[name]!.meets!(v));
  if (missed.length === 0) return 'None: every goal was met in this run.';
  const floorUs = (r.server_pay_us_http ?? NaN) + (r.server_pay_us_verify ?? NaN);
  const freeUs = 1e6 / (r.server_free_per_s ?? NaN);
  const why: Record<string, string> = {
    server_pay_vs_floor_ratio: `- **server_pay_vs_floor_ratio** (goal 0.7): ${r.server_pay_vs_floor_ratio}. A payment costs
  ${r.server_pay_us} µs of CPU; the floor, ${r.server_pay_us_http} µs of node:http plus a ${r.server_pay_us_verify} µs verify,
  would allow ${r.server_floor_pay_per_s}/s. Beyond the floor the payment parses its body (${r.server_pay_us_parse} µs), computes its
  digest (${r.server_pay_us_digest} µs), commits (${r.server_pay_us_commit} µs) and waits for the WAL's fsync
  (${r.server_pay_us_fsync} µs: one per transaction, shared by the payments that arrived in one event-loop turn); the
  rest (${r.server_pay_us_other} µs) is routing, the unlocked precheck's read, the answer and promises. 0.7 leaves
  ${Math.round(floorUs / 0.7 - floorUs)} µs for all of
  that, less than the commit and its fsync alone: not reachable with a durable commit per payment
  (\`durability: 'normal'\` would drop the fsync and lose the latest payments on a power cut).`,
    server_paid_vs_free_ratio: `- **server_paid_vs_free_ratio** (goal 0.9): ${r.server_paid_vs_free_ratio}. A free read costs
  ${Math.round(freeUs)} µs; a paid one ${r.server_paid_extra_us} µs more: its credential
  (${r.server_paid_extra_us_credential} µs), the debit's store transaction (${r.server_paid_extra_us_commit} µs, committed but not
  fsynced) and the rest (${r.server_paid_extra_us_other} µs). 0.9 leaves ${Math.round(freeUs / 9)} µs for all of
  it: less than one SQLite write transaction. Keeping debits in memory and writing them later would meet it, and
  would let two instances (or a crash) spend the same credit twice.`,
    warm_page_load_ratio: `- **warm_page_load_ratio** (goal 1.15): ${r.warm_page_load_ratio}. A warm paid load costs the server a
  debit commit and the service worker a receipt (recorded off the page's critical path, see
  paywall/receipt-queue.ts); on this shared 2-core machine the figure moves by several
  hundredths between runs.`,
    popup_history_open_ratio: `- **popup_history_open_ratio** (goal 1.5): ${r.popup_history_open_ratio} (${r.popup_history_open_ms} ms
  against ${r.popup_history_open_empty_ms} ms; earlier runs 1.44 to 1.56). History reads one page of day totals
  from the \`days\` store and the newest group's items (history-bounded.test counts the records), so the
  data read does not grow with the year. Not yet measured: where the remaining ~60 ms go; suspects are
  the Home screen the popup opens on (it asks the background for the channels and the week's totals
  while History is clicked) and the larger IndexedDB files. Reading History's chain events only after
  its first page changed nothing measurable (1.56).`,
    cold_payment_added_ms: `- **cold_payment_added_ms** (goal 30 ms): ${r.cold_payment_added_ms}. The measured article is requested
  while the background top-up that the previous receipt started is still running in the service
  worker (sign, store, POST …/payments) and competes for this machine's 2 cores;
  \`cold_exhausted_requests\` = ${r.cold_exhausted_requests} of the measured requests found the credit not yet topped up.`,
    client_call_vs_free_ratio: `- **client_call_vs_free_ratio** (goal 1.1): ${r.client_call_vs_free_ratio}. Most of it is the
  server's: the same paid call sent by plain fetch with the credential is ${r.client_call_credential_vs_free_ratio}x the free one
  (\`client_call_credential_vs_free_ratio\`: the server commits each debit durably before it releases the content, an fsync on
  loopback against a free route's none), and paychanFetch adds ${r.client_call_vs_credential_ratio}x on top of that
  (\`client_call_vs_credential_ratio\`: the credential attached, the receipt recorded after the response is handed over).`,
  };
  return missed.map(([name, v]) => why[name] ?? `- **${name}**: ${v}`).join('\n');
}

/** What the PostgreSQL figures mean on this machine, with this run's own numbers. */
function severalInstances(r: Record<string, number>): string {
  if (r.pg_instances_2_vs_1 === undefined) return 'Not measured in this run (`npm run bench -- pg`).';
  return `Two instances gave ${r.pg_instances_2_vs_1}x the payments per second of one (${r.pg_pay_2_instances_per_s}/s against
${r.pg_pay_per_s}/s). This machine has 2 cores, and they carry everything at once: the instance(s), PostgreSQL's
backends (one per connection in use, each parsing and running every statement of a payment's transaction and
flushing the WAL at its commit), and the load generator. One instance already keeps both cores busy with
PostgreSQL's share of the work, so a second adds processes competing for the same cores, not capacity. A
second instance pays off where it runs on a host of its own, next to a database server of its own: then
each instance's event loop (verify, HTTP) is the limit, and two double it. Paid reads on PostgreSQL
(\`pg_paid_vs_free_ratio\` ${r.pg_paid_vs_free_ratio}) each take a transaction of several round trips
(BEGIN, the row locked and read, the update, the event, COMMIT); a free read takes none.`;
}

export function writeBenchmarksDoc(results: Record<string, number>, command: string): void {
  const cpu = cpus();
  const rows = Object.entries(results).map(([name, value]) => {
    const g = GOALS[name];
    const verdict = g?.meets ? (g.meets(value) ? 'met' : '**not met**') : '';
    return `| \`${name}\` | ${value} | ${g?.goal ?? ''} ${verdict} | ${g?.what ?? ''} |`;
  });
  const doc = `# Benchmarks

Measured by \`${command}\` on ${new Date().toISOString().slice(0, 10)}; every figure below comes
from that one run, so ratios are side by side. Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length}
cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average at the end
${loadavg().map((l) => l.toFixed(1)).join(' / ')} (the machine is shared: absolute rates move by
tens of percent between runs; compare ratios).

| metric | value | goal | what it measures |
| --- | ---: | --- | --- |
${rows.join('\n')}

## Goals not met, and why

${whyNotMet(results)}

## Several instances on PostgreSQL

${severalInstances(results)}

Re-run with \`npm run bench\` (all) or \`npm run bench -- core server\` (some);
\`npm run bench -- --docs\` rewrites this file. Raw numbers go to \`bench-results.json\`.
`;
  writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), doc);
}
