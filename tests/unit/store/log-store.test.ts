// The writer, reader and retention on a real SQLite file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FTS_PART } from '../../../electron/engine/signals/logs/fts-parts.js';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase, SQLITE_BINDING_ENV } from '../../../electron/engine/core/database.js';
import { ROOT } from '../../support/serve-process.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { Retention } from '../../../electron/engine/core/retention.js';
import { LogPruner } from '../../../electron/engine/signals/logs/log-pruner.js';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { logFacets } from '../../../electron/engine/signals/logs/log-facets.js';
import { NewerDatabaseError, SCHEMA_VERSION } from '../../../electron/engine/core/migrations.js';
import { compileToSql, parseQuery, registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import { folderWithFiles } from '../../support/folder-files.js';

const T0 = Date.UTC(2026, 10, 30, 10) * 1000;

function rec(ts: number, message: string, severity = 9): LogInsert {
  return { ts, severity, fileId: null, sourceId: null, message, flags: 0 };
}

function store(): { writer: LogWriter; reader: LogReader; path: string; db: ReturnType<typeof openDatabase> } {
  const path = join(mkdtempSync(join(tmpdir(), 'loupe-store-')), 'loupe.db');
  const db = openDatabase(path);
  registerQueryFunctions(db);
  const writer = new LogWriter(db);
  return { writer, reader: new LogReader(db, writer), path, db };
}

describe('LogWriter ids', () => {
  it('keeps records that share a timestamp, in order, and finds them by time range', () => {
    const { writer, reader } = store();
    writer.write([rec(T0, 'a'), rec(T0, 'b'), rec(T0, 'c'), rec(T0 + 1, 'd')]);
    const page = reader.search({ limit: 10 });
    expect(page.records.map((r) => r.message)).toEqual(['d', 'c', 'b', 'a']);
    // Every one of them has the same time, whatever id it got.
    expect(new Set(page.records.slice(1).map((r) => r.timestamp)).size).toBe(1);
    expect(
      reader
        .search({ from: T0, to: T0 })
        .records.map((r) => r.message)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    expect(reader.search({ from: T0 + 1, to: T0 + 1 }).records.map((r) => r.message)).toEqual(['d']);
  });

  it('puts backfilled history in its place among newer records, without clashing', () => {
    const { writer, reader } = store();
    writer.write([rec(T0 + 10, 'new1'), rec(T0 + 20, 'new2')]);
    writer.write([rec(T0 + 10, 'old-same-time'), rec(T0 + 5, 'older'), rec(T0 + 15, 'between')]);
    expect(reader.search({ limit: 10 }).records.map((r) => r.message)).toEqual(['new2', 'between', 'old-same-time', 'new1', 'older']);
    expect(reader.search({ q: 'between' }).records.length).toBe(1);
  });

  it('gives backfilled records among many stored ones the ids a one-by-one search for a free id gives', () => {
    const { writer, db } = store();
    // Stored: runs of consecutive ids (longer than one look-ahead of taken ids) with gaps between.
    const stored: LogInsert[] = [];
    for (let run = 0; run < 5; run++) for (let k = 0; k < 300; k++) stored.push(rec(T0 + run * 1000 + k, `s${run}.${k}`));
    writer.write(stored);
    // Backfilled: records at the same times, in the gaps, and in ties with each other.
    const older: LogInsert[] = [];
    for (let k = 0; k < 1500; k++) older.push(rec(T0 + ((k * 7919) % 5000), `o${k}`));
    const { ids, records } = writer.write(older);

    const taken = new Set(stored.map((r) => r.ts));
    let prev = -1;
    const expected = records.map((r) => {
      let id = Math.max(r.ts, prev + 1);
      while (taken.has(id)) id++;
      return (prev = id);
    });
    expect(ids).toEqual(expected);
    expect(db.prepare('SELECT count(*) FROM logs').pluck().get()).toBe(3000);
  });

  it('resumes id assignment after reopening the file', () => {
    const { writer, path, db } = store();
    writer.write([rec(T0, 'x'), rec(T0, 'y')]);
    db.close();
    const db2 = openDatabase(path);
    registerQueryFunctions(db2);
    const w2 = new LogWriter(db2);
    w2.write([rec(T0, 'z')]);
    expect(
      new LogReader(db2, w2)
        .search({ from: T0, to: T0 })
        .records.map((r) => r.message)
        .sort(),
    ).toEqual(['x', 'y', 'z']);
  });
});

describe('histogram', () => {
  it('reads the per-minute counts and agrees with counting rows', () => {
    const { writer, reader } = store();
    const recs: LogInsert[] = [];
    for (let i = 0; i < 600; i++) recs.push(rec(T0 + i * 1_000_000, `m${i} ${i % 2 ? 'odd' : 'even'}`, i % 10 === 0 ? 17 : 9));
    writer.write(recs);
    const from = T0;
    const to = T0 + 600 * 1_000_000 - 1;
    const h = reader.histogram({ from, to, buckets: 10 }); // 1-minute buckets: from the rollup
    expect(h.total).toBe(600);
    expect(h.buckets.length).toBe(10);
    expect(h.buckets.every((b) => b.counts.info === 54 && b.counts.error === 6)).toBe(true);
    const errors = reader.histogram({ from, to, buckets: 10, q: 'level:error' });
    expect(errors.total).toBe(60);
    const odd = reader.histogram({ from, to, buckets: 10, q: 'odd' }); // full text: counted from rows
    expect(odd.total).toBe(300);
    const fine = reader.histogram({ from, to, buckets: 600 }); // 1-second buckets: from rows
    expect(fine.total).toBe(600);
    expect(fine.buckets.every((b) => Object.values(b.counts).reduce((a, n) => a + n, 0) === 1)).toBe(true);
    // "The last 10 minutes" as the UI asks (an inclusive end a µs past whole minutes): still
    // one-minute buckets from the rollup, not two-minute ones.
    // "The last hour" when the newest record is older than that: an empty chart, not an error.
    const later = Math.max(T0 + 3600_000_000, Date.now() * 1000) + 60_000_000;
    expect(reader.histogram({ from: later, buckets: 10 }).total).toBe(0);
    expect(logFacets(reader, { from: later }).levels).toEqual([]);
    const lastTen = reader.histogram({ from, to: to + 1, buckets: 10 });
    expect(lastTen.total).toBe(600);
    expect(Date.parse(lastTen.buckets[1]!.start) - Date.parse(lastTen.buckets[0]!.start)).toBe(60_000);
  });
});

describe('retention', () => {
  it('deletes the oldest records by age, with their index rows and counts', async () => {
    const { writer, reader, db } = store();
    const recs: LogInsert[] = [];
    for (let i = 0; i < 12_000; i++) recs.push(rec(T0 + i * 1_000_000, `word${i % 3} n${i}`));
    writer.write(recs);
    const now = T0 + 12_000 * 1_000_000;
    const clock = new TestClock(now / 1000);
    const retention = new Retention(db, [new LogPruner(db)], { maxDbBytes: 1024 ** 4, retentionUs: 2_000 * 1_000_000 }, { clock });
    await retention.run();
    const left = reader.search({ limit: 5000 }).records;
    expect(left.length).toBe(2000);
    expect(left.at(-1)!.message).toBe('word1 n10000');
    expect(reader.search({ q: 'word0', limit: 5000 }).records.length).toBe(666);
    expect(reader.histogram({ from: T0, to: now }).total).toBe(2000);
  });

  it('deletes the oldest records until the database is under its size limit, and the file shrinks', async () => {
    const { writer, db, path, reader } = store();
    const filler = 'x'.repeat(400);
    for (let b = 0; b < 10; b++) {
      const recs: LogInsert[] = [];
      for (let i = 0; i < 2000; i++) recs.push(rec(T0 + (b * 2000 + i) * 1000, `${filler} ${b}-${i}`));
      writer.write(recs);
    }
    const retention = new Retention(db, [new LogPruner(db)], { maxDbBytes: 2 * 1024 * 1024, retentionUs: 1e15 });
    const before = retention.usedBytes();
    expect(before).toBeGreaterThan(4 * 1024 * 1024);
    await retention.run();
    // The oldest went, about as many as the excess, not everything.
    const left = db.prepare('SELECT count(*) FROM logs').pluck().get() as number;
    expect(left).toBeGreaterThan(2000);
    expect(left).toBeLessThan((20_000 * (2 * 1024 * 1024)) / before + 1000);
    await retention.run();
    expect(retention.usedBytes()).toBeLessThanOrEqual(2.2 * 1024 * 1024);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = db.pragma('page_count', { simple: true }) as number;
    expect(pages * 4096).toBeLessThan(before);
    const newest = reader.search({ limit: 1 }).records[0]!;
    expect(newest.message).toBe(`${filler} 9-1999`);
    expect(path).toMatch(/loupe\.db$/);
  });
});

describe('migrations', () => {
  it('refuses a database written by a newer Loupe, and leaves it untouched', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'loupe-newer-')), 'loupe.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(path)).toThrow(NewerDatabaseError);
    expect(() => openDatabase(path)).toThrow(/newer version of Loupe/);
    const again = new Database(path);
    expect(again.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    again.close();
  });
});

