import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';

// Builds the desktop shell (main + preload) and the renderer into out/main, out/preload and
// out/renderer. The engine and the CLI are plain Node: bundled by vite.engine.config.ts into out/engine.
export default defineConfig({
  main: {
    build: { rollupOptions: { input: { index: resolve('electron/main/index.ts') } } },
  },
  preload: {
    // A sandboxed preload must be one CommonJS file.
    build: {
      rollupOptions: {
        input: { index: resolve('electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    // Minified: the page is served to a browser as well as loaded by the window.
    build: { minify: true, rollupOptions: { input: resolve('renderer/index.html') } },
    plugins: [svelte({ configFile: resolve('svelte.config.js') })],
  },
});
