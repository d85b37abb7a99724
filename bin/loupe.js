#!/usr/bin/env node
// The CLI entry: the engine's bundle in out/engine (vite.engine.config.ts), built by `npm run build`
// (run by `prepare` on install).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/engine/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('loupe: not built yet. Run `npm install` (or `npm run build:node`) in the Loupe folder first.');
  process.exit(1);
}
// A stack trace (a crash's, in a bug report) names the TypeScript files and lines, through the
// bundle's source maps; it must be on before the bundle loads.
process.setSourceMapsEnabled(true);
// `loupe query … | head`: the reader has what it wanted; stop quietly, as grep does.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
