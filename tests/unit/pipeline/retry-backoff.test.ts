// While the database refuses writes (SQLite's query_only switch: a real failure), the pipeline
// keeps the batch and tries again on one timer, waiting 1 s, 2 s, 4 s… up to 30 s; once a write
// works, everything is stored once, the listeners hear of it once, and the wait starts over at 1 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { EventBus } from '../../../electron/engine/core/events.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import {
  BATCH_DELAY_MS,
  LogPipeline,
  MAX_RETRY_WRITE_MS,
  RETRY_WRITE_MS,
} from '../../../electron/engine/ingest/files/pipeline/log-pipeline.js';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { LogWriter, type StoredBatch } from '../../../electron/engine/signals/logs/log-writer.js';
import { SourceStore } from '../../../electron/engine/ingest/source-store.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-retry-'));
  db = openDatabase(join(dir, 'loupe.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const clock = new TestClock(Date.UTC(2026, 10, 30, 10));
  const events = new EventBus();
  const stored: StoredBatch[] = [];
  events.on('logs.stored', (b) => stored.push(b));
  const sources = new SourceStore(db, clock);
  const pipeline = new LogPipeline(new LogWriter(db, clock), sources, new Scheduler(clock), events);
  const source = sources.addSource('file', join(dir, 'app.log'), null);
  const sink = pipeline.sinkFor(source.id, null);
  const fileId = sink.registerFile(join(dir, 'app.log'), { dev: 1, ino: 2, fpLen: 0, fpHash: '' }, 0);
  let offset = 0;
  const append = async (...texts: string[]): Promise<void> => {
    await sink.lines(
      fileId,
      texts.map((text) => ({ text, endOffset: (offset += text.length + 1) })),
    );
    // The record stays open for continuation lines until its file is quiet.
    sink.idle?.(fileId);
  };
  const count = (): number => db.prepare('SELECT count(*) FROM logs').pluck().get() as number;
  return { clock, pipeline, stored, append, count };
}

describe('write retries', () => {
  it('back off 1 s, 2 s, 4 s… up to 30 s on one timer, then store everything once', async () => {
    const { clock, pipeline, stored, append, count } = setup();
    await append('2026-11-30 10:00:00,000 INFO app: before');
    await clock.advance(BATCH_DELAY_MS);
    expect(count()).toBe(1);

    db.pragma('query_only = ON');
    await append('2026-11-30 10:00:01,000 INFO app: one', '2026-11-30 10:00:02,000 INFO app: two');
    await clock.advance(BATCH_DELAY_MS);
    expect(pipeline.stats.writeErrors).toBe(1);
    expect(pipeline.stats.lastWriteError).toMatch(/readonly|read-only|query_only/i);

    // Each wait is twice the last, capped; lines arriving meanwhile start no timer of their own.
    const waits = [1, 2, 4, 8, 16, 30, 30].map((s) => s * 1000);
    expect(waits[0]).toBe(RETRY_WRITE_MS);
    expect(waits.at(-1)).toBe(MAX_RETRY_WRITE_MS);
    for (const [i, wait] of waits.entries()) {
      await append(`2026-11-30 10:01:0${i},000 INFO app: during ${i}`);
      await clock.advance(wait - 1);
      expect(pipeline.stats.writeErrors).toBe(i + 1);
      await clock.advance(1);
      expect(pipeline.stats.writeErrors).toBe(i + 2);
    }
    expect(count()).toBe(1);
    expect(pipeline.pendingRecords).toBe(2 + waits.length);

    db.pragma('query_only = OFF');
    await clock.advance(MAX_RETRY_WRITE_MS);
    expect(count()).toBe(1 + 2 + waits.length);
    expect(pipeline.pendingRecords).toBe(0);
    expect(pipeline.stats.lastWriteError).toBeNull();
    expect(stored.map((b) => b.ids.length)).toEqual([1, 2 + waits.length]);

    // A new failure waits 1 s again, not 30 s.
    db.pragma('query_only = ON');
    await append('2026-11-30 10:02:00,000 INFO app: again');
    await clock.advance(BATCH_DELAY_MS);
    const errors = pipeline.stats.writeErrors;
    db.pragma('query_only = OFF');
    await clock.advance(RETRY_WRITE_MS);
    expect(pipeline.stats.writeErrors).toBe(errors);
    expect(count()).toBe(2 + 2 + waits.length);
  });
});
