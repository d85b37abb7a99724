#!/usr/bin/env node
// The CLI entry: the TypeScript sources are compiled to out/node by `npm run build:node`
// (run by `prepare` on install).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/node/electron/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('loupe: not built yet. Run `npm install` (or `npm run build:node`) in the Loupe folder first.');
  process.exit(1);
}
// `loupe query … | head`: the reader has what it wanted; stop quietly, as grep does.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
