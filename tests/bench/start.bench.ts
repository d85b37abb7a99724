// The engine's process start (`--only start`): `loupe serve` as a user starts it (bin/loupe.js, the
// engine's bundle) to the moment it prints that it serves, beside a bare Node HTTP server started
// and listening the same way: the floor any Node server pays. CPU of the whole process (all its
// threads, from /proc) when the line is printed, alternated runs, medians.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentile, type BenchRow } from './bench-row.js';
import { serveArgv } from '../support/serve-process.js';
import { cpuSecondsOf } from '../support/proc-stat.js';

/** A Node HTTP server that says it listens, as `loupe serve` does. */
const BARE_SERVER = `require('node:http').createServer().listen(0, '127.0.0.1', () => console.log('listening'));`;

/** Starts a process, waits for `ready` on its stdout; its CPU and wall time then; stops it. */
async function startOnce(args: string[], ready: string): Promise<{ cpuMs: number; wallMs: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const result = await new Promise<{ cpuMs: number; wallMs: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before it was ready:\n${out}`)));
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (!out.includes(ready)) return;
      child.stdout.off('data', onData);
      resolve({ wallMs: performance.now() - t0, cpuMs: cpuSecondsOf(`/proc/${child.pid!}/stat`) * 1000 });
    };
    child.stdout.on('data', onData);
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return result;
}

export async function benchStart(work: string, rounds: number): Promise<BenchRow[]> {
  if (process.platform !== 'linux') return [];
  const dataDir = join(work, 'start-data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const serve = serveArgv(['--data-dir', dataDir]);
  // The first start creates the database: not a start a user waits for every day.
  await startOnce(serve, 'Loupe is serving');
  const loupe: { cpuMs: number; wallMs: number }[] = [];
  const bare: { cpuMs: number; wallMs: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    bare.push(await startOnce(['-e', BARE_SERVER], 'listening'));
    loupe.push(await startOnce(serve, 'Loupe is serving'));
  }
  const median = (runs: { cpuMs: number; wallMs: number }[], key: 'cpuMs' | 'wallMs'): number =>
    percentile(
      runs.map((r) => r[key]),
      50,
    );
  const [cpu, wall, bareCpu, bareWall] = [median(loupe, 'cpuMs'), median(loupe, 'wallMs'), median(bare, 'cpuMs'), median(bare, 'wallMs')];
  return [
    {
      what: `loupe serve: process start → serving (CPU of the process, median of ${rounds})`,
      value: `${cpu.toFixed(0)} ms CPU, ${wall.toFixed(0)} ms wall`,
      ceiling: `bare Node HTTP server ${bareCpu.toFixed(0)} ms CPU, ${bareWall.toFixed(0)} ms wall`,
      ratio: `${(cpu / bareCpu).toFixed(1)}× CPU`,
      target: 'part of first paint < 1.5 s',
    },
  ];
}
