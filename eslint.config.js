// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import fs from 'node:fs';
import svelteConfig from './svelte.config.js';

// Process boundaries (as VS Code and Signal enforce them): only electron/main and electron/preload
// (which hands the renderer its port through contextBridge) may import 'electron'. The engine is
// plain Node; shared/ crosses process boundaries; the renderer runs in a browser too.
const ELECTRON_ONLY_IN_MAIN = "Only electron/main and electron/preload may import 'electron'.";

/**
 * no-restricted-imports with the Electron boundary and `patterns` on top. A later config object's
 * options replace an earlier one's for the same rule, so every folder's rule repeats the Electron one.
 * @param {...{ regex: string, message: string }} patterns
 */
function restrictImports(...patterns) {
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: [{ name: 'electron', message: ELECTRON_ONLY_IN_MAIN }],
        patterns: [{ group: ['electron/*'], message: ELECTRON_ONLY_IN_MAIN }, ...patterns],
      },
    ],
  };
}

/** Names of the folders directly under `dir` (the engine's modules, the renderer's features). */
function foldersIn(dir) {
  return fs
    .readdirSync(new URL(dir, import.meta.url), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

/**
 * A relative import that climbs into one of `names` ('../traces/x', '../../logs/y'): from a folder
 * among siblings, that is a sibling's folder, whatever the depth of the importing file.
 */
function siblingFolder(names) {
  return `^(\\.\\./)+(${names.join('|')})/`;
}

// Import boundaries between the engine's folders and the renderer's features (DESIGN.md, Layout).
// Data flows ingest -> signals -> api; core is what everything stands on and knows none of them; a
// module uses core, shared, signals, ingest and the handler types, never another module's internals;
// a renderer feature uses lib/ and components/, never another feature's folder (it links by URL).
const MODULES = foldersIn('./electron/engine/modules/');
const FEATURES = foldersIn('./renderer/src/features/');
const boundaries = [
  {
    files: ['electron/engine/signals/**'],
    rules: restrictImports({
      regex: '(^|/)ingest/',
      message: 'signals/ never imports ingest/: ingest writes through the signals, not the reverse.',
    }),
  },
  {
    files: ['electron/engine/alerting/**'],
    rules: restrictImports({
      regex: '(^|/)(ingest|modules)/',
      message: 'alerting/ reads the signals and writes signals or events: it never imports ingest/ or a module.',
    }),
  },
  {
    files: ['electron/engine/probes/**'],
    rules: restrictImports({
      regex: '(^|/)(ingest|modules)/',
      message: 'probes/ never imports ingest/ or modules/: it reads and writes signals, the health module composes it.',
    }),
  },
  {
    files: ['electron/engine/core/**'],
    rules: restrictImports({
      regex: '(^|/)(signals|ingest|modules)/',
      message: 'core/ knows no signal, ingest or module: they register with it.',
    }),
  },
  {
    files: ['electron/engine/analysis/**'],
    rules: restrictImports({
      regex: '(^|/)(ingest|modules)/',
      message: 'analysis/ reads signals and writes events: it never imports ingest/ or modules/.',
    }),
  },
  ...MODULES.map((name) => ({
    files: [`electron/engine/modules/${name}/**`],
    rules: restrictImports(
      {
        regex: siblingFolder(MODULES.filter((m) => m !== name)),
        message: 'A module never imports another module: share through core/, signals/ or events.',
      },
      {
        regex: '(^|/)api/(?!(handlers|params)\\.js$)',
        message: "A module uses api/handlers.js and api/params.js only; the servers and routers are the api's own.",
      },
      { regex: '^(\\.\\./)+engine\\.js$', message: 'A module never imports the composition root (engine.ts): it is given what it needs.' },
    ),
  })),
  ...FEATURES.map((name) => ({
    files: [`renderer/src/features/${name}/**`],
    rules: restrictImports({
      regex: siblingFolder(FEATURES.filter((f) => f !== name)),
      message: "A feature never imports another feature's folder: move what both need to lib/ or components/, or link by URL.",
    }),
  })),
];

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
      'max-len': [
        'error',
        {
          code: 140,
          ignoreUrls: true,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreComments: true,
        },
      ],
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
  { files: ['**/*.{ts,js,mjs,cjs,svelte}'], ignores: ['electron/main/**', 'electron/preload/**'], rules: restrictImports() },
  ...boundaries,
);
