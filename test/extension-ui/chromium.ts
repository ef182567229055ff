/** What the Chromium tests here share: where Debian's Chromium is, and the built extension. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Worker } from 'playwright-core';

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

/** Headless Chromium with the built extension in a fresh profile, removed on close. */
export interface ExtensionBrowser {
  ctx: BrowserContext;
  extId: string;
  /** The service worker the extension started with. */
  sw: Worker;
  close(): Promise<void>;
}

export async function launchWithExtension(exe: string): Promise<ExtensionBrowser> {
  const ext = builtExtension();
  const profile = mkdtempSync(join(tmpdir(), 'paychan-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: true,
    args: ['--headless=new', '--no-sandbox', `--disable-extensions-except=${ext}`, `--load-extension=${ext}`, '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker', { timeout: 20_000 }));
  return {
    ctx,
    sw,
    extId: new URL(sw.url()).host,
    async close() {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
