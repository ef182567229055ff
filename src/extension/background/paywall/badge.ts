/**
 * The toolbar badge: pending approvals win (they need the user), otherwise what this tab paid.
 * Pure state plus one render callback, so it is testable without a browser.
 */
export interface BadgeFace {
  text: string;
  color: string;
  title: string;
}

export interface TabPaid {
  items: number;
  charged: bigint;
  site: string | null;
}

const AMBER = '#b45309';
const GREEN = '#15803d';

export function badgeFace(pending: number, tab: TabPaid | undefined): BadgeFace {
  if (pending > 0) return { text: `!${pending > 9 ? '9+' : pending}`, color: AMBER, title: `Paychan: ${pending} payment${pending === 1 ? '' : 's'} waiting for your approval` };
  if (tab && tab.items > 0) {
    return { text: shortSats(tab.charged), color: GREEN, title: `Paychan: ${tab.items} item${tab.items === 1 ? '' : 's'} paid on this tab, ${tab.charged} sat` };
  }
  return { text: '', color: GREEN, title: 'Paychan' };
}

/** Badges hold about four characters: 12345 sat becomes "12k". */
export function shortSats(v: bigint): string {
  if (v < 10_000n) return v.toString();
  if (v < 1_000_000n) return `${v / 1000n}k`;
  return `${v / 1_000_000n}M`;
}

export class Badge {
  private pending = 0;
  private readonly tabs = new Map<number, TabPaid>();

  constructor(private readonly render: (tabId: number | null, face: BadgeFace) => void) {}

  setPending(count: number): void {
    this.pending = count;
    this.render(null, badgeFace(count, undefined));
    for (const id of this.tabs.keys()) this.renderTab(id);
  }

  paid(tabId: number, site: string, amount: bigint): void {
    // A charged="0" receipt is an item the site did not deliver (protocol §6.3.1): not paid.
    if (tabId < 0 || amount === 0n) return;
    const cur = this.tabs.get(tabId) ?? { items: 0, charged: 0n, site };
    this.tabs.set(tabId, { items: cur.items + 1, charged: cur.charged + amount, site });
    this.renderTab(tabId);
  }

  /** A tab navigated elsewhere or closed: its tally starts over. */
  reset(tabId: number): void {
    if (this.tabs.delete(tabId)) this.renderTab(tabId);
  }

  tab(tabId: number): TabPaid | undefined {
    return this.tabs.get(tabId);
  }

  get pendingCount(): number {
    return this.pending;
  }

  private renderTab(tabId: number): void {
    this.render(tabId, badgeFace(this.pending, this.tabs.get(tabId)));
  }
}
