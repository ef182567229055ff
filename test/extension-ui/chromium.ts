/** What the Chromium tests here share: where Debian's Chromium is, and the built extension. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const EXT = join(ROOT, 'dist/chrome');

/** Null when none is installed (scripts/run-tests.mjs installs it; the tests then skip). */
export function chromiumPath(): string | null {
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) if (existsSync(p)) return p;
  return null;
}

/** dist/chrome, built first when it is missing (`npm run build` keeps it current). */
export function builtExtension(): string {
  if (!existsSync(join(EXT, 'manifest.json'))) execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: ROOT, stdio: 'inherit' });
  return EXT;
}
