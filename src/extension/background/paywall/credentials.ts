/**
 * Attaching the credential to later requests to a paid site with declarativeNetRequest session
 * rules, so an item bought from prepaid credit costs no extra round trip and the page's scripts
 * never see the token. `Paychan-Credential` rather than `Authorization`, so the site's own login
 * is left alone. Session rules last until the browser closes, like the unlocked wallet.
 *
 * A credential goes only to the site whose channel issued it (its registrable domain, so
 * `img.news.example` gets what `www.news.example` paid for; an IP address or localhost: that
 * origin), with the URL's scheme, and only for:
 * - top-level GET navigations (main_frame) from anywhere: the reader sees where they land;
 * - everything else (frames, images, fetch, and top-level form posts …) that the site itself
 *   initiated (`initiatorDomains`) in a tab whose top-level page is on the site (`tabIds`, kept
 *   up to date by `tabNavigating`/`tabCommitted`/`tabClosed`): another site's page cannot post a
 *   form into the paid site with its credit, nor frame a free page of the site whose own images
 *   and fetches would spend it. With no such tab the rule is left out (DNR refuses an empty
 *   `tabIds`, and `TAB_ID_NONE` would let the site's service worker spend on a framed page's behalf).
 * A page of another site embedding the paid site's items or pages therefore never spends its credit. A
 * third-party request the reader approved by hand gets a one-shot grant for that URL, that tab
 * and that initiator, dropped once the item is delivered (or soon after).
 *
 * Every change to the rules runs in one queue: two sites paid at the same moment would otherwise
 * read the same free ids and the second update would fail ("duplicate rule id").
 */
import { CREDENTIAL_HEADER } from '../../../core/http-binding.ts';
import { siteOfHost } from '../../../core/site.ts';

/** The slice of chrome.declarativeNetRequest used here (Firefox has the same shape). */
export interface DnrRule {
  id: number;
  priority?: number;
  action: {
    type: string;
    requestHeaders?: { header: string; operation: string; value?: string }[];
  };
  condition: {
    urlFilter?: string;
    resourceTypes?: string[];
    requestDomains?: string[];
    initiatorDomains?: string[];
    tabIds?: number[];
    requestMethods?: string[];
  };
}

export interface DnrApi {
  getSessionRules(): Promise<DnrRule[]>;
  updateSessionRules(opts: { removeRuleIds?: number[]; addRules?: DnrRule[] }): Promise<void>;
}

/** Navigations into the site: any page may link to it, and the reader sees where they land. */
export const NAVIGATION_TYPES = ['main_frame'];
/** Everything else a page loads: only the site's own pages get the credential. */
export const SUBRESOURCE_TYPES = ['sub_frame', 'xmlhttprequest', 'image', 'media', 'script', 'stylesheet', 'font', 'object', 'ping', 'other'];

/** Session rule ids below this belong to whoever else may use DNR in this extension. */
export const RULE_ID_BASE = 10_000;
/** A one-shot grant outlives its request by at most this much. */
export const GRANT_TTL_MS = 30_000;
/** One-shot grants outrank the site's rules; the priority also tells them apart. */
const GRANT_PRIORITY = 2;

/** Where one site's credential may go. */
export interface CredentialScope {
  /** The site: registrable domain, or the host when there is none (IP, localhost). */
  site: string;
  urlFilter: string;
  requestDomains?: string[];
  initiatorDomains: string[];
}

/** The scope of the site `url` is on; null for a URL that is not http(s). */
export function scopeOf(url: string): CredentialScope | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const site = siteOfHost(url);
  if (!site || (u.protocol !== 'https:' && u.protocol !== 'http:')) return null;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  // No registrable domain (an IP address, localhost): the origin itself, port included, so two
  // servers on one loopback address never get each other's credential.
  if (site === host && !host.includes('.')) return { site, urlFilter: `|${u.origin}/`, initiatorDomains: [host] };
  if (site === host && /^[0-9.]+$/.test(host)) return { site, urlFilter: `|${u.origin}/`, initiatorDomains: [host] };
  return { site, urlFilter: `|${u.protocol}//`, requestDomains: [site], initiatorDomains: [site] };
}

