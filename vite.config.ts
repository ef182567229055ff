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
import { deflateRawSync } from 'node:zlib';
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

// --- a small zip writer (stored + deflate), so packaging needs no extra dependency ---
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Zips files (path → bytes) with a fixed timestamp, so the same build gives the same zip. */
export function zip(files: ReadonlyArray<[string, Uint8Array]>): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const DOS_TIME = 0;
  const DOS_DATE = (1 << 5) | 1 | ((2020 - 1980) << 9);
  for (const [name, data] of files) {
    const nameBytes = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(data, { level: 9 });
    const useDeflate = deflated.length < data.length;
    const body = useDeflate ? deflated : Buffer.from(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(useDeflate ? 8 : 0, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(20, 4);
    cen.writeUInt16LE(20, 6);
    cen.writeUInt16LE(0x0800, 8);
    cen.writeUInt16LE(useDeflate ? 8 : 0, 10);
    cen.writeUInt16LE(DOS_TIME, 12);
    cen.writeUInt16LE(DOS_DATE, 14);
    cen.writeUInt32LE(crc, 16);
    cen.writeUInt32LE(body.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(nameBytes.length, 28);
    cen.writeUInt32LE(offset, 42);
    chunks.push(local, nameBytes, body);
    central.push(cen, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const centralBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, centralBuf, end]);
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? listFiles(p, base) : [relative(base, p).split('\\').join('/')];
    });
}

function zipDir(dir: string, out: string): void {
  writeFileSync(out, zip(listFiles(dir).map((f) => [f, readFileSync(join(dir, f))])));
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
      const chromeFiles = listFiles(CHROME).filter((f) => !f.startsWith('.vite/'));
      writeFileSync(join(DIST, 'paychan-chrome.zip'), zip(chromeFiles.map((f) => [f, readFileSync(join(CHROME, f))])));
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
