/**
 * The merchant library's entry point:
 *
 *   const paychan = await createPaychan({ config: loadConfig() });
 *   paychan.route('/articles/*', 10n);                       // or per route:
 *   app.get('/photo/:id', paychan.paywall({ price: (req) => 25n }), sendPhoto);
 *   app.use(paychan.handler);                                // Express/Connect
 *   http.createServer((req, res) => paychan.handler(req, res, () => site(req, res)));  // node:http
 *
 * Requests under the base path always go to the channel API. Every request's target is normalised
 * first (http/path.ts), so a priced route cannot be reached under another spelling of its path.
 */
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Secp } from '../core/secp.ts';
import { EsploraClient } from '../chain/esplora.ts';
import { checkChainNetwork, type ChainBackend, type TipSource } from './chain.ts';
import { channelApi } from './channel-api.ts';
import { loadConfig, type ConfigInput, type PaychanConfig } from './config.ts';
import { createServerContext } from './context.ts';
import { nativeSecp, serverSecp } from './native-secp.ts';
import { asProtocolError, sendProblem } from './http/respond.ts';
import { requestPath } from './http/negotiate.ts';
import { matchPath, normalizeRequest } from './http/path.ts';
import { sendHealth } from './health.ts';
import { jsonLogger, type Logger } from './logger.ts';
import type { ChallengePageTemplate } from './challenge-page.ts';
import { createGate, resolvePrice, type Middleware, type Next, type Price } from './paywall.ts';
import { pricedRoute, type PricedRoute, type RoutePattern } from './routes.ts';
import type { ChannelStore } from './store/channel-store.ts';
import { openChannelStore } from './store/open-store.ts';
import { ProtocolError } from '../core/errors.ts';
import { isWatcherChain, SettlementWatcher, type Scheduler } from './watcher/index.ts';

export interface PaychanOptions {
  /** Settings; anything left out takes its default (use loadConfig to read a file and the environment). */
  config?: ConfigInput;
  /**
   * Default: the store config.dbPath names (a SQLite file, or PostgreSQL for a postgres:// URL).
   * A store passed in is not closed by paychan.close().
   */
  store?: ChannelStore;
  /** Default: an EsploraClient for config.esploraUrl. */
  chain?: ChainBackend;
  /** Default: the chain's tip, cached for config.tipCacheMs. */
  tip?: TipSource;
  /** Default: PAYCHAN_SERVER_SEED or config.seedFile. */
  seed?: Uint8Array;
  logger?: Logger;
  /** Default: libsecp256k1 as a native addon (native-secp.ts), the fastest verifier npm offers. */
  secp?: Secp;
  /** Timers for the settlement watcher; tests pass one that never fires and call `watcher.tick()`. */
  scheduler?: Scheduler;
  /**
   * The site's own 402 page for people (its header, a teaser of the item), given the price, the
   * request and the standard message to include; default: a plain page (challenge-page.ts).
   */
  challengePage?: ChallengePageTemplate;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, next?: Next) => void;

export interface Paychan {
  readonly config: PaychanConfig;
  readonly store: ChannelStore;
  /** node:http listener and Express/Connect middleware: the channel API plus routes priced with `route`. */
  readonly handler: Handler;
  /** Middleware that charges `price` for the requests it sees, then passes them on. */
  paywall(opts: { price: Price }): Middleware;
  /** Prices the requests `handler` sees whose path matches; the first matching route wins. */
  route(pattern: RoutePattern, price: Price, opts?: { methods?: string[] }): Paychan;
  /** An http.Server with timeouts from the config, serving the handler and then `site`. */
  createServer(site?: RequestListener): Server;
  /**
   * The settlement watcher, running every config.watcher.intervalMs; null when disabled or when
   * the injected chain backend cannot serve it (no getTx/getOutspend).
   */
  readonly watcher: SettlementWatcher | null;
  /** Stops the watcher (waiting for a tick in progress), then closes the store if it owns it. */
  close(): Promise<void>;
}

function notFound(res: ServerResponse): void {
  sendProblem(res, new ProtocolError('SYNTAX_ERROR', 'not found'), {}, 404);
}

