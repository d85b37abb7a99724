// Shared by the tailer's integration tests: a sink that records everything, real Python writers,
// a real logrotate, and the "every number exactly once, in order per file" check.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { SourceLine } from '../../../electron/engine/ingest/files/parse/types.js';
import type { FileIdentity, KnownFile } from '../../../electron/engine/core/file-identity.js';
import type { TailSink } from '../../../electron/engine/ingest/files/types.js';

export const PYTHON = '/usr/bin/python3';
export const LOGROTATE = '/usr/sbin/logrotate';

export interface RecordedFile {
  fileId: number;
  path: string;
  identity: FileIdentity;
  startOffset: number;
  lines: SourceLine[];
  idles: number;
  truncations: number[];
  gone: boolean;
  lastEnd: number;
}

export class RecordingSink implements TailSink {
  readonly files = new Map<number, RecordedFile>();
  readonly problems: { fileId: number | null; path: string; problem: string | null }[] = [];
  readonly offsetErrors: string[] = [];
  private nextId = 1;
  /** When set, lines() returns a promise that resolves after this many ms (backpressure). */
  slowMs = 0;
  inFlight = 0;
  maxInFlight = 0;

  registerFile(path: string, identity: FileIdentity, startOffset: number): number {
    const fileId = this.nextId++;
    const lastEnd = startOffset - 1;
    this.files.set(fileId, { fileId, path, identity, startOffset, lines: [], idles: 0, truncations: [], gone: false, lastEnd });
    return fileId;
  }
  updateFile(fileId: number, change: { path?: string; identity?: FileIdentity }): void {
    const f = this.file(fileId);
    if (change.path) f.path = change.path;
    if (change.identity) f.identity = change.identity;
  }
  lines(fileId: number, lines: SourceLine[]): void | Promise<void> {
    const f = this.file(fileId);
    // Offsets only move forward within one run of a file (a truncation restarts them).
    for (const line of lines) {
      if (line.endOffset <= f.lastEnd) this.offsetErrors.push(`${f.path}: ${line.endOffset} after ${f.lastEnd}`);
      f.lastEnd = line.endOffset;
    }
    f.lines.push(...lines);
    if (this.slowMs <= 0) return;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((done) =>
      setTimeout(() => {
        this.inFlight--;
        done();
      }, this.slowMs),
    );
  }
  idle(fileId: number): void {
    this.file(fileId).idles++;
  }
  truncated(fileId: number, offset: number): void {
    const f = this.file(fileId);
    f.truncations.push(offset);
    f.lastEnd = offset - 1;
  }
  problem(fileId: number | null, path: string, problem: string | null): void {
    this.problems.push({ fileId, path, problem });
  }
  gone(fileId: number): void {
    const f = this.files.get(fileId);
    if (f) f.gone = true;
  }

  /** What the store would hold: each file with the offset after its last line. */
  known(): KnownFile[] {
    return [...this.files.values()].map((f) => ({
      ...f.identity,
      fileId: f.fileId,
      path: f.path,
      offset: f.lines.at(-1)?.endOffset ?? f.startOffset,
    }));
  }

  allTexts(): string[] {
    return [...this.files.values()].flatMap((f) => f.lines.map((l) => l.text));
  }

  lineCount(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.lines.length;
    return n;
  }

  private file(fileId: number): RecordedFile {
    const f = this.files.get(fileId);
    if (!f) throw new Error(`unknown file id ${fileId}`);
    return f;
  }
}

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `loupe-tail-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until `count` lines arrived, or a while; never throws: the line check that follows says what is wrong. */
export async function waitForLines(sink: RecordingSink, count: number, timeoutMs = 15_000): Promise<void> {
  await waitFor(`${count} lines`, () => sink.lineCount() >= count, timeoutMs).catch(() => undefined);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs a Python program (argv after the script), resolving when it exits 0. */
export function runPython(script: string, args: string[] = []): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(PYTHON, ['-c', script, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveRun() : reject(new Error(`python exited ${code}: ${stderr}`))));
  });
}

/** Python preamble: numbered lines "n=<number> <padding>", paced so rotations are many but not instant. */
export const PY_LINES = `
import logging, os, sys, time
def numbered(logger, first, last, every=200, pause=0.002):
    for i in range(first, last + 1):
        logger.info("n=%06d %s", i, "x" * 40)
        if i % every == 0:
            time.sleep(pause)
