// The network listeners' batcher (Python logging, syslog) on a real SQLite file: records wait at
// most the batch delay, a flood past maxPending is dropped and counted while what was kept is
// stored, and a failed write (SQLite's query_only: a real refusal) keeps the batch and tries again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { EventBus } from '../../../electron/engine/core/events.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { LogBatcher } from '../../../electron/engine/ingest/log-batcher.js';
import { LogWriter, type LogInsert, type StoredBatch } from '../../../electron/engine/signals/logs/log-writer.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-batcher-'));
  db = openDatabase(join(dir, 'loupe.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function record(i: number): LogInsert {
  return { ts: Date.UTC(2026, 10, 30, 10) * 1000 + i, severity: 9, fileId: null, sourceId: null, message: `flood ${i}`, flags: 0 };
}

function setup() {
  const clock = new TestClock(Date.UTC(2026, 10, 30, 10));
  const events = new EventBus();
  const stored: StoredBatch[] = [];
  events.on('logs.stored', (b) => stored.push(b));
  const batcher = new LogBatcher(
    { writer: new LogWriter(db, clock), scheduler: new Scheduler(clock), events },
    {
      maxPending: 100,
      batchRecords: 1000,
      delayMs: 40,
      retryMs: 1000,
    },
  );
  const count = (): number => db.prepare('SELECT count(*) FROM logs').pluck().get() as number;
  return { clock, stored, batcher, count };
}

describe('LogBatcher', () => {
  it('writes what waits after the batch delay, in one transaction, and says so once', async () => {
    const { clock, stored, batcher, count } = setup();
    for (let i = 0; i < 10; i++) batcher.add(record(i));
    expect(count()).toBe(0);
    await clock.advance(40);
    expect(count()).toBe(10);
    expect(stored).toHaveLength(1);
    expect(batcher.stats).toMatchObject({ written: 10, dropped: 0 });
  });

  it('drops and counts a flood past maxPending; what was kept is stored and later records are taken', async () => {
    const { clock, batcher, count } = setup();
    let taken = 0;
    for (let i = 0; i < 1000; i++) if (batcher.add(record(i))) taken++;
    expect(taken).toBe(100);
    expect(batcher.stats.dropped).toBe(900);
    await clock.advance(40);
    expect(count()).toBe(100);
    expect(batcher.add(record(5000))).toBe(true);
    await clock.advance(40);
    expect(count()).toBe(101);
  });

  it('keeps the batch when a write fails, says why, and stores it once writes work again', async () => {
    const { clock, batcher, count } = setup();
    db.pragma('query_only = ON');
    for (let i = 0; i < 5; i++) batcher.add(record(i));
    await clock.advance(40);
    expect(batcher.stats.writeErrors).toBe(1);
    expect(batcher.stats.lastWriteError?.message).toMatch(/could not store the records: .*readonly/i);
    db.pragma('query_only = OFF');
    await clock.advance(1000);
    expect(count()).toBe(5);
    expect(batcher.stats.written).toBe(5);
  });
});