/** A site's rule (not someone else's, not a one-shot grant). */
function siteRule(r: DnrRule): boolean {
  return r.id >= RULE_ID_BASE && r.priority !== GRANT_PRIORITY;
}

function scopeKey(c: { urlFilter?: string; requestDomains?: string[] }): string {
  return `${c.urlFilter ?? ''} ${c.requestDomains?.[0] ?? ''}`;
}

function sameScope(r: DnrRule, s: CredentialScope): boolean {
  return siteRule(r) && scopeKey(r.condition) === scopeKey(s);
}

/** The navigation rule of a site: its one rule limited to GET/HEAD. */
function isNavigationRule(r: DnrRule): boolean {
  return siteRule(r) && r.condition.requestMethods !== undefined;
}

function header(credential: string) {
  return [{ header: CREDENTIAL_HEADER, operation: 'set', value: credential }];
}

/**
 * The rules for one site: navigations from anywhere, and everything else that the site itself
 * asks for from the tabs `tabIds` (those whose top-level page is on the site); without such a
 * tab only the navigation rule.
 */
export function buildRules(scope: CredentialScope, credential: string, ids: [number, number], tabIds: number[]): DnrRule[] {
  const base = { urlFilter: scope.urlFilter, ...(scope.requestDomains ? { requestDomains: scope.requestDomains } : {}) };
  const nav: DnrRule = { id: ids[0], priority: 1, action: { type: 'modifyHeaders', requestHeaders: header(credential) }, condition: { ...base, resourceTypes: NAVIGATION_TYPES, requestMethods: ['get', 'head'] } };
  if (!tabIds.length) return [nav];
  return [
    nav,
    {
      id: ids[1],
      priority: 1,
      action: { type: 'modifyHeaders', requestHeaders: header(credential) },
      condition: { ...base, resourceTypes: [...NAVIGATION_TYPES, ...SUBRESOURCE_TYPES], initiatorDomains: scope.initiatorDomains, tabIds: [...tabIds].sort((a, b) => a - b) },
    },
  ];
}

/** The scope a site's rule was built for. */
function scopeOfRule(r: DnrRule): CredentialScope {
  const { urlFilter = '', requestDomains } = r.condition;
  if (requestDomains) return { site: requestDomains[0]!, urlFilter, requestDomains, initiatorDomains: requestDomains };
  const host = new URL(urlFilter.slice(1)).hostname.replace(/^\[|\]$/g, '');
  return { site: host, urlFilter, initiatorDomains: [host] };
}

function freeIds(rules: DnrRule[], n: number, reuse: number[] = []): number[] {
  const used = new Set(rules.map((r) => r.id).filter((id) => !reuse.includes(id)));
  const ids: number[] = [];
  for (let id = RULE_ID_BASE; ids.length < n; id++) if (!used.has(id)) ids.push(id);
  return ids;
}

export class CredentialRules {
  private queue: Promise<unknown> = Promise.resolve();
  /** `${tabId} ${url}` of the one-shot grants outstanding, so a receipt without one costs no rule read. */
  private readonly grants = new Set<string>();
  /** The rules taken down by `suspend` (the wallet locked), put back by `resume`. */
  private suspended: DnrRule[] | null = null;
  /** Each tab's committed top-level page, as the scope key of its site. */
  private readonly committed = new Map<number, string>();
  /**
   * Each tab's top-level navigation under way, as the scope key of where it goes: the new page's
   * first requests leave before the commit is reported, so they must already carry the credential.
   */
  private readonly pending = new Map<number, string>();

