/**
 * Notifications for what happens to channels out of sight: opened, settled by the site, refunded
 * after expiry. Watches the wallet's channel events and speaks only on a change of state.
 */
import type { BackgroundEvent, ChannelSummary } from '../../shared/types.ts';

export type Notify = (id: string, title: string, message: string) => Promise<void>;

export class ChannelNotifier {
  private readonly last = new Map<string, ChannelSummary['state']>();

  constructor(private readonly notify: Notify) {}

  /** Learns the current states without announcing them (after a service-worker restart). */
  prime(channels: readonly ChannelSummary[]): void {
    for (const c of channels) this.last.set(c.id, c.state);
  }

  onEvent(e: BackgroundEvent): void {
    if (e.type !== 'channel') return;
    const c = e.data;
    const prev = this.last.get(c.id);
    this.last.set(c.id, c.state);
    if (prev === c.state) return;
    const host = hostOf(c.endpoint);
    if (c.state === 'open' && (prev === undefined || prev === 'opening')) {
      void this.notify(`open-${c.id}`, 'Channel open', `${c.capacity} sat locked with ${host} until block ${c.expiry}.`).catch(() => undefined);
    } else if (c.state === 'closed' && prev !== undefined && prev !== 'refunding') {
      const tx = c.closingTxid ? ` (${c.closingTxid.slice(0, 12)}…)` : '';
      void this.notify(`closed-${c.id}`, 'Channel settled', `${host} settled the channel: ${c.spent} sat spent, the rest is back in your wallet${tx}.`).catch(() => undefined);
    } else if (c.state === 'refunding') {
      void this.notify(`refund-${c.id}`, 'Refund broadcast', `The channel with ${host} expired unsettled; its deposit is being refunded to your wallet.`).catch(() => undefined);
    }
  }
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return endpoint;
  }
}
