// A word search's counts per minute kept between calls (word-minute-counts.ts): its histogram and
// level totals must stay exactly what a scan of every record gives after every change a kept
// minute can see — records appended, history backfilled into old minutes, retention deleting the
// oldest (and dropping parts of the index), a file's records erased, another connection's writes —
// and a repeated search counts only the minutes it does not know. Searches without words keep their
// sums of the per-minute rollup the same way, and are checked alongside, as are searches of other
// terms without words (counted from their rows by minute) and charts of buckets under a minute
// (counted by second). Real SQLite files throughout.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { LogPruner } from '../../../electron/engine/signals/logs/log-pruner.js';
import { FileRecordEraser } from '../../../electron/engine/signals/logs/file-record-eraser.js';
import { compileToPredicate, parseQuery, registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import { SearchTimeoutError } from '../../../electron/engine/signals/logs/query/deadline.js';
import { wordMinuteCountsOf } from '../../../electron/engine/signals/logs/word-minute-counts.js';
import { logFacets } from '../../../electron/engine/signals/logs/log-facets.js';
import type { LogRow } from '../../../electron/engine/signals/logs/rows.js';
import { levelOf } from '../../../shared/severity.js';
import { parseTimeParam, usToRfc3339 } from '../../../shared/time.js';
import { folderWithFiles } from '../../support/folder-files.js';

const MIN = 60_000_000;
const SECOND = 1_000_000;
const T0 = Date.UTC(2026, 10, 30, 0) * 1000;
const WORDS = ['timeout', 'timer', 'pool', 'deadlock', 'served', 'timeouts'];
const SEVERITIES = [5, 9, 9, 13, 17, 9, 21, 1];
/** Searches of words and levels only: each is counted per minute. */
const QUERIES = ['timeout', 'timeout level:error', 'level:warn timeout', 'time*', 'timeout OR pool', 'pool timer'];
/** Searches without words: summed from the per-minute rollup, whose sums per minute are kept the same way (whole minutes). */
const ROLLUP_QUERIES = ['', 'level:error', 'level:>=warn'];
/**
 * Searches the rollup and the index alone do not answer (terms beside levels and words): counted
 * from their rows (a word's matches' rows) and kept the same way.
 */
const ROWS_QUERIES = [
  'logger:app.db',
  'logger:app.db level:>=warn',
  '-logger:app.db',
  'timeout logger:app.db',
  'pool -logger:app.db level:>=warn',
];

/** Four records a minute over `minutes` minutes from `start`, now and then a burst at one µs (ids bumped past it). */
function records(start: number, minutes: number, salt = 0, fileId: number | null = null): LogInsert[] {
  const out: LogInsert[] = [];
  for (let i = 0; i < minutes * 4; i++) {
    const ts = start + Math.floor(i / 4) * MIN + (i % 4) * 14 * SECOND + (i % 5);
    for (let k = 0; k < (i % 29 === 0 ? 5 : 1); k++) {
      const n = i * 7 + k + salt;
      out.push({
        ts,
        severity: SEVERITIES[n % SEVERITIES.length]!,
        fileId,
        sourceId: fileId === null ? null : 1,
        logger: n % 3 === 0 ? 'app.db' : 'app.web',
        message: `request ${n} ${WORDS[n % WORDS.length]} ${WORDS[(n * 5 + 2) % WORDS.length]}`,
        flags: 0,
      });
    }
  }
  return out;
}

function store(partRecords?: number, dir = mkdtempSync(join(tmpdir(), 'loupe-word-counts-')), deadlineMs?: number) {
  const db = openDatabase(join(dir, 'loupe.db'));
  registerQueryFunctions(db);
  const writer = new LogWriter(db, undefined, partRecords);
  return { db, writer, reader: new LogReader(db, writer, deadlineMs), dir };
}

function write(writer: LogWriter, recs: LogInsert[], index = true): void {
  for (let i = 0; i < recs.length; i += 60) writer.write(recs.slice(i, i + 60));
  if (index) writer.fts.catchUp();
}

/** Per bucket of `view`, the counts by level of the records `q` matches with times in [from, to] and the bucket, by a scan of every record. */
function scanned(
  db: Db,
  q: string,
  from: number,
  to: number,
  view: { buckets: { start: string; end: string }[] },
  paths: (r: LogRow) => { source_path: string | null; file_path: string | null } = () => ({ source_path: null, file_path: null }),
) {
  const test = compileToPredicate(parseQuery(q));
  const rows = (db.prepare('SELECT * FROM logs WHERE ts >= ? AND ts <= ?').all(from, to) as LogRow[]).filter((r) =>
    test({ ...r, ...paths(r) }),
  );
  return view.buckets.map((b) => {
    const [lo, hi] = [parseTimeParam(b.start)!, parseTimeParam(b.end)!];
    const counts: Record<string, number> = {};
    for (const r of rows) if (r.ts >= lo && r.ts < hi) counts[levelOf(r.severity)] = (counts[levelOf(r.severity)] ?? 0) + 1;
    return counts;
  });
}

/**
 * Every query's histogram (and level totals) over [from, to] equals the scan's; the searches
 * without words over the range's whole minutes (the rollup's), or from its whole second (a chart
 * of buckets under a minute counts by second).
 */
function expectExact(s: ReturnType<typeof store>, from: number, to: number, buckets = 60, what = ''): void {
  const wholeMinutes = { from: Math.floor(from / MIN) * MIN, to: Math.floor(to / MIN) * MIN + MIN - 1 };
  const wholeSeconds = { from: Math.floor(from / SECOND) * SECOND, to };
  const searches = [
    ...QUERIES.map((q) => ({ q, from, to })),
    ...ROLLUP_QUERIES.map((q) => ({ q, ...wholeMinutes })),
    ...ROWS_QUERIES.map((q) => ({ q, ...wholeSeconds })),
  ];
  for (const { q, from, to } of searches) {
    // The level totals first (the facets'; after a histogram of the same search they would be its own).
    const levelTotals = s.reader.levelTotals({ q, from, to }).totals;
    const h = s.reader.histogram({ q, from, to, buckets });
    const want = scanned(s.db, q, from, to, h);
    expect(
      h.buckets.map((b) => b.counts),
      `${what} ${q}`,
    ).toEqual(want);
    const totals: Record<string, number> = {};
    for (const c of want) for (const [level, n] of Object.entries(c)) totals[level] = (totals[level] ?? 0) + n;
    expect(levelTotals, `${what} ${q} totals`).toEqual(totals);
  }
}

describe("a word search's counts kept per minute", () => {
  it('stay exact over repeated calls and ranges that cut minutes, and a repeat counts only the minutes it does not know', () => {
    const s = store();
    write(s.writer, records(T0, 180));
    const kept = wordMinuteCountsOf(s.db);
    // Ends inside minutes; 60 buckets of 3 minutes, then one of the range (the facets).
    const from = T0 + 20 * SECOND + 3;
    const to = T0 + 183 * MIN + 30 * SECOND;
    const before = kept.minutesCounted;
    const first = s.reader.histogram({ q: 'timeout', from, to, buckets: 60 });
    // Its whole minutes with records were counted once (1..179; 180..182 have none).
    expect(kept.minutesCounted - before).toBe(179);
    expect(first.buckets[0]!.start).toBe(usToRfc3339(T0));
    expect(s.reader.histogram({ q: 'timeout', from, to, buckets: 60 })).toEqual(first);
    // Again: only the newest record's minute is counted again (its ids may run past the newest: not complete).
    const again = kept.minutesCounted;
    s.reader.histogram({ q: 'timeout', from, to, buckets: 60 });
    expect(kept.minutesCounted - again).toBe(1);
    expectExact(s, from, to, 60, 'fresh');
    expectExact(s, T0 + 7 * MIN + 1, T0 + 9 * MIN + 59 * SECOND, 2, 'short');
    // New records in the newest minutes, as a live view sees them: the next call counts those minutes only.
    write(s.writer, records(T0 + 180 * MIN, 3, 11));
    const live = kept.minutesCounted;
    s.reader.histogram({ q: 'timeout', from, to, buckets: 60 });
    expect(kept.minutesCounted - live).toBe(4); // 179..182
    expectExact(s, from, to, 60, 'appended');
    // Records the index has not reached are read from their rows, and their minutes not kept until it has.
    write(s.writer, records(T0 + 183 * MIN, 3, 13), false);
    const to2 = T0 + 186 * MIN - 1;
    expectExact(s, from, to2, 60, 'not indexed');
    s.writer.fts.catchUp();
    expectExact(s, from, to2, 60, 'indexed');
  });

  it('count backfilled history written into minutes already kept, indexed or not yet', () => {
    const s = store();
    write(s.writer, records(T0, 120));
    const from = T0 + 5 * SECOND;
    const to = T0 + 119 * MIN + 50 * SECOND;
    expectExact(s, from, to, 60, 'before');
    // An old file found later: records in minutes kept, some at times already taken (ids bumped past them).
    write(
      s.writer,
      records(T0 + 30 * MIN, 20, 5).filter((_, i) => i % 2 === 0),
    );
    expectExact(s, from, to, 60, 'backfilled');
    // Backfilled again, not indexed yet: the index's mark falls below the minutes kept since, whose
    // records above it are counted from their rows (they were counted twice: from the rows and kept).
    write(s.writer, records(T0 + 10 * MIN, 5, 9), false);
    expectExact(s, from, to, 60, 'backfilled, not indexed');
    s.writer.fts.catchUp();
    expectExact(s, from, to, 60, 'backfilled, indexed');
  });

  it('count what retention leaves, as it deletes the oldest records and drops parts of the index', () => {
    const s = store(150);
    write(s.writer, records(T0, 240));
    const from = T0;
    const to = T0 + 240 * MIN - 1;
    expectExact(s, from, to, 60, 'before');
    const parts = (): number => s.db.prepare('SELECT count(*) FROM fts.fts_parts').pluck().get() as number;
    const started = parts();
    const pruner = new LogPruner(s.db);
    for (const minute of [17, 61, 62, 150]) {
      while (pruner.pruneOlderThan(T0 + minute * MIN + 20 * SECOND) > 0);
      expectExact(s, from, to, 60, `pruned to ${minute}`);
    }
    expect(parts()).toBeLessThan(started);
  });

  it("count what is left once a file's records are erased", async () => {
    const s = store();
    folderWithFiles(s.db, ['1.log', '2.log']);
    write(s.writer, [...records(T0, 90, 0, 1), ...records(T0 + 40 * MIN, 90, 3, 2)]);
    const from = T0 + 30 * SECOND;
    const to = T0 + 130 * MIN;
    expectExact(s, from, to, 50, 'before');
    const ids = s.db.prepare('SELECT min(id) AS first_id, max(id) AS last_id FROM logs WHERE file_id = 2').get() as {
      first_id: number;
      last_id: number;
    };
    expect(await new FileRecordEraser(s.db).erase({ id: 2, ...ids })).toBe(true);
    expectExact(s, from, to, 50, 'erased');
  });

  it("count another connection's writes (a second engine beside this one)", () => {
    const s = store();
    write(s.writer, records(T0, 60));
    expectExact(s, T0, T0 + 60 * MIN - 1, 60, 'before');
    const other = store(undefined, s.dir);
    // Its checkpoint that truncates the WAL (as the FTS thread's after a burst) changes no record: nothing is counted again.
    other.db.pragma('main.wal_checkpoint(TRUNCATE)');
    const kept = wordMinuteCountsOf(s.db);
    const counted = kept.minutesCounted;
    // (Another range than expectExact's: its level totals would be this histogram's for 2 s.)
    s.reader.histogram({ q: 'timeout', from: T0, to: T0 + 60 * MIN - 2 });
    expect(kept.minutesCounted - counted).toBe(0);
    write(other.writer, records(T0 + 10 * MIN, 5, 7));
    expectExact(s, T0, T0 + 60 * MIN - 1, 60, 'after');
    other.db.close();
  });

  it('keep the minutes counted before the deadline stopped a first look, and go on from there', () => {
    // Passes of 720 minutes, newest first: the newest 12 hours' records have no id the deadline
    // looks at (ids & 1023 = 0) and none near a minute's start (read row by row, each row looked
    // at), the older day's all have, so a search out of time stops in their passes.
    const s = store(undefined, undefined, 0);
    const recent = records(T0 + 1440 * MIN, 720).map((r) => ({ ...r, ts: r.ts - (r.ts % 1024) + SECOND + 1 }));
    const old = records(T0 + 360 * MIN, 720, 3).map((r) => ({ ...r, ts: r.ts - (r.ts % 1024) }));
    write(s.writer, [...old, ...recent]);
    const kept = wordMinuteCountsOf(s.db);
    const from = T0;
    const to = T0 + 2160 * MIN - 1;
    const before = kept.minutesCounted;
    expect(() => s.reader.histogram({ q: 'timeout', from, to })).toThrow(SearchTimeoutError);
    const stopped = kept.minutesCounted - before;
    expect(stopped).toBe(720);
    // Without a deadline (the same connection): only the 720 minutes of the older records, which
    // the stopped look did not finish, are counted, and the newest (its ids may run past the newest
    // record's: not complete). The minutes before, between and after the records hold none.
    const patient = new LogReader(s.db, s.writer);
    const h = patient.histogram({ q: 'timeout', from, to });
    expect(kept.minutesCounted - before - stopped).toBe(721);
    expect(h.buckets.map((b) => b.counts)).toEqual(scanned(s.db, 'timeout', from, to, h));
  });
});

describe('words and other terms beside a source', () => {
  it("are counted from their matches' rows, kept, and stay exact as records are appended and erased", async () => {
    const s = store();
    folderWithFiles(s.db, ['1.log', '2.log']);
    // Records of the folder's two files, and records of no source (as OTLP's) at the same times.
    write(s.writer, [...records(T0, 90, 0, 1), ...records(T0 + 30 * MIN, 60, 3, 2), ...records(T0, 90, 5)]);
    const paths = (r: LogRow) => ({
      source_path: r.source_id === 1 ? '/srv/app' : null,
      file_path: r.file_id ? `/srv/app/${r.file_id}.log` : null,
    });
    const kept = wordMinuteCountsOf(s.db);
    const expectCounts = (what: string, from: number, to: number, buckets: number): void => {
      // (Beside other terms too: the source read as the rollup reads it, the logger compiled.)
      for (const q of [
        'timeout source:/srv/app',
        'pool -source:/srv/app level:>=warn',
        'logger:app.db source:/srv/app',
        'timeout -source:/srv/app -logger:app.db',
      ]) {
        const h = s.reader.histogram({ q, from, to, buckets });
        expect(
          h.buckets.map((b) => b.counts),
          `${what} ${q}`,
        ).toEqual(scanned(s.db, q, from, to, h, paths));
      }
    };
    // Counted by minute (kept), not read row by row each time.
    const before = kept.minutesCounted;
    s.reader.histogram({ q: 'logger:app.db source:/srv/app', from: T0, to: T0 + 95 * MIN - 1 });
    expect(kept.minutesCounted - before).toBe(90);
    expectCounts('hours', T0 + 5 * SECOND, T0 + 95 * MIN - 1, 30);
    const counted = kept.minutesCounted;
    expectCounts('again', T0 + 5 * SECOND, T0 + 95 * MIN - 1, 30);
    // Each search of words' newest minute only (its ids may run past the newest record's: not complete).
    expect(kept.minutesCounted - counted).toBe(3);
    expectCounts('by second', T0 + 40 * MIN, T0 + 60 * MIN - 1, 60);
    write(s.writer, records(T0 + 90 * MIN, 3, 7, 1));
    expectCounts('appended', T0 + 5 * SECOND, T0 + 95 * MIN - 1, 30);
    const ids = s.db.prepare('SELECT min(id) AS first_id, max(id) AS last_id FROM logs WHERE file_id = 2').get() as {
      first_id: number;
      last_id: number;
    };
    expect(await new FileRecordEraser(s.db).erase({ id: 2, ...ids })).toBe(true);
    expectCounts('erased', T0 + 5 * SECOND, T0 + 95 * MIN - 1, 30);
  });
});

describe('a chart of buckets under a minute, counted by second', () => {
  it('stays exact as records are appended, backfilled and pruned, and a repeat counts only the minutes it does not know', () => {
    const s = store();
    write(s.writer, records(T0, 40));
    const kept = wordMinuteCountsOf(s.db);
    // 25 minutes in 60 buckets of 25 s, from inside a second (records at its first µs: counted, as
    // the first bucket starts at that whole second); 5 minutes in buckets of 5 s; and 20 s buckets
    // that cut minutes.
    const from = T0 + 12 * MIN + 14 * SECOND + 5;
    const to = from + 25 * MIN - 1;
    const h = s.reader.histogram({ q: 'logger:app.db', from, to, buckets: 60 });
    // (61: the first starts at the range's whole second, as the rollup's at its whole minute.)
    expect(h.buckets).toHaveLength(61);
    expect(h.buckets[0]!.start).toBe(usToRfc3339(T0 + 12 * MIN + 14 * SECOND));
    expect(parseTimeParam(h.buckets[0]!.end)! - parseTimeParam(h.buckets[0]!.start)!).toBe(25 * SECOND);
    const fromWholeSecond = { from: T0 + 12 * MIN + 14 * SECOND, to, buckets: 60 };
    expect(s.reader.histogram({ q: '-logger:app.db', from, to, buckets: 60 })).toEqual(
      s.reader.histogram({ q: '-logger:app.db', ...fromWholeSecond }),
    );
    expect(s.reader.histogram({ q: '-logger:app.db', ...fromWholeSecond }).buckets[0]!.counts).toEqual(
      scanned(s.db, '-logger:app.db', fromWholeSecond.from, to, h)[0],
    );
    expectExact(s, from, to, 60, 'by second');
    expectExact(s, T0 + 30 * MIN, T0 + 35 * MIN, 60, '5 s buckets');
    expectExact(s, T0 + 3 * MIN + 10 * SECOND, T0 + 23 * MIN + 10 * SECOND - 1, 60, '20 s buckets');
    // Again: the range's partial first and last minutes only (its whole minutes are kept).
    const counted = kept.minutesCounted;
    expect(s.reader.histogram({ q: 'logger:app.db', from, to, buckets: 60 })).toEqual(h);
    expect(kept.minutesCounted - counted).toBe(0);
    // Live: new records in the newest minutes, then history backfilled into kept minutes, then retention.
    write(s.writer, records(T0 + 40 * MIN, 3, 11));
    expectExact(s, T0 + 20 * MIN + 1, T0 + 43 * MIN - 1, 60, 'appended');
    write(
      s.writer,
      records(T0 + 14 * MIN, 4, 5).filter((_, i) => i % 2 === 0),
    );
    expectExact(s, from, to, 60, 'backfilled');
    const pruner = new LogPruner(s.db);
    while (pruner.pruneOlderThan(T0 + 15 * MIN + 20 * SECOND) > 0);
    expectExact(s, from, to, 60, 'pruned');
  });
});

describe('a first look asked within a time', () => {
  /** Totals by level of a histogram's buckets. */
  function totalsOf(h: { buckets: { counts: Record<string, number | undefined> }[] }): Record<string, number> {
    const out: Record<string, number> = {};
    for (const b of h.buckets) for (const [level, n] of Object.entries(b.counts)) out[level] = (out[level] ?? 0) + n!;
    return out;
  }

  it('answers with its newest passes and says from when, and the next calls go on until every match is counted', () => {
    const s = store();
    // Three days (minute 0 is the range's partial first minute, counted apart). Asked within 0 ms, a
    // call counts one pass, of the first pass's 60 minutes.
    write(s.writer, records(T0, 4320));
    const from = T0 + 17 * SECOND;
    const to = T0 + 4320 * MIN - 1;
    const befores: number[] = [];
    let h = s.reader.histogram({ q: 'timeout', from, to, within: 0 });
    // (Every call has the same buckets.)
    const want = scanned(s.db, 'timeout', from, to, h);
    for (; h.counting && befores.length < 100; h = s.reader.histogram({ q: 'timeout', from, to, within: 0 })) {
      const before = parseTimeParam(h.counting.before)!;
      befores.push(before);
      // From `before` on, every bucket is exact; before it, none has more than the scan.
      h.buckets.forEach((b, i) => {
        if (parseTimeParam(b.start)! >= before) expect(b.counts, `bucket ${i}`).toEqual(want[i]);
        else for (const [level, n] of Object.entries(b.counts)) expect(n).toBeLessThanOrEqual(want[i]![level] ?? 0);
      });
    }
    // One pass a call (beside the newest minute's, not complete): 60 minutes, then 60 more each time, until the 72nd.
    expect(befores).toEqual(Array.from({ length: 71 }, (_, k) => T0 + (4319 - 60 * (k + 1)) * MIN));
    expect(h.buckets.map((b) => b.counts)).toEqual(want);
    expect(h.total).toBe(Object.values(totalsOf(h)).reduce((a, n) => a + n, 0));
    // Without `within`, a first look counts every pass at once.
    expect(s.reader.histogram({ q: 'deadlock', from, to }).counting).toBeUndefined();
  });

  it("counts the facets' levels the same way, never answers a whole count with a partial one, and reads few matches' levels off their rows", () => {
    const s = store();
    write(s.writer, records(T0, 2880));
    const from = T0;
    const to = T0 + 2880 * MIN - 1;
    const whole = { buckets: [{ start: usToRfc3339(from), end: usToRfc3339(to + 1) }] };
    const exactTotals = (q: string): Record<string, number> => totalsOf({ buckets: [{ counts: scanned(s.db, q, from, to, whole)[0]! }] });
    const levels = (f: { levels: { value: string; count: number }[] }): Record<string, number> =>
      Object.fromEntries(f.levels.map((l) => [l.value, l.count]));
    const sum = (t: Record<string, number>): number => Object.values(t).reduce((a, n) => a + n, 0);
    // More matches than the facets read (FACET_SAMPLE).
    const q = 'timeout OR pool';
    const h = s.reader.histogram({ q, from, to, within: 0 });
    expect(h.counting).toBeDefined();
    // The facets asked within a time reuse the histogram's partial totals, and say so.
    const partial = logFacets(s.reader, { q, from, to, within: 0 });
    expect(partial.counting).toEqual(h.counting);
    expect(partial.complete).toBe(false);
    expect(levels(partial)).toEqual(totalsOf(h));
    // Asked without `within` right after, they count every match (not the partial totals kept for 2 s).
    const complete = logFacets(s.reader, { q, from, to });
    expect(complete.counting).toBeUndefined();
    expect(levels(complete)).toEqual(exactTotals(q));
    expect(sum(exactTotals(q))).toBeGreaterThan(sum(totalsOf(h)));
    // Fewer matches than that: the rows the facets read are all of them, and their levels the exact counts.
    const few = 'timeout level:error';
    expect(s.reader.histogram({ q: few, from, to, within: 0 }).counting).toBeDefined();
    const small = logFacets(s.reader, { q: few, from, to, within: 0 });
    expect(small.counting).toBeUndefined();
    expect(levels(small)).toEqual(exactTotals(few));
  });

  it('stops a pass that reads rows part-way when its time is up, keeps the minutes it made whole, and goes on from there', () => {
    const s = store();
    // An hour of ten records a second. The kept counts' clock is stepped 1 ms a read, so that time
    // runs out inside the passes, at places known in advance: a pass that reads matches' rows asks
    // whether to stop every 64 rows, one that sums a minute's rows every minute.
    const dense: LogInsert[] = [];
    for (let i = 0; i < 60 * 600; i++) {
      const n = i * 7;
      dense.push({
        ts: T0 + i * 100_000 + (i % 3),
        severity: SEVERITIES[n % SEVERITIES.length]!,
        fileId: null,
        sourceId: null,
        logger: i % 3 === 0 ? 'app.db' : 'app.web',
        message: `request ${n} ${WORDS[n % WORDS.length]} ${WORDS[(n * 5 + 2) % WORDS.length]}`,
        flags: 0,
      });
    }
    write(s.writer, dense);
    const kept = wordMinuteCountsOf(s.db);
    let clock = 0;
    kept.now = () => ++clock;
    const from = T0;
    const to = T0 + 60 * MIN - 1;
    // A word beside another term (its matches' rows read), and a term without words (an aggregate a
    // minute); asked within 5 ms (the first pass stops once a minute is whole) and 40 ms (passes
    // sized by the search's pace, the last of a call stopped where the time runs out).
    const searches = ['timeout logger:app.db', 'logger:app.db level:>=warn'].flatMap((q) => [5, 40].map((within) => ({ q, within })));
    for (const { q, within } of searches) {
      kept.clear();
      const stoppedBefore = kept.passesStopped;
      let h = s.reader.histogram({ q, from, to, within });
      const want = scanned(s.db, q, from, to, h);
      const befores: number[] = [];
      for (; h.counting && befores.length < 100; h = s.reader.histogram({ q, from, to, within })) {
        const before = parseTimeParam(h.counting.before)!;
        // Each call makes at least one more minute whole.
        if (befores.length > 0) expect(before, q).toBeLessThan(befores[befores.length - 1]!);
        befores.push(before);
        // From `before` on, every bucket is exact; before it, none has more than the scan.
        h.buckets.forEach((b, i) => {
          if (parseTimeParam(b.start)! >= before) expect(b.counts, `${q}: bucket ${i}`).toEqual(want[i]);
          else for (const [level, n] of Object.entries(b.counts)) expect(n).toBeLessThanOrEqual(want[i]![level] ?? 0);
        });
      }
      expect(h.counting, q).toBeUndefined();
      const stopped = kept.passesStopped - stoppedBefore;
      if (within === 5) {
        // The first call stopped in its first pass once the newest whole minute (58) was counted;
        // the next, sized by that pace, count a minute each.
        expect(stopped, q).toBe(1);
        expect(befores, q).toEqual(Array.from({ length: 58 }, (_, k) => T0 + (58 - k) * MIN));
      } else expect(stopped, q).toBeGreaterThanOrEqual(befores.length - 1);
      expect(h.buckets.map((b) => b.counts)).toEqual(want);
      // Every minute kept: a repeat counts none again but, for the word's matches, the newest (its
      // ids may run past the newest record's: not complete yet).
      const counted = kept.minutesCounted;
      expect(s.reader.histogram({ q, from, to, within }).buckets.map((b) => b.counts)).toEqual(want);
      expect(kept.minutesCounted - counted).toBe(q.startsWith('timeout') ? 1 : 0);
    }
  });

  it('goes on past minutes it cannot keep yet (records the index has not reached), however many', () => {
    const s = store();
    // Two days indexed, then a day stored but not indexed: its minutes are counted by every call
    // (from their rows), and each call must still get one kept pass further.
    write(s.writer, records(T0, 2880));
    write(s.writer, records(T0 + 2880 * MIN, 1440, 7), false);
    const from = T0;
    const to = T0 + 4320 * MIN - 1;
    let calls = 1;
    let h = s.reader.histogram({ q: 'timeout', from, to, within: 0 });
    for (; h.counting && calls < 100; calls++) h = s.reader.histogram({ q: 'timeout', from, to, within: 0 });
    expect(h.counting).toBeUndefined();
    // One kept pass of 60 minutes a call over the two indexed days, the day above the index each time.
    expect(calls).toBe(48);
    expect(h.buckets.map((b) => b.counts)).toEqual(scanned(s.db, 'timeout', from, to, h));
  });
});

describe("the index's parts and a word's kept minutes", () => {
  it('keeps them when the indexer starts new parts', () => {
    const s = store(100);
    write(s.writer, records(T0, 60));
    const kept = wordMinuteCountsOf(s.db);
    const parts = (): number => s.db.prepare('SELECT count(*) FROM fts.fts_parts').pluck().get() as number;
    const to = T0 + 110 * MIN - 1;
    s.reader.histogram({ q: 'timeout', from: T0, to });
    const before = parts();
    write(s.writer, records(T0 + 60 * MIN, 40, 1));
    expect(parts()).toBeGreaterThan(before);
    const counted = kept.minutesCounted;
    const h = s.reader.histogram({ q: 'timeout', from: T0, to });
    // The newest minute before the new records (not complete then), and theirs.
    expect(kept.minutesCounted - counted).toBe(41);
    expect(h.buckets.map((b) => b.counts)).toEqual(scanned(s.db, 'timeout', T0, to, h));
  });
});
