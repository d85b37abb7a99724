// A search of words and levels (`timeout level:error`) reads the records of those levels from the
// full-text index's level tags, and a search narrowed by levels or sources reads the per-minute
// counts a window of minutes at a time, newest first (log-reader.ts). Neither may change an
// answer: pages must be exactly what a scan of every record with the live tail's predicate finds,
// newest first, across cursors, time ranges, records the index has not reached (no tags: scanned),
// severities read as info (0, out of range), and bursts whose bumped ids spill into the next minute.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import { allPages, scanMatches } from '../../support/search-oracle.js';

const MIN = 60_000_000;
const T0 = Date.UTC(2026, 10, 30, 0) * 1000;
/** Every level's first and last severity, unspecified (0) and out of range (25, 30: info). */
const SEVERITIES = [0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 30, 9, 9, 9, 9, 9];
/** Minutes of history: more than the first windows of per-minute counts the reader takes (240, then 960). */
const MINUTES = 1500;
const NEWEST = MINUTES - 1;

function store(): { db: ReturnType<typeof openDatabase>; writer: LogWriter; reader: LogReader } {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-level-words-')), 'loupe.db'));
  registerQueryFunctions(db);
  const writer = new LogWriter(db);
  return { db, writer, reader: new LogReader(db, writer) };
}

describe('searches of words and levels', () => {
  it('page through exactly what a scan finds, on both sides of the index mark', () => {
    const { db, writer, reader } = store();
    // Six records a minute of every severity, one in three mentioning "timeout", ten at one µs
    // now and then (ids bumped past it).
    const recs: LogInsert[] = [];
    for (let i = 0; i < 6 * 600; i++) {
      const ts = T0 + Math.floor(i / 6) * MIN + (i % 6) * 10_000_000 - (i % 97 === 0 ? 1 : 0);
      const burst = i % 97 === 0 ? 10 : 1;
      for (let k = 0; k < burst; k++) {
        const severity = SEVERITIES[(i + k) % SEVERITIES.length]!;
        recs.push({
          ts,
          severity,
          fileId: null,
          sourceId: null,
          message: `${i % 3 === 0 ? 'timeout' : 'served'} ${i}.${k} at ${severity}`,
          flags: 0,
        });
      }
    }
    writer.write(recs.slice(0, 3000));
    writer.fts.catchUp();
    // The newest records are not indexed yet: found by scanning their text, without tags.
    writer.write(recs.slice(3000));
    expect(writer.fts.lag().records).toBeGreaterThan(0);
    const queries = [
      'timeout level:error',
      'timeout level:info',
      'timeout level:warn+',
      'timeout level:<info',
      'level:fatal timeout',
      'timeout level:error -served',
      'timeout level:warn level:error',
      'served level:debug',
    ];
    for (const q of queries) {
      const want = scanMatches(db, q);
      // Two levels at once keep none.
      expect(want.length > 0, q).toBe(!q.includes('level:warn level:error'));
      expect(allPages(reader, q, 7), q).toEqual(want);
      expect(allPages(reader, q, 200), q).toEqual(want);
    }
    // Within a time range that cuts minutes in two, below the index's mark.
    const from = T0 + 30 * MIN + 15_000_000;
    const to = T0 + 300 * MIN + 5;
    for (const q of ['timeout level:error', 'timeout level:info', 'timeout level:warn+'])
      expect(allPages(reader, q, 9, from, to), q).toEqual(scanMatches(db, q, from, to));
  });
});

describe('searches narrowed by the per-minute counts, window by window', () => {
  it('find every match of sparse and common levels over many windows', () => {
    const { db, writer, reader } = store();
    const recs: LogInsert[] = [];
    const info = (minute: number, i: number): LogInsert => ({
      ts: T0 + minute * MIN + i * 20_000_000,
      severity: 9,
      fileId: null,
      sourceId: null,
      message: `tick ${minute}.${i}`,
      flags: 0,
    });
    for (let m = 0; m < MINUTES; m++) for (let i = 0; i < 3; i++) recs.push(info(m, i));
    const error = (ts: number, what: string): LogInsert => ({ ts, severity: 17, fileId: null, sourceId: null, message: what, flags: 0 });
    // Errors in a few minutes only, some at the edges of the reader's windows (counted from the
    // newest minute: 240 minutes, then 960), and bursts at a minute's last µs whose ids spill
    // into the next minute, the first of a window.
    for (const m of [3, 100, NEWEST - 1200, NEWEST - 1199, NEWEST - 700, NEWEST - 240, NEWEST - 239, NEWEST - 5, NEWEST])
      recs.push(error(T0 + m * MIN + 7_000_000, `oops error at ${m}`));
    for (const m of [NEWEST - 240, NEWEST - 1200])
      for (let i = 0; i < 40; i++) recs.push(error(T0 + (m + 1) * MIN - 1, `burst oops ${m}.${i}`));
    writer.write(recs);
    writer.fts.catchUp();
    for (const q of ['level:error', 'oops level:error', 'burst level:error', 'level:info', 'tick level:info', 'level:warn']) {
      const want = scanMatches(db, q);
      expect(allPages(reader, q, 11), q).toEqual(want);
      expect(allPages(reader, q, 5000), q).toEqual(want);
    }
    expect(allPages(reader, 'level:error', 11)).toHaveLength(9 + 80);
    // Ranges that start or end inside a burst's spilled ids.
    for (const [from, to] of [
      [T0 + (NEWEST - 241) * MIN, T0 + (NEWEST - 239) * MIN - 1],
      [T0 + (NEWEST - 239) * MIN, T0 + NEWEST * MIN],
      [T0 + 50 * MIN, T0 + (NEWEST - 1199) * MIN + 8_000_000],
    ] as const)
      for (const q of ['level:error', 'burst level:error'])
        expect(allPages(reader, q, 6, from, to), `${q} ${from}..${to}`).toEqual(scanMatches(db, q, from, to));
  });
});
