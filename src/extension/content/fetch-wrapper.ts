/**
 * Page fetch and XHR, wrapped: a Paychan 402 holds the page's promise while the background pays,
 * then the request is sent again (declarativeNetRequest adds the credential on the way out). On
 * deny, failure or timeout the page gets the original 402, whose body is the site's own
 * "this costs N sat" page: a page never hangs and never sees anything it would not have without
 * the extension. No globals are touched here; main-world.ts installs these on `window`.
 */
import type { PageOutcome } from '../shared/paywall-views.ts';

export type AskPay = (url: string, method: string) => Promise<PageOutcome>;

/** Longer than the approval window's own deadline (2 min), so the user's answer wins the race. */
export const PAGE_WAIT_MS = 150_000;

interface HeaderReader {
  get(name: string): string | null;
}

/**
 * Whether a response may be a Paychan challenge. A cross-origin response hides WWW-Authenticate
 * unless the site exposes it, so an unreadable header still asks: the background answers from
 * the headers the browser really received.
 */
export function looksPriced(status: number, headers: HeaderReader): boolean {
  if (status !== 402) return false;
  const h = headers.get('www-authenticate');
  return h === null || /(^|[\s,])paychan(\s|$)/i.test(h);
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T, signal?: AbortSignal | null): Promise<T> {
  return new Promise<T>((resolve) => {
    const done = (v: T) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onAbort = () => done(fallback);
    const timer = setTimeout(() => done(fallback), ms);
    signal?.addEventListener('abort', onAbort);
    p.then(done, () => done(fallback));
  });
}

/** A body that can be sent twice; streams cannot, so such requests get no retry. */
function replayable(body: unknown): boolean {
  return body === undefined || body === null || !(typeof ReadableStream !== 'undefined' && body instanceof ReadableStream);
}

export function wrapFetch(original: typeof fetch, ask: AskPay, waitMs = PAGE_WAIT_MS): typeof fetch {
  const wrapped = async function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const isRequest = typeof Request !== 'undefined' && input instanceof Request;
    // The first attempt consumes a Request's body; keep a copy for the retry.
    const spare = isRequest && (input as Request).body !== null && !(input as Request).bodyUsed ? (input as Request).clone() : null;
    const res = await original(input, init);
    if (!looksPriced(res.status, res.headers)) return res;
    if (!replayable(init?.body)) return res;
    const url = res.url || (isRequest ? (input as Request).url : String(input));
    const method = (init?.method ?? (isRequest ? (input as Request).method : 'GET')).toUpperCase();
    const signal = init?.signal ?? (isRequest ? (input as Request).signal : null);
    const outcome = await withTimeout(ask(url, method), waitMs, 'failed' as PageOutcome, signal);
    if (outcome !== 'paid' || signal?.aborted) return res;
    try {
      return await original(spare ?? input, init);
    } catch {
      // The retry failed on the network: the 402 is still the truest answer we have.
      return res;
    }
  };
  return wrapped as typeof fetch;
}

type XhrEventName = 'readystatechange' | 'loadstart' | 'progress' | 'abort' | 'error' | 'load' | 'timeout' | 'loadend';
const XHR_EVENTS: readonly XhrEventName[] = ['readystatechange', 'loadstart', 'progress', 'abort', 'error', 'load', 'timeout', 'loadend'];

/**
 * An XMLHttpRequest look-alike that runs each attempt on a real XMLHttpRequest inside. Events of
 * an attempt that turned out to be a Paychan 402 are held back; after payment a fresh inner
 * request is sent and its events reach the page, otherwise the held ones are released.
 */
