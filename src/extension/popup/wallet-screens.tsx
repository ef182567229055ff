/** Home (balances), receive, send and channels. */
import { Fragment } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ESPLORA_URLS } from '../../chain/esplora-urls.ts';
import type { NetworkName } from '../../core/network.ts';
import type { ChannelSummary, Settings, WalletStatus } from '../shared/types.ts';
import { activeTabId, call, devnetFaucet } from './api.ts';
import { channelEnding, channelNow, closeConfirmText } from './channel-text.ts';
import { bip21, fmtExpiry, fmtFeeRate, fmtSats, hostOf, parseSatsInput } from './format.ts';
import { encodeQr, qrSvgPath } from './qr.ts';
import { Copy, Empty, ErrorBox, Field, SatsInput, ScreenHeading, TxId, useAction, useLoad } from './ui.tsx';
import { WeekCard } from './week-card.tsx';

export function esploraFor(settings: Settings): string {
  return settings.esploraUrls[settings.network] ?? ESPLORA_URLS[settings.network];
}

/** The chain tip from Esplora, for expiry countdowns; null when unreachable. */
export function useTip(settings: Settings | undefined): number | null {
  const [tip, setTip] = useState<number | null>(null);
  useEffect(() => {
    if (!settings) return;
    let live = true;
    fetch(`${esploraFor(settings).replace(/\/$/, '')}/blocks/tip/height`)
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
      .then((t) => live && setTip(Number(t.trim())))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [settings?.network, settings && esploraFor(settings)]);
  return tip;
}

export function Home({ status, settings, tick }: { status: WalletStatus; settings: Settings | undefined; tick: number }) {
  const balances = useLoad(() => call('wallet.balances', undefined), [tick]);
  const paywall = useLoad(async () => call('paywall.state', { tabId: await activeTabId() }), [tick]);
  const sync = useAction(async () => {
    await call('wallet.sync', undefined);
    balances.reload();
  });
  const b = balances.data;
  const tab = paywall.data?.tab;
  return (
    <main class="stack">
      <ScreenHeading>Home</ScreenHeading>
      {(paywall.data?.pending ?? 0) > 0 && (
        <div class="alert warn" role="status">
          {paywall.data!.pending} payment{paywall.data!.pending === 1 ? ' is' : 's are'} waiting for your approval in the Paychan window.
        </div>
      )}
      <section aria-label="Balance">
        <div class="muted small">Spendable</div>
        <div class="big">{b ? fmtSats(b.confirmed) : '…'}</div>
        {b && b.unconfirmed !== '0' && <div class="muted">+ {fmtSats(b.unconfirmed)} unconfirmed</div>}
      </section>
      <div class="grid2">
        <div class="stat">
          <div class="label">Locked in channels</div>
          <div class="value">{b ? fmtSats(b.inChannels) : '…'}</div>
        </div>
        <div class="stat">
          <div class="label">Prepaid credit at sites</div>
          <div class="value">{b ? fmtSats(b.prepaid) : '…'}</div>
        </div>
      </div>
      <ErrorBox error={balances.error ?? sync.error} />
      <div class="card">
        <div class="muted small">This tab</div>
        {tab && tab.items > 0 ? (
          <p>
            Paid <strong>{fmtSats(tab.charged)}</strong> for {tab.items} item{tab.items === 1 ? '' : 's'}
            {tab.site ? ` on ${hostOf(tab.site)}` : ''}.
          </p>
        ) : (
          <p class="muted">Nothing paid on this tab.</p>
        )}
      </div>
      <WeekCard tick={tick} />
      <div class="row">
        <button onClick={() => sync.run()} disabled={sync.busy}>
          {sync.busy ? 'Refreshing…' : 'Refresh balances'}
        </button>
        {status.network === 'regtest' && settings && <Faucet settings={settings} onDone={() => balances.reload()} />}
      </div>
    </main>
  );
}

function Faucet({ settings, onDone }: { settings: Settings; onDone: () => void }) {
  const faucet = useAction(async () => {
    const { address } = await call('wallet.receiveAddress', undefined);
    const txid = await devnetFaucet(esploraFor(settings), address, 1_000_000n);
    onDone();
    return txid;
  });
  const [txid, setTxid] = useState<string | null>(null);
  return (
    <>
      <button onClick={async () => setTxid((await faucet.run()) ?? null)} disabled={faucet.busy} title="Devnet only: get 1,000,000 test sat">
        {faucet.busy ? 'Asking the faucet…' : 'Devnet faucet'}
      </button>
      {txid && (
        <div class="alert ok small" role="status">
          1,000,000 sat received: <TxId txid={txid} network={settings.network} />
        </div>
      )}
      <ErrorBox error={faucet.error} />
    </>
  );
}

export function Receive() {
  const addr = useLoad(() => call('wallet.receiveAddress', undefined), []);
  const [amount, setAmount] = useState('');
  const sats = amount.trim() ? parseSatsInput(amount) : null;
  const uri = addr.data ? bip21(addr.data.address, sats) : '';
  const qr = useMemo(() => (uri ? qrSvgPath(encodeQr(uri)) : null), [uri]);
  return (
    <main class="stack">
      <ScreenHeading>Receive</ScreenHeading>
      <ErrorBox error={addr.error} />
      {addr.data && (
        <>
          {qr && (
            <svg class="qr" viewBox={qr.viewBox} role="img" aria-label="QR code of the payment request" shape-rendering="crispEdges">
              <rect width="100%" height="100%" fill="#fff" />
              <path d={qr.d} fill="#000" />
            </svg>
          )}
          <Field label="Address">
            <div class="row">
              <code class="mono" style={{ flex: 1 }}>
                {addr.data.address}
              </code>
              <Copy text={addr.data.address} />
            </div>
          </Field>
          <Field label="Amount to request (sat, optional)">
            <SatsInput value={amount} onValue={setAmount} aria-invalid={amount.trim() !== '' && sats === null} />
          </Field>
          {amount.trim() !== '' && sats === null && <div class="alert error">Enter a whole number of sat, like 1,000.</div>}
          <Field label="Payment URI (BIP21)">
            <div class="row">
              <code class="mono small" style={{ flex: 1 }}>
                {uri}
              </code>
              <Copy text={uri} />
            </div>
          </Field>
          <button onClick={() => addr.reload()}>New address</button>
        </>
      )}
    </main>
  );
}

export function Send({ network, onSent }: { network: NetworkName; onSent: () => void }) {
  const fees = useLoad(() => call('wallet.feeRates', undefined), []);
  const [address, setAddress] = useState('');
  const [amount, setAmount] = useState('');
  const [speed, setSpeed] = useState<'fast' | 'normal' | 'slow'>('normal');
  const [confirming, setConfirming] = useState(false);
  const sats = parseSatsInput(amount);
  const send = useAction(async () => {
    // Never a rate the reader has not seen: without estimates there is nothing to send at.
    const feeRateKvb = fees.data?.[speed];
    if (feeRateKvb === undefined) throw new Error('no fee estimate from the chain server yet; try again in a minute');
    const res = await call('wallet.send', { address: address.trim(), amount: String(sats), feeRateKvb });
    onSent();
    return res;
  });
  const [result, setResult] = useState<{ txid: string; fee: string } | null>(null);
  if (result)
    return (
      <main class="stack">
        <ScreenHeading>Sent</ScreenHeading>
        <div class="alert ok">The transaction is on its way.</div>
        <dl class="kv">
          <dt>Transaction</dt>
          <dd class="small">
            <TxId txid={result.txid} network={network} />
          </dd>
          <dt>Fee</dt>
          <dd>{fmtSats(result.fee)}</dd>
        </dl>
        <button onClick={() => setResult(null)}>Send another</button>
      </main>
    );
  const valid = address.trim().length > 10 && sats !== null && sats > 0n;
  return (
    <main>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!confirming) return setConfirming(true);
          const r = await send.run();
          if (r) {
            setResult({ txid: r.txid, fee: r.fee });
            setConfirming(false);
          }
        }}
      >
        <ScreenHeading>Send</ScreenHeading>
        <Field label="To address">
          <input autoComplete="off" spellcheck={false} value={address} disabled={confirming} onInput={(e) => setAddress((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label="Amount (sat)">
          <SatsInput value={amount} onValue={setAmount} disabled={confirming} aria-invalid={amount !== '' && sats === null} />
        </Field>
        <Field label="Fee">
          <select value={speed} disabled={confirming} onChange={(e) => setSpeed((e.target as HTMLSelectElement).value as 'fast')}>
            <option value="fast">Fast{fees.data ? ` (${fmtFeeRate(fees.data.fast)})` : ''}</option>
            <option value="normal">Normal{fees.data ? ` (${fmtFeeRate(fees.data.normal)})` : ''}</option>
            <option value="slow">Slow{fees.data ? ` (${fmtFeeRate(fees.data.slow)})` : ''}</option>
          </select>
          {/* Estimates are read at most once a minute: an older one means the server stopped answering. */}
          {fees.data && fees.data.ageSeconds >= 60 && (
            <div class="small muted" role="status">
              The chain server is not answering: these rates are from {Math.max(1, Math.round(fees.data.ageSeconds / 60))} min ago.
            </div>
          )}
        </Field>
        {confirming && (
          <div class="alert warn" role="status">
            Send {fmtSats(sats ?? 0n)} to <span class="mono">{address.trim()}</span>? This cannot be undone.
          </div>
        )}
        <ErrorBox error={send.error ?? fees.error} />
        <div class="row end">
          {confirming && (
            <button type="button" onClick={() => setConfirming(false)}>
              Change
            </button>
          )}
          <button type="submit" class="primary" disabled={!valid || send.busy}>
            {confirming ? (send.busy ? 'Sending…' : 'Confirm and send') : 'Review'}
          </button>
        </div>
      </form>
    </main>
  );
}

export function Channels({ settings, tick }: { settings: Settings | undefined; tick: number }) {
  const list = useLoad(() => call('channels.list', undefined), [tick]);
  const tip = useTip(settings);
  const close = useAction(async (id: string) => {
    await call('channels.close', { id });
    list.reload();
  });
  const channels = list.data ?? [];
  return (
    <main class="stack">
      <ScreenHeading>Channels</ScreenHeading>
      <ErrorBox error={list.error ?? close.error} />
      {!list.loading && channels.length === 0 && <Empty>No channels yet. One opens the first time you pay a site.</Empty>}
      {channels.map((c) => (
        <ChannelCard key={c.id} c={c} tip={tip} busy={close.busy} onClose={() => confirm(closeConfirmText(c)) && close.run(c.id)} />
      ))}
    </main>
  );
}

/** The funding transaction of a channel (its id is `<funding txid>:<vout>`); null before it is funded. */
function fundingTxid(c: ChannelSummary): string | null {
  return c.channelId?.split(':')[0] ?? null;
}

function ChannelCard({ c, tip, busy, onClose }: { c: ChannelSummary; tip: number | null; busy: boolean; onClose: () => void }) {
  const left = tip === null ? null : c.expiry - tip;
  // A channel that stopped paying shows where its money went; its credit and expiry no longer mean anything.
  const ending = channelEnding(c);
  const told = ending ?? channelNow(c);
  const funding = fundingTxid(c);
  return (
    <article class="card" aria-label={`Channel with ${hostOf(c.endpoint)}`}>
      <div class="row">
        <strong style={{ flex: 1 }}>{hostOf(c.endpoint)}</strong>
        <span class={`badge ${c.state}`}>{c.state}</span>
      </div>
      <p class="small">{told.summary}</p>
      {told.facts.length > 0 && (
        <dl class="kv">
          {told.facts.map(([label, value]) => (
            <Fragment key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </Fragment>
          ))}
          {!ending && (
            <>
              <dt>Expires</dt>
              <dd>{left === null ? `block ${c.expiry}` : fmtExpiry(left, Date.now())}</dd>
            </>
          )}
        </dl>
      )}
      {c.lastError && (c.state === 'opening' || c.outcome === 'abandoned') && (
        <div class="alert warn small" role="status">
          {c.state === 'opening' ? 'Not open yet' : 'Given up'}: {c.lastError}
        </div>
      )}
      {(c.state === 'open' || c.state === 'opening') && (
        <div class="row end">
          <button class="danger" disabled={busy} onClick={onClose}>
            Close channel
          </button>
        </div>
      )}
      <dl class="kv small">
        {funding && (
          <>
            <dt>Funding</dt>
            <dd>
              <TxId txid={funding} network={c.network} label="Funding" />
            </dd>
          </>
        )}
        {c.closingTxid && (
          <>
            <dt>{c.outcome === 'refunded' ? 'Refund' : 'Settlement'}</dt>
            <dd>
              <TxId txid={c.closingTxid} network={c.network} label={c.outcome === 'refunded' ? 'Refund' : 'Settlement'} />
            </dd>
          </>
        )}
      </dl>
    </article>
  );
}
