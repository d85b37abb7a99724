// What the desktop app needs from Electron's npm package: its binary, its version, and
// better-sqlite3 for Electron's ABI, beside node_modules (which stays on Node's ABI for the tests
// and `loupe serve`): the desktop app's engine runs on Electron's Node and loads this one instead
// (LOUPE_SQLITE_BINDING, see electron/engine/store/database.ts). Fetched once per Electron and
// better-sqlite3 version: the prebuilt binary when better-sqlite3 publishes one, else compiled
// against Electron's headers, as electron-rebuild does.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';

const require = createRequire(import.meta.url);

function packageDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}

function versionOf(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
}

/** Where the Electron build of better-sqlite3 is kept for this Electron, platform and CPU. */
export function electronSqlitePath(root, electronVersion, sqliteVersion, platform = process.platform, arch = process.arch) {
  return join(root, 'out', 'native', `better-sqlite3-${sqliteVersion}-electron-${electronVersion}-${platform}-${arch}.node`);
}

/** The last line of a failed command's output that says what went wrong. */
function why(res) {
  const text = `${res.stderr ?? ''}\n${res.stdout ?? ''}`;
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => /err!|error/i.test(l));
  return err ?? lines.at(-1) ?? (res.error ? res.error.message : `exit ${res.status}`);
}

/**
 * The path of a better-sqlite3 build for `electronVersion`, fetching or compiling it when it is not
 * there yet. Returns { path } or { problem } (one line: what failed).
 */
export function ensureElectronSqlite(root, electronVersion, log = console.log) {
  const sqliteDir = packageDir('better-sqlite3');
  const target = electronSqlitePath(root, electronVersion, versionOf(sqliteDir));
  if (existsSync(target)) return { path: target };
  log(`Loupe: getting SQLite for Electron ${electronVersion} (once)…`);
  // A copy of the package to install into: node_modules keeps its build for Node.
  const work = mkdtempSync(join(tmpdir(), 'loupe-sqlite-'));
  try {
    const ownBuild = join(sqliteDir, 'build');
    cpSync(sqliteDir, work, { recursive: true, filter: (src) => src !== ownBuild && !src.startsWith(ownBuild + sep) });
    const built = join(work, 'build', 'Release', 'better_sqlite3.node');
    const prebuild = spawnSync(
      process.execPath,
      [join(packageDir('prebuild-install'), 'bin.js'), '--runtime', 'electron', '--target', electronVersion, '--arch', process.arch, '--platform', process.platform],
      { cwd: work, encoding: 'utf8', timeout: 5 * 60_000 },
    );
    let problem = prebuild.status === 0 && existsSync(built) ? null : `no prebuilt binary (${why(prebuild)})`;
    if (problem) {
      // npm tells its scripts where its own node-gyp is; otherwise npx fetches one.
      const gyp = process.env.npm_config_node_gyp;
      const [cmd, args] = gyp ? [process.execPath, [gyp]] : ['npx', ['--yes', 'node-gyp']];
      const compile = spawnSync(
        cmd,
        [...args, 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'],
        { cwd: work, encoding: 'utf8', timeout: 15 * 60_000 },
      );
      if (compile.status === 0 && existsSync(built)) problem = null;
      else problem += `; compiling it failed too (${why(compile)})`;
    }
    if (problem) return { problem };
    // A build Node itself can load is for Node's ABI (node-gyp took Node's headers: npm's `nodedir`
    // set?): Electron would refuse it.
    const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(built)})`], { encoding: 'utf8' });
    if (probe.status === 0) return { problem: `the build came out for Node, not Electron (is npm's "nodedir" set? \`npm config get nodedir\`)` };
    mkdirSync(dirname(target), { recursive: true });
    cpSync(built, target);
    return { path: target };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function electronVersion() {
  return versionOf(packageDir('electron'));
}

/** Electron's executable when its binary is installed (Electron fetches it on first use), else null. */
export function electronBinary() {
  let dir;
  try {
    dir = packageDir('electron');
  } catch {
    return null;
  }
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

/** Runs Electron's own installer (fetches the binary); returns null when done, else why it failed (one line). */
export function fetchElectron(log = console.log) {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'ELECTRON_SKIP_BINARY_DOWNLOAD is set';
  let dir;
  try {
    dir = packageDir('electron');
  } catch {
    return 'the electron package is not installed';
  }
  log('Loupe: fetching the Electron binary (once, about 100 MB)…');
  const res = spawnSync(process.execPath, [join(dir, 'install.js')], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'], timeout: 10 * 60_000 });
  if (res.status === 0) return null;
  const reason = /^\s*(\w*Error: .*)$/m.exec(res.stderr ?? '')?.[1] ?? (res.error ? String(res.error.message) : `exit ${res.status}`);
  return `fetching it failed: ${reason}`;
}
