/**
 * The popup page loads only what it shows: no Esplora client, no bitcoinjs-lib, no hashing. It
 * once grew from 23.9 to 49.2 kB gzipped because it named the default Esplora URLs through the
 * Esplora client module, which loaded the chunk the background shares with it (bitcoinjs-lib,
 * @noble/hashes). Reads dist/chrome as `npm run build` left it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { benchBundle, entryFiles } from '../../bench/bundle.ts';

/** Strings only the Esplora client and the libraries behind it carry. */
const BACKGROUND_ONLY = ['Uint8Array expected', 'EsploraError'];

describe('popup bundle', () => {
  it('loads no chain client or Bitcoin library, and stays under 32 kB gzipped', async () => {
    const { popup, dist } = entryFiles();
    for (const file of popup) {
      const text = readFileSync(join(dist, file), 'utf8');
      for (const marker of BACKGROUND_ONLY) assert.ok(!text.includes(marker), `${file} carries "${marker}": the popup imports background code`);
    }
    const { popup_bundle_gzip_kb: kb } = await benchBundle();
    assert.ok(kb! <= 32, `popup bundle ${kb} kB gzipped, goal ≤ 32`);
  });
});
