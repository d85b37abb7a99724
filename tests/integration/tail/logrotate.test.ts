// The tailer against a real logrotate run several times while Python writes.
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COMPRESSED_BACKUP_PROBLEM, createFileSource } from '../../../electron/engine/ingest/files/file-source.js';
import {
  expectEachOnceInOrder,
  fragmentsOnDisk,
  numbersOnDisk,
  PY_LINES,
  range,
  RecordingSink,
  requireLogrotate,
  runLogrotate,
  runPython,
  sleep,
  tempDir,
  waitForLines,
  writeLogrotateConfig,
} from './tail-helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

beforeAll(async () => {
  await requireLogrotate();
}, 70_000);

/** Runs the Python writer while logrotate runs `times` times, spread over the writing. */
async function writeWhileRotating(script: string, args: string[], rotate: () => void, times: number, everyMs: number): Promise<void> {
  const writer = runPython(script, args);
  let done = false;
  void writer.finally(() => (done = true)).catch(() => undefined);
  for (let i = 0; i < times && !done; i++) {
    await sleep(everyMs);
    rotate();
  }
  await writer;
}

/**
 * A WatchedFileHandler writes `total` numbered lines to `<dir>/[logs/]app.log` while logrotate runs
 * with `directives` six times; the tailer follows the file (or the folder, with `folder`).
 * Returns when every line arrived.
 */
async function watchedHandlerThroughLogrotate(
  name: string,
  directives: string[],
  opts: { folder?: boolean; total?: number } = {},
): Promise<{ sink: RecordingSink; logs: string; total: number }> {
  const { dir, cleanup } = await tempDir(name);
  const logs = opts.folder ? join(dir, 'logs') : dir;
  if (opts.folder) await mkdir(logs);
  const log = join(logs, 'app.log');
  const conf = await writeLogrotateConfig(dir, log, directives);
  const sink = new RecordingSink();
  const source = createFileSource({ path: opts.folder ? logs : log, known: [], sink, pollMs: 100, idleMs: 300 });
  cleanups.push(cleanup, () => source.stop());
  await source.start();
  const total = opts.total ?? 20_000;
  await writeWhileRotating(
    `${PY_LINES}
from logging.handlers import WatchedFileHandler
numbered(make_logger(WatchedFileHandler(sys.argv[1])), 1, ${total}, every=100, pause=0.01)
`,
    [log],
    () => runLogrotate(dir, conf),
    6,
    300,
  );
  await waitForLines(sink, total);
  return { sink, logs, total };
}

describe('tailing through logrotate', () => {
  it('WatchedFileHandler + logrotate create: rename, the writer reopens', async () => {
    const { sink, total } = await watchedHandlerThroughLogrotate('lr-create', ['rotate 50', 'create', 'missingok']);
    await sleep(300);
    expectEachOnceInOrder(sink, range(1, total));
    expect(sink.files.size).toBeGreaterThanOrEqual(3);
  });

  for (const [mode, extension] of [
    ['a', false],
    ['w', false],
    ['a', true],
  ] as const) {
    it(`copytruncate (writer opened with mode '${mode}'${extension ? ', backups named app.N.log' : ''}): the copy's tail is recovered, the file re-read from 0${mode === 'w' ? ' past the NULs' : ''}`, async () => {
      const { dir, cleanup } = await tempDir(`lr-copytruncate-${mode}`);
      const log = join(dir, 'app.log');
      const conf = await writeLogrotateConfig(dir, log, [
        'rotate 50',
        'copytruncate',
        'missingok',
        ...(extension ? ['extension .log'] : []),
      ]);
      const sink = new RecordingSink();
      const source = createFileSource({ path: log, known: [], sink, pollMs: 100, idleMs: 300 });
      cleanups.push(cleanup, () => source.stop());
      await source.start();
      const total = 15_000;
      await writeWhileRotating(
        `${PY_LINES}
numbered(make_logger(logging.FileHandler(sys.argv[1], mode="${mode}")), 1, ${total}, every=100, pause=0.01)
`,
        [log],
        () => runLogrotate(dir, conf),
        5,
        300,
      );
      // copytruncate itself loses what is written between the copy and the truncation: expect what is on disk.
      const onDisk = await numbersOnDisk(dir, 'app');
      if (extension) expect((await readdir(dir)).filter((n) => /^app\.\d+\.log$/.test(n)).length).toBeGreaterThanOrEqual(3);
      // (How much copytruncate loses depends on the machine's load: this only checks the run was
      // not mostly lost; what Loupe must do is below, line by line.)
      expect(onDisk.length).toBeGreaterThan(total * 0.8);
      await waitForLines(sink, onDisk.length);
      await sleep(300);
      expectEachOnceInOrder(sink, onDisk, await fragmentsOnDisk(dir, 'app'));
      const file = [...sink.files.values()].find((f) => f.path === log)!;
      expect(file.truncations.length).toBeGreaterThanOrEqual(3);
      if (mode === 'w') expect(file.truncations.some((o) => o > 0) || file.lines.every((l) => !l.text.includes('\0'))).toBe(true);
      expect(sink.allTexts().some((t) => t.includes('\0'))).toBe(false);
      expect(sink.files.size).toBe(1); // siblings of a file source are not sources
    });
  }

  it('folder source with compress + delaycompress: .gz backups are never read, each line once', async () => {
    const { sink, logs, total } = await watchedHandlerThroughLogrotate(
      'lr-delaycompress',
      ['rotate 50', 'create', 'compress', 'delaycompress', 'missingok'],
      {
        folder: true,
      },
    );
    await sleep(1500);
    expectEachOnceInOrder(sink, range(1, total));
    const gz = (await readdir(logs)).filter((n) => n.endsWith('.gz'));
    expect(gz.length).toBeGreaterThanOrEqual(2);
    for (const name of gz) {
      expect(sink.problems).toContainEqual({ fileId: null, path: join(logs, name), problem: COMPRESSED_BACKUP_PROBLEM });
    }
    // app.log.1 files that were compressed away were drained and reported gone.
    expect([...sink.files.values()].filter((f) => f.gone).length).toBeGreaterThanOrEqual(1);
  });
});
