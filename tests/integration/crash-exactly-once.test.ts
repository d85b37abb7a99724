// kill -9 the real server while a real Python program logs (with rotations and tracebacks);
// restart it; every line must be stored exactly once.
import { appendFileSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startServe, waitFor, type ServeProcess } from '../support/serve-process.js';
import type { LogPage } from '../../shared/model.js';

const LINES = 30_000;

const WRITER = `
import logging, logging.handlers, sys, time
log = logging.getLogger("app.worker")
h = logging.handlers.RotatingFileHandler(sys.argv[1], maxBytes=400_000, backupCount=50)
h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
log.addHandler(h); log.setLevel(logging.INFO)
for i in range(1, ${LINES} + 1):
    if i % 500 == 0:
        try:
            raise ValueError(f"bad value {i}")
        except ValueError:
            log.exception("line %06d failed", i)
    else:
        log.info("line %06d ok", i)
    if i % 50 == 0:
        time.sleep(0.01)
`;

/** The line numbers stored, and how many records carry a folded ValueError traceback. */
async function allNumbers(server: ServeProcess): Promise<number[] & { tracebacks?: number }> {
  const numbers: number[] & { tracebacks?: number } = [];
  numbers.tracebacks = 0;
  let cursor: string | null = '';
  while (cursor !== null) {
    const page: LogPage = await server.get<LogPage>(`/api/logs?limit=5000${cursor ? `&cursor=${cursor}` : ''}`);
    for (const r of page.records) {
      const m = /^line (\d{6})/.exec(r.message);
      if (m) numbers.push(Number(m[1]));
      if (r.exception?.type === 'ValueError' && r.message.includes('Traceback (most recent call last)')) numbers.tracebacks!++;
    }
    cursor = page.nextCursor;
  }
  return numbers;
}

describe('crash safety', () => {
  it('stores every line exactly once across kill -9 during ingest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-crash-'));
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const script = join(dir, 'writer.py');
    writeFileSync(script, WRITER);
    const dataDir = join(dir, 'data');

    const writer = spawn('/usr/bin/python3', [script, join(logs, 'app.log')], { stdio: 'inherit' });
    const writerDone = new Promise<number | null>((resolve) => writer.once('exit', resolve));

    let server = await startServe(['--data-dir', dataDir, '--poll-ms', '50', logs]);
    // Kill it at random moments while the writer writes and rotates (~6 s).
    for (let kill = 0; kill < 8; kill++) {
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 500));
      await server.stop('SIGKILL');
      server = await startServe(['--data-dir', dataDir, '--poll-ms', '50']);
    }
    expect(await writerDone).toBe(0);

    const numbers = await waitFor(
      async () => {
        const n = await allNumbers(server);
        return n.length >= LINES ? n : undefined;
      },
      60_000,
      `all ${LINES} lines`,
    );
    await server.stop();

    const seen = new Map<number, number>();
    for (const n of numbers) seen.set(n, (seen.get(n) ?? 0) + 1);
    const missing = [];
    const doubled = [];
    for (let i = 1; i <= LINES; i++) {
      const c = seen.get(i) ?? 0;
      if (c === 0) missing.push(i);
      if (c > 1) doubled.push(i);
    }
    expect({ missing: missing.slice(0, 20), doubled: doubled.slice(0, 20) }).toEqual({ missing: [], doubled: [] });
    expect(numbers.length).toBe(LINES);
    // Tracebacks stayed folded into their record, even when a kill fell in the middle of one.
    expect(numbers.tracebacks).toBe(LINES / 500);
  });

  it('stops cleanly on SIGTERM and resumes where it stopped, with lines written while it was down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-term-'));
    const file = join(dir, 'app.log');
    const line = (i: number): string => `2026-11-30 10:00:00,${String(i).padStart(3, '0')} INFO app: line ${String(i).padStart(6, '0')}\n`;
    let text = '';
    for (let i = 1; i <= 100; i++) text += line(i);
    writeFileSync(file, text);
    const dataDir = join(dir, 'data');
    let server = await startServe(['--data-dir', dataDir, file]);
    await waitFor(async () => ((await allNumbers(server)).length === 100 ? true : undefined));
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.output()).toMatch(/stopping/);

    text = '';
    for (let i = 101; i <= 150; i++) text += line(i);
    appendFileSync(file, text);
    server = await startServe(['--data-dir', dataDir]);
    const numbers = await waitFor(async () => {
      const n = await allNumbers(server);
      return n.length >= 150 ? n : undefined;
    });
    expect(numbers.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    // A second loupe serve on the same data would store every line again: it is refused, clearly.
    await expect(startServe(['--data-dir', dataDir])).rejects.toThrow(/exited with 2[\s\S]*Another Loupe \(process \d+\) is using/);
    expect(await server.stop('SIGINT')).toBe(0);
  });
});
