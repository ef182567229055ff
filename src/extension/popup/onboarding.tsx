/** First run (create or restore a wallet) and unlocking. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { NetworkName } from '../../core/network.ts';
import type { WalletStatus } from '../shared/types.ts';
import { call } from './api.ts';
import { RestoreChannels } from './backup-screens.tsx';
import { ErrorBox, Field, ScreenHeading, useAction } from './ui.tsx';

const NETWORKS: { value: NetworkName; label: string }[] = [
  { value: 'mainnet', label: 'Bitcoin (mainnet), experimental' },
  { value: 'testnet4', label: 'Testnet (testnet4)' },
  { value: 'testnet3', label: 'Testnet3 (the old testnet)' },
  { value: 'signet', label: 'Signet' },
  { value: 'regtest', label: 'Local devnet (regtest)' },
];

/**
 * New wallets start on signet, whose coins are worthless, until the software has been reviewed
 * for real money; mainnet is one choice away in the same list, and says what it means.
 */
export const NEW_WALLET_NETWORK: NetworkName = 'signet';

/** Shown wherever mainnet is chosen. */
export function MainnetNotice({ network }: { network: NetworkName }) {
  if (network !== 'mainnet') return null;
  return (
    <div class="alert warn small" role="status">
      Experimental software: Paychan has not yet been reviewed for real bitcoin. On mainnet, keep only amounts you can afford to lose. Signet works the same with worthless
      test coins.
    </div>
  );
}

export const MIN_PASSWORD = 8;

export function NetworkSelect({ value, onChange, id }: { value: NetworkName; onChange: (n: NetworkName) => void; id?: string }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value as NetworkName)}>
      {NETWORKS.map((n) => (
        <option value={n.value}>{n.label}</option>
      ))}
    </select>
  );
}

export function Onboarding({ onDone }: { onDone: (s: WalletStatus) => void }) {
  const [mode, setMode] = useState<'choose' | 'create' | 'restore'>('choose');
  if (mode === 'create') return <Create onDone={onDone} onBack={() => setMode('choose')} />;
  if (mode === 'restore') return <Restore onDone={onDone} onBack={() => setMode('choose')} />;
  return (
    <main class="stack">
      <ScreenHeading>Welcome to Paychan</ScreenHeading>
      <p>A Bitcoin wallet that pays websites a few satoshis per article, image or API call, through payment channels, within budgets you set.</p>
      <div class="stack">
        <button class="primary" onClick={() => setMode('create')}>
          Create a new wallet
        </button>
        <button onClick={() => setMode('restore')}>Restore from a recovery phrase</button>
      </div>
    </main>
  );
}

function PasswordFields({ pw, setPw, pw2, setPw2 }: { pw: string; setPw: (v: string) => void; pw2: string; setPw2: (v: string) => void }) {
  return (
    <>
      <Field label="Password (at least 8 characters)" hint="Encrypts the wallet on this computer. It cannot be recovered; the recovery phrase can.">
        <input type="password" autoComplete="new-password" value={pw} onInput={(e) => setPw((e.target as HTMLInputElement).value)} />
      </Field>
      <Field label="Password again">
        <input type="password" autoComplete="new-password" value={pw2} onInput={(e) => setPw2((e.target as HTMLInputElement).value)} />
      </Field>
    </>
  );
}

function passwordProblem(pw: string, pw2: string): string | null {
  if (pw.length < MIN_PASSWORD) return `The password needs at least ${MIN_PASSWORD} characters.`;
  if (pw !== pw2) return 'The two passwords differ.';
  return null;
}