export async function createPaychan(opts: PaychanOptions = {}): Promise<Paychan> {
  const config = loadConfig({ env: {}, overrides: opts.config ?? {} });
  const logger = opts.logger ?? jsonLogger(config.logLevel);
  const chain = opts.chain ?? new EsploraClient(config.esploraUrl);
  await checkChainNetwork(chain, config.network, config.esploraUrl, logger);
  const ownsStore = !opts.store;
  const store = opts.store ?? (await openChannelStore(config.dbPath, { durability: config.durability }));
  const ctx = createServerContext({ config, store, chain, logger, tip: opts.tip, seed: opts.seed, secp: opts.secp });
  let watcher: SettlementWatcher | null = null;
  if (config.watcher.enabled) {
    if (isWatcherChain(chain)) {
      // On a shared database (PostgreSQL) the watcher's passes run on one instance at a time.
      const lease = store.watcherLease?.();
      watcher = new SettlementWatcher({ ...ctx, chain }, { ...(opts.scheduler ? { scheduler: opts.scheduler } : {}), ...(lease ? { lease } : {}) });
      watcher.start(config.watcher.intervalMs);
    } else {
      logger.warn('settlement watcher not started: the chain backend lacks getTx/getOutspend');
    }
  }
  const api = channelApi(ctx);
  const gate = createGate(ctx, opts.challengePage);
  const routes: PricedRoute[] = [];
  const base = config.basePath;

  async function chargeThen(req: IncomingMessage, res: ServerResponse, price: Price, next: Next): Promise<void> {
    const p = await resolvePrice(price, req);
    if (p === null || p === 0n || req.method === 'OPTIONS') next();
    else await gate(req, res, p, next);
  }

  function guard(req: IncomingMessage, res: ServerResponse, work: Promise<void>): void {
    work.catch((err: unknown) => sendProblem(res, asProtocolError(err, logger, { path: requestPath(req) })));
  }

  const handler: Handler = (req, res, next) => {
    // Normalised once: matched below, and what the site (or the proxy's upstream) is asked for.
    const path = normalizeRequest(req);
    if (path === null) {
      sendProblem(res, new ProtocolError('SYNTAX_ERROR', 'request target not accepted (encoded slash, backslash or NUL)'), { Connection: 'close' }, 400);
      return;
    }
    if (path === base + '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      return guard(req, res, sendHealth(res, { config, store, getTipHeight: () => chain.getTipHeight(), watcher }));
    }
    if (path === base || path.startsWith(base + '/')) return guard(req, res, api(req, res, path.slice(base.length)));
    const method = req.method ?? 'GET';
    const key = matchPath(path, config.caseInsensitivePaths);
    const route = routes.find((r) => r.matches(key, method));
    const onward = next ?? (() => notFound(res));
    if (route) return guard(req, res, chargeThen(req, res, route.price, onward));
    onward();
  };

  logger.info('paychan ready', {
    network: config.network,
    basePath: base,
    esplora: config.esploraUrl,
    payout: ctx.payout.description,
    durability: config.durability,
    verifier: opts.secp ? 'injected' : serverSecp.name,
  });
  if (!opts.secp && !nativeSecp) {
    logger.warn('no libsecp256k1 native binary for this platform: verifying with WebAssembly, about 4x slower');
  }

  const paychan: Paychan = {
    config,
    store,
    handler,
    paywall: ({ price }) => (req, res, next) => guard(req, res, chargeThen(req, res, price, next)),
    route(pattern, price, routeOpts = {}) {
      routes.push(pricedRoute(pattern, price, routeOpts.methods, { foldCase: config.caseInsensitivePaths }));
      return paychan;
    },
    createServer(site) {
      const server = createHttpServer(
        {
          headersTimeout: config.headersTimeoutMs,
          // Node's own whole-request limit sits behind ours, which answers with a problem body.
          requestTimeout: config.headersTimeoutMs + config.bodyTimeoutMs + 1_000,
          keepAliveTimeout: 5_000,
        },
        (req, res) => handler(req, res, site ? () => site(req, res) : undefined),
      );
      return server;
    },
    watcher,
    async close() {
      await watcher?.stop();
      if (ownsStore) await store.close();
    },
  };
  return paychan;
}
