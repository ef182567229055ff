/**
 * The approval window. It is an extension page in its own window, so the page that asked for
 * payment can neither draw it nor click it. It shows who asks, what the item costs with its
 * credit and fees (costs.ts), the deposit a new channel would lock and until when, and what
 * "Allow" would let auto-pay do.
 */
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ApprovalChoice, ApprovalView } from '../shared/paywall-views.ts';
import type { WalletStatus } from '../shared/types.ts';
import { call } from '../popup/api.ts';
import { fmtSats, hostOf, parseSatsInput } from '../popup/format.ts';
import { BudgetFields, ErrorBox, Field, ScreenHeading, useAction } from '../popup/ui.tsx';
import { allowProblem as problemWith, periodLine } from './allow.ts';
import { costRows, lockedUntil, unusedCreditLine } from './costs.ts';
import { useArmed, useEscape } from './keyboard.ts';
import { TimeLeft } from './TimeLeft.tsx';

const REASONS: Record<ApprovalView['reason'], string> = {
  'new-site': 'You have not paid this site before.',
  ask: 'Your policy for this site is to ask every time.',
  'price-above-limit': 'This item costs more than your auto-pay limit for this site.',
  'budget-exhausted': 'Your auto-pay budget for this site is used up for this period.',
  'third-party': 'Another site is loading this paid item.',
  'endpoint-changed': 'This site now asks to be paid through a different channel API.',
  'new-channel': 'This would open another channel with this site this period.',
  'deposit-limit': "A new channel would lock more than this site's deposit limit.",
  locked: 'Auto-pay is on for this site, but the wallet is locked.',
};

/** An origin as the reader must see it: scheme, host and port (http vs https matters). */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

export function Prompt({ id }: { id: string }) {
  const [view, setView] = useState<ApprovalView | null | undefined>(undefined);
  const [status, setStatus] = useState<WalletStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    call('paywall.approval.get', { id }).then(setView, setError);
    call('wallet.status', undefined).then(setStatus, setError);
  }, [id]);

  if (error && view === undefined) return <main><ErrorBox error={error} /></main>;
  if (view === undefined) return <main aria-busy="true">Loading…</main>;
  if (view === null)
    return (
      <main class="stack">
        <ScreenHeading>Nothing to approve</ScreenHeading>
        <p class="muted">This request was already answered or timed out.</p>
        <button onClick={() => window.close()}>Close</button>
      </main>
    );
  return <Approve view={view} status={status} onStatus={setStatus} />;
}

