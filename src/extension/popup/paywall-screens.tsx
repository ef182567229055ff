/** Sites (policies and spend), history (every paid item, CSV) and settings. */
import { useEffect, useState } from 'preact/hooks';
import type { SitePolicyView } from '../shared/paywall-views.ts';
import type { NetworkName } from '../../core/network.ts';
import type { Settings } from '../shared/types.ts';
import { call } from './api.ts';
import { fmtBlocks, fmtSats, fmtTime, groupSatsInput, hostOf, parseSatsInput } from './format.ts';
import { MainnetNotice, NetworkSelect } from './onboarding.tsx';
import { BackupChannels, RestoreChannels } from './backup-screens.tsx';
import { Bar, BudgetFields, Empty, ErrorBox, Field, SatsInput, ScreenHeading, useAction, useLoad } from './ui.tsx';
import { esploraFor } from './wallet-screens.tsx';

export function Sites({ tick }: { tick: number }) {
  const sites = useLoad(() => call('paywall.sites', undefined), [tick]);
  const list = sites.data ?? [];
  return (
    <main class="stack">
      <ScreenHeading>Sites</ScreenHeading>
      <p class="muted small">Each site you have paid or decided about. "Ask" shows a window for every payment; "Auto-pay" pays items up to a price, within a budget per period.</p>
      <ErrorBox error={sites.error} />
      {!sites.loading && list.length === 0 && <Empty>No sites yet. When a page asks for payment, you decide here or in the approval window.</Empty>}
      {list.map((s) => (
        <SiteCard key={s.site} s={s} onChange={() => sites.reload()} />
      ))}
    </main>
  );
}