describe('searches narrowed by the per-minute counts', () => {
  // Three hours, a record every 10 s; errors in two minutes only (one of them ending with 50
  // records at its last µs, whose ids spill past the minute), one fatal record.
  const MIN = 60_000_000;
  function sparseErrors(): ReturnType<typeof store> {
    const s = store();
    const batch: LogInsert[] = [];
    for (let t = 0; t < 3 * 60 * MIN; t += 10_000_000) {
      batch.push(rec(T0 + t, `tick ${t / 1e6} ${t % 70_000_000 === 0 ? 'oops' : 'fine'}`, t % 70_000_000 === 0 ? 13 : 9));
    }
    for (let i = 0; i < 5; i++) batch.push(rec(T0 + 30 * MIN + i * 7_000_000, `oops error ${i}`, 17));
    for (let i = 0; i < 50; i++) batch.push(rec(T0 + 31 * MIN - 1, `burst oops ${i}`, 17));
    for (let i = 0; i < 3; i++) batch.push(rec(T0 + 150 * MIN + i, `late error ${i}`, 18));
    batch.push(rec(T0 + 100 * MIN + 5, 'the fatal one', 21));
    s.writer.write(batch);
    // The plain walk below reads the full-text index directly: have it cover the batch.
    s.writer.fts.catchUp();
    return s;
  }

  /** What a plain walk of the whole table returns (no narrowing), newest first. */
  function walk(db: ReturnType<typeof openDatabase>, q: string, from = 0, to = Number.MAX_SAFE_INTEGER): string[] {
    const compiled = compileToSql(parseQuery(q));
    const { fts, params } = compiled;
    // The store's one index part (the default part size).
    const where = compiled.where.replaceAll(FTS_PART, 'logs_fts');
    const rows = (
      fts === null
        ? db.prepare(`SELECT l.message FROM logs l WHERE l.ts >= ? AND l.ts <= ? AND ${where} ORDER BY l.id DESC`).all(from, to, ...params)
        : db
            .prepare(
              `SELECT l.message FROM logs_fts f JOIN logs l ON l.id = f.rowid WHERE logs_fts MATCH ? AND l.ts >= ? AND l.ts <= ? AND ${where} ORDER BY f.rowid DESC`,
            )
            .all(fts, from, to, ...params)
    ) as { message: string }[];
    return rows.map((r) => r.message);
  }

  function pages(reader: LogReader, q: string, from?: number, to?: number): string[] {
    const out: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = reader.search({ q, from, to, limit: 7, ...(cursor ? { cursor } : {}) });
      out.push(...page.records.map((r) => r.message));
      if (!page.nextCursor) return out;
      cursor = page.nextCursor;
    }
  }

  it('find, page for page, what walking the whole table finds', () => {
    const { reader, db } = sparseErrors();
    const queries = [
      'level:error',
      'level:fatal',
      'level:error+',
      'oops level:error',
      'burst level:error',
      'level:error -burst',
      'level:warn',
      'oops level:warn+',
      'level:error OR fatal',
      '-level:info',
      'level:debug',
      'nothing level:fatal',
    ];
    for (const q of queries) {
      expect(pages(reader, q), q).toEqual(walk(db, q));
      expect(reader.histogram({ q, buckets: 500 }).total, q).toBe(walk(db, q).length);
    }
    expect(pages(reader, 'level:error')).toHaveLength(58);
    expect(pages(reader, 'burst level:error')).toHaveLength(50);
    // Within a time range that cuts a minute in two.
    const from = T0 + 30 * MIN + 10_000_000;
    const to = T0 + 100 * MIN + 5;
    for (const q of ['level:error', 'level:fatal', 'oops level:warn+'])
      expect(pages(reader, q, from, to), q).toEqual(walk(db, q, from, to));
    expect(reader.search({ q: 'level:debug' }).records).toEqual([]);
  });
});

