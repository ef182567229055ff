import { ProtocolError } from './errors.ts';

/**
 * RFC 9110 §11 authentication syntax: `scheme param="value", param=token, ...`. A header may hold
 * several challenges separated by commas, so a comma starts a new challenge when the next item is
 * a bare token rather than `name=value`.
 */
export interface AuthItem {
  scheme: string;
  params: Map<string, string>;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const MAX_HEADER = 8192;

class Reader {
  pos = 0;
  constructor(readonly s: string) {}
  done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): string {
    return this.s[this.pos] ?? '';
  }
  skipWs(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  token(): string {
    const start = this.pos;
    while (!this.done() && TCHAR.test(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }
  quoted(): string {
    // opening quote already checked
    this.pos++;
    let out = '';
    for (;;) {
      if (this.done()) throw syntax('unterminated quoted string');
      const c = this.s[this.pos++]!;
      if (c === '"') return out;
      if (c === '\\') {
        if (this.done()) throw syntax('dangling escape');
        out += this.s[this.pos++];
      } else {
        out += c;
      }
    }
  }
  /** True when the upcoming item is `name =` (a parameter) rather than a new scheme. */
  atParam(): boolean {
    const save = this.pos;
    this.skipWs();
    const name = this.token();
    this.skipWs();
    let isParam = name !== '' && this.peek() === '=';
    if (isParam) {
      // `abc==` is a token68 with padding, not a parameter: a value never starts with `=`.
      this.pos++;
      this.skipWs();
      isParam = !this.done() && this.peek() !== '=' && this.peek() !== ',';
    }
    this.pos = save;
    return isParam;
  }
}

function syntax(detail: string): ProtocolError {
  return new ProtocolError('SYNTAX_ERROR', `malformed authentication header: ${detail}`);
}

/** Parses a WWW-Authenticate or Authorization style header into its challenges/credentials. */
export function parseAuthHeader(header: string): AuthItem[] {
  if (header.length > MAX_HEADER) throw syntax('header too long');
  const r = new Reader(header);
  const items: AuthItem[] = [];
  for (;;) {
    while (r.peek() === ',' || r.peek() === ' ' || r.peek() === '\t') r.pos++;
    if (r.done()) return items;
    const scheme = r.token();
    if (!scheme) throw syntax(`unexpected character at ${r.pos}`);
    const item: AuthItem = { scheme: scheme.toLowerCase(), params: new Map() };
    items.push(item);
    r.skipWs();
    if (!r.atParam()) {
      // token68 (or nothing): another scheme's credential form; keep it under the empty name.
      const start = r.pos;
      while (!r.done() && r.peek() !== ',') r.pos++;
      const token68 = r.s.slice(start, r.pos).trim();
      if (token68 && !TOKEN68.test(token68)) throw syntax(`malformed token68 after ${scheme}`);
      if (token68) item.params.set('', token68);
      continue;
    }
    for (;;) {
      r.skipWs();
      const name = r.token().toLowerCase();
      r.skipWs();
      if (r.peek() !== '=') throw syntax(`expected = after ${name}`);
      r.pos++;
      r.skipWs();
      const value = r.peek() === '"' ? r.quoted() : r.token();
      if (item.params.has(name)) throw syntax(`parameter ${name} repeated`);
      item.params.set(name, value);
      r.skipWs();
      if (r.done()) return items;
      if (r.peek() !== ',') throw syntax(`unexpected character at ${r.pos}`);
      r.pos++;
      while (r.peek() === ',' || r.peek() === ' ' || r.peek() === '\t') r.pos++;
      if (r.done()) return items;
      if (!r.atParam()) break;
    }
  }
}

function quote(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error('header values must not contain control characters');
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Serialises one challenge or credential; every value is quoted, in the order given. */
export function formatAuthItem(scheme: string, params: ReadonlyArray<readonly [string, string]>): string {
  return `${scheme} ${params.map(([k, v]) => `${k}=${quote(v)}`).join(', ')}`;
}

/** The first item of `scheme` (case-insensitive) in a header, or null. */
export function findScheme(header: string, scheme: string): AuthItem | null {
  return parseAuthHeader(header).find((i) => i.scheme === scheme.toLowerCase()) ?? null;
}
