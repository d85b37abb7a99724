// A word's histogram is counted in the full-text index alone (ids are times, bumped on ties: an
// id past the drift of its bucket's start is in that bucket; its level is a tag word of its index
// row). These records come in bursts of equal times, so ids spill past bucket starts and past the
// range's ends: the counts per bucket and level must be exactly those of the records' own times.
// A user's word never matches a tag, and an index file made before the tags is made again.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ftsFilePath, openDatabase } from '../../../electron/engine/core/database.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import { LEVELS, levelOf } from '../../../shared/severity.js';

const T0 = Date.UTC(2026, 10, 30, 10) * 1000;
const SECOND = 1_000_000;
/** debug, info, info, warn, error, critical, … by record number. */
const SEVERITIES = [5, 9, 9, 13, 17, 9, 21];

/**
 * 40 bursts of 30 records with one time each: on a second's start, 10 µs before one (their ids
 * run past it), and mid-second. Every 3rd record says "timeout".
 */
function records(): LogInsert[] {
  const out: LogInsert[] = [];
  for (let burst = 0; burst < 40; burst++) {
    const second = T0 + Math.floor(burst / 2) * SECOND;
    const ts = burst % 4 === 0 ? second : burst % 4 === 1 ? second + SECOND - 10 : second + SECOND / 2;
    for (let j = 0; j < 30; j++) {
      const i = burst * 30 + j;
      out.push({
        ts,
        severity: SEVERITIES[i % SEVERITIES.length]!,
        fileId: null,
        sourceId: null,
        message: i % 3 === 0 ? `request ${i}: timeout after 30s` : `request ${i} served`,
        flags: 0,
      });
    }
  }
  return out;
}

/** The histogram a search of "timeout" (and levels kept) must give, from the records' own times. */
function expected(recs: LogInsert[], from: number, to: number, buckets: number, keep: (level: string) => boolean) {
  const width = Math.max(1, Math.ceil((to - from + 1) / buckets));
  const counts = Array.from({ length: Math.ceil((to - from + 1) / width) }, () => ({}) as Record<string, number>);
  for (const r of recs) {
    const level = levelOf(r.severity);
    if (!r.message.includes('timeout') || r.ts < from || r.ts > to || !keep(level)) continue;
    const c = counts[Math.floor((r.ts - from) / width)]!;
    c[level] = (c[level] ?? 0) + 1;
  }
  return counts;
}

function store(dir = mkdtempSync(join(tmpdir(), 'loupe-hist-index-'))) {
  const db = openDatabase(join(dir, 'loupe.db'));
  registerQueryFunctions(db);
  const writer = new LogWriter(db);
  return { db, writer, reader: new LogReader(db, writer), dir };
}

describe("a word's histogram from the full-text index", () => {
  it('counts each match in the bucket and level of its own time, at the edges too', () => {
    const { writer, reader } = store();
    const recs = records();
    writer.write(recs);
    writer.fts.catchUp();
    // Ids run up to this far past their times (bursts bump into the next).
    expect(writer.maxDrift).toBeGreaterThan(10);
    const ranges: [number, number, number][] = [
      [T0, T0 + 20 * SECOND - 1, 20],
      // Starts 5 µs before a second whose burst 10 µs before it runs into the range by id only.
      [T0 + 2 * SECOND - 5, T0 + 9 * SECOND + SECOND / 2, 7],
      // Ends inside the ids of a burst that starts 10 µs before a second.
      [T0 + SECOND / 4, T0 + 5 * SECOND - 1, 4],
    ];
    for (const [from, to, buckets] of ranges) {
      for (const [q, keep] of [
        ['timeout', () => true],
        ['timeout level:error', (l: string) => l === 'error'],
        ['level:warn timeout level:warn', (l: string) => l === 'warn'],
      ] as const) {
        const h = reader.histogram({ q, from, to, buckets });
        expect(
          h.buckets.map((b) => b.counts),
          `${q} ${from - T0}..${to - T0}`,
        ).toEqual(expected(recs, from, to, buckets, keep));
      }
    }
    // Every level of the data was in play.
    expect(new Set(recs.map((r) => levelOf(r.severity)))).toEqual(new Set(LEVELS.filter((l) => l !== 'trace')));
  });

  it("never matches a user's word to a record's level tag", () => {
    const { writer, reader } = store();
    writer.write([
      { ts: T0, severity: 17, fileId: null, sourceId: null, message: 'an error', flags: 0 },
      { ts: T0 + 1, severity: 9, fileId: null, sourceId: null, message: 'the word loupelevel4 itself', flags: 0 },
    ]);
    writer.fts.catchUp();
    expect(reader.search({ q: 'loupelevel4' }).records.map((r) => r.message)).toEqual(['the word loupelevel4 itself']);
    expect(reader.search({ q: 'loupelevel' }).records.map((r) => r.message)).toEqual(['the word loupelevel4 itself']);
    expect(reader.histogram({ q: 'loupelevel4', from: T0, to: T0 + SECOND - 1, buckets: 1 }).total).toBe(1);
  });

  it('makes an index file of the old shape (no level tags) again from the records', () => {
    const first = store();
    first.writer.write(records());
    first.writer.fts.catchUp();
    first.db.close();
    // The index file as Loupe wrote it before the tags column (two columns), emptied of rows.
    const fts = new Database(ftsFilePath(join(first.dir, 'loupe.db')));
    fts.exec(`DROP TABLE logs_fts; CREATE VIRTUAL TABLE logs_fts USING fts5(message, attrs, content = '', contentless_delete = 1,
      tokenize = "unicode61 remove_diacritics 2 tokenchars '_'")`);
    fts.close();
    const { writer, reader } = store(first.dir);
    expect(reader.ftsLag().records).toBe(1200);
    writer.fts.catchUp();
    const h = reader.histogram({ q: 'timeout level:error', from: T0, to: T0 + 20 * SECOND - 1, buckets: 20 });
    expect(h.total).toBe(records().filter((r) => r.message.includes('timeout') && r.severity === 17).length);
    expect(reader.ftsLag().records).toBe(0);
  });
});