function SiteCard({ s, onChange }: { s: SitePolicyView; onChange: () => void }) {
  const [mode, setMode] = useState(s.mode);
  const [maxPrice, setMaxPrice] = useState(s.maxPrice);
  const [budget, setBudget] = useState(s.budget);
  const [days, setDays] = useState(String(s.periodDays));
  const [depositLimit, setDepositLimit] = useState(s.depositLimit);
  useEffect(() => {
    setMode(s.mode);
    setMaxPrice(s.maxPrice);
    setBudget(s.budget);
    setDays(String(s.periodDays));
    setDepositLimit(s.depositLimit);
  }, [s.updatedAt]);
  const save = useAction(async (patch: Parameters<typeof call<'paywall.site.set'>>[1]['patch']) => {
    await call('paywall.site.set', { site: s.site, patch });
    onChange();
  });
  const remove = useAction(async () => {
    await call('paywall.site.remove', { site: s.site });
    onChange();
  });
  // Spent is what the site served and the fees; the budget also counts prepaid credit not yet
  // used (money at risk if the site vanishes), so the two are shown apart.
  const spent = BigInt(s.charged) + BigInt(s.fees);
  const prepaid = BigInt(s.prepaid);
  const counted = BigInt(s.spent) + BigInt(s.reserved);
  // What the budget counts beyond spent and prepaid: it is only freed when the period resets.
  const held = counted - spent - prepaid;
  const dirty = mode !== s.mode || maxPrice !== s.maxPrice || budget !== s.budget || days !== String(s.periodDays) || depositLimit !== s.depositLimit;
  const bad = parseSatsInput(maxPrice) === null || parseSatsInput(budget) === null || parseSatsInput(depositLimit) === null || !/^[1-9][0-9]{0,2}$/.test(days);
  const id = `site-${s.site.replace(/[^a-z0-9]/gi, '-')}`;
  return (
    <article class="card stack" aria-labelledby={id}>
      <div class="row">
        <strong id={id} style={{ flex: 1 }}>
          {hostOf(s.site)}
        </strong>
        {s.blocked ? <span class="badge closed">blocked</span> : <span class={`badge ${s.mode === 'auto' ? 'open' : 'opening'}`}>{s.mode === 'auto' ? 'auto-pay' : 'ask'}</span>}
      </div>
      <div>
        <div class="row small">
          <span style={{ flex: 1 }}>
            Spent this period: <strong>{fmtSats(spent)}</strong>
          </span>
          <span class="muted">resets {fmtTime(s.periodEnds)}</span>
        </div>
        <div class="small muted">
          {s.items} item{s.items === 1 ? '' : 's'} ({fmtSats(s.charged)}) + network fees ({fmtSats(s.fees)})
        </div>
        {BigInt(s.prepaid) > 0n && <div class="small">{fmtSats(s.prepaid)} prepaid, not yet used; comes back when the channel closes.</div>}
        {s.mode === 'auto' && (
          <>
            <div class="small">
              Budget: <strong>{fmtSats(counted, false)}</strong> of {fmtSats(s.budget)} counted
            </div>
            <div class="small muted">
              = {fmtSats(spent)} spent{prepaid > 0n && <> + {fmtSats(prepaid)} prepaid</>}
              {held > 0n && <> + {fmtSats(held)} held until the period resets (a refund fee set aside when a channel opened, payments in progress)</>}
            </div>
            <Bar value={counted} max={BigInt(s.budget)} label={`Budget used at ${hostOf(s.site)}`} />
          </>
        )}
        <div class="small">
          Deposits locked in channels: <strong>{fmtSats(s.openDeposits)}</strong> of at most {fmtSats(s.depositLimit)}
        </div>
        {s.endpoint && <div class="small muted mono">Channel API: {s.endpoint}</div>}
      </div>
      {!s.blocked && (
        <>
          <Field label="Policy">
            <select value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value as 'ask')}>
              <option value="ask">Ask every time</option>
              <option value="auto">Auto-pay within a budget</option>
            </select>
          </Field>
          {mode === 'auto' && (
            <BudgetFields maxPrice={maxPrice} setMaxPrice={setMaxPrice} budget={budget} setBudget={setBudget} days={days} setDays={setDays} />
          )}
          <Field label="Deposit limit (sat)">
            <input inputMode="numeric" value={depositLimit} onInput={(e) => setDepositLimit((e.target as HTMLInputElement).value)} />
          </Field>
        </>
      )}
      <ErrorBox error={save.error ?? remove.error} />
      <div class="row end">
        <button class="danger" onClick={() => confirm(`Forget ${hostOf(s.site)}? Its policy and budget go; the payment history stays.`) && remove.run()} disabled={remove.busy}>
          Remove
        </button>
        <button onClick={() => save.run({ blocked: !s.blocked })}>{s.blocked ? 'Unblock' : 'Block'}</button>
        {!s.blocked && (
          <button class="primary" disabled={!dirty || bad || save.busy} onClick={() => save.run({ mode, maxPrice: maxPrice.replace(/[,_\s]/g, ''), budget: budget.replace(/[,_\s]/g, ''), periodDays: Number(days), depositLimit: depositLimit.replace(/[,_\s]/g, '') })}>
            Save
          </button>
        )}
      </div>
    </article>
  );
}

/** The policy's amounts in sat, mapped one by one (shown grouped, saved as plain digits). */
const SATS_FIELDS = { preferredDeposit: 'Default deposit', maxDeposit: 'Largest deposit', maxPrice: 'Highest price per item', prepaidTarget: 'Pay ahead by' } as const;
function mapSatsFields(policy: Settings['policy'], f: (text: string, label: string) => string): Settings['policy'] {
  const out = { ...policy };
  for (const [k, label] of Object.entries(SATS_FIELDS)) out[k as keyof typeof SATS_FIELDS] = f(policy[k as keyof typeof SATS_FIELDS], label);
  return out;
}

