/**
 * A small WebDriver BiDi client for Debian's Firefox ESR: enough to start a headless Firefox on a
 * fresh profile, install the built extension temporarily (webExtension.install, type "path"),
 * drive its pages and take screenshots. No geckodriver and no downloaded browser: Firefox serves
 * BiDi itself on --remote-debugging-port. (playwright-core only drives Chromium and its own
 * patched Firefox; puppeteer-core's current releases need Node 22.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export function firefoxPath(): string | null {
  for (const p of ['/usr/bin/firefox-esr', '/usr/bin/firefox']) if (existsSync(p)) return p;
  return null;
}

/** One BiDi event, as Firefox sends it. */
export interface BidiEvent {
  method: string;
  params: Record<string, unknown>;
}

/** A script.evaluate result, deserialized for the primitive and JSON-ish values the tests use. */
type RemoteValue = { type: string; value?: unknown };

function deserialize(v: RemoteValue): unknown {
  // Platform objects (an IDBOpenDBRequest, a Window) come without a value.
  if (v.value === undefined && v.type !== 'undefined' && v.type !== 'null') return `[${v.type}]`;
  switch (v.type) {
    case 'undefined':
      return undefined;
    case 'null':
      return null;
    case 'string':
    case 'boolean':
      return v.value;
    case 'number':
      return typeof v.value === 'number' ? v.value : Number(v.value);
    case 'bigint':
      return BigInt(v.value as string);
    case 'array':
      return (v.value as RemoteValue[]).map(deserialize);
    case 'object':
      return Object.fromEntries((v.value as [string | RemoteValue, RemoteValue][]).map(([k, val]) => [typeof k === 'string' ? k : String(deserialize(k)), deserialize(val)]));
    default:
      return `[${v.type}]`;
  }
}

export interface LaunchOptions {
  /** Preferences written to the fresh profile's user.js. */
  prefs?: Record<string, string | number | boolean>;
  /** Every line Firefox prints on stdout or stderr. */
  onOutput?: (line: string) => void;
}

