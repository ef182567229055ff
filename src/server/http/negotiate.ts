/** Small pieces of request inspection the handlers share. */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** The request path without the query, from Express's originalUrl when mounted under a prefix. */
export function requestPath(req: IncomingMessage): string {
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** q-value the Accept header gives `type`, from its most specific matching range. */
function quality(accept: string, type: string): number {
  const major = type.slice(0, type.indexOf('/'));
  let best = -1;
  let bestSpecificity = -1;
  for (const part of accept.split(',')) {
    const [rangeRaw, ...params] = part.split(';');
    const range = (rangeRaw ?? '').trim().toLowerCase();
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity <= bestSpecificity) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k?.trim() === 'q') q = Number(v?.trim());
    }
    if (!Number.isFinite(q)) q = 0;
    // The most specific matching range decides (RFC 9110 §12.5.1).
    best = q;
    bestSpecificity = specificity;
  }
  return best < 0 ? 0 : best;
}

/** True when the client ranks JSON above HTML (API clients, the extension's fetches). */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const json = Math.max(quality(accept, 'application/json'), quality(accept, 'application/problem+json'));
  return json > quality(accept, 'text/html');
}

const HOST = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/;

/** The public origin: configured, or from the Host header when it looks like a host (else localhost). */
export function requestOrigin(req: IncomingMessage, publicUrl: string | null): string {
  if (publicUrl) return publicUrl;
  const host = req.headers.host;
  const scheme = (req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
  return `${scheme}://${host && HOST.test(host) ? host : 'localhost'}`;
}