function Approve({ view, status, onStatus }: { view: ApprovalView; status: WalletStatus | null; onStatus: (s: WalletStatus) => void }) {
  const [maxPrice, setMaxPrice] = useState(view.suggested.maxPrice);
  const [budget, setBudget] = useState(view.suggested.budget);
  const [days, setDays] = useState(String(view.suggested.periodDays));
  const [block, setBlock] = useState(false);
  const [password, setPassword] = useState('');
  const locked = status?.state === 'locked';
  const noWallet = status?.state === 'none';

  const decide = useAction(async (choice: ApprovalChoice) => {
    if (locked && choice.kind !== 'deny') onStatus(await call('wallet.unlock', { password }));
    await call('paywall.approval.decide', { id: view.id, choice });
    window.close();
  });
  // Escape says no; the answer buttons wait ARM_DELAY_MS before they act on a click or a key.
  const armed = useArmed();
  const answer = (choice: ApprovalChoice) => {
    if (armed) void decide.run(choice);
  };
  const inert = armed ? undefined : 'true';
  useEscape(() => void decide.run({ kind: 'deny', block }));

  const mp = parseSatsInput(maxPrice);
  const bd = parseSatsInput(budget);
  const nd = /^[1-9][0-9]{0,2}$/.test(days) ? Number(days) : null;
  const allowProblem = problemWith(view, mp, bd, nd);
  const standing = periodLine(view);
  const host = hostOf(view.site);

  return (
    <main class="stack">
      <ScreenHeading>
        Pay <span class="mono">{originOf(view.site)}</span>?
      </ScreenHeading>
      <p class="muted small">{REASONS[view.reason]}</p>
      {view.initiator && (
        <div class="alert warn">
          The request comes from a page on <strong class="mono">{originOf(view.initiator)}</strong>, not from {originOf(view.site)} itself. Paying here pays for this one request only.
        </div>
      )}
      {view.previousEndpoint && (
        <div class="alert warn">
          Until now {host} was paid through <span class="mono">{view.previousEndpoint}</span>; this asks for <span class="mono">{view.endpoint}</span>.
        </div>
      )}
      {standing && <div class="alert info">{standing}</div>}
      <div class="card">
        <dl class="kv">
          {costRows(view).map(([label, value], i, rows) => (
            <Fragment key={label}>
              <dt>{label}</dt>
              <dd>{i === 0 || i === rows.length - 1 ? <strong>{value}</strong> : value}</dd>
            </Fragment>
          ))}
          {view.deposit !== null ? (
            <>
              <dt>Deposit locked in a new channel</dt>
              <dd>{fmtSats(view.deposit)}</dd>
              <dt>Locked until, at the latest</dt>
              <dd>{lockedUntil(view)}</dd>
            </>
          ) : (
            <>
              <dt>Channel</dt>
              <dd>already open</dd>
            </>
          )}
          {view.deposit !== null && (
            <>
              <dt>Deposits already locked with this site</dt>
              <dd>
                {fmtSats(view.openDeposits)} (limit {fmtSats(view.depositLimit)})
              </dd>
            </>
          )}
          <dt>Channel API</dt>
          <dd class="mono">{originOf(view.endpoint)}</dd>
          <dt>Network</dt>
          <dd>{view.network}</dd>
        </dl>
        <p class="small muted mono" title={view.url}>
          {view.url.length > 90 ? view.url.slice(0, 90) + '…' : view.url}
        </p>
        <p class="small muted">{unusedCreditLine(view)}</p>
      </div>

      {noWallet && <div class="alert error">There is no wallet yet. Open Paychan from the toolbar to create one.</div>}
      {locked && (
        <Field label="Wallet password (the wallet is locked)">
          <input type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </Field>
      )}

      <fieldset class="card stack" style={{ border: '1px solid var(--line)' }}>
        <legend class="small muted">Auto-pay for {host}</legend>
        <BudgetFields maxPrice={maxPrice} setMaxPrice={setMaxPrice} budget={budget} setBudget={setBudget} days={days} setDays={setDays} />
        <p class="small muted">
          "Allow" pays items from {host} up to {mp !== null ? fmtSats(mp) : '…'} each without asking, at most {bd !== null ? fmtSats(bd) : '…'} {nd === 1 ? 'per day' : `every ${nd ?? '…'} days`}.
        </p>
        {allowProblem && (
          <p class="small" role="status" style={{ color: 'var(--warn)' }}>
            {allowProblem}
          </p>
        )}
      </fieldset>

      <ErrorBox error={decide.error} />
      <div class="row end">
        <label class="row small" style={{ marginRight: 'auto' }}>
          <input type="checkbox" checked={block} onChange={(e) => setBlock((e.target as HTMLInputElement).checked)} /> Never ask for this site
        </label>
      </div>
      <div class="row end">
        <button onClick={() => answer({ kind: 'deny', block })} aria-disabled={inert} disabled={decide.busy}>
          Deny
        </button>
        <button onClick={() => answer({ kind: 'once' })} aria-disabled={inert} disabled={decide.busy || noWallet || (locked && !password) || block}>
          Pay once
        </button>
        <button
          class="primary"
          onClick={() => answer({ kind: 'allow', maxPrice: String(mp), budget: String(bd), periodDays: nd! })}
          aria-disabled={inert}
          disabled={decide.busy || noWallet || (locked && !password) || block || allowProblem !== null}
        >
          Allow with budget
        </button>
      </div>
      <TimeLeft view={view} />
    </main>
  );
}
