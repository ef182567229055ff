/**
 * Recognising Paychan 402 challenges and receipts in responses the browser saw. Pure functions
 * over header lists, so the webRequest listener and the tests share one definition.
 */
import { AUTH_SCHEME, RECEIPT_HEADER, parseChallenge, parseReceipt, type Challenge, type Receipt } from '../../../core/http-binding.ts';
import { formatChannelId } from '../../../core/channel.ts';
import { siteOf } from './policy.ts';

export interface HeaderLike {
  name: string;
  value?: string;
}

/** Resource types as webRequest names them; navigations are the ones we reload after paying. */
export type ResourceKind = 'navigation' | 'frame' | 'media' | 'fetch' | 'other';

export function resourceKind(type: string): ResourceKind {
  switch (type) {
    case 'main_frame':
      return 'navigation';
    case 'sub_frame':
      return 'frame';
    case 'image':
    case 'media':
    case 'imageset':
      return 'media';
    case 'xmlhttprequest':
      return 'fetch';
    default:
      return 'other';
  }
}

/** All values of a header (names are case-insensitive; a header may repeat). */
export function headerValues(headers: readonly HeaderLike[] | undefined, name: string): string[] {
  const lower = name.toLowerCase();
  return (headers ?? []).filter((h) => h.name.toLowerCase() === lower && typeof h.value === 'string').map((h) => h.value!);
}

export interface Detected {
  site: string;
  url: string;
  /** The raw challenge, exactly as the server sent it (one Paychan item, other schemes dropped). */
  header: string;
  challenge: Challenge;
}

/**
 * A 402 carrying a well-formed Paychan challenge, or null. Malformed challenges are ignored
 * rather than thrown: a broken site must not break browsing.
 */
export function detectChallenge(statusCode: number, url: string, headers: readonly HeaderLike[] | undefined): Detected | null {
  if (statusCode !== 402) return null;
  const site = siteOf(url);
  if (!site) return null;
  for (const value of headerValues(headers, 'www-authenticate')) {
    if (!value.toLowerCase().includes(AUTH_SCHEME.toLowerCase())) continue;
    try {
      const challenge = parseChallenge(value);
      if (challenge) return { site, url, header: value, challenge };
    } catch {
      // not ours, or unreadable: keep looking at the other headers
    }
  }
  return null;
}

export interface DetectedReceipt {
  site: string;
  url: string;
  header: string;
  receipt: Receipt;
  channel: string;
}

export function detectReceipt(url: string, headers: readonly HeaderLike[] | undefined): DetectedReceipt | null {
  const site = siteOf(url);
  if (!site) return null;
  for (const value of headerValues(headers, RECEIPT_HEADER)) {
    try {
      const receipt = parseReceipt(value);
      if (receipt) return { site, url, header: value, receipt, channel: formatChannelId(receipt.channel) };
    } catch {
      // an unreadable receipt tells us nothing; the background's books stay as they are
    }
  }
  return null;
}

/**
 * The 402s seen recently, so a page's fetch wrapper can ask to pay for a response the browser
 * really received: a page cannot make the wallet pay a challenge it made up, since the challenge
 * always comes from the network, never from the page.
 */
export class RecentChallenges {
  private readonly byKey = new Map<string, { detected: Detected; at: number }>();
  private readonly waiters = new Map<string, ((d: Detected) => void)[]>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private key(tabId: number, url: string): string {
    return `${tabId} ${stripFragment(url)}`;
  }

  record(tabId: number, detected: Detected): void {
    const key = this.key(tabId, detected.url);
    this.byKey.set(key, { detected, at: this.now() });
    for (const w of this.waiters.get(key) ?? []) w(detected);
    this.waiters.delete(key);
    this.prune();
  }

  /** The challenge for this tab and URL, waiting up to `waitMs` for webRequest to report it. */
  async find(tabId: number, url: string, waitMs: number): Promise<Detected | null> {
    const key = this.key(tabId, url);
    const hit = this.byKey.get(key);
    if (hit && this.now() - hit.at <= this.ttlMs) return hit.detected;
    if (waitMs <= 0) return null;
    return new Promise((resolve) => {
      const list = this.waiters.get(key) ?? [];
      const done = (d: Detected | null) => {
        clearTimeout(timer);
        resolve(d);
      };
      list.push(done);
      this.waiters.set(key, list);
      const timer = setTimeout(() => {
        const l = this.waiters.get(key);
        if (l) {
          const i = l.indexOf(done);
          if (i >= 0) l.splice(i, 1);
          if (l.length === 0) this.waiters.delete(key);
        }
        resolve(null);
      }, waitMs);
    });
  }

  forgetTab(tabId: number): void {
    for (const k of this.byKey.keys()) if (k.startsWith(`${tabId} `)) this.byKey.delete(k);
  }

  private prune(): void {
    const now = this.now();
    for (const [k, v] of this.byKey) if (now - v.at > this.ttlMs) this.byKey.delete(k);
  }
}

function stripFragment(url: string): string {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}
