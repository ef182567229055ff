/**
 * `GET {base}/health`, for a load balancer or a monitor: 200 with the chain tip, the watcher's
 * last pass and the next settlement due; 503 with the reasons when the chain backend does not
 * answer or the watcher has stalled (no pass for three of its intervals), since then payments
 * may be taken that nobody settles before the channels expire.
 */
import type { ServerResponse } from 'node:http';
import type { PaychanConfig } from './config.ts';
import type { ChannelStore } from './store/channel-store.ts';
import type { SettlementWatcher } from './watcher/index.ts';

/** A tip read slower than this counts as unreachable: a health check must answer quickly. */
export const HEALTH_CHAIN_TIMEOUT_MS = 5_000;
/** The watcher has stalled when its last pass ended this many intervals ago. */
export const STALLED_INTERVALS = 3;

export interface HealthDeps {
  config: PaychanConfig;
  store: ChannelStore;
  /** A direct read of the tip, not the request path's cache, which keeps answering while the backend is down. */
  getTipHeight(): Promise<number>;
  watcher: SettlementWatcher | null;
  now?: () => number;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  reasons: string[];
  network: string;
  tip: number | null;
  watcher: { enabled: boolean; lastRunAt: string | null; lastRunTip: number | null; lastRunError: string | null };
  /** No channel id: the endpoint is public, and an id would tie a reader's funding outpoint to this site. */
  nextSettlement: { dueAtHeight: number; inBlocks: number | null; openChannels: number } | null;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export async function healthReport(d: HealthDeps): Promise<HealthReport> {
  const now = d.now ?? Date.now;
  const reasons: string[] = [];
  let tip: number | null = null;
  try {
    tip = await withTimeout(d.getTipHeight(), HEALTH_CHAIN_TIMEOUT_MS);
  } catch (err) {
    // Not the URL: it may carry an API key, and this answer is public.
    reasons.push(`chain backend unreachable: ${(err as Error).message}`);
  }
  const w = d.watcher;
  if (w) {
    const since = w.lastRun?.at ?? w.createdAt;
    const limit = STALLED_INTERVALS * d.config.watcher.intervalMs;
    if (now() - since > limit) reasons.push(`settlement watcher stalled: no pass for ${Math.round((now() - since) / 1000)} s (limit ${limit / 1000} s)`);
    if (w.lastRun?.error) reasons.push(`settlement watcher's last pass failed: ${w.lastRun.error}`);
  } else if (d.config.watcher.enabled) {
    reasons.push('settlement watcher not running: the chain backend cannot serve it');
  }
  // A count and a minimum from an index: a probe every few seconds must not load every open channel.
  const open = await d.store.openChannelSummary();
  let next: HealthReport['nextSettlement'] = null;
  if (open.earliestExpiry !== null) {
    const due = open.earliestExpiry - d.config.settleMarginBlocks;
    next = { dueAtHeight: due, inBlocks: tip === null ? null : Math.max(0, due - tip), openChannels: open.count };
  }
  return {
    status: reasons.length === 0 ? 'ok' : 'unavailable',
    reasons,
    network: d.config.network,
    tip,
    watcher: {
      enabled: w !== null,
      lastRunAt: w?.lastRun ? new Date(w.lastRun.at).toISOString() : null,
      lastRunTip: w?.lastRun?.tip ?? null,
      lastRunError: w?.lastRun?.error ?? null,
    },
    nextSettlement: next,
  };
}

export async function sendHealth(res: ServerResponse, d: HealthDeps): Promise<void> {
  const report = await healthReport(d);
  res.writeHead(report.status === 'ok' ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(report));
}
