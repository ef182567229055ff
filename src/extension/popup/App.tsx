/** The popup: onboarding, unlock, then the wallet's screens behind a tab bar. */
import { useEffect, useState } from 'preact/hooks';
import type { Settings, WalletStatus } from '../shared/types.ts';
import { call, subscribe } from './api.ts';
import { Onboarding, Unlock } from './onboarding.tsx';
import { History } from './history.tsx';
import { SettingsScreen, Sites } from './paywall-screens.tsx';
import { ErrorBox } from './ui.tsx';
import { Channels, Home, Receive, Send } from './wallet-screens.tsx';

export const TABS = [
  ['home', 'Home'],
  ['receive', 'Receive'],
  ['send', 'Send'],
  ['channels', 'Channels'],
  ['sites', 'Sites'],
  ['history', 'History'],
  ['settings', 'Settings'],
] as const;
export type Tab = (typeof TABS)[number][0];

/** How long a burst of background events may take before the screens re-read what changed. */
const REFRESH_COALESCE_MS = 250;

const NETWORK_LABEL: Record<string, string> = { mainnet: 'mainnet', testnet4: 'testnet4', testnet3: 'testnet3', signet: 'signet', regtest: 'devnet' };

export function App({ initialTab }: { initialTab?: Tab }) {
  const [status, setStatus] = useState<WalletStatus | null>(null);
  const [settings, setSettings] = useState<Settings | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [tab, setTab] = useState<Tab>(initialTab ?? 'home');
  // Onboarding stays up until it says it is done (after a restore it offers the channel backup),
  // though the wallet exists, and says so, from the moment it is created.
  const [onboarding, setOnboarding] = useState(false);
  // Bumped by background events so every screen re-reads what changed.
  const [tick, setTick] = useState(0);

  useEffect(() => {
    call('wallet.status', undefined).then(setStatus, setError);
    // Events come in bursts (a receipt, then a top-up's signature, then the server's answer), and
    // every refresh re-reads the balances from the chain backend: the first event refreshes at
    // once, and the events of the next REFRESH_COALESCE_MS share one refresh at its end.
    let timer: ReturnType<typeof setTimeout> | null = null;
    let more = false;
    const quiet = () => {
      timer = null;
      if (!more) return;
      more = false;
      setTick((t) => t + 1);
      timer = setTimeout(quiet, REFRESH_COALESCE_MS);
    };
    const unsubscribe = subscribe((e) => {
      if (e.type === 'status') setStatus(e.data);
      else if (timer !== null) more = true;
      else {
        setTick((t) => t + 1);
        timer = setTimeout(quiet, REFRESH_COALESCE_MS);
      }
    });
    return () => {
      if (timer !== null) clearTimeout(timer);
      unsubscribe();
    };
  }, []);
  useEffect(() => {
    if (status?.state === 'none') setOnboarding(true);
  }, [status?.state]);
  useEffect(() => {
    if (status?.state === 'unlocked') call('settings.get', undefined).then(setSettings, setError);
  }, [status?.state, status?.network]);

  if (error && !status)
    return (
      <main>
        <h1>Paychan</h1>
        <ErrorBox error={error} />
      </main>
    );
  if (!status) return <main aria-busy="true">Loading…</main>;
  if (status.state === 'none' || onboarding)
    return (
      <Onboarding
        onDone={(s) => {
          setOnboarding(false);
          setStatus(s);
        }}
      />
    );
  if (status.state === 'locked')
    return (
      <>
        <TopBar status={status} />
        <Unlock onDone={setStatus} />
      </>
    );

  return (
    <>
      <TopBar status={status} onLock={async () => setStatus(await call('wallet.lock', undefined))} />
      <nav class="tabs" aria-label="Sections">
        {TABS.map(([id, label]) => (
          <button aria-current={tab === id ? 'page' : undefined} onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </nav>
      {tab === 'home' && <Home status={status} settings={settings} tick={tick} />}
      {tab === 'receive' && <Receive />}
      {tab === 'send' && <Send network={status.network} onSent={() => setTick((t) => t + 1)} />}
      {tab === 'channels' && <Channels settings={settings} tick={tick} />}
      {tab === 'sites' && <Sites tick={tick} />}
      {tab === 'history' && <History tick={tick} />}
      {tab === 'settings' && (
        <SettingsScreen
          settings={settings}
          onSaved={(s) => {
            setSettings(s);
            setStatus({ ...status, network: s.network, autoLockMinutes: s.autoLockMinutes });
          }}
        />
      )}
    </>
  );
}

function TopBar({ status, onLock }: { status: WalletStatus; onLock?: () => void }) {
  return (
    <header class="top">
      <span class="brand">
        <img src="/icons/icon-32.png" alt="" /> Paychan
      </span>
      <span class="net" title="Network">
        {NETWORK_LABEL[status.network] ?? status.network}
      </span>
      <span class="spacer" />
      {onLock && (
        <button class="link" onClick={onLock}>
          Lock
        </button>
      )}
    </header>
  );
}
