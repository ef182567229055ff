/**
 * The dashboard's files, all served from this machine (no remote code): the page, its script,
 * its stylesheet, and uPlot's script and stylesheet from the installed package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_CSS, DASHBOARD_HTML, FAVICON_SVG } from './dashboard/page.ts';

export interface Asset {
  type: string;
  body: string;
}

const here = join(dirname(fileURLToPath(import.meta.url)), 'dashboard');

/** The page script: built next to this file in dist/ by tsc; compiled from its source when running from src/. */
async function clientScript(): Promise<string> {
  const built = join(here, 'client.js');
  if (existsSync(built)) return readFileSync(built, 'utf8');
  // typescript is a dev dependency: only a checkout running the sources comes here.
  const ts = (await import('typescript')).default;
  const source = readFileSync(join(here, 'client.ts'), 'utf8');
  return ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
}

const uplotFile = (name: string) => readFileSync(createRequire(import.meta.url).resolve(`uplot/dist/${name}`), 'utf8');

/** Path → file, read once at start so a request never waits on the disk or a compiler. */
export async function loadAssets(): Promise<Map<string, Asset>> {
  const js = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  return new Map([
    ['/', { type: 'text/html; charset=utf-8', body: DASHBOARD_HTML }],
    ['/dashboard.js', { type: js, body: await clientScript() }],
    ['/dashboard.css', { type: css, body: DASHBOARD_CSS }],
    ['/uplot.js', { type: js, body: uplotFile('uPlot.iife.min.js') }],
    ['/uplot.css', { type: css, body: uplotFile('uPlot.min.css') }],
    ['/favicon.svg', { type: 'image/svg+xml', body: FAVICON_SVG }],
  ]);
}
