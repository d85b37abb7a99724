// The full-text index in id (= time) parts (fts-parts.ts): with parts of 50 records, so that every
// range spans many, searches, histograms, facets and exact counts must give what a scan of every
// record (or the same store with its index in one part) gives — prefix words, nested OR/NOT,
// records not indexed yet, backfilled history whose batch crosses parts, retention dropping parts
// under a reader of another connection (and under `loupe query`'s one snapshot), an indexing
// transaction that fails after starting a part, and an index file made before the parts. Real
// SQLite files throughout.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { LogPruner } from '../../../electron/engine/signals/logs/log-pruner.js';
import { logFacets } from '../../../electron/engine/signals/logs/log-facets.js';
import { Retention } from '../../../electron/engine/core/retention.js';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { createEngine, DB_FILE } from '../../../electron/engine/engine.js';
import { FTS_START_DELAY_MS } from '../../../electron/engine/signals/logs/fts-background.js';
import type { LogPage } from '../../../shared/model.js';
import { FileRecordEraser } from '../../../electron/engine/signals/logs/file-record-eraser.js';
import { registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import type { LogRow } from '../../../electron/engine/signals/logs/rows.js';
import { allPages, scanMatches } from '../../support/search-oracle.js';
import { inReadSnapshot } from '../../../electron/engine/query-engine.js';
import { folderWithFiles } from '../../support/folder-files.js';

const MIN = 60_000_000;
const T0 = Date.UTC(2026, 10, 30, 0) * 1000;
const PART = 50;
const WORDS = ['timeout', 'timeouts', 'TimeoutError', 'time', 'timer', 'pool', 'deadlock', 'served'];
const SEVERITIES = [5, 9, 9, 13, 17, 9, 21, 0, 25];

/** Records over `minutes` minutes from `start`, four a minute, now and then a burst at one µs (ids bumped). */
function records(start: number, minutes: number, salt = 0): LogInsert[] {
  const out: LogInsert[] = [];
  for (let i = 0; i < minutes * 4; i++) {
    const ts = start + Math.floor(i / 4) * MIN + (i % 4) * 13_000_000;
    for (let k = 0; k < (i % 37 === 0 ? 6 : 1); k++) {
      const n = i * 7 + k + salt;
      out.push({
        ts,
        severity: SEVERITIES[n % SEVERITIES.length]!,
        fileId: null,
        sourceId: null,
        logger: `app.${n % 3}`,
        service: n % 5 === 0 ? 'billing' : 'web',
        // A word of the oldest part only (a prefix's words are looked up in every part).
        message: `request ${n} ${WORDS[n % WORDS.length]} ${WORDS[(n * 3 + 1) % WORDS.length]}${n === 14 ? ' timekeeper' : ''}`,
        attributes: { user: `u${n % 4}`, took: n % 11 },
        flags: 0,
      });
    }
  }
  return out;
}

function store(partRecords?: number, dir = mkdtempSync(join(tmpdir(), 'loupe-fts-parts-'))) {
  const db = openDatabase(join(dir, 'loupe.db'));
  registerQueryFunctions(db);
  const writer = new LogWriter(db, undefined, partRecords);
  return { db, writer, reader: new LogReader(db, writer), dir };
}

/** Writes in batches of 60 records (each batch queued for the index with its ids). */
function write(writer: LogWriter, recs: LogInsert[]): void {
  for (let i = 0; i < recs.length; i += 60) writer.write(recs.slice(i, i + 60));
}

const parts = (db: Db): number[] => db.prepare('SELECT part FROM fts.fts_parts ORDER BY part').pluck().all() as number[];
const tables = (db: Db): string[] =>
  db
    .prepare("SELECT name FROM fts.sqlite_master WHERE name = 'logs_fts' OR (name GLOB 'logs_fts_[0-9]*' AND name NOT GLOB 'logs_fts_*_*')")
    .pluck()
    .all() as string[];

const QUERIES = [
  'timeout',
  'time',
  'timek',
  'TIMEOUT level:error',
  'timeout -timeouts',
  'pool OR deadlock',
  'timeout OR level:error',
  'NOT time',
  '-timeout level:warn',
  '(pool OR timer) -deadlock',
  'pool OR NOT level:info',
  'service:billing timeo',
  'deadlock (served OR level:fatal)',
];

describe('the full-text index in parts', () => {
  it('answers searches, histograms, facets and counts as one part does, over ranges across many parts', () => {
    const recs = records(T0, 300);
    const tiny = store(PART);
    const one = store();
    for (const s of [tiny, one]) {
      write(s.writer, recs.slice(0, 1000));
      s.writer.fts.catchUp();
      // The newest records not indexed yet: scanned, beside the parts.
      write(s.writer, recs.slice(1000));
    }
    expect(parts(one.db)).toEqual([0]);
    expect(parts(tiny.db).length).toBeGreaterThanOrEqual(1000 / PART);
    const ranges: [number, number][] = [
      [0, Number.MAX_SAFE_INTEGER],
      [T0 + 17 * MIN + 5, T0 + 203 * MIN],
      [T0 + 100 * MIN, T0 + 101 * MIN - 1],
    ];
    for (const q of QUERIES) {
      for (const [from, to] of ranges) {
        const want = scanMatches(tiny.db, q, from, to);
        expect(allPages(tiny.reader, q, 7, from, to), `${q} ${from}..${to}`).toEqual(want);
        expect(allPages(tiny.reader, q, 200, from, to), `${q} ${from}..${to}`).toEqual(want);
        expect(tiny.reader.count({ q, from, to }), q).toBe(want.length);
        const bySecond = (r: LogReader): unknown => [...r.countBySecond({ q, from, to })].sort((a, b) => a[0] - b[0]);
        expect(bySecond(tiny.reader), q).toEqual(bySecond(one.reader));
        const lo = Math.max(from, T0);
        const hi = Math.min(to, T0 + 300 * MIN);
        for (const buckets of [1, 7, 40]) {
          expect(tiny.reader.histogram({ q, from: lo, to: hi, buckets }), `${q} ${buckets}`).toEqual(
            one.reader.histogram({ q, from: lo, to: hi, buckets }),
          );
        }
        expect(logFacets(tiny.reader, { q, from: lo, to: hi }), q).toEqual(logFacets(one.reader, { q, from: lo, to: hi }));
      }
    }
    // Every row is in the part that owns its id, once.
    tiny.writer.fts.catchUp();
    const list = tiny.db.prepare('SELECT part, first_id FROM fts.fts_parts ORDER BY first_id').raw().all() as [number, number][];
    let total = 0;
    list.forEach(([part, first], i) => {
      const ids = tiny.db
        .prepare(`SELECT rowid FROM fts.${part === 0 ? 'logs_fts' : `logs_fts_${part}`}`)
        .pluck()
        .all() as number[];
      total += ids.length;
      const next = list[i + 1]?.[1] ?? Number.MAX_SAFE_INTEGER;
      for (const id of ids) expect(id >= first && id < next, `id ${id} in part ${part}`).toBe(true);
    });
    expect(total).toBe(recs.length);
  });

  it('routes backfilled history, one batch across many parts, to the parts that own its ids', () => {
    const tiny = store(PART);
    const newer = records(T0 + 100 * MIN, 200);
    write(tiny.writer, newer);
    tiny.writer.fts.catchUp();
    const before = parts(tiny.db);
    // A prefix looked up in every part: a sealed part's words are kept until history is indexed into it.
    expect(allPages(tiny.reader, 'clockw', 9)).toEqual([]);
    // One batch of older records whose ids fall among the indexed ones: gaps of 100 minutes of history.
    const older = records(T0 + 100 * MIN + 30_000, 120, 3).filter((_, i) => i % 3 === 0);
    older.push({ ts: T0 + 150 * MIN + 1, severity: 9, fileId: null, sourceId: null, message: 'an old clockwork', flags: 0 });
    tiny.writer.write(older);
    tiny.writer.fts.catchUp();
    // No part was started for them: they went to the sealed parts of their ids.
    expect(parts(tiny.db)).toEqual(before);
    expect(allPages(tiny.reader, 'clockw', 9)).toEqual(['an old clockwork']);
    for (const q of ['timeout', 'pool OR deadlock', 'time -timer', 'request']) {
      expect(allPages(tiny.reader, q, 9), q).toEqual(scanMatches(tiny.db, q));
      expect(tiny.reader.count({ q, from: 0, to: Number.MAX_SAFE_INTEGER }), q).toBe(scanMatches(tiny.db, q).length);
    }
  });

  it('drops the parts retention empties, while another connection reads', () => {
    const tiny = store(PART);
    write(tiny.writer, records(T0, 300));
    tiny.writer.fts.catchUp();
    // A second connection (a reader beside the engine) with statements and words of every part.
    const other = store(PART, tiny.dir);
    expect(allPages(other.reader, 'timeo', 50)).toEqual(scanMatches(tiny.db, 'timeo'));
    const pruner = new LogPruner(tiny.db);
    const started = parts(tiny.db).length;
    for (const minute of [30, 90, 91, 200]) {
      while (pruner.pruneOlderThan(T0 + minute * MIN) > 0);
      expect(parts(tiny.db).length).toBeLessThan(started);
      expect(tables(tiny.db)).toHaveLength(parts(tiny.db).length);
      for (const q of ['timeo', 'pool OR NOT level:info', 'deadlock']) {
        const want = scanMatches(tiny.db, q);
        expect(allPages(tiny.reader, q, 13), q).toEqual(want);
        expect(allPages(other.reader, q, 13), q).toEqual(want);
        const h = other.reader.histogram({ q, from: T0, to: T0 + 300 * MIN, buckets: 10 });
        expect(h.total, q).toBe(want.length);
      }
    }
    // Part 0 went: a restart neither makes it again nor fails on the file.
    expect(parts(tiny.db)).not.toContain(0);
    const left = parts(tiny.db);
    other.db.close();
    tiny.db.close();
    const again = store(PART, tiny.dir);
    expect(parts(again.db)).toEqual(left);
    expect(allPages(again.reader, 'timeo', 50)).toEqual(scanMatches(again.db, 'timeo'));
    // The oldest part left holds records still: it stays (its deleted rows as FTS5 tombstones).
    const oldest = again.db.prepare('SELECT min(id) FROM logs').pluck().get() as number;
    const second = again.db.prepare('SELECT first_id FROM fts.fts_parts ORDER BY first_id LIMIT 1 OFFSET 1').pluck().get() as number;
    expect(oldest).toBeLessThan(second);
  });

  it("answers `loupe query`'s search from one snapshot while retention drops a part under it", async () => {
    const tiny = store(PART);
    write(tiny.writer, records(T0, 300));
    tiny.writer.fts.catchUp();
    const q = 'timeout /o/';
    const before = scanMatches(tiny.db, q);
    // `loupe query`'s connection beside the engine's, its statements of every part prepared.
    const other = store(PART, tiny.dir);
    expect(allPages(other.reader, q, 1000)).toEqual(before);
    const pruner = new LogPruner(tiny.db);
    const started = parts(tiny.db);
    // Retention runs on the engine's connection while the search reads its newest part (at the
    // regex's first row): the oldest parts, still to be read, are dropped. Without one snapshot:
    // "no such table: logs_fts_8".
    let pruned = false;
    other.db.function('regexp', { deterministic: true }, (_pattern: unknown, _flags: unknown, text: unknown) => {
      if (!pruned) {
        pruned = true;
        while (pruner.pruneOlderThan(T0 + 100 * MIN) > 0);
      }
      return typeof text === 'string' && text.includes('o') ? 1 : 0;
    });
    const page = await inReadSnapshot(other.db, () => Promise.resolve(other.reader.search({ q, limit: 1000 })));
    expect(pruned).toBe(true);
    expect(parts(tiny.db).length).toBeLessThan(started.length);
    // The records as they were when the search started: the parts it listed, all of them read.
    expect(page.records.map((r) => r.message)).toEqual(before);
    expect(allPages(other.reader, q, 1000)).toEqual(scanMatches(tiny.db, q));
    other.db.close();
    tiny.db.close();
  });

  it('holds a size limit by dropping parts, the index file giving their pages back', async () => {
    const tiny = store(1000);
    const filler = 'lorem ipsum dolor sit amet '.repeat(12);
    const recs = records(T0, 5000).map((r, i) => ({ ...r, message: `${r.message} ${filler}${i}` }));
    write(tiny.writer, recs);
    tiny.writer.fts.catchUp();
    const started = parts(tiny.db).length;
    const indexPages = (): number => tiny.db.pragma('fts.page_count', { simple: true }) as number;
    const pagesBefore = indexPages();
    const limit = 4 * 1024 * 1024;
    const retention = new Retention(tiny.db, [new LogPruner(tiny.db)], { maxDbBytes: limit, retentionUs: 1e15 });
    expect(retention.usedBytes()).toBeGreaterThan(2 * limit);
    await retention.run();
    await retention.run();
    expect(retention.usedBytes()).toBeLessThanOrEqual(limit * 1.1);
    expect(parts(tiny.db).length).toBeLessThan(started);
    expect(indexPages()).toBeLessThan(pagesBefore / 2);
    for (const q of ['timeout', 'pool OR NOT level:info']) expect(allPages(tiny.reader, q, 100), q).toEqual(scanMatches(tiny.db, q));
  });

  it("erases a file's records from the parts that hold them", async () => {
    const tiny = store(PART);
    folderWithFiles(tiny.db, ['1.log', '2.log']);
    write(
      tiny.writer,
      records(T0, 200).map((r, i) => ({ ...r, fileId: (i % 2) + 1, sourceId: 1 })),
    );
    tiny.writer.fts.catchUp();
    const file = tiny.db.prepare('SELECT id, first_id, last_id FROM files WHERE id = 1').get() as {
      id: number;
      first_id: number | null;
      last_id: number | null;
    };
    await new FileRecordEraser(tiny.db).erase(file);
    expect(tiny.db.prepare('SELECT count(*) FROM logs WHERE file_id = 1').pluck().get()).toBe(0);
    // No index row of an erased record is left in any part (a later record with its id would match its words).
    const rows = parts(tiny.db).reduce(
      (n, p) =>
        n +
        (tiny.db
          .prepare(`SELECT count(*) FROM fts.${p === 0 ? 'logs_fts' : `logs_fts_${p}`}`)
          .pluck()
          .get() as number),
      0,
    );
    expect(rows).toBe(tiny.db.prepare('SELECT count(*) FROM logs').pluck().get());
    for (const q of ['timeout', 'NOT pool']) expect(allPages(tiny.reader, q, 40), q).toEqual(scanMatches(tiny.db, q));
  });

  it("indexes in parts of the engine's size, its searches reading them all", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-fts-parts-engine-'));
    const clock = new TestClock(Date.UTC(2026, 11, 1, 12));
    const recs = records(clock.nowUs() - 300 * MIN, 150);
    const first = store(undefined, dir);
    write(first.writer, recs);
    first.db.close();
    const engine = await createEngine({ dataDir: dir, clock, ftsPartRecords: PART, analysis: false, otlp: false });
    try {
      await clock.advance(2 * FTS_START_DELAY_MS);
      const page = (await engine.api.table.request('logs.search', { q: 'timeout -pool', limit: 1000 })) as LogPage;
      expect(page.unindexed).toBeUndefined();
      const db = openDatabase(join(dir, DB_FILE));
      expect(parts(db).length).toBeGreaterThanOrEqual(recs.length / PART);
      expect(page.records.map((r) => r.message)).toEqual(scanMatches(db, 'timeout -pool'));
      db.close();
    } finally {
      await engine.close();
    }
  });

  it('loses and doubles nothing when indexing fails after starting a part', () => {
    const tiny = store(PART);
    const recs = records(T0, 100);
    write(tiny.writer, recs.slice(0, 120));
    tiny.writer.fts.catchUp();
    const before = parts(tiny.db);
    write(tiny.writer, recs.slice(120));
    // A record whose attributes cannot be read fails the indexer's transaction past the next part's start.
    const bad = tiny.db.prepare('SELECT id FROM logs ORDER BY id LIMIT 1 OFFSET 175').pluck().get() as number;
    tiny.db.prepare("UPDATE logs SET attributes = '{' WHERE id = ?").run(bad);
    expect(() => tiny.writer.fts.catchUp()).toThrow();
    expect(parts(tiny.db)).toEqual(before);
    expect(tables(tiny.db)).toHaveLength(before.length);
    tiny.db.prepare('UPDATE logs SET attributes = NULL WHERE id = ?').run(bad);
    tiny.writer.fts.catchUp();
    // The same index as one made fresh from the records.
    const fresh = store(PART);
    write(
      fresh.writer,
      (tiny.db.prepare('SELECT * FROM logs ORDER BY id').all() as LogRow[]).map((r) => ({
        ts: r.ts,
        severity: r.severity,
        fileId: null,
        sourceId: null,
        logger: r.logger ?? undefined,
        service: r.service ?? undefined,
        message: r.message,
        attributes: r.attributes === null ? undefined : (JSON.parse(r.attributes) as Record<string, unknown>),
        flags: 0,
      })),
    );
    fresh.writer.fts.catchUp();
    const rowsByPart = (db: Db): number[][] =>
      parts(db).map(
        (p) =>
          db
            .prepare(`SELECT rowid FROM fts.${p === 0 ? 'logs_fts' : `logs_fts_${p}`} ORDER BY rowid`)
            .pluck()
            .all() as number[],
      );
    expect(rowsByPart(tiny.db)).toEqual(rowsByPart(fresh.db));
    for (const q of QUERIES) expect(allPages(tiny.reader, q, 50), q).toEqual(scanMatches(tiny.db, q));
  });

  it('keeps reading and writing an index file made before the parts', () => {
    const first = store();
    const recs = records(T0, 200);
    write(first.writer, recs.slice(0, 400));
    // Indexed in several transactions: the old table has several segments (FTS5 writes one a commit).
    while (first.writer.fts.indexSome(60) > 0);
    write(first.writer, recs.slice(400, 600));
    // The file as Loupe wrote it before the parts: one table, no parts list, no part state.
    first.db.exec("DROP TABLE fts.fts_parts; DELETE FROM fts.fts_state WHERE key IN ('part_rows', 'max_id', 'old_part_rows')");
    first.db.close();
    const again = store(PART, first.dir);
    expect(parts(again.db)).toEqual([0]);
    const oldSegments = (db: Db): unknown => db.prepare('SELECT count(*), sum(length(block)) FROM fts.logs_fts_data').raw().get();
    const before = oldSegments(again.db);
    write(again.writer, recs.slice(600));
    again.writer.fts.catchUp();
    // Idle merging merges the parts it fills, never the old table down to one segment (at 100M
    // records it is gigabytes, merged as it grew, and retention drops it in time).
    while (again.writer.fts.mergeSome() > 0);
    expect(oldSegments(again.db)).toEqual(before);
    // The old table keeps what it has (counted as full); the new parts start above it.
    const list = again.db.prepare('SELECT part, first_id FROM fts.fts_parts ORDER BY part').raw().all() as [number, number][];
    expect(list.length).toBeGreaterThan(2);
    expect(list[1]![1]).toBeGreaterThan(again.db.prepare('SELECT id FROM logs ORDER BY id LIMIT 1 OFFSET 399').pluck().get() as number);
    expect(again.db.prepare('SELECT count(*) FROM fts.logs_fts').pluck().get()).toBe(400);
    for (const q of QUERIES) expect(allPages(again.reader, q, 31), q).toEqual(scanMatches(again.db, q));
  });
});
