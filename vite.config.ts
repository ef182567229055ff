/**
 * `vite build` writes the extension twice, for Chrome and for Firefox, plus store-ready zips:
 *
 *   dist/chrome/   background.js (ES module service worker), popup.html, prompt.html, assets/,
 *                  content-isolated.js and content-main.js (single-file IIFE: content scripts
 *                  cannot be ES modules), icons/, manifest.json (service_worker variant)
 *   dist/firefox/  the same files, manifest.json with background.scripts and a gecko id
 *   dist/paychan-chrome.zip, dist/paychan-firefox.zip
 *
 * No remote code and no eval anywhere: the extension CSP is `script-src 'self'`.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';
import { build, defineConfig, type Plugin } from 'vite';

const ROOT = dirname(fileURLToPath(import.meta.url));
const EXT = resolve(ROOT, 'src/extension');
const DIST = resolve(ROOT, 'dist');
const CHROME = join(DIST, 'chrome');
const FIREFOX = join(DIST, 'firefox');
export const GECKO_ID = 'paychan@paychan.dev';

/** The wallet's background entry (issue 5); until it exists, the paywall alone. */
const BACKGROUND_ENTRY = existsSync(join(EXT, 'background/index.ts')) ? join(EXT, 'background/index.ts') : join(EXT, 'background/paywall/standalone.ts');

type Manifest = Record<string, unknown> & { background?: Record<string, unknown>; version?: string };

/** Chrome: an ES-module service worker. */
export function chromeManifest(base: Manifest, version: string): Manifest {
  return { ...base, version, background: { service_worker: 'background.js', type: 'module' } };
}

/** Firefox MV3: background scripts (event page) instead of a service worker, and a gecko id. */
export function firefoxManifest(base: Manifest, version: string): Manifest {
  const { minimum_chrome_version: _chromeOnly, ...rest } = base;
  return {
    ...rest,
    version,
    background: { scripts: ['background.js'], type: 'module' },
    // Paychan collects nothing: it talks only to the sites the reader pays and the chain API.
    browser_specific_settings: { gecko: { id: GECKO_ID, strict_min_version: '140.0', data_collection_permissions: { required: ['none'] } }, gecko_android: { strict_min_version: '142.0' } },
  };
}

// --- packaging: fflate writes the zips; a fixed timestamp makes identical builds byte-identical ---
/** 2020-01-01 00:00 local time: zip (DOS) timestamps are local, so this is the same field in every zone. */
const ZIP_TIME = new Date(2020, 0, 1);

/** Zips files (path → bytes) in the given order, deflated, every entry stamped ZIP_TIME. */
export function zip(files: ReadonlyArray<[string, Uint8Array]>): Buffer {
  const tree: Zippable = {};
  for (const [name, data] of files) tree[name] = [data, { level: 9, mtime: ZIP_TIME }];
  return Buffer.from(zipSync(tree));
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? listFiles(p, base) : [relative(base, p).split('\\').join('/')];
    });
}

/** Zips a directory tree, files sorted by path, so the bytes depend only on names and contents. */
export function zipDir(dir: string, out: string, keep: (path: string) => boolean = () => true): void {
  writeFileSync(out, zip(listFiles(dir).filter(keep).map((f) => [f, readFileSync(join(dir, f))])));
}

/** Content scripts: one self-contained IIFE each, built after the main bundle. */
async function buildContentScripts(): Promise<void> {
  for (const [name, entry] of [
    ['content-isolated', 'content/isolated.ts'],
    ['content-main', 'content/main-world.ts'],
  ] as const) {
    await build({
      configFile: false,
      logLevel: 'warn',
      publicDir: false,
      build: {
        outDir: CHROME,
        emptyOutDir: false,
        target: 'es2022',
        minify: true,
        lib: { entry: join(EXT, entry), formats: ['iife'], name: name.replace('-', '_'), fileName: () => `${name}.js` },
        rollupOptions: { output: { inlineDynamicImports: true } },
      },
    });
  }
}

function extensionPackaging(): Plugin {
  return {
    name: 'paychan-extension',
    apply: 'build',
    // After Vite's own HTML plugin, which emits the pages in its generateBundle.
    enforce: 'post',
    // HTML pages live next to their code (src/extension/popup/popup.html); the extension wants
    // them at its root, where the manifest and window URLs point.
    generateBundle(_opts, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type === 'asset' && file.fileName.endsWith('.html')) file.fileName = file.fileName.split('/').pop()!;
      }
    },
    async closeBundle() {
      await buildContentScripts();
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      const base = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as Manifest;
      writeFileSync(join(CHROME, 'manifest.json'), JSON.stringify(chromeManifest(base, pkg.version), null, 2) + '\n');
      rmSync(FIREFOX, { recursive: true, force: true });
      mkdirSync(FIREFOX, { recursive: true });
      cpSync(CHROME, FIREFOX, { recursive: true });
      rmSync(join(FIREFOX, '.vite'), { recursive: true, force: true });
      writeFileSync(join(FIREFOX, 'manifest.json'), JSON.stringify(firefoxManifest(base, pkg.version), null, 2) + '\n');
      zipDir(FIREFOX, join(DIST, 'paychan-firefox.zip'));
      // The Chrome zip leaves out Vite's build manifest (kept on disk for bench/bundle.ts).
      zipDir(CHROME, join(DIST, 'paychan-chrome.zip'), (f) => !f.startsWith('.vite/'));
    },
  };
}

export default defineConfig({
  root: EXT,
  base: '/',
  publicDir: resolve(ROOT, 'public'),
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: CHROME,
    emptyOutDir: true,
    target: 'es2022',
    manifest: true,
    modulePreload: false,
    sourcemap: false,
    rollupOptions: {
      input: {
        popup: join(EXT, 'popup/popup.html'),
        prompt: join(EXT, 'prompt/prompt.html'),
        background: BACKGROUND_ENTRY,
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'background' ? 'background.js' : 'assets/[name]-[hash].js'),
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
  plugins: [extensionPackaging()],
});
