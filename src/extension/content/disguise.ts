/**
 * Makes the page's wrapped fetch and XMLHttpRequest read like the browser's own (issue 11,
 * finding 9): a page that prints them, counts their parameters, lists an instance's properties
 * or reads the stack of an error thrown through them sees what it would see without the
 * extension, and not the extension's id. What stays detectable is written down in
 * docs/security.md ("Fingerprinting"). Runs in the page's world before any page script, so the
 * built-ins used here are still the browser's.
 */

const apply = Reflect.apply;
const construct = Reflect.construct;

/** Function.prototype.toString answers for each key as for its value (the native original). */
const shownAs = new WeakMap<object, object>();
let toStringPatched = false;

/** This script's own origin in stack frames (chrome-extension://<id>/ or moz-extension://<uuid>/). */
const OWN_ORIGIN = /((?:chrome|moz)-extension:\/\/[^/\s)]+\/)/.exec(new Error().stack ?? '')?.[1] ?? null;

/** Drops this script's frames from an error's stack: they would name the extension. */
export function scrub<E>(err: E): E {
  if (!OWN_ORIGIN || typeof err !== 'object' || err === null) return err;
  try {
    const stack = (err as { stack?: unknown }).stack;
    if (typeof stack === 'string' && stack.includes(OWN_ORIGIN)) {
      const lines = stack.split('\n').filter((l) => !l.includes(OWN_ORIGIN));
      Object.defineProperty(err, 'stack', { value: lines.join('\n'), writable: true, configurable: true });
    }
  } catch {
    // a frozen or exotic error: leave it as it is
  }
  return err;
}

/** Calls `fn`, scrubbing what it throws or rejects with. */
function scrubbed<T>(fn: () => T): T {
  let out: T;
  try {
    out = fn();
  } catch (err) {
    throw scrub(err);
  }
  if (out instanceof Promise) return out.then(undefined, (err: unknown) => Promise.reject(scrub(err))) as T;
  return out;
}

function patchToString(): void {
  if (toStringPatched) return;
  toStringPatched = true;
  const native = Function.prototype.toString;
  // A Proxy of the native function keeps its name and length; shownAs gives the source text.
  const patched = new Proxy(native, {
    apply: (target, self: unknown, args: unknown[]) => scrubbed(() => apply(target, (typeof self === 'function' || typeof self === 'object') && self !== null ? (shownAs.get(self) ?? self) : self, args)),
  });
  shownAs.set(patched, native);
  Function.prototype.toString = patched;
}

/** `fake` prints as `real` does ("function fetch() { [native code] }"). */
function showAs(fake: object, real: object): void {
  patchToString();
  shownAs.set(fake, real);
}

/**
 * A function that behaves as `impl` and is, to the page, `native`: the same name, length and
 * property set (it is a Proxy of `native`), the same source text, and no frames of ours in the
 * stack of what it throws.
 */
export function nativeLooking<F extends (...args: never[]) => unknown>(native: F, impl: F): F {
  const fake = new Proxy(native, { apply: (_t, self: unknown, args: unknown[]) => scrubbed(() => apply(impl, self, args)) });
  showAs(fake, native);
  return fake;
}

/** A Proxy of our own function `fn` (its name and length; another realm prints it as native code, not our source) that scrubs. */
function sealed<F extends (...args: never[]) => unknown>(fn: F, real: object | undefined): F {
  const fake = new Proxy(fn, { apply: (target, self: unknown, args: unknown[]) => scrubbed(() => apply(target, self, args)) });
  if (real) showAs(fake, real);
  return fake;
}

/**
 * A class standing in for the native `Real` (XMLHttpRequest): the same name and string tag, its
 * own source shown nowhere, and every method and accessor it shares with `Real`'s prototype chain
 * prints as the native one.
 */
export function nativeLookingClass<C extends new (...args: never[]) => unknown>(Fake: C, Real: abstract new (...args: never[]) => unknown): C {
  Object.defineProperty(Fake, 'name', { value: Real.name, configurable: true });
  const proto = Fake.prototype as object;
  Object.defineProperty(proto, Symbol.toStringTag, { value: Real.name, configurable: true });
  for (const key of Reflect.ownKeys(proto)) {
    if (key === 'constructor') continue;
    const d = Object.getOwnPropertyDescriptor(proto, key)!;
    const real = nativeDescriptor(Real.prototype as object, key);
    if (typeof d.value === 'function') d.value = sealed(d.value as () => unknown, typeof real?.value === 'function' ? (real.value as object) : undefined);
    if (d.get) d.get = sealed(d.get, real?.get);
    if (d.set) d.set = sealed(d.set, real?.set);
    Object.defineProperty(proto, key, d);
  }
  // `new XMLHttpRequest()` and subclasses go through here; the prototype comes from newTarget.
  type Ctor = new (...args: unknown[]) => object;
  const fake: C = new Proxy(Fake, { construct: (target, args: unknown[], newTarget: Ctor): object => scrubbed(() => construct(target as unknown as Ctor, args, newTarget)) });
  Object.defineProperty(proto, 'constructor', { value: fake, writable: true, configurable: true });
  showAs(fake, Real);
  return fake;
}

function nativeDescriptor(proto: object | null, key: PropertyKey): PropertyDescriptor | undefined {
  for (let p = proto; p; p = Object.getPrototypeOf(p) as object | null) {
    const d = Object.getOwnPropertyDescriptor(p, key);
    if (d) return d;
  }
  return undefined;
}
