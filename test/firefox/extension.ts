/**
 * Driving the installed extension in Firefox ESR over BiDi (./bidi.ts): its fixed origin, helpers
 * evaluated in its pages (find by visible text or label, act through DOM events, which Preact's
 * handlers receive like a user's), its background's messages, and the script errors Firefox
 * logged for it. Shared by the Firefox smoke test and the paid-path test.
 */
import type { Firefox } from './bidi.ts';

export const GECKO_ID = 'paychan@paychan.dev';
/** Fixed through `extensions.webextensions.uuids`, so the extension's pages have a known origin. */
export const UUID = '0c4f2a9e-5b1d-4e7a-9c3f-8a6b2d1e0f47';
export const ORIGIN = `moz-extension://${UUID}`;
/** The pref that pins UUID: pass to Firefox.launch. */
export const UUID_PREFS = { 'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: UUID }) };

/**
 * The helpers, as `$` in every evaluation. A string, not functions: tsx would wrap named
 * functions in a `__name` helper the page does not have.
 */
const PAGE = `(() => {
  const text = (el) => (el.textContent || '').replace(/\\s+/g, ' ').trim();
  const button = (name, within) => [...(within || document).querySelectorAll('button')].find((b) => text(b) === name);
  const field = (label) => {
    const l = [...document.querySelectorAll('label')].find((l) => { const s = l.querySelector('span'); return s ? text(s) === label : text(l) === label; });
    return l && l.querySelector('input, select, textarea');
  };
  return {
    text,
    button,
    field,
    click(name, within) {
      const b = button(name, within);
      if (!b) throw new Error('no button ' + JSON.stringify(name) + ' in ' + JSON.stringify(text(document.body).slice(0, 300)));
      if (b.disabled) throw new Error('button ' + JSON.stringify(name) + ' is disabled');
      b.click();
      return true;
    },
    fill(label, value) {
      const el = field(label);
      if (!el) throw new Error('no field ' + JSON.stringify(label));
      el.focus();
      el.value = value;
      el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
      return true;
    },
    check(label) {
      const el = field(label);
      if (!el) throw new Error('no checkbox ' + JSON.stringify(label));
      if (!el.checked) el.click();
      return el.checked;
    },
    send(type, payload) {
      return browser.runtime.sendMessage({ type, payload });
    },
  };
})()`;

export interface Envelope<T = unknown> {
  ok: boolean;
  data?: T;
  error?: { code: string; message: string };
}

export class ExtensionDriver {
  constructor(readonly ff: Firefox) {}

  /** Runs `body` (an async function body with `$` in scope) in the page `ctx`. */
  evaluate<T = unknown>(ctx: string, body: string): Promise<T> {
    return this.ff.evaluate<T>(ctx, `(async () => { const $ = ${PAGE}; ${body} })()`);
  }

  waitFor<T = unknown>(ctx: string, body: string, what: string, timeoutMs?: number): Promise<T> {
    return this.ff.waitFor<T>(ctx, `(() => { const $ = ${PAGE}; ${body} })()`, what, timeoutMs);
  }

  /** A background message from an extension page, as the popup sends it. */
  send<T = unknown>(ctx: string, type: string, payload?: unknown): Promise<Envelope<T>> {
    return this.evaluate<Envelope<T>>(ctx, `return $.send(${JSON.stringify(type)}, ${JSON.stringify(payload ?? null)});`);
  }

  /** Like send, but answers the data and throws the envelope's error. */
  async call<T = unknown>(ctx: string, type: string, payload?: unknown): Promise<T> {
    const env = await this.send<T>(ctx, type, payload);
    if (!env.ok) throw new Error(`${type}: ${env.error?.code} ${env.error?.message}`);
    return env.data as T;
  }

  /** A new tab on the popup, at the popup's own width (body min-width: 380 px). */
  async popupTab(): Promise<string> {
    const ctx = await this.ff.newTab();
    await this.ff.send('browsingContext.setViewport', { context: ctx, viewport: { width: 380, height: 600 } });
    await this.ff.navigate(ctx, `${ORIGIN}/popup.html`);
    return ctx;
  }

  /**
   * Script errors (uncaught exceptions, CSP refusals, module load failures) Firefox logged for the
   * extension's background and pages. Not counted: "Promise rejected after context unloaded",
   * which Firefox logs for an extension-API call still in flight when its page is destroyed (here,
   * a popup whose balance read is retrying an unreachable chain backend when the test itself
   * reloads the extension): the page is gone, nothing of ours failed.
   */
  async errors(): Promise<string[]> {
    const tree = (await this.ff.send('browsingContext.getTree', { 'moz:scope': 'chrome', maxDepth: 0 })) as { contexts: { context: string }[] };
    const chrome = tree.contexts[0]!.context;
    return this.ff.evaluate<string[]>(
      chrome,
      `Services.console.getMessageArray()
        .filter((m) => m instanceof Ci.nsIScriptError && !(m.flags & (Ci.nsIScriptError.warningFlag | Ci.nsIScriptError.infoFlag)))
        .filter((m) => (m.sourceName || '').startsWith(${JSON.stringify(ORIGIN)}) || (m.errorMessage || '').includes(${JSON.stringify(UUID)}))
        .filter((m) => !(m.errorMessage || '').startsWith('Promise rejected after context unloaded'))
        .map((m) => m.sourceName + ':' + m.lineNumber + ': ' + m.errorMessage)`,
    );
  }
}
