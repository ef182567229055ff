import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // The protocol and the client engine run in the extension and in Node alike: no runtime's
    // own modules. Node adapters live in src/client/node, the IndexedDB one in the extension.
    files: ['src/core/**', 'src/client/**'],
    ignores: ['src/client/node/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'src/core and src/client are runtime-neutral: put Node code in src/client/node.' },
            { group: ['idb', 'webextension-polyfill'], message: 'src/core and src/client are runtime-neutral: browser storage stays in the extension.' },
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
