/**
 * axe-core in any page, extension pages included: the extension's CSP (`script-src 'self'`)
 * refuses a <script> tag, so axe's source is evaluated through the DevTools protocol
 * (Playwright's page.evaluate), which no page CSP applies to.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.1 level A and AA. */
export const WCAG21AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export type Theme = 'light' | 'dark';
export const THEMES: Theme[] = ['light', 'dark'];

/** One violation as a line a person can act on: rule, impact, what to fix and where. */
export interface Finding {
  screen: string;
  theme: Theme;
  rule: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** Scans `page` as it is now in `theme` (prefers-color-scheme emulated); answers its violations. */
export async function axeScan(page: Page, screen: string, theme: Theme): Promise<Finding[]> {
  await page.emulateMedia({ colorScheme: theme });
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => `${JSON.stringify(n.target)}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`) }));
  }, WCAG21AA);
  return violations.map((v) => ({ screen, theme, ...v }));
}

/** Scans in both themes; leaves the page in the light theme. */
export async function axeScanBoth(page: Page, screen: string): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const theme of THEMES) out.push(...(await axeScan(page, screen, theme)));
  await page.emulateMedia({ colorScheme: 'light' });
  return out;
}

/** The failure message: every violation, one block each. */
export function report(findings: Finding[]): string {
  return findings.map((f) => `${f.screen} [${f.theme}] ${f.rule} (${f.impact}): ${f.help}\n    ${f.nodes.join('\n    ')}`).join('\n');
}
