// The service health-check tests probe: tests/fixtures/health/probed_server.py (a stdlib
// http.server run with /usr/bin/python3), made failing, slow, down or up again by a command on its
// stdin; each command resolves once the server has done it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './serve-process.js';

export interface ProbedServer {
  port: number;
  url: string;
  pid: number;
  /** `fail`, `pass`, `slow 2`, `down`, `up`. */
  command(line: string): Promise<void>;
  stop(): Promise<void>;
}

// From the checkout's root: the bench runs this file from out/node/tests/support.
const SCRIPT = join(ROOT, 'tests', 'fixtures', 'health', 'probed_server.py');

export async function startProbedServer(): Promise<ProbedServer> {
  const child: ChildProcess = spawn('/usr/bin/python3', [SCRIPT, '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  const early: string[] = [];
  lines.on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else early.push(line);
  });
  const next = (): Promise<string> => {
    const line = early.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
  };
  const first = await next();
  const port = Number(/^listening (\d+)$/.exec(first)?.[1]);
  if (!port) throw new Error(`the probed server said "${first}"`);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async command(line) {
      child.stdin!.write(`${line}\n`);
      const answer = await next();
      if (answer !== 'ok') throw new Error(`the probed server answered "${answer}" to ${line}`);
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
