/**
 * The approval window's keyboard and pointer safety: Escape answers "no", and the buttons that
 * answer stay inert for a moment after the window shows, since the page that asked chose when
 * it opens and so may open it under the reader's cursor or mid-keystroke (issue 11, finding 10).
 */
import { useEffect, useRef, useState } from 'preact/hooks';

/** How long after the window shows its answer buttons ignore clicks, Enter and Space. */
export const ARM_DELAY_MS = 1000;

/**
 * False for ARM_DELAY_MS after mount, then true. The buttons stay focusable meanwhile and say
 * they are not yet active with aria-disabled (a disabled button would drop out of the Tab order
 * and lose focus); their handlers check this before acting.
 */
export function useArmed(): boolean {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setArmed(true), ARM_DELAY_MS);
    return () => clearTimeout(t);
  }, []);
  return armed;
}

/** Calls the newest `onEscape` when Escape is pressed anywhere in the window. */
export function useEscape(onEscape: () => void): void {
  const latest = useRef(onEscape);
  latest.current = onEscape;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      e.preventDefault();
      latest.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