export function SettingsScreen({ settings, onSaved }: { settings: Settings | undefined; onSaved: (s: Settings) => void }) {
  const [form, setForm] = useState<Settings | undefined>(settings);
  const [esplora, setEsplora] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    setForm(settings && { ...settings, policy: mapSatsFields(settings.policy, groupSatsInput) });
    if (settings) setEsplora(esploraFor(settings));
  }, [settings]);
  const save = useAction(async () => {
    if (!form) return;
    const esploraUrls = { ...form.esploraUrls, [form.network]: esplora.trim() };
    const policy = mapSatsFields(form.policy, (text, label) => {
      const v = parseSatsInput(text);
      if (v === null) throw new Error(`${label}: enter a whole number of sat, like 1,000.`);
      return v.toString();
    });
    const next = await call('settings.set', { ...form, esploraUrls, policy });
    setSaved(true);
    onSaved(next);
  });
  if (!form) return <main>Loading…</main>;
  const p = form.policy;
  const setP = (k: keyof Settings['policy'], v: string | number) => setForm({ ...form, policy: { ...p, [k]: v } });
  return (
    <main>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          void save.run();
        }}
      >
        <ScreenHeading>Settings</ScreenHeading>
        <Field label="Network" hint="Each network has its own addresses and channels.">
          <NetworkSelect
            value={form.network}
            onChange={(n: NetworkName) => {
              setForm({ ...form, network: n });
              setEsplora(esploraFor({ ...form, network: n }));
            }}
          />
        </Field>
        <MainnetNotice network={form.network} />
        <Field label="Blockchain server" hint="Esplora API URL: the server the wallet asks about coins, fees and new blocks.">
          <input type="url" value={esplora} onInput={(e) => setEsplora((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label="Lock after (minutes of inactivity)">
          <input inputMode="numeric" value={String(form.autoLockMinutes)} onInput={(e) => setForm({ ...form, autoLockMinutes: Number((e.target as HTMLInputElement).value) || 0 })} />
        </Field>
        <Field label="Close idle channels after (days)" hint="A channel with no payment for this long is closed, so its unused credit comes back. 0: never.">
          <input inputMode="numeric" value={String(form.closeIdleChannelsAfterDays)} onInput={(e) => setForm({ ...form, closeIdleChannelsAfterDays: Number((e.target as HTMLInputElement).value) || 0 })} />
        </Field>
        <h2>New channels</h2>
        <div class="grid2">
          <Field label="Default deposit (sat)" hint="Locked with a site when a channel opens; what is not spent comes back.">
            <SatsInput value={p.preferredDeposit} onValue={(v) => setP('preferredDeposit', v)} />
          </Field>
          <Field label="Largest deposit (sat)">
            <SatsInput value={p.maxDeposit} onValue={(v) => setP('maxDeposit', v)} />
          </Field>
          <Field label="Default channel length (blocks)" hint={`Expiry: ${fmtBlocks(p.preferredExpiryBlocks)}. After it, an unspent deposit comes back even if the site is gone.`}>
            <input inputMode="numeric" value={String(p.preferredExpiryBlocks)} onInput={(e) => setP('preferredExpiryBlocks', Number((e.target as HTMLInputElement).value) || 0)} />
          </Field>
          <Field label="Longest channel length (blocks)" hint={fmtBlocks(p.maxExpiryBlocks)}>
            <input inputMode="numeric" value={String(p.maxExpiryBlocks)} onInput={(e) => setP('maxExpiryBlocks', Number((e.target as HTMLInputElement).value) || 0)} />
          </Field>
          <Field label="Highest price per item (sat)">
            <SatsInput value={p.maxPrice} onValue={(v) => setP('maxPrice', v)} />
          </Field>
          <Field label="Pay ahead by (sat)" hint="Prepaid credit to keep: paid to a site before you open items, so they load at once. Unused, it comes back when the channel closes.">
            <SatsInput value={p.prepaidTarget} onValue={(v) => setP('prepaidTarget', v)} />
          </Field>
        </div>
        <ErrorBox error={save.error} />
        {saved && !save.error && (
          <div class="alert ok" role="status">
            Saved.
          </div>
        )}
        <div class="row end">
          <button type="submit" class="primary" disabled={save.busy}>
            Save settings
          </button>
        </div>
      </form>
      <section class="stack" aria-labelledby="channel-backup">
        <h2 id="channel-backup">Channel backup</h2>
        <p class="small muted">
          Your recovery phrase brings back your coins, but not the channels open at the time: their terms come from each site. If a site vanishes, only a backup lets the wallet
          take the deposit back after the channel expires. Back up after opening a channel.
        </p>
        <BackupChannels />
        <RestoreChannels />
      </section>
    </main>
  );
}
