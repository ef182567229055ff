/**
 * Extension bundle sizes, gzipped, from dist/chrome (built first if missing): the background
 * service worker with every chunk it imports, and the popup page's scripts and styles. The
 * background goal is at most 250 KB gzipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist/chrome');

interface ManifestEntry {
  file: string;
  imports?: string[];
  css?: string[];
  isEntry?: boolean;
  name?: string;
}

/** Files an entry loads: its own, its static imports' (recursively) and their CSS. */
function closure(manifest: Record<string, ManifestEntry>, key: string, seen = new Set<string>()): Set<string> {
  const e = manifest[key];
  if (!e || seen.has(e.file)) return seen;
  seen.add(e.file);
  for (const css of e.css ?? []) seen.add(css);
  for (const imp of e.imports ?? []) closure(manifest, imp, seen);
  return seen;
}

function gzipKb(files: Iterable<string>): number {
  let bytes = 0;
  for (const f of files) bytes += gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length;
  return Math.round((bytes / 1024) * 10) / 10;
}

/** The files (relative to dist/chrome) the background and the popup page load; builds first if needed. */
export function entryFiles(): { background: Set<string>; popup: Set<string>; dist: string } {
  const manifestPath = join(DIST, '.vite/manifest.json');
  if (!existsSync(manifestPath)) execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: ROOT, stdio: 'inherit' });
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, ManifestEntry>;
  const keyOf = (pred: (k: string, e: ManifestEntry) => boolean) => Object.keys(manifest).find((k) => pred(k, manifest[k]!));
  const bg = keyOf((_k, e) => e.file === 'background.js');
  const popup = keyOf((k) => k.endsWith('popup.html'));
  if (!bg || !popup) throw new Error('dist/chrome/.vite/manifest.json lacks the background or popup entry; run `npx vite build`');
  return { background: closure(manifest, bg), popup: closure(manifest, popup), dist: DIST };
}

export async function benchBundle(): Promise<Record<string, number>> {
  const files = entryFiles();
  return {
    background_bundle_gzip_kb: gzipKb(files.background),
    popup_bundle_gzip_kb: gzipKb(files.popup),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(await benchBundle());
}
