// One run of a probe's check, whatever its kind: HTTP(S) (http-check.ts), a TCP connect, a process
// alive (pid file, or /proc's names and command lines), a command's exit status and output (in its
// own process group, the whole group killed on timeout), a file written recently. Every run ends by
// its timeout, timed on the scheduler: a hung server or command never holds a probe.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import type { HttpCheck, CommandCheck, FileCheck, ProbeKind, ProbeSpec, ProcessCheck, TcpCheck } from '../../../shared/health.js';
import type { Scheduler } from '../core/scheduler.js';
import { httpCheck } from './http-check.js';
import { liveProcFs } from '../signals/metrics/host/process-metrics.js';
import { findWriters } from '../signals/metrics/host/process-sampler.js';

export interface CheckResult {
  ok: boolean;
  durationMs: number;
  reason: string | null;
  statusCode?: number;
  certExpiresMs?: number;
}

/** What a check is given: its timeout, the engine's time, and a way to hear the timeout. */
export interface CheckContext {
  timeoutMs: number;
  nowMs(): number;
  /** `fn` runs when the timeout passes; returns the function that cancels it. */
  onTimeout(fn: () => void): () => void;
}

/** The output a command probe keeps (its reason quotes the end of it). */
export const MAX_COMMAND_OUTPUT = 16 * 1024;

export function kindOf(spec: ProbeSpec): ProbeKind {
  if (spec.http) return 'http';
  if (spec.tcp) return 'tcp';
  if (spec.process) return 'process';
  if (spec.command) return 'command';
  return 'file';
}

/** Run the probe's check once; never throws, never outlives its timeout. */
/** What fills a header's `${secret:NAME}` (core/secrets.ts); without one, a reference is sent as written. */
export interface SecretResolver {
  resolve(value: string): string;
}

export async function runCheck(spec: ProbeSpec, scheduler: Scheduler, secrets?: SecretResolver): Promise<CheckResult> {
  const timeoutMs = spec.timeoutSeconds * 1000;
  const listeners: (() => void)[] = [];
  let timedOut = false;
  const started = performance.now();
  let resolveTimeout: (r: CheckResult) => void = () => undefined;
  const timeout = new Promise<CheckResult>((resolve) => (resolveTimeout = resolve));
  const task = scheduler.after(timeoutMs, () => {
    timedOut = true;
    for (const fn of listeners) fn();
    resolveTimeout({ ok: false, durationMs: performance.now() - started, reason: `timed out after ${spec.timeoutSeconds} s` });
  });
  const ctx: CheckContext = {
    timeoutMs,
    nowMs: () => scheduler.clock.nowMs(),
    onTimeout: (fn) => {
      if (timedOut) fn();
      else listeners.push(fn);
      return () => listeners.splice(listeners.indexOf(fn) >>> 0, 1);
    },
  };
  const run = async (): Promise<CheckResult> => {
    try {
      switch (kindOf(spec)) {
        case 'http':
          return await httpCheck(withSecrets(spec.http!, secrets), ctx);
        case 'tcp':
          return await tcpCheck(spec.tcp!, ctx);
        case 'process':
          return processCheck(spec.process!);
        case 'command':
          return await commandCheck(spec.command!, ctx);
        case 'file':
          return fileCheck(spec.file!, ctx);
      }
    } catch (err) {
      return { ok: false, durationMs: performance.now() - started, reason: (err as Error).message };
    }
  };
  try {
    const result = await Promise.race([run(), timeout]);
    // A check that answered after its deadline in real time still failed (the scheduler's timer may lag).
    return timedOut ? { ...result, ok: false, reason: result.reason ?? `timed out after ${spec.timeoutSeconds} s` } : result;
  } finally {
    task.cancel();
  }
}

function tcpCheck(check: TcpCheck, ctx: CheckContext): Promise<CheckResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: check.host, port: check.port });
    const off = ctx.onTimeout(() => socket.destroy(new Error(`no connection within ${ctx.timeoutMs} ms`)));
    socket.once('connect', () => {
      off();
      socket.destroy();
      resolve({ ok: true, durationMs: performance.now() - started, reason: null });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      off();
      const reason = err.code === 'ECONNREFUSED' ? `nothing listens on ${check.host}:${check.port}` : err.message;
      resolve({ ok: false, durationMs: performance.now() - started, reason });
    });
  });
}