  constructor(
    private readonly dnr: DnrApi,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs one read-modify-write of the rules after every earlier one. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Installs (or replaces) the credential for the site `url` is on. */
  set(url: string, credential: string): Promise<void> {
    const scope = scopeOf(url);
    if (!scope) return Promise.resolve();
    return this.serial(async () => {
      if (this.suspended) {
        // Locked while a payment finished: the credential waits with the others for the unlock.
        this.suspended = [...this.suspended.filter((r) => !sameScope(r, scope)), ...buildRules(scope, credential, [RULE_ID_BASE, RULE_ID_BASE], [])];
        return;
      }
      const rules = await this.dnr.getSessionRules();
      const old = rules.filter((r) => sameScope(r, scope)).map((r) => r.id);
      const [a, b] = freeIds(rules, 2, old) as [number, number];
      await this.dnr.updateSessionRules({ removeRuleIds: old, addRules: buildRules(scope, credential, [a, b], this.tabsOn(scopeKey(scope))) });
    });
  }

  /** A top-level navigation of `tabId` to `url` starts (webRequest main_frame). */
  tabNavigating(tabId: number, url: string): Promise<void> {
    return this.retab(tabId, () => setOrDelete(this.pending, tabId, keyOfUrl(url)));
  }

  /** `tabId` now shows `url` at the top (tabs.onUpdated): its earlier site no longer counts. */
  tabCommitted(tabId: number, url: string): Promise<void> {
    return this.retab(tabId, () => {
      this.pending.delete(tabId);
      setOrDelete(this.committed, tabId, keyOfUrl(url));
    });
  }

  /** A top-level navigation of `tabId` failed or was cancelled: the page shown stays. */
  tabNavigationFailed(tabId: number): Promise<void> {
    return this.retab(tabId, () => this.pending.delete(tabId));
  }

  tabClosed(tabId: number): Promise<void> {
    return this.retab(tabId, () => {
      this.pending.delete(tabId);
      this.committed.delete(tabId);
    });
  }

  /** The tabs open when the worker (re)starts (tabs.query); what events already said wins. */
  tabsOpen(tabs: { id?: number; url?: string }[]): Promise<void> {
    let changed = false;
    for (const t of tabs) {
      const key = t.url ? keyOfUrl(t.url) : null;
      if (t.id === undefined || !key || this.committed.has(t.id)) continue;
      this.committed.set(t.id, key);
      changed = true;
    }
    return changed ? this.serial(() => this.syncTabs()) : Promise.resolve();
  }

  /** Applies `change` to the tab maps; the rules follow when the tab's sites changed. */
  private retab(tabId: number, change: () => void): Promise<void> {
    const before = `${this.committed.get(tabId)}\n${this.pending.get(tabId)}`;
    change();
    if (`${this.committed.get(tabId)}\n${this.pending.get(tabId)}` === before) return Promise.resolve();
    return this.serial(() => this.syncTabs());
  }

  /** The tabs whose top-level page is on (or is going to) the site of scope key `key`. */
  private tabsOn(key: string): number[] {
    const out = new Set<number>();
    for (const m of [this.committed, this.pending]) for (const [tab, k] of m) if (k === key) out.add(tab);
    return [...out];
  }

  /** Makes every site's subresource rule name exactly the tabs on that site (none: no rule). */
  private async syncTabs(): Promise<void> {
    const rules = await this.dnr.getSessionRules();
    const navs = rules.filter(isNavigationRule);
    const spare = freeIds(rules, navs.length);
    const remove: number[] = [];
    const addRules: DnrRule[] = [];
    for (const nav of navs) {
      const key = scopeKey(nav.condition);
      const subs = rules.filter((r) => siteRule(r) && !isNavigationRule(r) && scopeKey(r.condition) === key);
      const credential = nav.action.requestHeaders?.find((h) => h.header === CREDENTIAL_HEADER)?.value ?? '';
      const [, want] = buildRules(scopeOfRule(nav), credential, [nav.id, subs[0]?.id ?? spare.shift()!], this.tabsOn(key));
      if (subs.length === 1 && want && sameTabsAndCredential(subs[0]!, want)) continue;
      remove.push(...subs.map((r) => r.id));
      if (want) addRules.push(want);
    }
    if (remove.length || addRules.length) await this.dnr.updateSessionRules({ removeRuleIds: remove, addRules });
  }

  /**
   * A third-party request the reader approved by hand: the credential goes with this URL, from
   * this initiator, in this tab, until the item is delivered (`delivered`) or GRANT_TTL_MS pass.
   */
  grantOnce(url: string, initiator: string, tabId: number, credential: string): Promise<void> {
    const init = new URL(initiator).hostname.replace(/^\[|\]$/g, '');
    const filter = `|${stripFragment(url)}|`;
    return this.serial(async () => {
      if (this.suspended) return;
      const rules = await this.dnr.getSessionRules();
      const [id] = freeIds(rules, 1) as [number];
      const rule: DnrRule = {
        id,
        priority: GRANT_PRIORITY,
        action: { type: 'modifyHeaders', requestHeaders: header(credential) },
        condition: { urlFilter: filter, resourceTypes: [...NAVIGATION_TYPES, ...SUBRESOURCE_TYPES], initiatorDomains: [init], tabIds: [tabId] },
      };
      await this.dnr.updateSessionRules({ addRules: [rule] });
      this.grants.add(`${tabId} ${stripFragment(url)}`);
      const expire = setTimeout(() => void this.delivered(url, tabId).catch(() => undefined), GRANT_TTL_MS);
      (expire as { unref?: () => void }).unref?.();
    });
  }

  /** The item a one-shot grant was for arrived (or its time is up): the grant goes. */
  delivered(url: string, tabId: number): Promise<void> {
    const filter = `|${stripFragment(url)}|`;
    if (!this.grants.delete(`${tabId} ${stripFragment(url)}`)) return Promise.resolve();
    return this.serial(async () => {
      const ids = (await this.dnr.getSessionRules()).filter((r) => r.id >= RULE_ID_BASE && r.condition.urlFilter === filter && r.condition.tabIds?.[0] === tabId).map((r) => r.id);
      if (ids.length) await this.dnr.updateSessionRules({ removeRuleIds: ids });
    });
  }

  /**
   * Changes the credential the rules of `url`'s site send (e.g. a top-up riding inline, or
   * dropping it once acknowledged), keeping their ids and conditions. False when the site has no
   * rules: nothing is installed that the reader did not pay for.
   */
  update(url: string, credential: string): Promise<boolean> {
    const scope = scopeOf(url);
    if (!scope) return Promise.resolve(false);
    return this.serial(async () => {
      if (this.suspended) {
        const held = this.suspended.some((r) => sameScope(r, scope));
        this.suspended = this.suspended.map((r) => (sameScope(r, scope) ? { ...r, action: { ...r.action, requestHeaders: header(credential) } } : r));
        return held;
      }
      const old = (await this.dnr.getSessionRules()).filter((r) => sameScope(r, scope));
      if (!old.length) return false;
      const current = old[0]!.action.requestHeaders?.find((h) => h.header === CREDENTIAL_HEADER)?.value;
      if (current === credential) return true;
      const next = old.map((r) => ({ ...r, action: { ...r.action, requestHeaders: header(credential) } }));
      await this.dnr.updateSessionRules({ removeRuleIds: old.map((r) => r.id), addRules: next });
      return true;
    });
  }

  /** The credential currently attached for `url`'s site, if any. */
  async current(url: string): Promise<string | null> {
    const scope = scopeOf(url);
    if (!scope) return null;
    await this.queue;
    const rule = (await this.dnr.getSessionRules()).find((r) => sameScope(r, scope));
    return rule?.action.requestHeaders?.find((h) => h.header === CREDENTIAL_HEADER)?.value ?? null;
  }

  remove(url: string): Promise<void> {
    const scope = scopeOf(url);
    if (!scope) return Promise.resolve();
    return this.serial(async () => {
      const ids = (await this.dnr.getSessionRules()).filter((r) => sameScope(r, scope)).map((r) => r.id);
      if (ids.length) await this.dnr.updateSessionRules({ removeRuleIds: ids });
    });
  }

  /** Sites that currently carry a credential. */
  async sites(): Promise<string[]> {
    await this.queue;
    const out = new Set<string>();
    for (const r of await this.dnr.getSessionRules()) {
      if (!siteRule(r)) continue;
      const site = r.condition.requestDomains?.[0] ?? (r.condition.urlFilter ? siteOfHost(r.condition.urlFilter.slice(1)) : null);
      if (site) out.add(site);
    }
    return [...out];
  }

  /** Removes every credential rule (grants included), forgetting them. */
  clear(): Promise<void> {
    return this.serial(async () => {
      this.grants.clear();
      const ids = (await this.dnr.getSessionRules()).filter((r) => r.id >= RULE_ID_BASE).map((r) => r.id);
      if (ids.length) await this.dnr.updateSessionRules({ removeRuleIds: ids });
    });
  }

  /**
   * The wallet locked: no credential is sent, so neither prepaid credit nor an inline payment
   * can be spent, until `resume`. The rules are kept in memory only (a worker restarted while
   * locked forgets them: the next 402 pays anew once unlocked). One-shot grants are dropped.
   */
  suspend(): Promise<void> {
    return this.serial(async () => {
      const mine = (await this.dnr.getSessionRules()).filter((r) => r.id >= RULE_ID_BASE);
      this.grants.clear();
      const kept = mine.filter(siteRule);
      this.suspended = [...(this.suspended ?? []), ...kept];
      if (mine.length) await this.dnr.updateSessionRules({ removeRuleIds: mine.map((r) => r.id) });
    });
  }

  /** The wallet unlocked: the suspended rules come back, unless a newer credential replaced them. */
  resume(): Promise<void> {
    return this.serial(async () => {
      const back = this.suspended ?? [];
      this.suspended = null;
      if (!back.length) return;
      const rules = await this.dnr.getSessionRules();
      const live = (r: DnrRule) => rules.some((x) => siteRule(x) && scopeKey(x.condition) === scopeKey(r.condition));
      const restore = back.filter((r) => !live(r));
      const ids = freeIds(rules, restore.length);
      if (restore.length) await this.dnr.updateSessionRules({ addRules: restore.map((r, i) => ({ ...r, id: ids[i]! })) });
      // The tabs moved on while locked.
      await this.syncTabs();
    });
  }

  get isSuspended(): boolean {
    return this.suspended !== null;
  }
}

function sameTabsAndCredential(a: DnrRule, b: DnrRule): boolean {
  return JSON.stringify([a.condition.tabIds, a.action.requestHeaders]) === JSON.stringify([b.condition.tabIds, b.action.requestHeaders]);
}

/** The scope key of the site `url` is on; null when it is not http(s). */
function keyOfUrl(url: string): string | null {
  const scope = scopeOf(url);
  return scope ? scopeKey(scope) : null;
}

function setOrDelete<K, V>(m: Map<K, V>, k: K, v: V | null): void {
  if (v === null) m.delete(k);
  else m.set(k, v);
}

function stripFragment(url: string): string {
  const i = url.indexOf('#');
  return i < 0 ? url : url.slice(0, i);
}

/** In-memory DNR for tests. */
export class FakeDnr implements DnrApi {
  rules: DnrRule[] = [];
  async getSessionRules() {
    await new Promise((r) => setTimeout(r, 0));
    return structuredClone(this.rules);
  }
  async updateSessionRules(opts: { removeRuleIds?: number[]; addRules?: DnrRule[] }) {
    await new Promise((r) => setTimeout(r, 0));
    const remove = new Set(opts.removeRuleIds ?? []);
    const next = this.rules.filter((r) => !remove.has(r.id));
    for (const r of opts.addRules ?? []) {
      if (next.some((x) => x.id === r.id)) throw new Error(`duplicate rule id ${r.id}`);
      next.push(structuredClone(r));
    }
    this.rules = next;
  }
}
