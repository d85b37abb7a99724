// Resuming from committed offsets, and the per-file rules: partial lines, limits, binary and
// unreadable files, backpressure.
import { appendFile, chmod, rename, writeFile, unlink, symlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileSource, FINGERPRINT_BYTES } from '../../../electron/engine/ingest/files/file-source.js';
import { hashBytes } from '../../../electron/engine/ingest/files/fingerprint.js';
import { expectEachOnceInOrder, lines, PY_LINES, range, RecordingSink, runPython, sleep, tempDir, waitFor } from './tail-helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function run(path: string, sink: RecordingSink, known = sink.known(), extra: { idleMs?: number; maxLineBytes?: number } = {}) {
  const source = createFileSource({ path, known, sink, pollMs: 50, idleMs: extra.idleMs ?? 200, maxLineBytes: extra.maxLineBytes });
  cleanups.push(() => source.stop());
  await source.start();
  return source;
}

describe('resuming from known files', () => {
  it('resumes from the committed offset after stop, growing the fingerprint as the file grows', async () => {
    const { dir, cleanup } = await tempDir('resume');
    cleanups.push(cleanup);
    const log = join(dir, 'app.log');
    await writeFile(log, lines(1, 5));
    const sink = new RecordingSink();
    let source = await run(log, sink, []);
    await waitFor('first lines', () => sink.lineCount() >= 5);
    const [file] = [...sink.files.values()];
    expect(file!.identity.fpLen).toBeLessThan(FINGERPRINT_BYTES);
    await appendFile(log, lines(6, 3000));
    await waitFor('more lines', () => sink.lineCount() >= 3000);
    await waitFor('fingerprint grown', () => file!.identity.fpLen === FINGERPRINT_BYTES);
    await source.stop();
    await appendFile(log, lines(3001, 6000));
    source = await run(log, sink);
    await waitFor('resumed lines', () => sink.lineCount() >= 6000);
    await sleep(200);
    expectEachOnceInOrder(sink, range(1, 6000));
    expect(sink.files.size).toBe(1);
  });

  it('after a rotation while stopped: the known file is resumed under its new name, the new file read from 0', async () => {
    const { dir, cleanup } = await tempDir('resume-rotated');
    cleanups.push(cleanup);
    const log = join(dir, 'app.log');
    await writeFile(join(dir, 'app.log.7'), lines(900_001, 900_010)); // an old backup: not read
    const sink = new RecordingSink();
    let source = await run(log, sink, []);
    await runPython(
      `${PY_LINES}\nnumbered(make_logger(logging.handlers.RotatingFileHandler(sys.argv[1], maxBytes=200000, backupCount=9)), 1, 2000)\n`.replace(
        'import logging,',
        'import logging, logging.handlers,',
      ),
      [log],
    );
    await waitFor('first lines', () => sink.lineCount() >= 2000);
    await source.stop();
    // While Loupe is down the writer goes on and rotates twice (the second backup was never seen).
    await runPython(
      `${PY_LINES}
import logging.handlers
h = logging.handlers.RotatingFileHandler(sys.argv[1], maxBytes=200000, backupCount=9)
logger = make_logger(h)
numbered(logger, 2001, 2500)
h.doRollover()
numbered(logger, 2501, 3000)
h.doRollover()
numbered(logger, 3001, 3500)
`,
      [log],
    );
    source = await run(log, sink);
    await waitFor('all lines', () => sink.lineCount() >= 3500);
    await sleep(300);
    expectEachOnceInOrder(sink, range(1, 3500));
    const first = sink.files.get(1)!;
    expect(first.path).toBe(join(dir, 'app.log.2'));
    await waitFor('rotated file gone', () => first.gone);
  });

  it('a known dev+ino whose first bytes differ is a new file (inode reuse), and the known one is gone', async () => {
    const { dir, cleanup } = await tempDir('reuse');
    cleanups.push(cleanup);
    const log = join(dir, 'app.log');
    await writeFile(log, lines(1, 100));
    const sink = new RecordingSink();
    const { statSync } = await import('node:fs');
    const st = statSync(log);
    const stale = {
      fileId: 999,
      path: log,
      dev: st.dev,
      ino: st.ino,
      fpLen: 20,
      fpHash: hashBytes(Buffer.from('something else here!')),
      offset: 50,
    };
    sink.files.set(999, {
      fileId: 999,
      path: log,
      identity: stale,
      startOffset: 0,
      lines: [],
      idles: 0,
      truncations: [],
      gone: false,
      lastEnd: 0,
    });
    await run(log, sink, [stale]);
    await waitFor('lines', () => sink.lineCount() >= 100);
    expectEachOnceInOrder(sink, range(1, 100));
    expect(sink.files.get(999)!.gone).toBe(true);
    expect(sink.files.get(999)!.lines).toHaveLength(0);
  });
});

