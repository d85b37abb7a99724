// Runs the real `loupe serve` (the built CLI, as a user runs it) as a child process, for tests
// that kill it, restart it, or talk to it over real sockets.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The checkout's root (from tests/support under vitest, or out/node/tests/support in the bench). */
export const ROOT = ((): string => {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
export const CLI = join(ROOT, 'bin', 'loupe.js');

export interface ServeProcess {
  child: ChildProcess;
  /** The base URL, e.g. http://127.0.0.1:41234/ */
  url: string;
  token: string;
  output: () => string;
  /** GET an API path with the token; parses JSON. */
  get<T = unknown>(path: string): Promise<T>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The tsc output (out/node, which tests import) and the engine's bundle (out/engine, which `bin/loupe.js` runs). */
export function assertBuilt(): void {
  for (const built of [join('node', 'electron', 'cli.js'), join('engine', 'cli.js')]) {
    if (!existsSync(join(ROOT, 'out', built))) {
      throw new Error(`out/${built} is not built: run \`npm run build:node\` (npm test does it first).`);
    }
  }
}

/**
 * `loupe serve`'s arguments as the tests run it: every port chosen by the system, and StatsD and
 * the Sentry SDK's endpoints off unless `args` ask for them (tests run side by side, and 8125 is
 * one port; the Sentry endpoints are a listed source too).
 */
export function serveArgv(args: string[]): string[] {
  const statsdArgs = args.some((a) => a.startsWith('--statsd-port') || a === '--no-statsd') ? [] : ['--no-statsd'];
  const sentryArgs = args.some((a) => a.startsWith('--spotlight-port') || a === '--no-sentry') ? [] : ['--no-sentry'];
  return [CLI, 'serve', '--port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', ...statsdArgs, ...sentryArgs, ...args];
}

/** `opts.token: false` leaves the token to Loupe (the one kept in the data dir); it is read from the printed URL. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}, opts: { token?: boolean } = {}): Promise<ServeProcess> {
  assertBuilt();
  let token = 'test-token-' + Math.random().toString(36).slice(2);
  const tokenArgs = opts.token === false ? [] : ['--token', token];
  const child = spawn(process.execPath, serveArgv([...tokenArgs, ...args]), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`loupe serve did not start in time:\n${out}`)), 30_000);
    const check = (): void => {
      const m = /Loupe is serving (http:\/\/\S+?\/)\?token=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        if (opts.token === false) token = decodeURIComponent(m[2]!);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`loupe serve exited with ${code}:\n${out}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    url,
    token,
    output: () => out,
    async get<T>(path: string): Promise<T> {
      const res = await fetch(new URL(path, url), { headers: { Authorization: `Bearer ${token}` } });
      const body = (await res.json()) as T;
      if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${JSON.stringify(body)}`);
      return body;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** Poll until `check` returns a value (not undefined), or fail after `ms`. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, ms = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * An e2e spec's teardown: each of `running` closed or stopped in turn (the browser first, then
 * `loupe serve` and any other server; one a failed setup never made is undefined), then its folder.
 */
export async function tearDown(
  dir: string | undefined,
  ...running: ({ close(): Promise<unknown> } | { stop(): Promise<unknown> } | undefined)[]
): Promise<void> {
  for (const r of running) {
    if (!r) continue;
    if ('close' in r) await r.close();
    else await r.stop();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}
