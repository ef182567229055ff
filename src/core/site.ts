/**
 * What a "site" is, for deciding which channel API a page may point the wallet at and which
 * requests may carry a site's credential: the registrable domain of a URL's host (eTLD+1 by the
 * Public Suffix List, private section included, as browsers' own "same-site"), so
 * `www.news.example` and `img.news.example` are one site while `evil.co.uk` and `news.co.uk`, or
 * `a.github.io` and `b.github.io`, are not. IP addresses, `localhost` and names with no
 * registrable domain are their own site (the exact hostname). Ports never matter.
 *
 * Pure: the list ships inside `tldts`, nothing is fetched.
 */
import { parse } from 'tldts';
import type { NetworkName } from './network.ts';

/** A site or channel API the wallet will not deal with; `message` says why, for the reader. */
export class SiteRefused extends Error {
  readonly code = 'SITE_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'SiteRefused';
  }
}

function hostnameOf(urlOrHost: string): string | null {
  if (!urlOrHost.includes('/')) return urlOrHost.toLowerCase().replace(/^\[|\]$/g, '') || null;
  try {
    const u = new URL(urlOrHost);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    return u.hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

/** The site of a URL (or bare hostname): its registrable domain, else the hostname; null for non-http(s) URLs. */
export function siteOfHost(urlOrHost: string): string | null {
  const host = hostnameOf(urlOrHost);
  if (!host) return null;
  const p = parse(host, { allowPrivateDomains: true });
  if (p.isIp) return host;
  return p.domain ?? host;
}

/** Whether two URLs (or hostnames) are on the same site; false when either is not http(s). */
export function sameSite(a: string, b: string): boolean {
  const sa = siteOfHost(a);
  return sa !== null && sa === siteOfHost(b);
}

/** localhost, *.localhost, 127.0.0.0/8 and ::1: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1';
}

/**
 * Plain http is refused on real networks: a credential (a bearer token) or a channel API answer
 * sent in clear can be read or changed on the way. Loopback never leaves the machine, and the
 * regtest devnet holds no real money, so both may use http.
 */
export function requireSecureUrl(url: string, network: NetworkName, what: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SiteRefused(`${what} is not a URL`);
  }
  if (u.protocol === 'https:') return;
  if (u.protocol === 'http:' && (network === 'regtest' || isLoopbackHost(u.hostname))) return;
  throw new SiteRefused(`${what} ${u.origin} is not https: on ${network} only https (or this computer) is accepted`);
}

/**
 * A 402's channel API must be on the site of the page that got the 402: otherwise any page could
 * point the wallet at another site's channel and spend (or receive the credential of) the
 * reader's channel with that site. Also checks both are https where money is real.
 */
export function checkChallengeEndpoint(pageUrl: string, endpoint: string, network: NetworkName): void {
  requireSecureUrl(pageUrl, network, 'the site');
  requireSecureUrl(endpoint, network, 'the channel API');
  if (!sameSite(pageUrl, endpoint)) {
    throw new SiteRefused(`${originOf(pageUrl)} asked to pay through the channel API of another site (${originOf(endpoint)}); refused`);
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
