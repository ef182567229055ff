/**
 * The approval window's clock (WCAG 2.2.1 Timing Adjustable): how long until the request is
 * denied, more time on demand, a pause while the reader is at work in the window, and one polite
 * warning before the end. The background owns the deadline (background/paywall/approvals.ts)
 * and denies when it passes; every change here is asked of it, and what it answers is shown, so
 * the window never promises time the background would not give.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { APPROVAL_MAX_WAIT_MS, APPROVAL_TIMEOUT_MS } from '../background/paywall/approvals.ts';
import type { ApprovalView } from '../shared/paywall-views.ts';
import { call } from '../popup/api.ts';

/** Seconds left when the window warns (once: a live region repeats what changes). */
export const WARN_AT_S = 20;
/** A key, click or edit this recent means the reader is at work: the clock holds still. */
export const BUSY_MS = 10_000;
/** How far ahead of the held time the background's deadline is kept while the clock holds. */
const HOLD_AHEAD_MS = 2_000;

export interface ApprovalClock {
  secondsLeft: number;
  /** Held because the reader is typing or clicking in the window. */
  paused: boolean;
  /** False once the request has waited as long as it may. */
  canExtend: boolean;
  /** What the live region says: empty, the warning, or how much time "More time" gave. */
  notice: string;
  moreTime(): void;
}

/** A text field (not a checkbox or button): focus there means the reader is filling in the form. */
function inField(el: Element | null): boolean {
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  return el instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(el.type);
}

export function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m === 0 ? `${s} seconds` : s === 0 ? `${m} minute${m === 1 ? '' : 's'}` : `${m} min ${s} s`;
}

export function useApprovalClock(view: Pick<ApprovalView, 'id' | 'createdAt' | 'deadline'>): ApprovalClock {
  const [deadline, setDeadline] = useState(view.deadline);
  const [now, setNow] = useState(Date.now());
  const [extended, setExtended] = useState('');
  const lastBusy = useRef(0);
  // Milliseconds left when the pause began; null while the clock runs.
  const held = useRef<number | null>(null);
  const latest = view.createdAt + APPROVAL_MAX_WAIT_MS;
  const canExtend = deadline < latest;

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    const busy = () => {
      lastBusy.current = Date.now();
      setNow(lastBusy.current);
    };
    const events = ['keydown', 'pointerdown', 'input'];
    for (const e of events) document.addEventListener(e, busy, true);
    return () => {
      clearInterval(tick);
      for (const e of events) document.removeEventListener(e, busy, true);
    };
  }, []);

  const ask = (leftMs: number) =>
    call('paywall.approval.extend', { id: view.id, leftMs }).then(
      (d) => {
        if (d !== null) setDeadline(d);
        return d;
      },
      () => null,
    );

  const paused = canExtend && (now - lastBusy.current < BUSY_MS || inField(document.activeElement));
  if (!paused) held.current = null;
  else held.current ??= Math.max(0, deadline - now);
  useEffect(() => {
    // While held, the background's deadline keeps pace, a tick ahead so the count never dips
    // between its answers: the time left stays what it was when the reader started.
    if (held.current !== null && deadline - now < held.current + HOLD_AHEAD_MS / 2) void ask(held.current + HOLD_AHEAD_MS);
  }, [now, paused]);

  const leftMs = held.current !== null ? Math.min(held.current, deadline - now) : deadline - now;
  const secondsLeft = Math.max(0, Math.ceil(leftMs / 1000));
  const notice = secondsLeft <= WARN_AT_S ? `Under ${WARN_AT_S} seconds left: without an answer this request is denied.${canExtend ? ' Press "More time" to wait longer.' : ''}` : extended;
  return {
    secondsLeft,
    paused,
    canExtend,
    notice,
    moreTime() {
      void ask(Math.max(0, deadline - Date.now()) + APPROVAL_TIMEOUT_MS).then((d) => {
        if (d !== null) setExtended(`${duration(Math.max(0, Math.ceil((d - Date.now()) / 1000)))} left now.`);
      });
    },
  };
}
