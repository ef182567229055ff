import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The extension is built for browsers only: code that Node runs (and npm ships) may not import it. */
const noExtensionImports = {
  group: ['**/extension/**', '**/extension'],
  message: 'src/core, src/chain, src/server, src/client and src/cli may not import the extension: move the type into src/client/views.ts.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'demo-output/**', 'test-artifacts/**', '.scratch*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Control characters are matched on purpose when validating header values.
      'no-control-regex': 'off',
    },
  },
  {
    // What the npm package ships (tsconfig.node.json) depends on the extension never: the extension
    // imports the client (its shared/types.ts re-exports src/client/views.ts), not the reverse.
    files: ['src/core/**', 'src/chain/**', 'src/devnet/**', 'src/server/**', 'src/client/**', 'src/cli/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noExtensionImports] }] },
  },
  {
    // The protocol and the client engine run in the extension and in Node alike: no runtime's
    // own modules. Node adapters live in src/client/node, the IndexedDB one in the extension.
    // (A later block's no-restricted-imports replaces an earlier one's, so the ban above repeats.)
    files: ['src/core/**', 'src/client/**'],
    ignores: ['src/client/node/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'src/core and src/client are runtime-neutral: put Node code in src/client/node.' },
            { group: ['idb', 'webextension-polyfill'], message: 'src/core and src/client are runtime-neutral: browser storage stays in the extension.' },
            noExtensionImports,
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.mjs', '.ci/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