describe('the SQLite build the engine loads', () => {
  // The desktop app hands its engine a build for Electron's ABI this way (npm start).
  it('comes from LOUPE_SQLITE_BINDING when set, with a clear error when it can not be loaded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-binding-'));
    const own = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    const saved = process.env[SQLITE_BINDING_ENV];
    try {
      process.env[SQLITE_BINDING_ENV] = own;
      const db = openDatabase(join(dir, 'a.db'));
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.close();
      process.env[SQLITE_BINDING_ENV] = join(dir, 'missing.node');
      expect(() => openDatabase(join(dir, 'b.db'))).toThrow(/SQLite could not be loaded from LOUPE_SQLITE_BINDING=.*missing\.node/);
    } finally {
      if (saved === undefined) delete process.env[SQLITE_BINDING_ENV];
      else process.env[SQLITE_BINDING_ENV] = saved;
    }
  });
});

describe('facets', () => {
  it('count every match up to 20,000, and the newest 5,000 past that, saying which', () => {
    const { writer, reader } = store();
    const batch: LogInsert[] = [];
    // 25,000 records: the oldest 20,000 from "old.worker", the newest 5,000 from "new.api".
    for (let i = 0; i < 25_000; i++) batch.push({ ...rec(T0 + i * 1000, `record ${i}`), logger: i < 20_000 ? 'old.worker' : 'new.api' });
    writer.write(batch);
    const all = logFacets(reader, {});
    expect([all.sampled, all.complete]).toEqual([5000, false]);
    expect(all.levels).toEqual([{ value: 'info', count: 25_000 }]);
    expect(all.loggers).toEqual([{ value: 'new.api', count: 5000 }]);
    const older = logFacets(reader, { to: T0 + 19_999 * 1000 });
    expect([older.sampled, older.complete]).toEqual([20_000, true]);
    expect(older.loggers).toEqual([{ value: 'old.worker', count: 20_000 }]);
  });

  it("count the files, services and loggers of the matches, indexed or not yet, as the records' own views name them", () => {
    const { writer, reader, db } = store();
    folderWithFiles(db, ['api.log', 'jobs.log']);
    const batch = (from: number, n: number): LogInsert[] =>
      Array.from({ length: n }, (_, k) => {
        const i = from + k;
        return {
          ...rec(T0 + i * 1000, `job ${i} ${i % 4 === 0 ? 'failed' : 'done'}`),
          fileId: i % 3 === 0 ? 2 : 1,
          sourceId: 1,
          logger: i % 2 === 0 ? 'app.jobs' : 'app.http',
          service: i % 5 === 0 ? 'billing' : undefined,
          attributes: { queue: i % 2 === 0 ? 'slow' : 'fast' },
        };
      });
    writer.write(batch(0, 60));
    writer.fts.catchUp();
    // Twelve more the index has not reached: the facets of a word count them too.
    writer.write(batch(60, 12));
    const facets = logFacets(reader, { q: 'failed' });
    const expected = batch(0, 72).filter((r) => r.message.endsWith('failed'));
    const count = (key: (r: LogInsert) => string | null): { value: string; count: number }[] => {
      const m = new Map<string, number>();
      for (const r of expected) {
        const k = key(r);
        if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
      }
      return [...m].map(([value, n]) => ({ value, count: n })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    };
    expect(facets.files).toEqual(count((r) => `/srv/app/${r.fileId === 2 ? 'jobs' : 'api'}.log`));
    expect(facets.services).toEqual(count((r) => r.service ?? null));
    expect(facets.loggers).toEqual(count((r) => r.logger ?? null));
    expect(facets.attributes).toEqual([{ key: 'queue', count: expected.length, values: count(() => 'slow') }]);
    expect(facets.unindexed?.records).toBeGreaterThan(0);
  });

  it('show a numeric attribute with a value per record as its range and spread, few numbers as values', () => {
    const { writer, reader } = store();
    const batch: LogInsert[] = [];
    for (let i = 0; i < 100; i++) {
      batch.push({
        ...rec(T0 + i * 1000, `request ${i}`),
        attributes: { duration_ms: 5 + i * 2.5, status: i % 10 === 0 ? 500 : 200, user: `u${i % 3}` },
      });
    }
    writer.write(batch);
    const attrs = Object.fromEntries(logFacets(reader, {}).attributes.map((a) => [a.key, a]));
    expect(attrs['duration_ms']).toMatchObject({ count: 100, values: [], numeric: { min: 5, max: 252.5 } });
    const bins = attrs['duration_ms']!.numeric!.bins;
    expect(bins.reduce((a, n) => a + n, 0)).toBe(100);
    expect(bins.length).toBeGreaterThan(4);
    // Few distinct numbers stay a list of values to click; text stays text.
    expect(attrs['status']).toMatchObject({
      values: [
        { value: '200', count: 90 },
        { value: '500', count: 10 },
      ],
    });
    expect(attrs['status']!.numeric).toBeUndefined();
    expect(attrs['user']!.values).toHaveLength(3);
  });
});