describe('lines and files', () => {
  it('a partial last line is emitted after idleMs, at the file size, then idle; never twice', async () => {
    const { dir, cleanup } = await tempDir('partial');
    cleanups.push(cleanup);
    const log = join(dir, 'app.log');
    await writeFile(log, 'one\r\ntwo without newline');
    const sink = new RecordingSink();
    await run(log, sink, [], { idleMs: 300 });
    await waitFor('first line', () => sink.lineCount() >= 1);
    const file = sink.files.get(1)!;
    expect(file.lines).toEqual([{ text: 'one', endOffset: 5 }]);
    await waitFor('partial flushed', () => sink.lineCount() >= 2);
    expect(file.lines[1]).toEqual({ text: 'two without newline', endOffset: 24 });
    await waitFor('idle', () => file.idles >= 1);
    await appendFile(log, '\nthree\n');
    await waitFor('third', () => sink.lineCount() >= 3);
    await sleep(400);
    expect(file.lines.map((l) => l.text)).toEqual(['one', 'two without newline', 'three']);
    expect(file.idles).toBeGreaterThanOrEqual(2);
  });

  it('a partial line is flushed when its file is rotated away, then idle', async () => {
    const { dir, cleanup } = await tempDir('partial-rotated');
    cleanups.push(cleanup);
    const log = join(dir, 'app.log');
    await writeFile(log, 'full\npart');
    const sink = new RecordingSink();
    await run(log, sink, [], { idleMs: 60_000 });
    await waitFor('first line', () => sink.lineCount() >= 1);
    await rename(log, `${log}.1`);
    await waitFor('flushed', () => sink.lineCount() >= 2);
    expect(sink.files.get(1)!.lines[1]).toEqual({ text: 'part', endOffset: 9 });
    expect(sink.files.get(1)!.idles).toBe(1);
  });

  it('cuts lines at maxLineBytes, flags invalid UTF-8, never throws', async () => {
    const { dir, cleanup } = await tempDir('limits');
    cleanups.push(cleanup);
    const log = join(dir, 'app.log');
    await writeFile(log, Buffer.concat([Buffer.from(`${'a'.repeat(5000)}\nok\nbad `), Buffer.from([0xff]), Buffer.from('\n')]));
    const sink = new RecordingSink();
    await run(log, sink, [], { maxLineBytes: 100 });
    await waitFor('lines', () => sink.lineCount() >= 3);
    expect(sink.files.get(1)!.lines).toEqual([
      { text: 'a'.repeat(100), endOffset: 5001, truncated: true },
      { text: 'ok', endOffset: 5004 },
      { text: 'bad \uFFFD', endOffset: 5010, invalidUtf8: true },
    ]);
  });

  it('waits for the sink before reading more (backpressure)', async () => {
    const { dir, cleanup } = await tempDir('backpressure');
    cleanups.push(cleanup);
    const log = join(dir, 'app.log');
    await writeFile(log, lines(1, 60_000)); // several 1 MiB reads
    const sink = new RecordingSink();
    sink.slowMs = 30;
    await run(log, sink, []);
    await waitFor('lines', () => sink.lineCount() >= 60_000);
    expect(sink.maxInFlight).toBe(1);
    expectEachOnceInOrder(sink, range(1, 60_000));
  });

  it('skips binary files with a problem, reads the text files beside them (folder)', async () => {
    const { dir, cleanup } = await tempDir('binary');
    cleanups.push(cleanup);
    await writeFile(join(dir, 'core.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]));
    await writeFile(join(dir, 'app.log'), lines(1, 10));
    const sink = new RecordingSink();
    await run(dir, sink, []);
    await waitFor('lines', () => sink.lineCount() >= 10);
    await sleep(300);
    expect(sink.problems.filter((p) => p.path === join(dir, 'core.bin'))).toEqual([
      { fileId: null, path: join(dir, 'core.bin'), problem: 'binary file: it contains NUL bytes' },
    ]);
    expect(sink.files.size).toBe(1);
  });

  it('reports an unreadable file with the OS error, retries on the poll and clears the problem', async () => {
    const { dir, cleanup } = await tempDir('unreadable');
    cleanups.push(cleanup);
    const log = join(dir, 'app.log');
    // A symlink loop is unreadable even for root (ELOOP), like EACCES is for a normal user.
    await symlink(log, log);
    const sink = new RecordingSink();
    const source = await run(log, sink, []);
    await waitFor('problem', () => sink.problems.some((p) => p.problem?.includes('ELOOP')));
    expect(source.state()).toBe('error');
    expect(source.error()).toMatch(/ELOOP/);
    await unlink(log);
    await writeFile(log, lines(1, 3));
    await waitFor('lines', () => sink.lineCount() >= 3);
    await waitFor('cleared', () => sink.problems.at(-1)?.problem === null);
    expect(sink.problems.at(-1)).toEqual({ fileId: 1, path: log, problem: null });
    expect(source.state()).toBe('watching');
    expect(source.error()).toBeNull();
  });

  it('reports EACCES for a file in a folder when not running as root', async () => {
    const { dir, cleanup } = await tempDir('eacces');
    cleanups.push(cleanup);
    await mkdir(join(dir, 'logs'));
    const log = join(dir, 'logs', 'app.log');
    await writeFile(log, lines(1, 3));
    await chmod(log, 0o000);
    const isRoot = process.getuid?.() === 0;
    const sink = new RecordingSink();
    await run(join(dir, 'logs'), sink, []);
    if (isRoot) {
      // root reads anyway: the file is simply read (the ELOOP test covers the problem path).
      await waitFor('lines', () => sink.lineCount() >= 3);
      return;
    }
    await waitFor('problem', () => sink.problems.some((p) => p.problem?.includes('EACCES')));
    await chmod(log, 0o644);
    await waitFor('lines', () => sink.lineCount() >= 3);
    expect(sink.problems.at(-1)).toEqual({ fileId: 1, path: log, problem: null });
  });
});
