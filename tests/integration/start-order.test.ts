// The engine's start puts the first page before background work: the full-text indexer starts a
// little after the engine (FTS_START_DELAY_MS) unless records are stored sooner. A page asked
// meanwhile, over records the index has not reached (a restart after a crash mid-backlog), is
// still complete: it scans them, and says so; once the indexer ran, the same page comes from the index.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../electron/engine/core/clock.js';
import { openDatabase } from '../../electron/engine/core/database.js';
import { createEngine, DB_FILE } from '../../electron/engine/engine.js';
import { FTS_START_DELAY_MS } from '../../electron/engine/signals/logs/fts-background.js';
import { LogWriter, type LogInsert } from '../../electron/engine/signals/logs/log-writer.js';
import type { LogPage } from '../../shared/model.js';

const N = 2000;
/** Every 9th record mentions the word searched for. */
const MATCHES = Array.from({ length: N }, (_, i) => i).filter((i) => i % 9 === 4);

describe('the first page while start-up work waits', () => {
  it('answers a search completely before the full-text indexer has started, and the same after it ran', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'loupe-start-order-')), 'data');
    const clock = new TestClock(Date.UTC(2026, 10, 30, 12));
    const t0 = clock.nowUs() - N * 1_000_000;
    // A database whose records were stored and never indexed: the engine that stored them stopped
    // (was killed) before its indexer got to them.
    const db = openDatabase(join(dataDir, DB_FILE));
    const writer = new LogWriter(db, clock);
    const rec = (i: number): LogInsert => ({
      ts: t0 + i * 1_000_000,
      severity: 9,
      fileId: null,
      sourceId: null,
      message: i % 9 === 4 ? `request ${i} hit a flamingo` : `request ${i} served`,
      flags: 0,
    });
    for (let from = 0; from < N; from += 500) writer.write(Array.from({ length: 500 }, (_, k) => rec(from + k)));
    db.close();

    const engine = await createEngine({ dataDir, clock });
    try {
      const search = (): Promise<LogPage> => engine.api.table.request('logs.search', { q: 'flamingo', limit: 1000 });
      const numbers = (page: LogPage): number[] => page.records.map((r) => Number(r.message.split(' ')[1]));
      const expected = MATCHES.slice().reverse();

      // The first page: every match, newest first, found by scanning what the index has not reached.
      const first = await search();
      expect(numbers(first)).toEqual(expected);
      expect(first.unindexed?.records).toBe(N);
      // Still waiting a moment later (the index would have been written by now if it started with the engine).
      await clock.advance(FTS_START_DELAY_MS / 2);
      expect((await search()).unindexed?.records).toBe(N);

      // Then the indexer runs, and the same page comes from the index.
      await clock.advance(FTS_START_DELAY_MS);
      const later = await search();
      expect(later.unindexed).toBeUndefined();
      expect(numbers(later)).toEqual(expected);
    } finally {
      await engine.close();
    }
  });

  it('starts the indexer with the first records stored, without waiting for the delay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-start-order-'));
    const clock = new TestClock(Date.UTC(2026, 10, 30, 12));
    const file = join(dir, 'app.log');
    const lines = Array.from(
      { length: 90 },
      (_, i) =>
        `2026-11-30 11:59:${String(i % 60).padStart(2, '0')},000 INFO app: request ${i} ${i % 9 === 4 ? 'hit a flamingo' : 'served'}\n`,
    );
    writeFileSync(file, lines.join(''));
    const engine = await createEngine({ dataDir: join(dir, 'data'), clock, paths: [file], pollMs: 50 });
    try {
      let elapsed = 0;
      while (engine.sources.list()[0]?.records !== lines.length && elapsed < FTS_START_DELAY_MS / 2) {
        await clock.advance(50);
        await new Promise((r) => setTimeout(r, 5));
        elapsed += 50;
      }
      expect(engine.sources.list()[0]?.records).toBe(lines.length);
      await clock.advance(100);
      const page = await engine.api.table.request('logs.search', { q: 'flamingo', limit: 100 });
      expect(page.records.length).toBe(10);
      // Indexed already: well before the delay's end.
      expect(page.unindexed).toBeUndefined();
    } finally {
      await engine.close();
    }
  });
});
