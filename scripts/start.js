#!/usr/bin/env node
// `npm start`: the desktop app. Electron's npm package fetches its binary on first use, so a fresh
// clone fetches it here (once). Where there is no binary and it can't be fetched (CI, a box without
// internet), this says so in one line and runs `loupe serve`: the same engine and UI in a browser.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { electronVersion, ensureElectronSqlite } from './electron-sqlite.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const require = createRequire(import.meta.url);

function electronDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** The Electron executable, if it is there. */
function electronBinary(dir) {
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

/** Runs Electron's own installer; returns null when done, else why it failed (one line). */
function fetchElectron(dir) {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'ELECTRON_SKIP_BINARY_DOWNLOAD is set';
  console.log('Loupe: fetching the Electron binary (once, about 100 MB)…');
  const res = spawnSync(process.execPath, [join(dir, 'install.js')], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'], timeout: 10 * 60_000 });
  if (res.status === 0) return null;
  const reason = /^\s*(\w*Error: .*)$/m.exec(res.stderr ?? '')?.[1] ?? (res.error ? String(res.error.message) : `exit ${res.status}`);
  return `fetching it failed: ${reason}`;
}

function run(cmd, cmdArgs, env = {}) {
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(signal ? 0 : (code ?? 0)));
}

function serveInstead(why) {
  console.log(`Loupe: ${why}; starting \`loupe serve\` instead — open the URL below in your browser.`);
  run(process.execPath, [join(root, 'bin', 'loupe.js'), 'serve', ...args]);
}

const dir = electronDir();
let electron = dir ? electronBinary(dir) : null;
let fetchProblem = null;
if (dir && !electron) {
  fetchProblem = fetchElectron(dir);
  electron = electronBinary(dir);
}
if (!electron) serveInstead(`no Electron binary on this machine${fetchProblem ? ` (${fetchProblem})` : ''}`);
else if (!existsSync(join(root, 'out', 'main', 'index.js'))) serveInstead('the desktop app is not built (run `npm run build`)');
else {
  // The engine runs on Electron's ABI: it gets a better-sqlite3 built for it (node_modules keeps Node's).
  const sqlite = ensureElectronSqlite(root, electronVersion());
  if (sqlite.problem) serveInstead(`the desktop app needs SQLite built for Electron: ${sqlite.problem}`);
  else run(electron, [root, ...args], { LOUPE_SQLITE_BINDING: sqlite.path });
}
