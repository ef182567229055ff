/**
 * Pending approvals. Each one is shown in an extension-owned window (never in the page, which
 * could fake or click it) and ends with the user's choice, the window being closed (deny) or the
 * deadline (deny), so whatever waits on it never hangs.
 */
import type { ApprovalChoice, ApprovalView } from '../../shared/paywall-views.ts';

export interface ApprovalUi {
  /** Opens the prompt for approval `id`; answers a handle to close it with. */
  open(id: string): Promise<number | undefined>;
  close(handle: number): Promise<void>;
}

interface Pending {
  view: ApprovalView;
  resolve: (c: ApprovalChoice) => void;
  promise: Promise<ApprovalChoice>;
  timer: ReturnType<typeof setTimeout>;
  handle: number | undefined;
}

export const APPROVAL_TIMEOUT_MS = 120_000;
/** The longest a request may wait, however often the reader asks for more time. */
export const APPROVAL_MAX_WAIT_MS = 600_000;

export class Approvals {
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(count: number) => void>();
  private seq = 0;

  constructor(
    private readonly ui: ApprovalUi,
    private readonly now: () => number = Date.now,
    private readonly timeoutMs = APPROVAL_TIMEOUT_MS,
    private readonly maxWaitMs = APPROVAL_MAX_WAIT_MS,
  ) {}

  /**
   * Asks the user. A second request for the same site, from the same initiator and through the
   * same channel API, while one is open joins it: ten images on one page make one prompt, not
   * ten. A request from another page or naming another channel API gets its own window, so an
   * answer never covers what the reader was not shown.
   */
  request(view: Omit<ApprovalView, 'id' | 'createdAt' | 'deadline'>): Promise<ApprovalChoice> {
    for (const p of this.pending.values()) {
      if (p.view.site === view.site && p.view.initiator === view.initiator && p.view.endpoint === view.endpoint) return p.promise;
    }
    const id = `a${++this.seq}-${Math.random().toString(36).slice(2, 10)}`;
    const createdAt = this.now();
    let resolve!: (c: ApprovalChoice) => void;
    const promise = new Promise<ApprovalChoice>((r) => (resolve = r));
    const entry: Pending = {
      view: { ...view, id, createdAt, deadline: createdAt + this.timeoutMs },
      resolve,
      promise,
      timer: setTimeout(() => this.finish(id, { kind: 'deny' }), this.timeoutMs),
      handle: undefined,
    };
    this.pending.set(id, entry);
    this.changed();
    void this.ui.open(id).then(
      (handle) => {
        if (this.pending.has(id)) entry.handle = handle;
        else if (handle !== undefined) void this.ui.close(handle).catch(() => undefined);
      },
      // No window could be opened (e.g. a headless browser): nobody can answer, so deny now.
      () => this.finish(id, { kind: 'deny' }),
    );
    return promise;
  }

  get(id: string): ApprovalView | null {
    return this.pending.get(id)?.view ?? null;
  }

  list(): ApprovalView[] {
    return [...this.pending.values()].map((p) => p.view);
  }

  get count(): number {
    return this.pending.size;
  }

  /**
   * The prompt's answer; unknown or finished ids are ignored (a double click, a late window).
   * `fromWindow` is the window the answer came from: the prompt closes itself once it has the
   * reply, and closing it from here first would drop that reply (Firefox logs the lost promise).
   */
  decide(id: string, choice: ApprovalChoice, fromWindow?: number): boolean {
    const p = this.pending.get(id);
    return this.finish(id, choice, p?.handle === undefined || p.handle !== fromWindow);
  }

  /**
   * The reader needs time (WCAG 2.2.1): at least `leftMs` from now, never less than the request
   * already had, never past `maxWaitMs` after it was made (the page's request waits meanwhile).
   * Answers the deadline now in force; null when the request is already answered or gone.
   */
  extend(id: string, leftMs: number): number | null {
    const p = this.pending.get(id);
    if (!p) return null;
    const now = this.now();
    const deadline = Math.min(Math.max(p.view.deadline, now + Math.max(0, leftMs)), p.view.createdAt + this.maxWaitMs);
    if (deadline > p.view.deadline) {
      p.view = { ...p.view, deadline };
      clearTimeout(p.timer);
      p.timer = setTimeout(() => this.finish(id, { kind: 'deny' }), deadline - now);
    }
    return p.view.deadline;
  }

  /** The user closed the prompt window without choosing: that is a no. */
  windowClosed(handle: number): void {
    for (const [id, p] of this.pending) if (p.handle === handle) this.finish(id, { kind: 'deny' }, false);
  }

  onChange(listener: (count: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private finish(id: string, choice: ApprovalChoice, closeWindow = true): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(choice);
    if (closeWindow && p.handle !== undefined) void this.ui.close(p.handle).catch(() => undefined);
    this.changed();
    return true;
  }

  private changed(): void {
    for (const l of this.listeners) l(this.pending.size);
  }
}
