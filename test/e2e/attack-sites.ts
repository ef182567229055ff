/**
 * Sites on their own hostnames for the attacker tests (issue 11): a merchant (the demo site behind
 * the Paychan server) reachable as news.test or any other name Chromium maps to loopback with
 * `--host-resolver-rules`, and an attacker's server that logs every request it gets, headers
 * included, so a test can show that no Paychan credential ever reached it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CREDENTIAL_HEADER } from '../../src/core/http-binding.ts';
import type { Devnet } from '../../src/devnet/index.ts';
import { silentLogger } from '../../src/server/logger.ts';
import { createPaychan, type Paychan } from '../../src/server/paychan.ts';
import { demoSite, priceDemoRoutes } from '../../src/server/demo/site.ts';

/** Chromium sends every *.test and *.co.uk name to loopback: the sites below answer there. */
export const HOST_RULES = '--host-resolver-rules=MAP *.test 127.0.0.1, MAP *.co.uk 127.0.0.1';

/** One request as a server saw it. */
export interface Seen {
  host: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** Whether a request carried anything of Paychan's: its credential header, or an Authorization. */
export function carriesCredential(s: Seen): boolean {
  return s.headers[CREDENTIAL_HEADER.toLowerCase()] !== undefined || s.headers.authorization !== undefined;
}

function seen(req: IncomingMessage): Seen {
  return { host: req.headers.host ?? '', path: req.url ?? '/', headers: { ...req.headers } };
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A port nobody listens on now, so a merchant can name its public origin before it starts. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe);
  await close(probe);
  return port;
}

/** The merchant's books, from its own store: what it delivered and what it holds signatures for. */
export interface Books {
  channels: number;
  /** Sats of items delivered (debited from prepaid credit). */
  delivered: bigint;
  /** Sats the reader signed over (delivered + unspent credit). */
  paid: bigint;
}

export interface Merchant {
  /** e.g. http://news.test:41234: the public origin, also the channel API's origin. */
  url: string;
  paychan: Paychan;
  /** Every request, in order. */
  readonly requests: Seen[];
  books(): Promise<Books>;
  stop(): Promise<void>;
}

/**
 * The demo magazine as `host` (its challenges name `http://host:port/paychan/v1`, whatever name a
 * request came in on), plus `/own-images?src=URL[&fetch=URL]`: a free page of the merchant showing a
 * picture (e.g. from another of its hosts, img.news.test for news.test) and fetching an item.
 */
export async function startMerchant(devnet: Devnet, dbDir: string, host: string): Promise<Merchant> {
  const port = await freePort();
  const url = `http://${host}:${port}`;
  const paychan = await createPaychan({
    config: { esploraUrl: devnet.url, dbPath: join(dbDir, `${host}-${randomBytes(4).toString('hex')}.db`), publicUrl: url, tipCacheMs: 0 },
    seed: randomBytes(32),
    logger: silentLogger,
  });
  priceDemoRoutes(paychan);
  const site = demoSite();
  const requests: Seen[] = [];
  const server = createServer((req, res) => {
    requests.push(seen(req));
    const path = new URL(req.url ?? '/', url);
    if (path.pathname === '/own-images') {
      // A free page; with `fetch=URL` its script also fetches URL and shows the status it got.
      const f = path.searchParams.get('fetch');
      const script = f ? `<p id="fetched"></p><script>fetch(${JSON.stringify(f).replace(/</g, '\\u003c')}).then((r) => { document.getElementById('fetched').textContent = String(r.status); })</script>` : '';
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>Plates</title><img id="plate" alt="plate" src="${escapeAttr(path.searchParams.get('src') ?? '')}">${script}`);
      return;
    }
    paychan.handler(req, res, () => site(req, res));
  });
  await listen(server, port);
  return {
    url,
    paychan,
    requests,
    async books() {
      const channels = await paychan.store.listChannels();
      return {
        channels: channels.length,
        delivered: channels.reduce((s, c) => s + c.spent, 0n),
        paid: channels.reduce((s, c) => s + c.paid, 0n),
      };
    },
    async stop() {
      await close(server);
      await paychan.close();
    },
  };
}

/**
 * The attacker: one server for every name mapped to it (evil.test, paychan-evil.co.uk), which
 * answers each path with `pages[path]` (a status, headers and a body), 200 "ok" otherwise, and logs
 * every request with its headers.
 */
export class AttackerSite {
  readonly requests: Seen[] = [];
  readonly pages = new Map<string, { status: number; headers?: Record<string, string>; body: string }>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<AttackerSite> {
    let self: AttackerSite | null = null;
    const server = createServer((req, res) => self!.handle(req, res));
    self = new AttackerSite(server, await listen(server));
    return self;
  }

  /** The origin of this server under `host`. */
  origin(host: string): string {
    return `http://${host}:${this.port}`;
  }

  /** A page of hidden frames and images of `urls`, as a page that means to spend a reader's credit. */
  embed(path: string, frames: string[], images: string[]): void {
    const hidden = 'style="width:1px;height:1px;opacity:0;position:absolute"';
    const body = [
      '<!doctype html><title>Cute cats</title><p>Nothing to see here.</p>',
      ...frames.map((u) => `<iframe ${hidden} src="${escapeAttr(u)}"></iframe>`),
      ...images.map((u) => `<img ${hidden} alt="" src="${escapeAttr(u)}">`),
    ].join('\n');
    this.pages.set(path, { status: 200, headers: { 'content-type': 'text/html' }, body });
  }

  /** Requests that carried a Paychan credential or an Authorization header: must stay empty. */
  leaks(): Seen[] {
    return this.requests.filter(carriesCredential);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(seen(req));
    const page = this.pages.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!page) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    res.writeHead(page.status, { 'cache-control': 'no-store', ...page.headers });
    res.end(page.body);
  }

  stop(): Promise<void> {
    return close(this.server);
  }
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