function Create({ onDone, onBack }: { onDone: (s: WalletStatus) => void; onBack: () => void }) {
  const [step, setStep] = useState<'setup' | 'words' | 'confirm'>('setup');
  const [network, setNetwork] = useState<NetworkName>(NEW_WALLET_NETWORK);
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [words, setWords] = useState('');
  const [typed, setTyped] = useState('');
  const [saved, setSaved] = useState(false);
  const gen = useAction(async () => {
    const problem = passwordProblem(pw, pw2);
    if (problem) throw new Error(problem);
    setWords((await call('wallet.generate', undefined)).mnemonic);
    setStep('words');
  });
  const create = useAction(async () => onDone(await call('wallet.create', { mnemonic: typed, password: pw, network })));

  if (step === 'setup')
    return (
      <main class="stack">
        <ScreenHeading>New wallet</ScreenHeading>
        <Field label="Network">
          <NetworkSelect value={network} onChange={setNetwork} />
        </Field>
        <MainnetNotice network={network} />
        <PasswordFields pw={pw} setPw={setPw} pw2={pw2} setPw2={setPw2} />
        <ErrorBox error={gen.error} />
        <div class="row end">
          <button onClick={onBack}>Back</button>
          <button class="primary" disabled={gen.busy} onClick={() => gen.run()}>
            Continue
          </button>
        </div>
      </main>
    );
  if (step === 'words')
    return (
      <main class="stack">
        <ScreenHeading>Your recovery phrase</ScreenHeading>
        <p>Write these 12 words down, in order, and keep them offline. Anyone with them can spend your bitcoin; without them a lost computer means lost funds.</p>
        <ol class="words" aria-label="Recovery phrase">
          {words.split(' ').map((w) => (
            <li>{w}</li>
          ))}
        </ol>
        <label class="row">
          <input type="checkbox" checked={saved} onChange={(e) => setSaved((e.target as HTMLInputElement).checked)} /> I have written them down
        </label>
        <div class="row end">
          <button class="primary" disabled={!saved} onClick={() => setStep('confirm')}>
            Next
          </button>
        </div>
      </main>
    );
  return (
    <main class="stack">
      <ScreenHeading>Confirm the phrase</ScreenHeading>
      <Field label="Type the 12 words, separated by spaces">
        <textarea autoComplete="off" spellcheck={false} value={typed} onInput={(e) => setTyped((e.target as HTMLTextAreaElement).value)} />
      </Field>
      <ErrorBox error={create.error} />
      <div class="row end">
        <button onClick={() => setStep('words')}>Show the words again</button>
        <button class="primary" disabled={create.busy || typed.trim().split(/\s+/).length < 12} onClick={() => create.run()}>
          Create wallet
        </button>
      </div>
    </main>
  );
}

function Restore({ onDone, onBack }: { onDone: (s: WalletStatus) => void; onBack: () => void }) {
  const [network, setNetwork] = useState<NetworkName>(NEW_WALLET_NETWORK);
  const [words, setWords] = useState('');
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [restored, setRestored] = useState<WalletStatus | null>(null);
  const restore = useAction(async () => {
    const problem = passwordProblem(pw, pw2);
    if (problem) throw new Error(problem);
    setRestored(await call('wallet.restore', { mnemonic: words, password: pw, network }));
  });
  if (restored)
    return (
      <main class="stack">
        <ScreenHeading>Wallet restored</ScreenHeading>
        <p>Your coins are back. Channels that were open before need their backup file: the recovery phrase cannot bring back their terms, and without them the deposit of a channel whose site has gone cannot be taken back.</p>
        <RestoreChannels />
        <p class="small muted">No backup? Channels a site settles still pay their change back to this wallet. You can restore a backup later in Settings.</p>
        <div class="row end">
          <button class="primary" onClick={() => onDone(restored)}>
            Continue to the wallet
          </button>
        </div>
      </main>
    );
  return (
    <main class="stack">
      <ScreenHeading>Restore a wallet</ScreenHeading>
      <Field label="Recovery phrase (12 or 24 words)">
        <textarea autoComplete="off" spellcheck={false} value={words} onInput={(e) => setWords((e.target as HTMLTextAreaElement).value)} />
      </Field>
      <Field label="Network">
        <NetworkSelect value={network} onChange={setNetwork} />
      </Field>
      <MainnetNotice network={network} />
      <PasswordFields pw={pw} setPw={setPw} pw2={pw2} setPw2={setPw2} />
      <ErrorBox error={restore.error} />
      <div class="row end">
        <button onClick={onBack}>Back</button>
        <button class="primary" disabled={restore.busy || !words.trim()} onClick={() => restore.run()}>
          {restore.busy ? 'Restoring…' : 'Restore'}
        </button>
      </div>
    </main>
  );
}

export function Unlock({ onDone }: { onDone: (s: WalletStatus) => void }) {
  const [pw, setPw] = useState('');
  const unlock = useAction(async () => onDone(await call('wallet.unlock', { password: pw })));
  // The one thing to do here is type the password: focus goes to its field, not the heading.
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), []);
  return (
    <main>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void unlock.run();
        }}
      >
        <ScreenHeading takeFocus={false}>Unlock</ScreenHeading>
        <Field label="Password">
          <input ref={field} type="password" autoComplete="current-password" value={pw} onInput={(e) => setPw((e.target as HTMLInputElement).value)} />
        </Field>
        <ErrorBox error={unlock.error} />
        <div class="row end">
          <button type="submit" class="primary" disabled={unlock.busy || !pw}>
            {unlock.busy ? 'Unlocking…' : 'Unlock'}
          </button>
        </div>
      </form>
    </main>
  );
}
