/**
 * Attaching the credential to later requests to a paid site with declarativeNetRequest session
 * rules, so an item bought from prepaid credit costs no extra round trip and the page's scripts
 * never see the token. `Paychan-Credential` rather than `Authorization`, so the site's own login
 * is left alone. Session rules last until the browser closes, like the unlocked wallet.
 */
import { CREDENTIAL_HEADER } from '../../../core/http-binding.ts';

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
    initiatorDomains?: string[];
  };
}

export interface DnrApi {
  getSessionRules(): Promise<DnrRule[]>;
  updateSessionRules(opts: { removeRuleIds?: number[]; addRules?: DnrRule[] }): Promise<void>;
}

/** Navigations into the site: any page may link to it, and the user sees where they land. */
export const NAVIGATION_TYPES = ['main_frame', 'sub_frame'];
/** Everything else a page loads: only the site's own pages (or pages the user approved) get the credential. */
export const SUBRESOURCE_TYPES = ['xmlhttprequest', 'image', 'media', 'script', 'stylesheet', 'font', 'object', 'ping', 'other'];

/** Session rule ids below this belong to whoever else may use DNR in this extension. */
export const RULE_ID_BASE = 10_000;

export function urlFilterFor(site: string): string {
  return `|${site}/`;
}

/**
 * The two rules for one site. Subresources carry the credential only when the request comes from
 * the site itself or a host the user approved: otherwise any page could embed the site's paid
 * items and spend the user's prepaid credit, as cross-site requests spend cookies.
 */
export function buildRules(site: string, credential: string, initiatorHosts: readonly string[], ids: [number, number]): DnrRule[] {
  const host = new URL(site).hostname;
  const headers = [{ header: CREDENTIAL_HEADER, operation: 'set', value: credential }];
  const urlFilter = urlFilterFor(site);
  return [
    { id: ids[0], priority: 1, action: { type: 'modifyHeaders', requestHeaders: headers }, condition: { urlFilter, resourceTypes: NAVIGATION_TYPES } },
    {
      id: ids[1],
      priority: 1,
      action: { type: 'modifyHeaders', requestHeaders: headers },
      condition: { urlFilter, resourceTypes: SUBRESOURCE_TYPES, initiatorDomains: [...new Set([host, ...initiatorHosts])] },
    },
  ];
}

export class CredentialRules {
  constructor(private readonly dnr: DnrApi) {}

  /** Installs (or replaces) the credential for `site`. */
  async set(site: string, credential: string, initiatorHosts: readonly string[] = []): Promise<void> {
    const rules = await this.dnr.getSessionRules();
    const filter = urlFilterFor(site);
    const old = rules.filter((r) => r.condition.urlFilter === filter && r.id >= RULE_ID_BASE).map((r) => r.id);
    const used = new Set(rules.map((r) => r.id).filter((id) => !old.includes(id)));
    const ids: number[] = [];
    for (let id = RULE_ID_BASE; ids.length < 2; id++) if (!used.has(id)) ids.push(id);
    await this.dnr.updateSessionRules({ removeRuleIds: old, addRules: buildRules(site, credential, initiatorHosts, [ids[0]!, ids[1]!]) });
  }

  /**
   * Changes the credential `site`'s rules send (e.g. a top-up riding inline, or dropping it once
   * acknowledged), keeping their ids and conditions. False when the site has no rules: nothing is
   * installed that the user did not pay for.
   */
  async update(site: string, credential: string): Promise<boolean> {
    const filter = urlFilterFor(site);
    const old = (await this.dnr.getSessionRules()).filter((r) => r.condition.urlFilter === filter && r.id >= RULE_ID_BASE);
    if (!old.length) return false;
    const current = old[0]!.action.requestHeaders?.find((h) => h.header === CREDENTIAL_HEADER)?.value;
    if (current === credential) return true;
    const next = old.map((r) => ({
      ...r,
      action: { ...r.action, requestHeaders: [{ header: CREDENTIAL_HEADER, operation: 'set', value: credential }] },
    }));
    await this.dnr.updateSessionRules({ removeRuleIds: old.map((r) => r.id), addRules: next });
    return true;
  }

  /** The credential currently attached for `site`, if any. */
  async current(site: string): Promise<string | null> {
    const filter = urlFilterFor(site);
    const rule = (await this.dnr.getSessionRules()).find((r) => r.condition.urlFilter === filter && r.id >= RULE_ID_BASE);
    return rule?.action.requestHeaders?.find((h) => h.header === CREDENTIAL_HEADER)?.value ?? null;
  }

  async remove(site: string): Promise<void> {
    const filter = urlFilterFor(site);
    const ids = (await this.dnr.getSessionRules()).filter((r) => r.condition.urlFilter === filter && r.id >= RULE_ID_BASE).map((r) => r.id);
    if (ids.length) await this.dnr.updateSessionRules({ removeRuleIds: ids });
  }

  /** Sites that currently carry a credential. */
  async sites(): Promise<string[]> {
    const out = new Set<string>();
    for (const r of await this.dnr.getSessionRules()) {
      const f = r.condition.urlFilter;
      if (r.id >= RULE_ID_BASE && f?.startsWith('|') && f.endsWith('/')) out.add(f.slice(1, -1));
    }
    return [...out];
  }

  /** On lock: credentials stop flowing until the wallet is unlocked and pays again. */
  async clear(): Promise<void> {
    const ids = (await this.dnr.getSessionRules()).filter((r) => r.id >= RULE_ID_BASE).map((r) => r.id);
    if (ids.length) await this.dnr.updateSessionRules({ removeRuleIds: ids });
  }
}

/** In-memory DNR for tests. */
export class FakeDnr implements DnrApi {
  rules: DnrRule[] = [];
  async getSessionRules() {
    return structuredClone(this.rules);
  }
  async updateSessionRules(opts: { removeRuleIds?: number[]; addRules?: DnrRule[] }) {
    const remove = new Set(opts.removeRuleIds ?? []);
    const next = this.rules.filter((r) => !remove.has(r.id));
    for (const r of opts.addRules ?? []) {
      if (next.some((x) => x.id === r.id)) throw new Error(`duplicate rule id ${r.id}`);
      next.push(structuredClone(r));
    }
    this.rules = next;
  }
}
