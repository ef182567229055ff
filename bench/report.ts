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
  server_pay_per_s: { what: 'payments accepted per second over HTTP on loopback, verified and stored durably' },
  server_raw_verify_per_s: { what: 'the same verifier\'s raw rate (libsecp256k1, native), same run, CPU time' },
  server_pay_vs_verify_ratio: { what: 'server_pay_per_s / server_raw_verify_per_s', goal: '≥ 0.7', meets: (v) => v >= 0.7 },
  server_pay_wall_per_s: { what: 'the same payments per second of wall-clock time (load generator in a child process)' },
  server_pay_overhead_us: { what: 'CPU µs a payment costs beyond its verify: HTTP, parsing, digest, store, fsync share' },
  server_http_floor_us: { what: 'CPU µs per request of a bare node:http server (read body, fixed answer) under the same load' },
  server_ratio_ceiling: { what: 'the best ratio any server on node:http could reach here: verify / (verify + floor)' },
  server_raw_verify_wasm_per_s: { what: 'raw verify rate of libsecp256k1 in WebAssembly (tiny-secp256k1), same digests, same run' },
  server_ratio_ceiling_wasm: { what: 'the same ceiling had the server kept the WebAssembly verifier' },
  warm_paid_load_ms: { what: 'median load of the paywalled article with warm credit' },
  warm_free_load_ms: { what: 'median load of the same article unpaywalled' },
  cold_exhausted_requests: { what: 'measured navigations sent while the server held less credit than the price' },
  cold_navigations_402: { what: 'measured navigations that got a 402 in the cold scenario' },
  cold_402_added_ms: { what: 'the old cold path: credit gone, no receipt since; 402, payment, reload' },
  client_pay_per_s: { what: 'payments per second from one channel client to the server, persisted on both sides' },
  background_bundle_gzip_kb: { what: 'background service worker bundle, gzipped', goal: '≤ 250', meets: (v) => v <= 250 },
  popup_bundle_gzip_kb: { what: 'popup bundle, gzipped' },
  popup_history_open_ratio: { what: 'popup open to history shown, with a year of browsing (100,000 items, 300 sites, 200 channels) / with an empty wallet, Chromium', goal: '≤ 1.5', meets: (v) => v <= 1.5 },
  popup_history_open_ms: { what: 'popup open to history shown with a year of browsing, median' },
  popup_history_open_empty_ms: { what: 'popup open to history shown with an empty wallet, median' },
  warm_page_load_ratio: { what: 'paywalled article with warm credit / same article unpaywalled, median load', goal: '≤ 1.15', meets: (v) => v <= 1.15 },
  cold_payment_added_ms: { what: 'added time when credit must be topped up first', goal: '≤ 30', meets: (v) => v <= 30 },
  new_channel_to_content_ms: { what: 'approval to content shown, new channel on the devnet' },
};

/** The explanation of each goal this run missed, with this run's own figures in it. */
function whyNotMet(r: Record<string, number>): string {
  const missed = Object.entries(r).filter(([name, v]) => GOALS[name]?.meets && !GOALS[name]!.meets!(v));
  if (missed.length === 0) return 'None: every goal was met in this run.';
  const verifyUs = r.server_raw_verify_per_s ? Math.round(1e6 / r.server_raw_verify_per_s) : NaN;
  const wasmUs = r.server_raw_verify_wasm_per_s ? 1e6 / r.server_raw_verify_wasm_per_s : NaN;
  const wasmRoomUs = Math.max(0, Math.round(wasmUs / 0.7 - wasmUs - (r.server_http_floor_us ?? NaN)));
  const appUs = (r.server_pay_overhead_us ?? NaN) - (r.server_http_floor_us ?? NaN);
  const why: Record<string, string> = {
    server_pay_vs_verify_ratio: `- **server_pay_vs_verify_ratio** (goal 0.7): ${r.server_pay_vs_verify_ratio}. The goal cannot be met
  together with issue #4's other demand, the fastest verifier npm offers. libsecp256k1 as a native addon
  verifies in ${verifyUs} µs of CPU here, so 0.7 would leave ${Math.round(verifyUs / 0.7 - verifyUs)} µs for everything else a
  payment needs (HTTP, JSON, the digest, a durable commit). Node's \`http\` module alone costs
  ${r.server_http_floor_us} µs per request under the same load (\`server_http_floor_us\`: a bare server that only
  reads the body and answers), so no server on node:http can pass ${r.server_ratio_ceiling} here
  (\`server_ratio_ceiling\`). Ours spends ${r.server_pay_overhead_us} µs per payment beyond the verify: the
  floor, the fsync of a durable commit shared by the payments of one event-loop turn (about 40 µs
  each at 8 connections; \`durability: 'normal'\` would save it and lose the latest payments on a
  power cut), the store update, the digest and the JSON: ${appUs} µs beyond the floor. Keeping the
  slower WebAssembly verifier (\`server_raw_verify_wasm_per_s\` ${r.server_raw_verify_wasm_per_s}/s) would not reach 0.7 either:
  its ceiling is ${r.server_ratio_ceiling_wasm} (\`server_ratio_ceiling_wasm\`), which leaves ${wasmRoomUs} µs beyond the floor for
  what costs ${appUs} µs here (it measured 0.38-0.54 in earlier runs). The
  native verifier raised payments per second by about 60-80% and lowered the ratio.`,
    warm_page_load_ratio: `- **warm_page_load_ratio** (goal 1.15): ${r.warm_page_load_ratio}. A warm paid load costs the server a
  debit commit and the service worker a receipt (recorded off the page's critical path, see
  paywall/receipt-queue.ts); on this shared 2-core machine the figure moves by several
  hundredths between runs.`,
    cold_payment_added_ms: `- **cold_payment_added_ms** (goal 30 ms): ${r.cold_payment_added_ms}. The measured article is requested
  while the background top-up that the previous receipt started is still running in the service
  worker (sign, store, POST …/payments) and competes for this machine's 2 cores;
  \`cold_exhausted_requests\` = ${r.cold_exhausted_requests} of the measured requests found the credit not yet topped up.`,
  };
  return missed.map(([name, v]) => why[name] ?? `- **${name}**: ${v}`).join('\n');
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

Re-run with \`npm run bench\` (all) or \`npm run bench -- core server\` (some);
\`npm run bench -- --docs\` rewrites this file. Raw numbers go to \`bench-results.json\`.
`;
  writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), doc);
}