export class Firefox {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void; method: string }>();
  private readonly listeners = new Set<(e: BidiEvent) => void>();
  private exited = false;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly ws: WebSocket,
    readonly profile: string,
  ) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; type?: string; result?: Record<string, unknown>; error?: string; message?: string; method?: string; params?: Record<string, unknown> };
      if (msg.id !== undefined && this.pending.has(msg.id)) {
        const p = this.pending.get(msg.id)!;
        this.pending.delete(msg.id);
        if (msg.type === 'error') p.reject(new Error(`${p.method}: ${msg.error}: ${msg.message}`));
        else p.resolve(msg.result ?? {});
      } else if (msg.type === 'event' && msg.method) {
        for (const l of this.listeners) l({ method: msg.method, params: msg.params ?? {} });
      }
    });
    const fail = (why: string) => {
      for (const p of this.pending.values()) p.reject(new Error(`${p.method}: ${why}`));
      this.pending.clear();
    };
    ws.on('close', () => fail('the BiDi connection closed'));
    proc.on('exit', (code, signal) => {
      this.exited = true;
      fail(`Firefox exited (${code ?? signal})`);
    });
  }

  /** Starts headless Firefox on a new profile and opens a BiDi session. */
  static async launch(executable: string, opts: LaunchOptions = {}): Promise<Firefox> {
    const profile = mkdtempSync(join(tmpdir(), 'paychan-firefox-'));
    const prefs = { ...QUIET_PREFS, ...opts.prefs };
    writeFileSync(join(profile, 'user.js'), Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`).join(''));
    const proc = spawn(executable, ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port=0', '--remote-allow-system-access', 'about:blank'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // No display needed (CI=true, no X): headless, and no D-Bus or accessibility bus to wait for.
      env: { ...process.env, MOZ_HEADLESS: '1', MOZ_CRASHREPORTER_DISABLE: '1', NO_AT_BRIDGE: '1', DBUS_SESSION_BUS_ADDRESS: 'disabled:' },
    });
    // Should this process die without close(), take the browser along.
    const killOnExit = () => proc.kill('SIGKILL');
    process.once('exit', killOnExit);
    proc.once('exit', () => process.removeListener('exit', killOnExit));
    const recent: string[] = [];
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Firefox did not start its WebDriver BiDi server within 30 s; it said:\n${recent.join('\n')}`)), 30_000);
        let buffered = '';
        const onData = (chunk: Buffer) => {
          buffered += chunk.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const line of lines) {
            opts.onOutput?.(line);
            recent.push(line);
            if (recent.length > 40) recent.shift();
            const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(line);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          }
        };
        proc.stdout!.on('data', onData);
        proc.stderr!.on('data', onData);
        proc.on('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`Firefox exited before BiDi was up (${code ?? signal}); it said:\n${recent.join('\n')}`));
        });
        proc.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      const ws = new WebSocket(`${url.replace(/\/$/, '')}/session`, { perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const ff = new Firefox(proc, ws, profile);
      await ff.send('session.new', { capabilities: { alwaysMatch: { acceptInsecureCerts: true, unhandledPromptBehavior: { default: 'ignore' } } } });
      return ff;
    } catch (err) {
      proc.kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
      throw err;
    }
  }

  send(method: string, params: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(new Error(`${method}: Firefox has exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Listens to BiDi events (after session.subscribe); returns the unsubscribe. */
  on(listener: (e: BidiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first event matching `pred`, or rejects after `timeoutMs`. */
  waitForEvent(pred: (e: BidiEvent) => boolean, timeoutMs: number, what: string): Promise<BidiEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const off = this.on((e) => {
        if (!pred(e)) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });
  }

  /** Opens a new tab and returns its browsing context id. */
  async newTab(): Promise<string> {
    const r = await this.send('browsingContext.create', { type: 'tab' });
    return r.context as string;
  }

  /** The top-level browsing contexts (tabs and windows) open now. */
  async contexts(): Promise<{ context: string; url: string }[]> {
    const r = (await this.send('browsingContext.getTree', { maxDepth: 0 })) as { contexts: { context: string; url: string }[] };
    return r.contexts;
  }

  /**
   * Waits until `context` is gone. Polls the tree: Firefox sends no contextDestroyed event for an
   * extension page that closes itself or is closed by runtime.reload().
   */
  async waitForClosed(context: string, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.contexts()).some((c) => c.context === context)) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async navigate(context: string, url: string): Promise<void> {
    await this.send('browsingContext.navigate', { context, url, wait: 'complete' });
  }

  async reload(context: string): Promise<void> {
    await this.send('browsingContext.reload', { context, wait: 'complete' });
  }

  /**
   * Evaluates `expression` in the page (awaiting a promise) and returns its value, serialized by
   * BiDi. An exception in the page rejects with its message.
   */
  async evaluate<T = unknown>(context: string, expression: string): Promise<T> {
    const r = (await this.send('script.evaluate', { expression, target: { context }, awaitPromise: true, resultOwnership: 'none' })) as {
      type: string;
      result?: RemoteValue;
      exceptionDetails?: { text: string };
    };
    if (r.type === 'exception') throw new Error(`in the page: ${r.exceptionDetails?.text ?? 'exception'}`);
    return deserialize(r.result!) as T;
  }

  /** Polls `expression` until it is truthy; returns its value. */
  async waitFor<T = unknown>(context: string, expression: string, what: string, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        last = await this.evaluate(context, expression);
        if (last) return last as T;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async screenshot(context: string): Promise<Buffer> {
    const r = await this.send('browsingContext.captureScreenshot', { context, origin: 'viewport' });
    return Buffer.from(r.data as string, 'base64');
  }

  /** Ends the session, stops Firefox and deletes the profile. */
  async close(): Promise<void> {
    if (!this.exited) {
      await this.send('browser.close', {}, 5_000).catch(() => undefined);
      await new Promise<void>((resolve) => {
        if (this.exited) return resolve();
        const timer = setTimeout(() => {
          this.proc.kill('SIGKILL');
          resolve();
        }, 5_000);
        this.proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.ws.terminate();
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** A fresh profile that makes no first-run noise and no background network traffic. */
const QUIET_PREFS: Record<string, string | number | boolean> = {
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  'app.update.disabledForTesting': true,
  'app.normandy.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.newtabpage.enabled': false,
};
