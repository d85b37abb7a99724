// The tailer against Python's own rotating handlers, writing fast enough to rotate many times.
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileSource, type FileSource } from '../../../electron/engine/ingest/files/file-source.js';
import { expectEachOnceInOrder, PY_LINES, range, RecordingSink, runPython, tempDir, waitFor, waitForLines } from './tail-helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup(prefix: string, watchPath: (dir: string) => string, pollMs = 100) {
  const { dir, cleanup } = await tempDir(prefix);
  const sink = new RecordingSink();
  const source: FileSource = createFileSource({ path: watchPath(dir), known: [], sink, pollMs, idleMs: 300 });
  cleanups.push(cleanup, () => source.stop());
  return { dir, sink, source };
}

describe('tailing Python logging handlers', () => {
  it('RotatingFileHandler: every line exactly once through many rename-chain rotations (file path)', async () => {
    const { dir, sink, source } = await setup('rotating', (d) => join(d, 'app.log'));
    const log = join(dir, 'app.log');
    await writeFile(log, '');
    await source.start();
    const total = 30_000;
    await runPython(
      `${PY_LINES}
from logging.handlers import RotatingFileHandler
logger = make_logger(RotatingFileHandler(sys.argv[1], maxBytes=40000, backupCount=1000))
numbered(logger, 1, ${total})
`,
      [log],
    );
    await waitForLines(sink, total);
    await new Promise((r) => setTimeout(r, 400));
    expectEachOnceInOrder(sink, range(1, total));
    expect(sink.files.size).toBeGreaterThan(30); // it really rotated, and each generation is its own file
    expect(source.state()).toBe('watching');
  });

  it('RotatingFileHandler with a small backupCount: a reused inode is a new file, not a resumed one (folder)', async () => {
    const { dir, sink, source } = await setup('rotating-folder', (d) => d);
    await source.start();
    const total = 15_000;
    const log = join(dir, 'app.log');
    // Each generation is deleted 8 rotations after it was written: a file no reader opened by then
    // is lost to any reader. At ~3k lines/s (~250 ms a generation) that leaves 2 s to open it; at
    // 10k lines/s the 0.6 s left was missed once under the full suite's load (2 generations lost).
    await runPython(
      `${PY_LINES}
from logging.handlers import RotatingFileHandler
logger = make_logger(RotatingFileHandler(sys.argv[1], maxBytes=60000, backupCount=8))
numbered(logger, 1, ${total}, every=100, pause=0.03)
`,
      [log],
    );
    await waitForLines(sink, total);
    await new Promise((r) => setTimeout(r, 400));
    expectEachOnceInOrder(sink, range(1, total));
    expect(sink.files.size).toBeGreaterThan(10);
    // Renamed backups are the same files under new names, not new files.
    const names = [...sink.files.values()].map((f) => f.path.slice(dir.length + 1));
    expect(names.filter((n) => n === 'app.log')).toHaveLength(1);
  });

  it('TimedRotatingFileHandler: date-suffixed backups every second', async () => {
    const { dir, sink, source } = await setup('timed', (d) => join(d, 'app.log'));
    const log = join(dir, 'app.log');
    await source.start();
    const total = 20_000;
    await runPython(
      `${PY_LINES}
from logging.handlers import TimedRotatingFileHandler
logger = make_logger(TimedRotatingFileHandler(sys.argv[1], when="S", interval=1, backupCount=0))
numbered(logger, 1, ${total}, every=100, pause=0.015)
`,
      [log],
    );
    await waitForLines(sink, total);
    await new Promise((r) => setTimeout(r, 400));
    expectEachOnceInOrder(sink, range(1, total));
    expect(sink.files.size).toBeGreaterThanOrEqual(2);
  });

  it('delete-and-recreate: the deleted file is drained, the new one read from 0', async () => {
    const { dir, sink, source } = await setup('recreate', (d) => join(d, 'app.log'));
    const log = join(dir, 'app.log');
    await source.start();
    await runPython(
      `${PY_LINES}
for gen in range(6):
    handler = logging.FileHandler(sys.argv[1])
    logger = make_logger(handler)
    numbered(logger, gen * 3000 + 1, gen * 3000 + 3000, every=500, pause=0.01)
    handler.close()
    os.remove(sys.argv[1])
    time.sleep(0.05)
`,
      [log],
    );
    await waitForLines(sink, 18_000);
    expectEachOnceInOrder(sink, range(1, 18_000));
    await waitFor('deleted files gone', () => [...sink.files.values()].every((f) => f.gone));
    expect(source.state()).toBe('missing');
  });

  it('a file that appears later, in a folder that appears later', async () => {
    const { dir, sink, source } = await setup('later', (d) => join(d, 'not', 'yet', 'app.log'));
    await source.start();
    expect(source.state()).toBe('missing');
    await new Promise((r) => setTimeout(r, 300));
    await mkdir(join(dir, 'not', 'yet'), { recursive: true });
    const log = join(dir, 'not', 'yet', 'app.log');
    await runPython(`${PY_LINES}\nnumbered(make_logger(logging.FileHandler(sys.argv[1])), 1, 5000)\n`, [log]);
    await waitForLines(sink, 5000);
    expectEachOnceInOrder(sink, range(1, 5000));
    expect(source.state()).toBe('watching');
    await unlink(log);
    await waitFor('missing again', () => source.state() === 'missing');
  });

  it('a folder that appears later is read whole, every file in it', async () => {
    const { dir, sink, source } = await setup('folder-later', (d) => join(d, 'logs'));
    await source.start();
    expect(source.state()).toBe('missing');
    await mkdir(join(dir, 'logs', 'sub'), { recursive: true });
    await runPython(
      `${PY_LINES}
numbered(make_logger(logging.FileHandler(sys.argv[1])), 1, 3000)
numbered(make_logger(logging.FileHandler(sys.argv[2])), 3001, 6000)
`,
      [join(dir, 'logs', 'a.log'), join(dir, 'logs', 'sub', 'b.log')],
    );
    await waitForLines(sink, 6000);
    expectEachOnceInOrder(sink, range(1, 6000));
    expect(sink.files.size).toBe(2);
    expect(source.state()).toBe('watching');
  });
});
