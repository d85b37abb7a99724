// copytruncate run more than once between two looks of the tailer (a loaded machine, fast
// rotations): the generation it was reading is finished from its copy, the generations it never
// saw are read whole from theirs, in order, then the live file from its new start. The rotations
// are done synchronously in this process on a test clock, so no pass can look between them.
import { closeSync, copyFileSync, openSync, readdirSync, renameSync, truncateSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { createFileSource } from '../../../electron/engine/ingest/files/file-source.js';
import type { KnownFile } from '../../../electron/engine/core/file-identity.js';
import type { SourceLine } from '../../../electron/engine/ingest/files/parse/types.js';
import { expectEachOnceInOrder, lines, numberOf, range, RecordingSink, sleep, tempDir, waitFor } from './tail-helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

/** What logrotate's copytruncate does, synchronously: shift app.log.N up, copy app.log to app.log.1, truncate app.log. */
function copytruncate(dir: string): void {
  const numbers = readdirSync(dir)
    .map((n) => /^app\.log\.(\d+)$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
  for (const n of numbers) renameSync(join(dir, `app.log.${n}`), join(dir, `app.log.${n + 1}`));
  copyFileSync(join(dir, 'app.log'), join(dir, 'app.log.1'));
  truncateSync(join(dir, 'app.log'), 0);
}

/** Keeps the checkpoint the store holds right after line `n`: what a crash there leaves. */
class CheckpointAfter extends RecordingSink {
  checkpoint: KnownFile | null = null;

  constructor(private readonly n: number) {
    super();
  }

  override lines(fileId: number, lines: SourceLine[]): void | Promise<void> {
    const line = lines.find((l) => numberOf(l.text) === this.n);
    const file = this.files.get(fileId);
    if (line && file) this.checkpoint = { ...file.identity, fileId, path: file.path, offset: line.endOffset };
    return super.lines(fileId, lines);
  }
}

describe('copytruncate twice between two looks', () => {
  for (const mode of ['a', 'w'] as const) {
    it(`writer opened with mode '${mode}': each generation's lines once, in order; an older backup is not read`, async () => {
      const { dir, cleanup } = await tempDir(`ct-twice-${mode}`);
      cleanups.push(cleanup);
      const log = join(dir, 'app.log');
      // A backup from before the source started: not read, even once renamed by the rotations.
      const old = join(dir, 'app.log.1');
      writeFileSync(old, lines(999_001, 999_010));
      utimesSync(old, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
      // Mode 'w' (no O_APPEND): after a truncation the writer goes on at its old position, leaving NULs.
      const fd = openSync(log, mode);
      cleanups.push(async () => closeSync(fd));
      const write = (first: number, last: number): void => void writeSync(fd, lines(first, last));
      write(1, 100);

      const clock = new TestClock(Date.now());
      const sink = new CheckpointAfter(350);
      const source = createFileSource({ path: log, known: [], sink, pollMs: 100, idleMs: 300, scheduler: new Scheduler(clock) });
      cleanups.push(() => source.stop());
      await source.start();
      const seen = (n: number) => () => sink.allTexts().some((t) => t.includes(`n=${String(n).padStart(6, '0')}`));
      await waitFor('line 100', seen(100));

      // One rotation a poll sees (with mode 'w' the file restarts past a NUL run longer than its fingerprint).
      write(101, 150);
      copytruncate(dir);
      write(151, 250);
      await clock.advance(100);
      await waitFor('line 250', seen(250));

      // Two rotations before the next poll: 301..400 live only in the second copy.
      write(251, 300);
      copytruncate(dir);
      write(301, 400);
      copytruncate(dir);
      write(401, 450);
      await clock.advance(100);
      await waitFor('line 450', seen(450)).catch(() => undefined);
      // Later passes find nothing more to read.
      await clock.advance(1000);
      await sleep(300);

      expectEachOnceInOrder(sink, range(1, 450));
      expect(sink.allTexts().some((t) => t.includes('\0'))).toBe(false);
      expect(sink.files.size).toBe(1);
      expect([...sink.files.values()][0]!.truncations).toHaveLength(3);

      // Killed right after line 350 (read from the second copy): the next start goes on from there.
      await source.stop();
      const checkpoint = sink.checkpoint!;
      const resumed = new RecordingSink();
      resumed.registerFile(checkpoint.path, checkpoint, checkpoint.offset);
      const again = createFileSource({
        path: log,
        known: [checkpoint],
        sink: resumed,
        pollMs: 100,
        idleMs: 300,
        scheduler: new Scheduler(clock),
      });
      cleanups.push(() => again.stop());
      await again.start();
      await waitFor('line 450 again', () => resumed.allTexts().some((t) => t.includes('n=000450'))).catch(() => undefined);
      await clock.advance(1000);
      await sleep(300);
      expectEachOnceInOrder(resumed, range(351, 450));
    }, 30_000);

    it(`writer opened with mode '${mode}', both rotations while Loupe was stopped: resumed, each line once, in order`, async () => {
      const { dir, cleanup } = await tempDir(`ct-twice-stopped-${mode}`);
      cleanups.push(cleanup);
      const log = join(dir, 'app.log');
      const fd = openSync(log, mode);
      cleanups.push(async () => closeSync(fd));
      const write = (first: number, last: number): void => void writeSync(fd, lines(first, last));
      write(1, 100);
      const sink = new RecordingSink();
      const clock = new TestClock(Date.now());
      const run = async () => {
        const source = createFileSource({
          path: log,
          known: sink.known(),
          sink,
          pollMs: 100,
          idleMs: 300,
          scheduler: new Scheduler(clock),
        });
        cleanups.push(() => source.stop());
        await source.start();
        return source;
      };
      const seen = (n: number) => () => sink.allTexts().some((t) => t.includes(`n=${String(n).padStart(6, '0')}`));
      const first = await run();
      await waitFor('line 100', seen(100));
      await first.stop();

      write(101, 150);
      copytruncate(dir);
      write(151, 250);
      copytruncate(dir);
      write(251, 300);
      await run();
      await waitFor('line 300', seen(300)).catch(() => undefined);
      await clock.advance(1000);
      await sleep(300);

      expectEachOnceInOrder(sink, range(1, 300));
      expect(sink.allTexts().some((t) => t.includes('\0'))).toBe(false);
      expect(sink.files.size).toBe(1);
    }, 30_000);
  }
});
