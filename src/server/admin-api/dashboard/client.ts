/**
 * The dashboard's script (runs in the browser; tsc builds it, assets.ts serves it). It takes the
 * token from the address's fragment (`#token=…`, which browsers never send to a server) or the
 * form, keeps it for this tab only (sessionStorage), and fills the page from the admin API.
 * Every value is written as text, never as markup. Amounts stay decimal strings; only the chart
 * turns them into numbers, to draw them.
 */
import type uPlotType from 'uplot';
import type { ChannelsJson, EarningsJson, ProposalJson, SettlementJson, TotalsJson, ZeroConfJson } from '../views.ts';

declare const uPlot: typeof uPlotType;

const TOKEN_KEY = 'paychan-admin-token';
const REFRESH_MS = 30_000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function takeToken(): string | null {
  const m = /^#token=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, m[1]!);
    // Out of the address bar, the history and any bookmark.
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}` }, cache: 'no-store' });
  if (!res.ok) {
    const p = (await res.json().catch(() => null)) as { code?: string; detail?: string } | null;
    throw new ApiError(res.status, `${p?.code ?? res.status}: ${p?.detail ?? res.statusText}`);
  }
  return (await res.json()) as T;
}

const sat = (s: string) => `${BigInt(s).toLocaleString('en-US')} sat`;
const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

type Cell = string | Node | { text: string; numeric?: boolean; mono?: boolean };

function fill(tableId: string, rows: Cell[][], empty: string): void {
  const body = $<HTMLTableElement>(tableId).tBodies[0]!;
  body.replaceChildren();
  if (rows.length === 0) {
    const td = document.createElement('td');
    td.colSpan = $<HTMLTableElement>(tableId).tHead!.rows[0]!.cells.length;
    td.textContent = empty;
    body.insertRow().append(td);
    return;
  }
  for (const cells of rows) {
    const tr = body.insertRow();
    for (const c of cells) {
      const td = document.createElement('td');
      if (c instanceof Node) td.append(c);
      else if (typeof c === 'string') td.textContent = c;
      else {
        td.textContent = c.text;
        if (c.numeric) td.className = 'sat';
        if (c.mono) td.className = 'id';
      }
      tr.append(td);
    }
  }
}

const num = (text: string) => ({ text, numeric: true });
const mono = (text: string) => ({ text, mono: true });

function txLink(s: SettlementJson): Cell {
  if (!s.url) return mono(s.txid);
  const a = document.createElement('a');
  a.href = s.url;
  a.rel = 'noopener noreferrer';
  a.target = '_blank';
  a.textContent = s.txid;
  a.className = 'id';
  return a;
}

let chart: uPlotType | null = null;
let drawn: EarningsJson | null = null;

/** Buckets the chart shows at least, so a new site's single day is a bar in a fortnight, not a dot. */
const MIN_BUCKETS = { hour: 24, day: 14 };

function drawChart(e: EarningsJson): void {
  drawn = e;
  const box = $('chart');
  chart?.destroy();
  const step = e.bucket === 'hour' ? 3_600 : 86_400;
  const xs = e.buckets.map((b) => Date.parse(b.start) / 1000);
  // Numbers only to draw: the table below keeps the exact amounts.
  const delivered = e.buckets.map((b) => Number(b.delivered));
  const paid = e.buckets.map((b) => Number(b.paid));
  while (xs.length < MIN_BUCKETS[e.bucket]) {
    xs.unshift(xs[0]! - step);
    delivered.unshift(0);
    paid.unshift(0);
  }
  // The page's text colour, so the axes read in the dark theme as in the light one.
  const ink = getComputedStyle(document.body).color;
  const grid = { stroke: '#8884', width: 1 };
  chart = new uPlot(
    {
      width: Math.max(320, box.clientWidth),
      height: 300,
      // UTC, as the buckets and every date in the tables.
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      // Payments run far ahead of items delivered (readers prepay credit): each has its own axis.
      scales: { x: { time: true, range: [xs[0]! - step / 2, xs.at(-1)! + step / 2] }, paid: {} },
      axes: [
        { stroke: ink, grid, ticks: grid },
        { label: 'delivered (sat)', size: 70, stroke: ink, grid, ticks: grid },
        { scale: 'paid', side: 1, label: 'paid (sat)', size: 70, stroke: ink, grid: { show: false }, ticks: grid },
      ],
      series: [
        { label: e.bucket === 'hour' ? 'Hour' : 'Day' },
        { label: 'Delivered (sat)', stroke: '#1a73e8', fill: '#1a73e888', width: 1, paths: uPlot.paths.bars?.({ size: [0.6, 60] }), points: { show: false } },
        { label: 'Paid (sat)', scale: 'paid', stroke: '#b35900', width: 2, paths: uPlot.paths.stepped?.({ align: 1 }), points: { show: false } },
      ],
    },
    [xs, delivered, paid],
    box,
  );
  fill(
    'earnings',
    [...e.buckets].reverse().filter((b) => b.delivered !== '0' || b.paid !== '0').map((b) => [when(b.start), num(sat(b.delivered)), num(sat(b.paid))]),
    'nothing earned in this period',
  );
}

function bucket(): 'hour' | 'day' {
  return (document.querySelector('input[name=bucket]:checked') as HTMLInputElement | null)?.value === 'hour' ? 'hour' : 'day';
}

async function load(): Promise<void> {
  const [totals, earnings, channels, settlements, proposals, zeroConf] = await Promise.all([
    api<TotalsJson>('/api/totals'),
    api<EarningsJson>(`/api/earnings?bucket=${bucket()}`),
    api<ChannelsJson>('/api/channels'),
    api<{ settlements: SettlementJson[] }>('/api/settlements'),
    api<{ proposals: ProposalJson[] }>('/api/proposals'),
    api<ZeroConfJson>('/api/zero-conf'),
  ]);
  $('sections').hidden = false;
  $('refresh').hidden = false;
  $('where').textContent = `${channels.network}, chain tip ${channels.tip}; updated ${new Date().toLocaleTimeString('en-GB')}`;
  for (const td of document.querySelectorAll<HTMLElement>('[data-total]')) {
    td.textContent = sat(String(totals[td.dataset.total as keyof TotalsJson]));
  }
  drawChart(earnings);
  fill(
    'channels',
    channels.channels.map((c) => [
      mono(c.id),
      c.state,
      num(sat(c.capacity)),
      num(sat(c.paid)),
      num(sat(c.delivered)),
      num(sat(c.credit)),
      c.fundingConfirmed ? 'confirmed' : 'unconfirmed',
      `block ${c.expiryHeight} (~${when(c.expiresAt)})`,
      c.state === 'closing' ? `settling in ${c.settlementTxid ?? '?'}` : `block ${c.settleByHeight} (~${when(c.settleByAt)})`,
    ]),
    'no open channels',
  );
  fill(
    'settlements',
    settlements.settlements.map((s) => [txLink(s), s.status + (s.detail ? ` (${s.detail})` : ''), num(sat(s.payout)), num(sat(s.fee)), num(s.feeRate), num(String(s.channels)), when(s.createdAt)]),
    'no settlements yet',
  );
  fill(
    'proposals',
    proposals.proposals.map((p) => [mono(p.openId), num(sat(p.capacity)), num(String(p.expiryHeight)), when(p.createdAt), when(p.expiresAt)]),
    'no proposals waiting',
  );
  $('zero-conf-total').textContent = `${sat(zeroConf.total)} of ${sat(zeroConf.totalLimit)} allowed in all (at most ${sat(zeroConf.perChannelLimit)} per channel)`;
  fill(
    'zero-conf',
    zeroConf.channels.map((c) => [mono(c.id), num(sat(c.paid)), num(sat(c.capacity))]),
    'every channel taking payments has a confirmed funding',
  );
  $('error').hidden = true;
}

function showError(err: unknown): void {
  const e = $('error');
  e.textContent = err instanceof Error ? err.message : String(err);
  e.hidden = false;
  if (err instanceof ApiError && err.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('sections').hidden = true;
    $('login').hidden = false;
    $('token').focus();
  }
}

const refresh = () => load().catch(showError);

function start(): void {
  $('login').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $<HTMLInputElement>('token').value.trim());
    $<HTMLInputElement>('token').value = '';
    $('login').hidden = true;
    void refresh();
  });
  $('refresh').addEventListener('click', () => void refresh());
  for (const r of document.querySelectorAll('input[name=bucket]')) r.addEventListener('change', () => void api<EarningsJson>(`/api/earnings?bucket=${bucket()}`).then(drawChart, showError));
  // A canvas keeps the colours it was drawn in: draw again when the theme changes.
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => drawn && drawChart(drawn));
  if (takeToken()) void refresh();
  else {
    $('login').hidden = false;
    $('token').focus();
  }
  setInterval(() => {
    if (sessionStorage.getItem(TOKEN_KEY) && !document.hidden) void refresh();
  }, REFRESH_MS);
}

start();
