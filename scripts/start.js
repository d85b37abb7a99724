#!/usr/bin/env node
// `npm start`: the desktop app. Electron's npm package fetches its binary on first use, so a fresh
// clone fetches it here (once). Where there is no binary and it can't be fetched (CI, a box without
// internet), this says why in one line and runs `loupe serve`: the same engine and UI in a browser;
// the failure is remembered for a day (`npm start -- --retry-electron` tries again at once).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary, electronVersion, ensureElectronSqlite, fetchElectron } from './electron-runtime.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// A failed fetch of Electron is remembered for a day; this asks for another try now.
const retryElectron = process.argv.includes('--retry-electron') || process.env.LOUPE_FETCH_ELECTRON === '1';
const args = process.argv.slice(2).filter((a) => a !== '--retry-electron');

function run(cmd, cmdArgs, env = {}) {
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
}

function serveInstead(why) {
  console.log(`Loupe: ${why}.\nLoupe: starting \`loupe serve\` instead — open the URL below in your browser.`);
  run(process.execPath, [join(root, 'bin', 'loupe.js'), 'serve', ...args]);
}

let electron = electronBinary();
let fetchProblem = null;
if (!electron) {
  fetchProblem = fetchElectron({ root, retry: retryElectron });
  electron = electronBinary();
}
if (!electron) serveInstead(`no Electron binary on this machine${fetchProblem ? `: ${fetchProblem}` : ''}`);
else if (!existsSync(join(root, 'out', 'main', 'index.js'))) serveInstead('the desktop app is not built (run `npm run build`)');
else {
  // The engine runs on Electron's ABI: it gets a better-sqlite3 built for it (node_modules keeps Node's).
  const sqlite = ensureElectronSqlite(root, electronVersion());
  if (sqlite.problem) serveInstead(`the desktop app needs SQLite built for Electron: ${sqlite.problem}`);
  else run(electron, [root, ...args], { LOUPE_SQLITE_BINDING: sqlite.path });
}