export function makePaidXhr(Inner: typeof XMLHttpRequest, ask: AskPay, waitMs = PAGE_WAIT_MS): typeof XMLHttpRequest {
  // State lives in private fields and this map, never in properties a page could list.
  const handlerMaps = new WeakMap<object, Map<string, EventListener>>();
  const handlersOf = (xhr: object): Map<string, EventListener> => {
    let m = handlerMaps.get(xhr);
    if (!m) handlerMaps.set(xhr, (m = new Map()));
    return m;
  };
  class PaidXMLHttpRequest extends EventTarget {
    static readonly UNSENT = 0;
    static readonly OPENED = 1;
    static readonly HEADERS_RECEIVED = 2;
    static readonly LOADING = 3;
    static readonly DONE = 4;
    // On the prototype, as the native ones are (below): an instance has no own properties.
    declare readonly UNSENT: 0;
    declare readonly OPENED: 1;
    declare readonly HEADERS_RECEIVED: 2;
    declare readonly LOADING: 3;
    declare readonly DONE: 4;

    #inner: XMLHttpRequest = new Inner();
    #openArgs: [string, string, boolean, string | null | undefined, string | null | undefined] | null = null;
    #headers: [string, string][] = [];
    #body: Document | XMLHttpRequestBodyInit | null | undefined = undefined;
    #settings: { timeout?: number; withCredentials?: boolean; responseType?: XMLHttpRequestResponseType; mime?: string } = {};
    /**
     * What the page is shown instead of the inner request, which is already DONE with the 402:
     * while the 402 is held the request still looks in flight (OPENED, nothing received), after
     * an abort during the hold it looks aborted, and while held events are released each one
     * carries the readyState it had, so a page that acts on readyState 4 acts once.
     */
    #shown: { readyState: number; blank: boolean } | null = null;
    #holding = false;
    /** Bumped by open() and by an abort during the hold: a pending payment then has no page waiting for it. */
    #generation = 0;

    constructor() {
      super();
      this.#attach(this.#inner, true);
    }

    // --- the page's view: the current inner request, unless `shown` says otherwise ---
    get readyState() { return this.#shown?.readyState ?? this.#inner.readyState; }
    get status() { return this.#shown?.blank ? 0 : this.#inner.status; }
    get statusText() { return this.#shown?.blank ? '' : this.#inner.statusText; }
    get response() { return this.#shown?.blank ? (this.#inner.responseType === '' || this.#inner.responseType === 'text' ? '' : null) : this.#inner.response; }
    get responseText() { return this.#shown?.blank ? '' : this.#inner.responseText; }
    get responseXML() { return this.#shown?.blank ? null : this.#inner.responseXML; }
    get responseURL() { return this.#shown?.blank ? '' : this.#inner.responseURL; }
    get upload() { return this.#inner.upload; }
    get timeout() { return this.#inner.timeout; }
    set timeout(v: number) { this.#settings.timeout = v; this.#inner.timeout = v; }
    get withCredentials() { return this.#inner.withCredentials; }
    set withCredentials(v: boolean) { this.#settings.withCredentials = v; this.#inner.withCredentials = v; }
    get responseType() { return this.#inner.responseType; }
    set responseType(v: XMLHttpRequestResponseType) { this.#settings.responseType = v; this.#inner.responseType = v; }
    getResponseHeader(name: string) { return this.#shown?.blank ? null : this.#inner.getResponseHeader(name); }
    getAllResponseHeaders() { return this.#shown?.blank ? '' : this.#inner.getAllResponseHeaders(); }
    overrideMimeType(mime: string) { this.#settings.mime = mime; this.#inner.overrideMimeType(mime); }

    abort() {
      if (!this.#holding) {
        this.#inner.abort();
        return;
      }
      // The held 402 is the page's request as far as it knows: give the page what aborting an
      // in-flight request gives, and drop the pending payment's answer. The inner request's own
      // events (if it was still loading) stay held.
      this.#holding = false;
      this.#generation++;
      if (this.#inner.readyState !== this.DONE) this.#inner.abort();
      this.#shown = { readyState: this.DONE, blank: true };
      for (const type of ['readystatechange', 'abort', 'loadend']) this.#emit(type);
      this.#shown = { readyState: this.UNSENT, blank: true };
    }

    open(method: string, url: string | URL, async = true, user?: string | null, password?: string | null) {
      this.#generation++;
      this.#holding = false;
      this.#shown = null;
      this.#openArgs = [method, String(url), async, user, password];
      this.#headers = [];
      this.#inner.open(method, String(url), async, user ?? null, password ?? null);
    }

    setRequestHeader(name: string, value: string) {
      this.#headers.push([name, value]);
      this.#inner.setRequestHeader(name, value);
    }

    send(body?: Document | XMLHttpRequestBodyInit | null) {
      this.#body = body;
      this.#inner.send(body);
    }

    #attach(xhr: XMLHttpRequest, first: boolean) {
      let held: { type: XhrEventName; readyState: number }[] | null = null;
      for (const type of XHR_EVENTS) {
        xhr.addEventListener(type, () => {
          if (xhr !== this.#inner) return;
          // A synchronous request cannot be held; it passes through untouched.
          const sync = this.#openArgs !== null && this.#openArgs[2] === false;
          if (first && !sync && held === null && xhr.readyState >= 2 && looksPriced(xhr.status, { get: (n) => xhr.getResponseHeader(n) })) {
            held = [];
            this.#holding = true;
            this.#shown = { readyState: this.OPENED, blank: true };
          }
          if (held) {
            held.push({ type, readyState: xhr.readyState });
            if (type === 'loadend' && this.#holding) void this.#settle(xhr, held);
            return;
          }
          // A retry's early events repeat what the page already saw from the first attempt.
          if (!first && (type === 'loadstart' || (type === 'readystatechange' && xhr.readyState < 2))) return;
          this.#emit(type);
        });
      }
    }

    async #settle(first: XMLHttpRequest, held: { type: XhrEventName; readyState: number }[]) {
      const generation = this.#generation;
      const outcome = this.#openArgs && replayable(this.#body) ? await withTimeout(ask(first.responseURL || this.#openArgs[1], this.#openArgs[0].toUpperCase()), waitMs, 'failed' as PageOutcome) : 'failed';
      // The page aborted or opened anew meanwhile: nobody waits for this request any more.
      if (generation !== this.#generation) return;
      this.#holding = false;
      this.#shown = null;
      if (outcome === 'paid' && this.#openArgs) {
        const next = new Inner();
        const [m, u, a, user, pw] = this.#openArgs;
        next.open(m, u, a, user ?? null, pw ?? null);
        for (const [k, v] of this.#headers) next.setRequestHeader(k, v);
        if (this.#settings.timeout !== undefined) next.timeout = this.#settings.timeout;
        if (this.#settings.withCredentials !== undefined) next.withCredentials = this.#settings.withCredentials;
        if (this.#settings.responseType !== undefined) next.responseType = this.#settings.responseType;
        if (this.#settings.mime !== undefined) next.overrideMimeType(this.#settings.mime);
        this.#inner = next;
        this.#attach(next, false);
        next.send(this.#body as XMLHttpRequestBodyInit | null);
        return;
      }
      for (const { type, readyState } of held) {
        this.#shown = { readyState, blank: false };
        this.#emit(type);
      }
      this.#shown = null;
    }

    #emit(type: string) {
      const ev = type === 'readystatechange' ? new Event(type) : new ProgressEvent(type);
      this.dispatchEvent(ev);
      const h = handlersOf(this).get(`on${type}`);
      if (h) h.call(this, ev);
    }
  }
  for (const [name, value] of [['UNSENT', 0], ['OPENED', 1], ['HEADERS_RECEIVED', 2], ['LOADING', 3], ['DONE', 4]] as const) {
    Object.defineProperty(PaidXMLHttpRequest.prototype, name, { value, enumerable: true });
  }
  // on<event> handler properties, as pages often use them instead of addEventListener.
  for (const type of XHR_EVENTS) {
    Object.defineProperty(PaidXMLHttpRequest.prototype, `on${type}`, {
      configurable: true,
      get(this: object) {
        return handlersOf(this).get(`on${type}`) ?? null;
      },
      set(this: object, fn: EventListener | null) {
        if (typeof fn === 'function') handlersOf(this).set(`on${type}`, fn);
        else handlersOf(this).delete(`on${type}`);
      },
    });
  }
  return PaidXMLHttpRequest as unknown as typeof XMLHttpRequest;
}
