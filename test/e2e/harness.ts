/**
 * End-to-end harness: the built extension in Debian's Chromium (driven by playwright-core), a
 * real regtest devnet and the demo site behind the Paychan server, all in this process except
 * the browser. Used by the e2e tests, `npm run demo` and the e2e benchmarks.
 *
 * Nothing here reaches into the extension's internals: the reader acts through the popup, the
 * approval window and web pages; where the UI has no button for something (a channel check,
 * a balance read for the books), the harness sends the same typed message the popup would,
 * from an extension page.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { EsploraClient } from '../../src/chain/esplora.ts';
import { startDevnet, type Devnet } from '../../src/devnet/index.ts';
import type { MessageType, RequestOf, ResponseOf } from '../../src/extension/shared/messages.ts';
import type { ConfigInput } from '../../src/server/config.ts';
import { startDemoSite, type DemoSite } from '../../src/server/demo/index.ts';
import { silentLogger } from '../../src/server/logger.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PASSWORD = 'correct horse battery';
/** The two builds `npm run build` writes: dist/chrome and dist/firefox. */
export type Browser = 'chrome' | 'firefox';

// ---------------------------------------------------------------------------------------------
// Chromium and the extension build

/** Debian's Chromium; installs it (scripts/ensure-browser.sh, apt) when it is missing. */
export function chromiumPath(): string {
  const known = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
  if (known) return known;
  const out = execFileSync('sh', [join(ROOT, 'scripts/ensure-browser.sh'), 'chromium'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const path = out.trim().split(/\s+/)[0];
  if (!path || !existsSync(path)) throw new Error(`Chromium could not be installed: ${out}`);
  return path;
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/**
 * Builds the extension (dist/chrome and dist/firefox, one vite build) when it is missing or older
 * than anything it is built from, so the tests never run yesterday's extension against today's code.
 */
export function ensureExtensionBuilt(log: (line: string) => void = () => undefined, force = false, browser: Browser = 'chrome'): string {
  const dist = join(ROOT, 'dist', browser);
  const built = join(dist, 'manifest.json');
  const sources = ['src/extension', 'src/core', 'src/chain', 'public', 'manifest.json', 'vite.config.ts', 'package.json'];
  const newestSource = Math.max(...sources.map((s) => newestMtime(join(ROOT, s))));
  if (!force && existsSync(built) && statSync(built).mtimeMs >= newestSource) return dist;
  log('building the extension (vite build) …');
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(built)) throw new Error(`vite build produced no dist/${browser}/manifest.json`);
  return dist;
}

/**
 * A private copy of the built extension for one browser: a `vite build` elsewhere (another test
 * run, a teammate) empties dist/ while it runs, which must not pull files from under a browser
 * that has the extension loaded.
 */
export function snapshotExtension(browser: Browser = 'chrome'): string {
  for (let attempt = 0; ; attempt++) {
    const src = ensureExtensionBuilt(() => undefined, false, browser);
    const dir = mkdtempSync(join(tmpdir(), `paychan-${browser}-ext-`));
    try {
      cpSync(src, dir, { recursive: true });
      if (['manifest.json', 'background.js', 'popup.html', 'prompt.html', 'content-main.js'].every((f) => existsSync(join(dir, f)))) return dir;
    } catch {
      // dist/ changed while it was copied: try again
    }
    rmSync(dir, { recursive: true, force: true });
    if (attempt >= 20) throw new Error(`dist/${browser} stayed incomplete: is a build failing?`);
    execFileSync('sleep', ['1']);
  }
}

// ---------------------------------------------------------------------------------------------
// The chain and the site

export interface Stack {
  devnet: Devnet;
  esplora: EsploraClient;
  site: DemoSite;
  /** Where the reader's browser goes: the site itself, or a FlakyProxy in front of it. */
  url: string;
  dbDir: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Seconds between auto-mined blocks (the demo); 0 = only when asked (tests). */
  blockInterval?: number;
  /** Server settings on top of the e2e defaults. */
  siteConfig?: ConfigInput;
  /** Fixed ports (the interactive demo); default 0, any free port. */
  devnetPort?: number;
  sitePort?: number;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const devnet = await startDevnet({ port: opts.devnetPort ?? 0, ...(opts.blockInterval ? { blockInterval: opts.blockInterval } : {}) });
  const dbDir = mkdtempSync(join(tmpdir(), 'paychan-e2e-site-'));
  let site: DemoSite;
  try {
    site = await startSite(devnet, dbDir, opts.siteConfig, opts.sitePort);
  } catch (err) {
    await devnet.stop();
    throw err;
  }
  return {
    devnet,
    esplora: new EsploraClient(devnet.url),
    site,
    url: site.url,
    dbDir,
    async stop() {
      await site.stop().catch(() => undefined);
      await devnet.stop().catch(() => undefined);
      rmSync(dbDir, { recursive: true, force: true });
    },
  };
}

/** One more demo site on the same chain (e.g. one with terms the reader must refuse). */
export async function startSite(devnet: Devnet, dbDir: string, config: ConfigInput = {}, port = 0): Promise<DemoSite> {
  return startDemoSite({
    port,
    dbPath: join(dbDir, `paychan-${randomBytes(4).toString('hex')}.db`),
    esploraUrl: devnet.url,
    // A fresh seed per run: no file is read or written in the working directory.
    seed: randomBytes(32),
    logger: silentLogger,
    // The devnet's tip moves whenever a test mines: read it fresh.
    config: { tipCacheMs: 0, ...config },
  });
}

/**
 * A reverse proxy in front of the site that can misbehave on cue: hold a request, or let the
 * site act on it and then vanish before the answer reaches the browser.
 */
export class FlakyProxy {
  readonly url: string;
  /** Called for each request before it is forwarded; return a rule to misbehave. */
  rule: (req: IncomingMessage) => 'pass' | 'vanish-after' | { holdMs: number; drop?: boolean } = () => 'pass';
  /** Set once a 'vanish-after' rule fired: the proxy refuses everything afterwards. */
  gone = false;
  readonly seen: string[] = [];

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {
    const addr = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${addr.port}`;
  }

  static async start(target: string): Promise<FlakyProxy> {
    let self: FlakyProxy | null = null;
    const server = createServer((req, res) => void self?.handle(req, res).catch(() => req.socket.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new FlakyProxy(server, new URL(target));
    return self;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.gone) return void req.socket.destroy();
    this.seen.push(`${req.method} ${req.url}`);
    const rule = this.rule(req);
    const body: Buffer[] = [];
    try {
      for await (const chunk of req) body.push(chunk as Buffer);
    } catch {
      return; // the browser hung up before its request was complete
    }
    // The request is whole: unless dropped, it reaches the site even if the browser has gone away.
    if (typeof rule === 'object') {
      await new Promise((r) => setTimeout(r, rule.holdMs));
      if (rule.drop) return void req.socket.destroy();
    }
    const upstream = httpRequest(
      { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        if (rule === 'vanish-after') {
          // The site has done its work (stored, broadcast); the browser never hears of it.
          up.resume();
          this.gone = true;
          req.socket.destroy();
          return;
        }
        if (res.destroyed) return void up.resume();
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    upstream.end(Buffer.concat(body));
  }

  async stop(): Promise<void> {
    this.gone = true;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The reader's browser

export interface LaunchOptions {
  /** Reuse a profile (a browser restart); default: a fresh temporary one, removed on close. */
  profileDir?: string;
  /** Remove the profile on close even though it was passed in (the last browser of a restart). */
  removeProfile?: boolean;
  /** The unpacked extension to load (a restart loads the same copy); default: a fresh snapshot. */
  extensionDir?: string;
  /** Where screenshots go. */
  artifacts: string;
  /** Show the window (the demo with a display). */
  headed?: boolean;
  /** More Chromium switches, e.g. `--host-resolver-rules=MAP *.test 127.0.0.1` for sites on their own names. */
  chromiumArgs?: string[];
}

/**
 * An approval window ignores clicks for about a second after it shows (issue 11, finding 10: a
 * page must not be able to click the reader into a payment); the reader answers after this.
 */
export const PROMPT_SETTLE_MS = 1200;

export class Reader {
  /** Approval windows that opened, in order. */
  readonly prompts: Page[] = [];
  /** Console errors and page errors seen in any page or the service worker. */
  readonly errors: string[] = [];
  private control: Page | null = null;
  private shotCount = 0;

  private constructor(
    readonly ctx: BrowserContext,
    readonly extensionId: string,
    readonly profileDir: string,
    readonly artifacts: string,
    private readonly ownsProfile: boolean,
    readonly extensionDir: string,
  ) {
    ctx.on('page', (page) => this.watch(page));
    for (const p of ctx.pages()) this.watch(p);
    ctx.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(`${m.location().url}: ${m.text()}`);
    });
  }

  static async launch(opts: LaunchOptions): Promise<Reader> {
    const ext = opts.extensionDir ?? snapshotExtension();
    const ownsProfile = opts.removeProfile ?? !opts.profileDir;
    const profileDir = opts.profileDir ?? mkdtempSync(join(tmpdir(), 'paychan-e2e-profile-'));
    mkdirSync(opts.artifacts, { recursive: true });
    const args = [
      `--disable-extensions-except=${ext}`,
      `--load-extension=${ext}`,
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      // The metered stream is played through Web Audio; there is no sound card here.
      '--autoplay-policy=no-user-gesture-required',
      ...(opts.chromiumArgs ?? []),
    ];
    // Headed is for a person (npm run demo): a window of a usual size that they may resize.
    args.unshift(opts.headed ? '--window-size=1280,900' : '--headless=new');
    const ctx = await chromium.launchPersistentContext(profileDir, {
      executablePath: chromiumPath(),
      headless: !opts.headed,
      args,
      viewport: opts.headed ? null : { width: 1100, height: 800 },
    });
    const sw = ctx.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ?? (await ctx.waitForEvent('serviceworker', { timeout: 30_000 }));
    const extensionId = new URL(sw.url()).host;
    return new Reader(ctx, extensionId, profileDir, opts.artifacts, ownsProfile, ext);
  }

  private watch(page: Page): void {
    // A window may open blank and navigate to the prompt afterwards: look at every navigation.
    const check = () => {
      if (page.url().includes('/prompt.html') && !this.prompts.includes(page)) this.prompts.push(page);
    };
    check();
    page.on('framenavigated', check);
    page.on('load', check);
    page.on('pageerror', (err) => this.errors.push(`${page.url()}: ${err.message}`));
  }

  get extensionOrigin(): string {
    return `chrome-extension://${this.extensionId}`;
  }

  serviceWorker(): Worker | undefined {
    return this.ctx.serviceWorkers().find((w) => w.url().startsWith(this.extensionOrigin));
  }

  /** The popup, opened as a tab at the popup's own size. */
  async popup(): Promise<Page> {
    const page = await this.ctx.newPage();
    await page.setViewportSize({ width: 380, height: 600 });
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${this.extensionOrigin}/popup.html`);
    return page;
  }

  /** Sends a background message from an extension page, as the popup does; throws the envelope's error. */
  async send<T extends MessageType>(type: T, payload: RequestOf<T>): Promise<ResponseOf<T>> {
    if (!this.control || this.control.isClosed()) {
      this.control = await this.ctx.newPage();
      await this.control.goto(`${this.extensionOrigin}/popup.html`);
    }
    const env = await this.control.evaluate(
      async ([t, p]) => {
        const rt = (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome.runtime;
        // A service worker that was just stopped may miss the first message while it starts.
        for (let i = 0; ; i++) {
          try {
            return (await rt.sendMessage({ type: t, payload: p })) as { ok: boolean; data?: unknown; error?: { code: string; message: string } };
          } catch (err) {
            if (i >= 5) throw err;
            await new Promise((r) => setTimeout(r, 300));
          }
        }
      },
      [type, payload] as const,
    );
    if (!env?.ok) throw Object.assign(new Error(`${type}: ${env?.error?.code} ${env?.error?.message}`), { code: env?.error?.code });
    return env.data as ResponseOf<T>;
  }

  /** The next unanswered approval window (already open or opening), sized as the extension opens it. */
  async nextPrompt(timeoutMs = 30_000): Promise<Page> {
    const prompt = await until(
      'an approval window',
      async () => {
        for (const p of this.ctx.pages()) if (p.url().includes('/prompt.html') && !this.prompts.includes(p)) this.prompts.push(p);
        return this.prompts.find((p) => !p.isClosed() && !this.answered.has(p));
      },
      timeoutMs,
      100,
    );
    return this.ready(prompt);
  }

  private readonly answered = new WeakSet<Page>();
  /** When each approval window was first handed out, for PROMPT_SETTLE_MS. */
  private readonly shownAt = new WeakMap<Page, number>();

  private async ready(prompt: Page): Promise<Page> {
    this.answered.add(prompt);
    this.shownAt.set(prompt, Date.now());
    await prompt.setViewportSize({ width: 440, height: 640 });
    await prompt.getByRole('button', { name: 'Deny' }).waitFor({ timeout: 15_000 });
    return prompt;
  }

  /** Clicks a prompt button; the window closes itself on an answer, which is not an error. */
  async answer(prompt: Page, button: string): Promise<void> {
    const wait = (this.shownAt.get(prompt) ?? 0) + PROMPT_SETTLE_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const closed = prompt.waitForEvent('close', { timeout: 15_000 }).catch(() => undefined);
    await prompt
      .getByRole('button', { name: button, exact: true })
      .click({ noWaitAfter: true })
      .catch((err: Error) => {
        if (!prompt.isClosed()) throw err;
      });
    await closed;
  }

  /** Saves a screenshot as NN-name.png in the artifacts directory; answers the path. */
  async shot(page: Page, name: string, fullPage = true): Promise<string> {
    const path = join(this.artifacts, `${String(++this.shotCount).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path, fullPage });
    return path;
  }

  /**
   * Saves a screenshot of `page` as it looks at 200% zoom in a window of `width` x `height`
   * CSS px (a device pixel ratio of 2, as browser zoom gives), the whole scrolling height, as
   * NN-name.png; answers the path. The page's own viewport is restored afterwards.
   */
  async zoomShot(page: Page, name: string, width: number, height: number): Promise<string> {
    const path = join(this.artifacts, `${String(++this.shotCount).padStart(2, '0')}-${name}.png`);
    const before = page.viewportSize();
    const cdp = await this.ctx.newCDPSession(page);
    try {
      await cdp.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 2, mobile: false });
      const full = await page.evaluate(() => new Promise<number>((r) => requestAnimationFrame(() => r(document.documentElement.scrollHeight))));
      const { data } = await cdp.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width, height: Math.max(height, full), scale: 1 } });
      writeFileSync(path, Buffer.from(data, 'base64'));
    } finally {
      await cdp.send('Emulation.clearDeviceMetricsOverride').catch(() => undefined);
      await cdp.detach().catch(() => undefined);
      if (before) await page.setViewportSize(before);
    }
    return path;
  }

  /**
   * Stops the extension's service worker the way Chrome does when it idles out or kills it:
   * in-memory state is gone, IndexedDB and storage.session stay. Uses the DevTools protocol's
   * Target.closeTarget on the worker (as Puppeteer's worker.close() does), from a session on a
   * blank web page: a session on an extension page shares the worker's process and goes with it.
   */
  async killServiceWorker(): Promise<void> {
    const sw = this.serviceWorker();
    if (!sw) throw new Error('the extension service worker is not running');
    // A mark in the worker's global scope: a restarted worker starts without it.
    await sw.evaluate(() => {
      (globalThis as { __e2eMark?: boolean }).__e2eMark = true;
    });
    const page = await this.ctx.newPage();
    try {
      const cdp = await this.ctx.newCDPSession(page);
      const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
      const workers = targetInfos.filter((t) => t.type === 'service_worker' && t.url.startsWith(this.extensionOrigin));
      if (workers.length === 0) throw new Error('the extension service worker is not running');
      for (const t of workers) await cdp.send('Target.closeTarget', { targetId: t.targetId });
      await cdp.detach().catch(() => undefined);
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  /** True once the service worker running now is a new one (started after killServiceWorker). */
  async serviceWorkerRestarted(): Promise<boolean> {
    const sw = this.serviceWorker();
    if (!sw) return false;
    return sw.evaluate(() => (globalThis as { __e2eMark?: boolean }).__e2eMark !== true).catch(() => false);
  }

  async close(opts: { keepProfile?: boolean } = {}): Promise<void> {
    await this.ctx.close().catch(() => undefined);
    if (this.ownsProfile && !opts.keepProfile) {
      rmSync(this.profileDir, { recursive: true, force: true });
      if (this.extensionDir.startsWith(tmpdir())) rmSync(this.extensionDir, { recursive: true, force: true });
    }
  }
}

/** Polls `probe` until it answers something truthy. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function artifactsDir(name: string): string {
  const dir = join(ROOT, 'test-artifacts/e2e', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