def make_logger(handler):
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("loupe-test")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger
`;

const NUMBERED = /n=(\d{6})/;

/** A line's number, or its start quoted: for messages about lines that may be fragments. */
const label = (text: string): string => NUMBERED.exec(text)?.[1] ?? JSON.stringify(text.slice(0, 20));

export function numberOf(text: string): number {
  const m = NUMBERED.exec(text);
  if (!m) throw new Error(`not a numbered line: ${JSON.stringify(text.slice(0, 80))}`);
  return Number(m[1]);
}

/** Every expected number exactly once over all files, and increasing within each file; a line with
 *  no number only if it is one of `fragments` (what the files on disk hold, once each). */
export function expectEachOnceInOrder(sink: RecordingSink, expected: Iterable<number>, fragments: string[] = []): void {
  expect(sink.offsetErrors).toEqual([]);
  const seen = new Map<number, number>();
  const unnumbered: string[] = [];
  for (const f of sink.files.values()) {
    let prev = -1;
    for (const line of f.lines) {
      if (!NUMBERED.test(line.text)) {
        unnumbered.push(line.text);
        continue;
      }
      const n = numberOf(line.text);
      expect(n, `out of order in ${f.path}`).toBeGreaterThan(prev);
      prev = n;
      seen.set(n, (seen.get(n) ?? 0) + 1);
    }
  }
  const want = [...expected];
  const missing = want.filter((n) => !seen.has(n));
  const doubled = [...seen].filter(([, c]) => c > 1).map(([n]) => n);
  const extra = [...seen.keys()].filter((n) => !want.includes(n));
  const where = (n: number | undefined): string[] =>
    n === undefined
      ? []
      : [...sink.files.values()]
          .filter((f) => f.lines.some((l) => NUMBERED.test(l.text) && numberOf(l.text) === n))
          .map(
            (f) => `${f.fileId} ${f.path} ${label(f.lines[0]!.text)}..${label(f.lines.at(-1)!.text)} first end ${f.lines[0]!.endOffset}`,
          );
  if (doubled.length > 0) console.error('doubled', doubled[0], where(doubled[0]));
  if (missing[0] !== undefined) {
    console.error('missing', missing[0], missing.length, where(missing[0] - 1));
    for (const f of sink.files.values()) {
      const first = f.lines[0] ? label(f.lines[0].text) : null;
      const last = f.lines.at(-1) ? label(f.lines.at(-1)!.text) : null;
      console.error(`  file ${f.fileId} ${f.path} start ${f.startOffset} ${first}..${last} (${f.lines.length}) gone=${f.gone}`);
    }
  }
  const found = { missing: missing.slice(0, 20), missingCount: missing.length, doubled: doubled.slice(0, 20), extra: extra.slice(0, 20) };
  expect(found).toEqual({
    missing: [],
    missingCount: 0,
    doubled: [],
    extra: [],
  });
  expect(unnumbered.sort()).toEqual([...fragments].sort());
}

export function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** The lines of a folder's (uncompressed) files that hold no number: the start of a record cut off
 *  by copytruncate, whose copy can read a write half done (a write that crosses a page boundary
 *  grows the file a page at a time), the rest of it then truncated away. A tailer must deliver
 *  them as they are, once. */
export async function fragmentsOnDisk(dir: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix) || name.endsWith('.gz')) continue;
    const text = (await readFile(join(dir, name), 'latin1')).replace(/\0/g, '');
    for (const line of text.split('\n')) if (line !== '' && !NUMBERED.test(line)) out.push(line);
  }
  return out;
}

/** The numbers found in the (uncompressed) files of a folder: what logrotate left after losing some itself. */
export async function numbersOnDisk(dir: string, prefix: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix) || name.endsWith('.gz')) continue;
    const text = (await readFile(join(dir, name), 'latin1')).replace(/\0/g, '');
    for (const m of text.matchAll(/n=(\d{6})/g)) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

/** Fails (never skips) when logrotate is missing: it may still be installing, so wait a little first. */
export async function requireLogrotate(): Promise<void> {
  const until = Date.now() + 60_000;
  while (!existsSync(LOGROTATE)) {
    if (Date.now() > until) throw new Error(`${LOGROTATE} is missing: install Debian's logrotate (apt-get install logrotate)`);
    await sleep(2000);
  }
}

export async function writeLogrotateConfig(dir: string, logPath: string, directives: string[]): Promise<string> {
  const conf = join(dir, 'logrotate.conf');
  await writeFile(conf, `${logPath} {\n${directives.map((d) => `  ${d}\n`).join('')}}\n`, { mode: 0o644 });
  return conf;
}

export function runLogrotate(dir: string, conf: string): void {
  const res = spawnSync(LOGROTATE, ['-f', '-s', join(dir, 'logrotate.state'), conf], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`logrotate failed (${res.status}): ${res.stderr}`);
}

/** Lines numbered first..last (`n=000042`), in the python format, each the same length. */
export function lines(first: number, last: number): string {
  return range(first, last)
    .map((n) => `2026-11-30 01:00:00 INFO n=${String(n).padStart(6, '0')} ${'y'.repeat(30)}\n`)
    .join('');
}
