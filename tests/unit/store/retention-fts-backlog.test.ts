// The size bound while the full-text index catches up with a backlog: the records were all stored
// (their batches looked at the size, under the limit then), and the index, written after them on
// its own, takes the files past the limit with no batch of records left to look again. Each step
// of the index is followed by that look too. Before, nothing looked until the retention timer
// (10 s): under the full suite's load a 32 MiB limit was seen at 38.8 MB on disk.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { Retention, RETENTION_INTERVAL_MS } from '../../../electron/engine/core/retention.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { createEngine, DB_FILE } from '../../../electron/engine/engine.js';
import { FTS_START_DELAY_MS } from '../../../electron/engine/signals/logs/fts-background.js';
import type { EngineStatusView, LogPage } from '../../../shared/model.js';

const RECORDS = 30_000;

/** Records of many distinct words, one a second up to `endUs`: their index is about as big as they are. */
function records(endUs: number): LogInsert[] {
  return Array.from({ length: RECORDS }, (_, i) => ({
    ts: endUs - (RECORDS - i) * 1_000_000,
    severity: 9,
    fileId: null,
    sourceId: null,
    logger: 'app',
    service: 'web',
    message: `request ${i} user u${i * 7919} order o${i * 104729} sku s${(i * 31) % 9973} took ${i % 997}ms`,
    flags: 0,
  }));
}

describe('the size bound while the full-text index catches up', () => {
  it("trims after the index's steps, not only after the records' batches (before the retention timer)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-retention-fts-'));
    const clock = new TestClock(Date.UTC(2026, 11, 1, 12));
    // The records stored, their index not written yet (as after a burst the indexer lags behind).
    const db = openDatabase(join(dir, DB_FILE));
    const writer = new LogWriter(db);
    const recs = records(clock.nowUs());
    for (let i = 0; i < recs.length; i += 1000) writer.write(recs.slice(i, i + 1000));
    const recordBytes = new Retention(db, [], { maxDbBytes: 1e12, retentionUs: 1e15 }).pageBytes();
    db.close();

    // Room for the records, not for the records and their index.
    const limit = Math.round(recordBytes * 1.3);
    const engine = await createEngine({ dataDir: dir, clock, maxDbBytes: limit, analysis: false, otlp: false });
    try {
      // The indexer starts and works through the backlog (on the engine's loop under the test
      // runner: the same steps as its thread); the retention timer is not due yet.
      for (let ms = 0; ms < 2 * FTS_START_DELAY_MS; ms += 100) await clock.advance(100);
      expect(2 * FTS_START_DELAY_MS).toBeLessThan(RETENTION_INTERVAL_MS);
      const newest = (await engine.api.table.request('logs.search', { q: 'request', limit: 1 })) as LogPage;
      expect(newest.unindexed).toBeUndefined(); // the index caught up
      expect(newest.records[0]?.message).toMatch(new RegExp(`^request ${RECORDS - 1} `));
      const status = (await engine.api.table.request('engine.status', {})) as EngineStatusView;
      // The oldest records went to keep the files (the index with them) under the limit.
      expect(status.retention.deletedRecords).toBeGreaterThan(0);
      expect(status.database.usedBytes).toBeLessThanOrEqual(limit);
      expect(status.database.diskBytes).toBeLessThanOrEqual(limit * 1.1);
    } finally {
      await engine.close();
    }
  });
});
