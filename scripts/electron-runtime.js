// What the desktop app needs from Electron's npm package: its binary, its version, and
// better-sqlite3 for Electron's ABI, beside node_modules (which stays on Node's ABI for the tests
// and `loupe serve`): the desktop app's engine runs on Electron's Node and loads this one instead
// (LOUPE_SQLITE_BINDING, see electron/engine/core/database.ts). Fetched once per Electron and
// better-sqlite3 version: the prebuilt binary when better-sqlite3 publishes one, else compiled
// against Electron's headers, as electron-rebuild does.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
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
      [
        join(packageDir('prebuild-install'), 'bin.js'),
        '--runtime',
        'electron',
        '--target',
        electronVersion,
        '--arch',
        process.arch,
        '--platform',
        process.platform,
      ],
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
    if (probe.status === 0)
      return { problem: `the build came out for Node, not Electron (is npm's "nodedir" set? \`npm config get nodedir\`)` };
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

/** A failed fetch is not tried again on every start for this long (it is a 100 MB download). */
export const FETCH_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** Where the last failed fetch of Electron's binary is remembered. */
export function fetchFailurePath(root) {
  return join(root, 'out', 'electron-fetch-failed.json');
}

export function rememberFetchFailure(root, electronVersion, reason, now = Date.now()) {
  mkdirSync(join(root, 'out'), { recursive: true });
  writeFileSync(fetchFailurePath(root), JSON.stringify({ at: now, electron: electronVersion, reason }));
}

/** The remembered failure, while it is recent and for this Electron version; else null. */
export function recentFetchFailure(root, electronVersion, now = Date.now()) {
  let last;
  try {
    last = JSON.parse(readFileSync(fetchFailurePath(root), 'utf8'));
  } catch {
    return null;
  }
  const age = now - last?.at;
  if (last?.electron !== electronVersion || typeof last.reason !== 'string' || !(age >= 0 && age < FETCH_RETRY_AFTER_MS)) return null;
  return { at: last.at, reason: last.reason };
}

function ago(ms) {
  const min = Math.round(ms / 60_000);
  if (min < 1) return 'just now';
  return min < 60 ? `${min} min ago` : `${Math.round(min / 60)} h ago`;
}

const CAUSES = {
  ENOTFOUND: (host) => `cannot resolve ${host}: no network, or DNS does not answer`,
  EAI_AGAIN: (host) => `cannot resolve ${host} (DNS did not answer): no network?`,
  ECONNREFUSED: (host) => `${host} refused the connection: a firewall, or a proxy is needed`,
  ECONNRESET: (host) => `${host} dropped the connection: a proxy or firewall in the way?`,
  ETIMEDOUT: (host) => `no answer from ${host}: no network, or a firewall`,
  UND_ERR_CONNECT_TIMEOUT: (host) => `no answer from ${host}: no network, or a firewall`,
  ENETUNREACH: (host) => `no route to ${host}: no network`,
  EHOSTUNREACH: (host) => `no route to ${host}: no network`,
  SELF_SIGNED_CERT_IN_CHAIN: (host) =>
    `the TLS certificate of ${host} is not trusted: a proxy that inspects TLS? (NODE_EXTRA_CA_CERTS=its CA file)`,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: (host) =>
    `the TLS certificate of ${host} is not trusted: a proxy that inspects TLS? (NODE_EXTRA_CA_CERTS=its CA file)`,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: (host) =>
    `the TLS certificate of ${host} is not trusted: a proxy that inspects TLS? (NODE_EXTRA_CA_CERTS=its CA file)`,
};

/**
 * One line from what electron-fetch-trace.cjs noted about a failed fetch ({ url, message, code,
 * causeMessage }): the cause in words, the proxy settings that matter, and the URL tried.
 */
export function describeFetchFailure(failure, env = process.env) {
  let host = failure.url;
  try {
    host = new URL(failure.url).host;
  } catch {
    // not a URL: say it as it is
  }
  const cause =
    failure.code && CAUSES[failure.code]
      ? `${CAUSES[failure.code](host)} (${failure.code})`
      : `${failure.message}${failure.causeMessage ? `: ${failure.causeMessage}` : ''}`;
  // Electron's download (Node's fetch) ignores proxy variables unless ELECTRON_GET_USE_PROXY is set.
  const proxyVar = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].find((k) => env[k]);
  let proxy = '';
  if (proxyVar) {
    let proxyHost = 'a proxy';
    try {
      proxyHost = new URL(env[proxyVar]).host; // never its user:password
    } catch {
      // unreadable: name the variable only
    }
    proxy = env.ELECTRON_GET_USE_PROXY
      ? `; through the proxy ${proxyHost} (${proxyVar})`
      : `; ${proxyVar} is set, but Electron's download uses a proxy only with ELECTRON_GET_USE_PROXY=true`;
  }
  return `${cause}${proxy}; tried ${failure.url}`;
}

/**
 * Runs Electron's own installer (fetches the binary); returns null when done, else why it failed
 * (one line, and a second with how to retry when it was remembered). A failed fetch is remembered under `root` for FETCH_RETRY_AFTER_MS: until then this
 * says so instead of trying again, unless `retry`.
 */
export function fetchElectron({ root, retry = false, now = Date.now(), log = console.log, env = process.env }) {
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'ELECTRON_SKIP_BINARY_DOWNLOAD is set';
  let dir;
  try {
    dir = packageDir('electron');
  } catch {
    return 'the electron package is not installed';
  }
  const version = versionOf(dir);
  const last = retry ? null : recentFetchFailure(root, version, now);
  if (last) {
    return `fetching it failed ${ago(now - last.at)}: ${last.reason}\n  Loupe tries again after 24 h; \`npm start -- --retry-electron\` (or LOUPE_FETCH_ELECTRON=1) tries now`;
  }
  log('Loupe: fetching the Electron binary (once, about 100 MB)…');
  const trace = join(dirname(fileURLToPath(import.meta.url)), 'electron-fetch-trace.cjs');
  const res = spawnSync(process.execPath, ['-r', trace, join(dir, 'install.js')], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
    timeout: 10 * 60_000,
    env,
  });
  if (res.status === 0) {
    rmSync(fetchFailurePath(root), { force: true });
    return null;
  }
  const traced = /^loupe-fetch-failure (.*)$/m.exec(res.stderr ?? '')?.[1];
  const reason = traced
    ? describeFetchFailure(JSON.parse(traced), env)
    : (/^\s*(\w*Error: .*)$/m.exec(res.stderr ?? '')?.[1] ?? (res.error ? String(res.error.message) : `exit ${res.status}`));
  rememberFetchFailure(root, version, reason, now);
  return `fetching it failed: ${reason}`;
}