/** Alive: a pid file's process exists, or a process of that name (comm) or command line runs (Linux /proc). */
function processCheck(check: ProcessCheck): CheckResult {
  const started = performance.now();
  const done = (ok: boolean, reason: string | null): CheckResult => ({ ok, durationMs: performance.now() - started, reason });
  if (check.pidFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(check.pidFile, 'utf8').trim();
    } catch (err) {
      return done(false, `cannot read the pid file: ${(err as Error).message}`);
    }
    const pid = Number(text);
    if (!Number.isInteger(pid) || pid <= 0) return done(false, `the pid file holds "${text.slice(0, 40)}", not a process id`);
    try {
      process.kill(pid, 0);
      return done(true, null);
    } catch (err) {
      // EPERM: it exists, it is another user's.
      return (err as NodeJS.ErrnoException).code === 'EPERM'
        ? done(true, null)
        : done(false, `process ${pid} (from the pid file) is not running`);
    }
  }
  if (check.writes !== undefined) {
    if (!existsSync('/proc')) return done(false, 'no /proc here: only pidFile works on this system');
    // The process tied to a source, as the process metrics find it: a writer of the file, not a reader.
    const writers = findWriters(liveProcFs, [{ fileId: 0, path: check.writes }], process.pid);
    if (writers.size > 0) return done(true, null);
    return done(false, `no process has ${check.writes} open for writing`);
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid);
  } catch {
    return done(false, 'no /proc here: only pidFile works on this system');
  }
  for (const pid of entries) {
    try {
      if (check.name !== undefined && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === check.name) return done(true, null);
      if (
        check.commandLine !== undefined &&
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(check.commandLine)
      ) {
        return done(true, null);
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return done(
    false,
    check.name !== undefined ? `no process named "${check.name}"` : `no process whose command line contains "${check.commandLine}"`,
  );
}

function commandCheck(check: CommandCheck, ctx: CheckContext): Promise<CheckResult> {
  const started = performance.now();
  const [program, args] = typeof check.run === 'string' ? ['/bin/sh', ['-c', check.run]] : [check.run[0]!, check.run.slice(1)];
  return new Promise((resolve) => {
    // detached: the command leads its own process group, so a timeout kills what it started too.
    const child = spawn(program, args, { cwd: check.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > MAX_COMMAND_OUTPUT) output = output.slice(-MAX_COMMAND_OUTPUT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let killed = false;
    const off = ctx.onTimeout(() => {
      killed = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    });
    child.once('error', (err) => {
      off();
      resolve({ ok: false, durationMs: performance.now() - started, reason: `cannot run ${program}: ${err.message}` });
    });
    child.once('close', (code, signal) => {
      off();
      const durationMs = performance.now() - started;
      const tail = output.trim().slice(-200);
      const quoted = tail ? `: ${tail}` : '';
      if (killed) return resolve({ ok: false, durationMs, reason: `killed (with its process group) after ${ctx.timeoutMs} ms${quoted}` });
      const expected = check.expectExit ?? 0;
      if (code !== expected) return resolve({ ok: false, durationMs, reason: `exit ${code ?? signal}, expected ${expected}${quoted}` });
      if (check.outputContains !== undefined && !output.includes(check.outputContains)) {
        return resolve({ ok: false, durationMs, reason: `the output does not contain "${check.outputContains}"${quoted}` });
      }
      resolve({ ok: true, durationMs, reason: null });
    });
  });
}

function fileCheck(check: FileCheck, ctx: CheckContext): CheckResult {
  const started = performance.now();
  let mtimeMs: number;
  try {
    mtimeMs = statSync(check.path).mtimeMs;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      durationMs: performance.now() - started,
      reason: code === 'ENOENT' ? `${check.path} does not exist` : (err as Error).message,
    };
  }
  const ageS = (ctx.nowMs() - mtimeMs) / 1000;
  const ok = ageS <= check.maxAgeSeconds;
  return {
    ok,
    durationMs: performance.now() - started,
    reason: ok ? null : `${check.path} was last written ${Math.round(ageS)} s ago (more than ${check.maxAgeSeconds} s)`,
  };
}

/** The check with its headers' `${secret:NAME}` filled in (a secret not set fails the run, naming it). */
function withSecrets(check: HttpCheck, secrets: SecretResolver | undefined): HttpCheck {
  if (!secrets || !check.headers) return check;
  return { ...check, headers: Object.fromEntries(Object.entries(check.headers).map(([k, v]) => [k, secrets.resolve(v)])) };
}
