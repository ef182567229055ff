/** The approval window's countdown, its "More time" button and the polite warning before it denies. */
import type { ApprovalView } from '../shared/paywall-views.ts';
import { duration, useApprovalClock, WARN_AT_S } from './clock.ts';

export function TimeLeft({ view }: { view: Pick<ApprovalView, 'id' | 'createdAt' | 'deadline'> }) {
  const clock = useApprovalClock(view);
  const warning = clock.secondsLeft <= WARN_AT_S;
  return (
    <div class="stack">
      <div class="row">
        <p class="small muted" style={{ flex: '1 1 12em', margin: 0 }}>
          Without an answer in {duration(clock.secondsLeft)} this request is denied and the page shows the site's own message.
          {clock.paused && ' The clock waits while you fill in this window.'}
          {!clock.canExtend && ' It cannot wait longer.'}
        </p>
        <button type="button" aria-disabled={clock.canExtend ? undefined : 'true'} onClick={() => clock.canExtend && clock.moreTime()}>
          More time
        </button>
      </div>
      {/* Always in the page, so assistive technology hears each change; polite, so it never interrupts. */}
      <p role="status" aria-live="polite" class={!clock.notice ? 'sr-only' : warning ? 'alert warn small' : 'small muted'}>
        {clock.notice}
      </p>
    </div>
  );
}
