// Builds the engine's process into out/engine: `loupe serve` and the CLI (cli.js), the desktop
// app's engine host (host.js, forked into Electron's utilityProcess), and the threads they start
// (fts-worker.js, parse-worker.js), with their shared code in a few chunks beside them. Node then
// loads a handful of files at start instead of ~340 modules (the tsc output in out/node, which
// the tests and the bench import). Every file lands in the one folder: the engine finds its
// threads' scripts beside its own module (`new URL('./fts-worker.js', import.meta.url)`), in the
// bundle as in the tsc output.
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/** The engine is plain Node (DESIGN.md): an import of Electron anywhere in its graph fails the build. */
function noElectron(): Plugin {
  return {
    name: 'loupe:no-electron-in-engine',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === 'electron' || source.startsWith('electron/'))
        this.error(`${importer ?? 'an entry'} imports '${source}': the engine runs in plain Node, never Electron`);
      return null;
    },
  };
}

export default defineConfig({
  // Packages are bundled too (their files are many small CommonJS modules: resolving and
  // compiling them one by one cost ~90 ms of the start), except better-sqlite3 (native) and
  // gRPC (bundled it starts no faster, and it reads its .proto files from its own folder).
  ssr: { noExternal: true, external: ['better-sqlite3', '@grpc/grpc-js'] },
  plugins: [noElectron()],
  build: {
    ssr: true,
    outDir: 'out/engine',
    emptyOutDir: true,
    // Stack traces in a bug report point to the TypeScript (bin/loupe.js and the engine host's
    // fork turn source maps on).
    sourcemap: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      input: {
        cli: resolve('electron/cli.ts'),
        host: resolve('electron/engine/host.ts'),
        'fts-worker': resolve('electron/engine/signals/logs/fts-worker.ts'),
        'parse-worker': resolve('electron/engine/ingest/files/pipeline/parse-worker.ts'),
      },
      // ws's optional native helpers, absent: ws falls back to JavaScript as it does unbundled.
      external: ['bufferutil', 'utf-8-validate'],
      output: { sourcemapExcludeSources: true, format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunk-[hash].js' },
    },
  },
});
