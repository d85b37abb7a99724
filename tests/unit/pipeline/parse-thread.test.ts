// A big file's older part is split and parsed in the parse thread: the records that come back are
// the ones parsing on the engine's loop makes, however the reads cut lines and UTF-8 characters;
// and when the thread dies in the middle, the part is read again from the last record kept and
// every line is stored exactly once. The file is written by Python's logging (tracebacks, non-ASCII
// text); the thread is the built one (`npm run build:node`), as tsc and the engine's bundle make it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { EventBus } from '../../../electron/engine/core/events.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { Backfill } from '../../../electron/engine/ingest/files/file-reader.js';
import { LineSplitter } from '../../../electron/engine/ingest/files/line-splitter.js';
import { createAssembler } from '../../../electron/engine/ingest/files/parse/assembler.js';
import type { AssembledRecord } from '../../../electron/engine/ingest/files/parse/types.js';
import { LogPipeline } from '../../../electron/engine/ingest/files/pipeline/log-pipeline.js';
import { ParseHost } from '../../../electron/engine/ingest/files/pipeline/parse-host.js';
import type { ParseReply, ParseRequest } from '../../../electron/engine/ingest/files/pipeline/parse-streams.js';
import { decodeRecords } from '../../../electron/engine/ingest/files/pipeline/record-codec.js';
import { SourceStore } from '../../../electron/engine/ingest/source-store.js';
import { LogWriter } from '../../../electron/engine/signals/logs/log-writer.js';
import { assertBuilt, ROOT } from '../../support/serve-process.js';

const WRITER = `
import logging, sys
h = logging.FileHandler(sys.argv[1], encoding="utf-8")
h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
log = logging.getLogger("app.käse"); log.addHandler(h); log.setLevel(logging.DEBUG)
for n in range(6000):
    if n % 97 == 5:
        try:
            raise KeyError(f"clé {n} – 日本")
        except KeyError:
            log.exception("record %05d failed: ünïcödé", n)
    else:
        log.info("record %05d ok ✓ naïve café", n)
`;
const READ_TIME_US = Date.UTC(2026, 10, 30, 10) * 1000;
const THREAD = join(ROOT, 'out/node/electron/engine/ingest/files/pipeline/parse-worker.js');
/** The same thread as `loupe serve` and the desktop app start it: from the engine's bundle. */
const BUNDLED_THREAD = join(ROOT, 'out/engine/parse-worker.js');

let dir: string;
let file: string;
let bytes: Buffer;
/** The records parsing on the loop makes of the whole file at once (no read boundaries). */
let expected: AssembledRecord[];

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'loupe-parse-thread-'));
  file = join(dir, 'app.log');
  execFileSync('/usr/bin/python3', ['-c', WRITER, file]);
  bytes = readFileSync(file);
  const assembler = createAssembler();
  expected = [];
  for (const line of new LineSplitter().push(bytes, 0)) expected.push(...assembler.push(line, READ_TIME_US));
  expected.push(...assembler.flush());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sends the file in reads of `readBytes` (cutting lines and multi-byte characters) and collects the records, in order. */
async function parseAll(host: ParseHost, readBytes: number): Promise<AssembledRecord[]> {
  const records: AssembledRecord[] = [];
  let pending = 0;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const send = (req: ParseRequest): void => {
    pending++;
    host.send(req, (reply: ParseReply) => {
      expect(reply.error).toBeUndefined();
      records.push(...decodeRecords(reply.records));
      if (--pending === 0) allDone();
    });
  };
  send({ op: 'open', key: -1, format: null, maxLineBytes: 1024 * 1024 });
  for (let at = 0; at < bytes.length; at += readBytes) {
    send({ op: 'bytes', key: -1, bytes: new Uint8Array(bytes.subarray(at, at + readBytes)), offset: at, readTimeUs: READ_TIME_US });
    await host.room();
  }
  send({ op: 'end', key: -1, end: bytes.length, readTimeUs: READ_TIME_US });
  await done;
  return records;
}

describe('the parse thread', () => {
  it('makes the records parsing on the loop makes, whatever the reads cut', async () => {
    expect(expected.length).toBe(6000);
    expect(expected.filter((r) => r.exception?.type === 'KeyError').length).toBe(62);
    const inLoop = new ParseHost(null, () => undefined);
    expect(inLoop.threaded).toBe(false);
    expect(await parseAll(inLoop, 4099)).toEqual(expected);

    for (const script of [THREAD, BUNDLED_THREAD]) {
      const thread = new ParseHost(script, () => undefined);
      expect(thread.threaded).toBe(true);
      try {
        for (const readBytes of [13, 777, 65_536]) expect(await parseAll(thread, readBytes)).toEqual(expected);
      } finally {
        thread.close();
      }
    }
  });

  it.each([
    ['while the part is still being read', true],
    ['after the part was read to its end', false],
  ])('stores every line of the older part exactly once when the thread dies %s', async (_when, seeItDie) => {
    const clock = new TestClock(READ_TIME_US / 1000);
    const db = openDatabase(join(dir, `loupe-${String(seeItDie)}.db`));
    const sources = new SourceStore(db, clock);
    const dies = join(ROOT, 'tests/fixtures/parse-thread/dies-on-third-read.mjs');
    const pipeline = new LogPipeline(new LogWriter(db, clock), sources, new Scheduler(clock), new EventBus(), dies);
    expect(pipeline.parsesInThread).toBe(true);
    const source = sources.addSource('file', file, null);
    const sink = pipeline.sinkFor(source.id, null);
    // The whole file is the older part here (the tail, read first, would start at its end).
    const fileId = sink.registerFile(file, { dev: 1, ino: 2, fpLen: 0, fpHash: '' }, bytes.length, true);
    const fd = await open(file, 'r');
    try {
      const ctx = { sink, buffer: Buffer.alloc(64 * 1024), idleMs: 1000, maxLineBytes: 1024 * 1024, clock };
      const backfill = new Backfill(0, bytes.length, ctx);
      for (let step = 1; !backfill.done; step++) {
        await backfill.step(fd, fileId, 64 * 1024);
        // The third read killed the thread: reading on only once that is known, or at once.
        if (step === 3 && seeItDie) while (pipeline.parsesInThread) await new Promise((r) => setTimeout(r, 5));
      }
      // The last reply (the part's end) arrives from the loop's thread: wait for its checkpoint.
      while (sources.fileBackfillOffset(fileId) < bytes.length) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await fd.close();
      pipeline.close();
    }
    expect(pipeline.parsesInThread).toBe(false);
    expect(pipeline.stats.parseErrors).toBe(1);
    expect(pipeline.stats.lastParseError).toMatch(/exited/);
    const stored = db.prepare('SELECT message FROM logs ORDER BY id').pluck().all() as string[];
    expect(stored.length).toBe(expected.length);
    expect(stored).toEqual(expected.map((r) => r.message));
    db.close();
  });
});
