/**
 * History: what each site was paid per day, newest first, with the day's total; a site's line
 * opens to its items. The background keeps running totals per day and site, so the screen reads
 * a page of day groups and the items of the groups opened, never every item paid for.
 */
import { useState } from 'preact/hooks';
import type { DayTotalView, PaidItemView } from '../shared/paywall-views.ts';
import { call } from './api.ts';
import { itemsToCsv } from './csv.ts';
import { fmtSats, hostOf } from './format.ts';
import { Empty, ErrorBox, saveFile, ScreenHeading, useAction, useLoad } from './ui.tsx';
import { chainEvents, type ChainEvent } from './week.ts';

/** Day groups read at a time. */
const PAGE = 30;

/** Groups of one day, in the order the store gave them (newest day first). */
function byDay(groups: DayTotalView[]): { day: number; groups: DayTotalView[]; amount: bigint; items: number }[] {
  const out: { day: number; groups: DayTotalView[]; amount: bigint; items: number }[] = [];
  for (const g of groups) {
    let d = out.at(-1);
    if (!d || d.day !== g.day) out.push((d = { day: g.day, groups: [], amount: 0n, items: 0 }));
    d.groups.push(g);
    d.amount += BigInt(g.amount);
    d.items += g.items;
  }
  return out;
}

function fmtDay(day: number): string {
  return new Date(day).toLocaleDateString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
}

function fmtClock(at: number): string {
  return new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function History({ tick }: { tick: number }) {
  const first = useLoad(() => call('paywall.history.days', { limit: PAGE }), [tick]);
  const chain = useLoad(async () => chainEvents(await call('channels.list', undefined)), [tick]);
  const [older, setOlder] = useState<DayTotalView[]>([]);
  const [more, setMore] = useState(true);
  const groups = [...(first.data ?? []), ...older];
  const loadOlder = useAction(async () => {
    const page = await call('paywall.history.days', { before: groups.at(-1)!.day, limit: PAGE });
    setOlder([...older, ...page]);
    setMore(page.length === PAGE);
  });
  // The CSV is the one place every item is read, and only when asked for.
  const exportCsv = useAction(async () => {
    const list = await call('paywall.history', {});
    saveFile(`paychan-payments-${new Date().toISOString().slice(0, 10)}.csv`, itemsToCsv(list), 'text/csv;charset=utf-8');
  });
  const days = byDay(groups);
  return (
    <main class="stack">
      <div class="row">
        <ScreenHeading style={{ flex: 1, margin: 0 }}>History</ScreenHeading>
        <button onClick={() => void exportCsv.run()} disabled={groups.length === 0 || exportCsv.busy}>
          Export CSV
        </button>
      </div>
      <ErrorBox error={first.error ?? loadOlder.error ?? exportCsv.error} />
      {!first.loading && groups.length === 0 && <Empty>No paid items yet. Every item a site charges you for shows up here.</Empty>}
      {days.map((d, i) => (
        <section key={d.day} class="card stack history-day">
          <h3 class="row" style={{ margin: 0 }}>
            <span style={{ flex: 1, whiteSpace: 'nowrap' }}>{fmtDay(d.day)}</span>
            <span class="num small">
              {d.items} {d.items === 1 ? 'item' : 'items'}, {fmtSats(d.amount)}
            </span>
          </h3>
          {d.groups.map((g, j) => (
            <SiteDay key={g.site} group={g} open={i === 0 && j === 0} />
          ))}
          <ChainLines events={(chain.data ?? []).filter((e) => dayStart(e.at) === d.day)} />
        </section>
      ))}
      {more && groups.length >= PAGE && (
        <button onClick={() => void loadOlder.run()} disabled={loadOlder.busy}>
          Older days
        </button>
      )}
    </main>
  );
}

function dayStart(at: number): number {
  return new Date(at).setHours(0, 0, 0, 0);
}

/** The day's on-chain events of the reader's channels, with the fee each cost the reader. */
function ChainLines({ events }: { events: ChainEvent[] }) {
  if (events.length === 0) return null;
  return (
    <ul class="small chain-events">
      {events.map((e) => (
        <li key={`${e.at} ${e.what}`}>
          {e.what}, {hostOf(e.site)}, {fmtClock(e.at)}
          {e.fee !== null && <>: network fee {fmtSats(e.fee)}</>}
        </li>
      ))}
    </ul>
  );
}

/** One site's line of a day; opened, it reads that site's items of that day. */
function SiteDay({ group, open }: { group: DayTotalView; open: boolean }) {
  const [shown, setShown] = useState(open);
  return (
    <details class="site-day" open={open} onToggle={(e) => setShown((e.target as HTMLDetailsElement).open)}>
      <summary>
        <span>{hostOf(group.site)}</span>: {group.items} {group.items === 1 ? 'item' : 'items'}, <strong>{fmtSats(group.amount)}</strong>
      </summary>
      {shown && <DayItems group={group} />}
    </details>
  );
}

function DayItems({ group }: { group: DayTotalView }) {
  const items = useLoad<PaidItemView[]>(() => call('paywall.history.day', { site: group.site, day: group.day }), [group.site, group.day, group.items]);
  const list = items.data ?? [];
  return (
    <>
      <ErrorBox error={items.error} />
      {list.length > 0 && (
        <table class="items">
          <caption class="sr-only">
            Items paid to {hostOf(group.site)} on {fmtDay(group.day)}, newest first
          </caption>
          <thead>
            <tr>
              <th>Time</th>
              <th>Item</th>
              <th class="num">Amount</th>
            </tr>
          </thead>
          <tbody>
            {list.map((i) => (
              <tr key={i.id}>
                <td style={{ whiteSpace: 'nowrap' }}>{fmtClock(i.at)}</td>
                <td class="url" title={i.url}>
                  {pathOf(i.url)}
                </td>
                <td class="num">{fmtSats(i.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.length < group.items && !items.loading && <p class="small muted">The newest {list.length} of {group.items} items; Export CSV has them all.</p>}
    </>
  );
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}
