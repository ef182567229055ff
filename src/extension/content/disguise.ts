/**
 * Makes the page's wrapped fetch and XMLHttpRequest read like the browser's own (issue 11,
 * finding 9): a page that prints them, or counts their parameters, or lists an instance's
 * properties, sees what it would see without the extension. What stays detectable is written
 * down in docs/security.md ("Fingerprinting"). Runs in the page's world before any page script.
 */

/** Function.prototype.toString answers for each key as for its value (the native original). */
const shownAs = new WeakMap<object, object>();
let toStringPatched = false;

function patchToString(): void {
  if (toStringPatched) return;
  toStringPatched = true;
  const native = Function.prototype.toString;
  const apply = Reflect.apply;
  // A Proxy of the native function keeps its name, length and (through shownAs) its source text.
  const patched = new Proxy(native, {
    apply: (target, self: unknown, args: unknown[]) => apply(target, (typeof self === 'function' || typeof self === 'object') && self !== null ? (shownAs.get(self) ?? self) : self, args),
  });
  shownAs.set(patched, native);
  Function.prototype.toString = patched;
}

/** `fake` prints as `real` does ("function fetch() { [native code] }"). */
export function showAs(fake: object, real: object): void {
  patchToString();
  shownAs.set(fake, real);
}

/**
 * A function that behaves as `impl` and is, to the page, `native`: the same name, length and
 * property set (it is a Proxy of `native`), and the same source text.
 */
export function nativeLooking<F extends (...args: never[]) => unknown>(native: F, impl: F): F {
  const apply = Reflect.apply;
  const fake = new Proxy(native, { apply: (_t, self: unknown, args: unknown[]) => apply(impl, self, args) });
  showAs(fake, native);
  return fake;
}

/**
 * A class standing in for the native `Real` (XMLHttpRequest): the same name and string tag, and
 * every method and accessor it shares with `Real`'s prototype chain prints as the native one.
 */
export function nativeLookingClass<C extends abstract new (...args: never[]) => unknown>(Fake: C, Real: abstract new (...args: never[]) => unknown): C {
  Object.defineProperty(Fake, 'name', { value: Real.name, configurable: true });
  Object.defineProperty(Fake.prototype, Symbol.toStringTag, { value: Real.name, configurable: true });
  showAs(Fake, Real);
  for (const key of Reflect.ownKeys(Fake.prototype)) {
    const fake = Object.getOwnPropertyDescriptor(Fake.prototype, key)!;
    const real = nativeDescriptor(Real.prototype as object, key);
    if (!real) continue;
    if (typeof fake.value === 'function' && typeof real.value === 'function') showAs(fake.value as object, real.value as object);
    if (fake.get && real.get) showAs(fake.get, real.get);
    if (fake.set && real.set) showAs(fake.set, real.set);
  }
  return Fake;
}

function nativeDescriptor(proto: object | null, key: PropertyKey): PropertyDescriptor | undefined {
  for (let p = proto; p; p = Object.getPrototypeOf(p) as object | null) {
    const d = Object.getOwnPropertyDescriptor(p, key);
    if (d) return d;
  }
  return undefined;
}
