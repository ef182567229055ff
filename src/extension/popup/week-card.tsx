/** Home's "last 7 days": what each site cost on content and on network fees (week.ts). */
import { call } from './api.ts';
import { fmtSats, hostOf } from './format.ts';
import { ErrorBox, useLoad } from './ui.tsx';
import { WEEK_MS, weekSpend } from './week.ts';

export function WeekCard({ tick }: { tick: number }) {
  const week = useLoad(async () => {
    // From the local midnight six days ago: today and the six days before it.
    const since = new Date(Date.now() - WEEK_MS + 86_400_000).setHours(0, 0, 0, 0);
    const [days, channels] = await Promise.all([call('paywall.history.days', { since }), call('channels.list', undefined)]);
    return weekSpend(days, channels, since);
  }, [tick]);
  const rows = week.data ?? [];
  const content = rows.reduce((s, r) => s + r.content, 0n);
  const fees = rows.reduce((s, r) => s + r.fees, 0n);
  return (
    <section class="card" aria-labelledby="week-heading">
      <div id="week-heading" class="muted small">
        Spent in the last 7 days
      </div>
      <ErrorBox error={week.error} />
      {!week.loading && rows.length === 0 && <p class="muted">Nothing spent this week.</p>}
      {rows.length > 0 && (
        <table class="items week">
          <caption class="sr-only">Spent in the last 7 days, per site: on content and on network fees</caption>
          <thead>
            <tr>
              <th>Site</th>
              <th class="num">Content</th>
              <th class="num">Fees</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.site}>
                <td>{hostOf(r.site)}</td>
                <td class="num">{fmtSats(r.content)}</td>
                <td class="num">{fmtSats(r.fees)}</td>
              </tr>
            ))}
          </tbody>
          {rows.length > 1 && (
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td class="num">{fmtSats(content)}</td>
                <td class="num">{fmtSats(fees)}</td>
              </tr>
            </tfoot>
          )}
        </table>
      )}
    </section>
  );
}
