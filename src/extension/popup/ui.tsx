/** Small shared pieces of the popup and the approval window. */
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import type { NetworkName } from '../../core/network.ts';
import { explorerTxUrl } from './explorer.ts';
import { groupSatsInput } from './format.ts';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as Partial<ApiError>;
  return (
    <div class="alert error" role="alert">
      {friendly(e.code, e.message ?? String(error))}
    </div>
  );
}

/** Turns the background's codes into sentences a person can act on. */
export function friendly(code: string | undefined, message: string): string {
  switch (code) {
    case 'WRONG_PASSWORD':
      return 'That password is not right.';
    case 'LOCKED':
      return 'The wallet is locked. Unlock it first.';
    case 'INSUFFICIENT_FUNDS':
      return `Not enough funds: ${message}`;
    case 'UNREACHABLE':
      return message;
    case 'CHAIN_ERROR':
      return `The blockchain server had a problem: ${message}. Check the Esplora URL in Settings.`;
    case 'INVALID_MNEMONIC':
      return 'Those words are not a valid recovery phrase. Check each word and its order.';
    case 'NOT_CONFIRMED':
      return 'The words you typed do not match the recovery phrase shown.';
    default:
      return message;
  }
}

/**
 * A screen's h1. When a new screen appears (its heading's text is new), focus moves to the
 * heading, so keyboard and screen-reader users start on the new screen instead of being dropped
 * on the page's body. `takeFocus={false}` for a screen that puts focus in a field itself.
 */
export function ScreenHeading({ children, takeFocus = true, class: className, style }: { children: ComponentChildren; takeFocus?: boolean; class?: string; style?: Record<string, string | number> }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const shown = useRef<string | null>(null);
  useLayoutEffect(() => {
    const text = ref.current?.textContent ?? '';
    if (text === shown.current) return;
    shown.current = text;
    if (takeFocus) ref.current?.focus();
  });
  return (
    <h1 ref={ref} tabIndex={-1} class={className} style={style}>
      {children}
    </h1>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function Field({ label, children, hint }: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
      {hint && <span class="small muted">{hint}</span>}
    </label>
  );
}

/**
 * An amount box: takes "1000" or "1,000" as typed, and shows the grouped form ("1,000") once the
 * reader leaves it. The value stays the text; parseSatsInput turns it into sat.
 */
export function SatsInput({ value, onValue, ...rest }: { value: string; onValue: (v: string) => void } & Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'value' | 'onInput' | 'onBlur'>) {
  return <input inputMode="numeric" {...rest} value={value} onInput={(e) => onValue((e.target as HTMLInputElement).value)} onBlur={() => onValue(groupSatsInput(value))} />;
}

/** A text box bound to a string state, for whole numbers typed by the reader. */
function NumberField({ label, value, onValue }: { label: string; value: string; onValue: (v: string) => void }) {
  return (
    <Field label={label}>
      <input inputMode="numeric" value={value} onInput={(e) => onValue((e.target as HTMLInputElement).value)} />
    </Field>
  );
}

/** The auto-pay terms of a site, as the popup's site settings and the approval window ask them. */
export function BudgetFields(p: {
  maxPrice: string;
  setMaxPrice: (v: string) => void;
  budget: string;
  setBudget: (v: string) => void;
  days: string;
  setDays: (v: string) => void;
}) {
  return (
    <div class="grid2">
      <NumberField label="Max price per item (sat)" value={p.maxPrice} onValue={p.setMaxPrice} />
      <NumberField label="Budget (sat)" value={p.budget} onValue={p.setBudget} />
      <NumberField label="Per how many days" value={p.days} onValue={p.setDays} />
    </div>
  );
}

/** Loads data, tracks loading and error, reloads on demand. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []): { data: T | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const reload = useCallback(() => {
    const mine = ++seq.current;
    setLoading(true);
    load().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (mine !== seq.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, deps);
  useEffect(reload, [reload]);
  return { data, error, loading, reload };
}

/** Runs an action with a busy flag and an error, for buttons. */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (...args: A): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn(...args);
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}

/** Hands `contents` to the browser as a download through an object URL (no permission needed). */
export function saveFile(name: string, contents: string, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([contents], { type }));
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}

export function Copy({ text, label = 'Copy', name }: { text: string; label?: string; name?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      aria-label={name && !done ? name : undefined}
      onClick={async () => {
        await navigator.clipboard.writeText(text).catch(() => undefined);
        setDone(true);
        setTimeout(() => setDone(false), 1500);
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

/**
 * A transaction id: shortened for reading, the whole id on the copy button, and a link to the
 * network's explorer when it has one. An extension page's link opens in a new tab.
 */
export function TxId({ txid, network, label = 'Transaction' }: { txid: string; network: NetworkName; label?: string }) {
  const url = explorerTxUrl(network, txid);
  return (
    <span class="txid row">
      <span class="mono" title={txid}>
        {txid.slice(0, 10)}…{txid.slice(-6)}
      </span>
      <Copy text={txid} name={`Copy ${label.toLowerCase()} id`} />
      {url && (
        <a href={url} target="_blank" rel="noopener noreferrer">
          View on mempool.space
        </a>
      )}
    </span>
  );
}

export function Bar({ value, max, label }: { value: bigint; max: bigint; label: string }) {
  const pct = max > 0n ? Number((value * 1000n) / max) / 10 : 0;
  return (
    <div class="bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.min(100, pct)}>
      <div style={{ width: `${Math.min(100, pct)}%` }} />
    </div>
  );
}
