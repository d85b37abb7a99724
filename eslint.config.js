// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

// Process boundaries (as VS Code and Signal enforce them): only electron/main and electron/preload
// may import 'electron'. The engine is plain Node; shared/ crosses process boundaries; the
// renderer runs in a browser too.
const noElectron = {
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'electron', message: "Only electron/main and electron/preload may import 'electron'." }],
      patterns: [{ group: ['electron/*'], message: "Only electron/main and electron/preload may import 'electron'." }],
    },
  ],
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', '.bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      // Type information from the tsconfig that includes each file (tsconfig.json lists them).
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname, extraFileExtensions: ['.svelte'] },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
      // A promise nobody awaits loses its rejection: await it, or say `void` where that is meant.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      'max-len': ['error', { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreComments: true }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { globals: { ...globals.browser }, parserOptions: { parser: tseslint.parser, svelteConfig } },
    rules: {
      // The renderer's state is replaced, not mutated ($state.raw holding a new Set or Map per
      // change), and local Maps and Dates are scratch values: Svelte's reactive classes would only
      // add proxies.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  // Plain JS scripts and configs (and the .d.ts beside one) belong to no tsconfig: no type information there.
  { files: ['**/*.js', '**/*.cjs', '**/*.mjs', 'scripts/**/*.d.ts'], ...tseslint.configs.disableTypeChecked },
  { files: ['electron/engine/**', 'shared/**', 'renderer/**', 'electron/cli.ts'], rules: noElectron },
);
