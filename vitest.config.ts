import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Compiles the renderer's runes modules (`*.svelte.ts`: its stores and helpers) for the unit tests.
  plugins: [svelte({ configFile: resolve('svelte.config.js') })],
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start servers, Python writers and SQLite files; two cores, so keep it modest.
    maxWorkers: 2,
  },
});
