/** `npm run docs:settings`: rewrites the settings table in docs/operations.md from src/server/settings.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { withSettingsTable } from '../src/server/settings-doc.ts';

const file = new URL('../docs/operations.md', import.meta.url);
writeFileSync(file, withSettingsTable(readFileSync(file, 'utf8')));
console.log('docs/operations.md: settings table written');
