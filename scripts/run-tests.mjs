#!/usr/bin/env node
// Runs every test file under test/ with node's built-in runner (TypeScript through tsx).
// Node 20's runner does not expand globs or pick up .ts files by itself, hence this script.
// Usage: node scripts/run-tests.mjs [subdir-or-file ...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function collect(path, out) {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) collect(join(path, name), out);
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['test']).flatMap((r) => collect(r, []));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Browser tests drive Debian's Chromium and Firefox ESR, the QR test reads codes back with zbarimg
// and the package test unzips: install each when missing (the README's promise that `npm test`
// needs nothing set up by hand).
const needs = [
  ['chromium', (f) => f.includes('e2e') || f.includes('extension-ui')],
  ['zbar', (f) => f.includes('extension-ui')],
  ['unzip', (f) => f.includes('extension-ui')],
  ['firefox', (f) => f.includes('firefox')],
];
for (const [tool, wanted] of needs) {
  if (!files.some(wanted)) continue;
  const r = spawnSync('sh', ['scripts/ensure-browser.sh', tool], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) console.error(`warning: ${tool} could not be installed; the tests that need it will fail or skip`);
}

// Human-readable output on stdout, and TAP to a file for the one-line summary at the end.
const tapFile = join(mkdtempSync(join(tmpdir(), 'paychan-tests-')), 'results.tap');
const result = spawnSync(
  process.execPath,
  [
    '--import', 'tsx', '--test', '--test-concurrency=1',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_BACKEND: 'js' } },
);
const tap = readFileSync(tapFile, 'utf8');
const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
console.log(`${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`);
// In CI a skipped test is a missing install step, not a pass.
if (process.env.CI === 'true' && count('skipped') > 0) {
  console.error(`CI=true: ${count('skipped')} test(s) skipped; every tool they need must be installed by the test setup`);
  process.exit(1);
}
process.exit(result.status ?? 1);
