/**
 * bcoin 1.0.2 stores chains on disk through bdb 0.2, which always passes every range option to
 * its LevelDB binding, the unused ones as `null`. leveldown 6.1.1 (the only leveldown that builds
 * on Node 20, pinned by the package's override) reads a `null` bound as a real key, so every
 * range scan comes back empty: the address index looks empty and the faucet finds no coins.
 * Dropping the nullish bounds before they reach the binding restores bdb's meaning.
 * In-memory chains never touch leveldown; this only matters with a data directory.
 */
import { createRequire } from 'node:module';

type IteratorOptions = Record<string, unknown>;

interface LevelDownPrototype {
  iterator(this: unknown, options?: IteratorOptions): unknown;
  __paychanRangeFix?: true;
}

const RANGE_OPTIONS = ['gt', 'gte', 'lt', 'lte'] as const;

export function fixLeveldownRanges(): void {
  // Resolve leveldown the way bdb does, so the patched class is the one bcoin uses.
  const fromBdb = createRequire(createRequire(import.meta.url).resolve('bdb'));
  const proto = (fromBdb('leveldown') as { prototype: LevelDownPrototype }).prototype;
  if (proto.__paychanRangeFix) return;
  // Patched before abstract-leveldown serialises the options, which turns `null` into "null".
  const original = proto.iterator;
  proto.iterator = function (options?: IteratorOptions) {
    const cleaned = { ...options };
    for (const key of RANGE_OPTIONS) if (cleaned[key] === null || cleaned[key] === undefined) delete cleaned[key];
    if (cleaned.limit === null || cleaned.limit === undefined) delete cleaned.limit;
    return original.call(this, cleaned);
  };
  proto.__paychanRangeFix = true;
}
