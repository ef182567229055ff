/** Runs `fn` repeatedly for about `ms` milliseconds after a warm-up and returns calls per second. */
export function measureRate(fn: () => void, ms = 1500): number {
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 16; k++) fn();
    n += 16;
    now = performance.now();
  }
  return Math.round((n * 1000) / (now - start));
}

/** Same, for asynchronous work. */
export async function measureRateAsync(fn: () => Promise<void>, ms = 1500): Promise<number> {
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) await fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    await fn();
    n++;
    now = performance.now();
  }
  return Math.round((n * 1000) / (now - start));
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** `v` rounded to `digits` decimals, as the reports print figures. */
export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
