// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  { files: ['electron/engine/**', 'shared/**', 'renderer/**', 'electron/cli.ts'], rules: noElectron },
);
