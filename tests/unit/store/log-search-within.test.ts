// A page of a search asked `within` a time (the Logs view asks so; a rare regex over 100M records
// scans for longer than the search deadline): it stops part-way, says how far back it searched,
// and its cursor goes on from there. Paged through that way, a search gives exactly what it gives
// asked whole — no record lost, none twice — over the records the full-text index has not reached,
// several parts of the index, plain scans and the level index. `within: 0` stops at the first
// chance after each walk's first check: the most stops a search can make.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { LogReader, type SearchParams } from '../../../electron/engine/signals/logs/log-reader.js';
import { registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import { logFacets } from '../../../electron/engine/signals/logs/log-facets.js';

const T0 = Date.UTC(2026, 10, 30, 10) * 1000;
const N = 30_000;
/** Records from this one on are not in the full-text index. */
const LAG_FROM = 26_000;

/** Record i, 1 ms apart: every 997th says KABOOM, every 10th is an error, every 1,000th critical. */
function rec(i: number): LogInsert {
  return {
    ts: T0 + i * 1000,
    severity: i % 1000 === 0 ? 21 : i % 10 === 0 ? 17 : 9,
    fileId: null,
    sourceId: null,
    message: i % 997 === 0 ? `request ${i} failed: KABOOM in handler` : `request ${i} served`,
    attributes: { i },
    flags: 0,
  };
}

function store(): LogReader {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-within-')), 'loupe.db'));
  registerQueryFunctions(db);
  // Parts of 5,000 records: a search walks several of them.
  const writer = new LogWriter(db, undefined, 5000);
  for (let i = 0; i < LAG_FROM; i += 1000) {
    writer.write(Array.from({ length: 1000 }, (_, k) => rec(i + k)));
    writer.fts.catchUp();
  }
  writer.write(Array.from({ length: N - LAG_FROM }, (_, k) => rec(LAG_FROM + k)));
  return new LogReader(db, writer);
}

const numberOf = (r: { attributes?: Record<string, unknown> }): number => r.attributes?.['i'] as number;

/** Every page of a search, as numbers, and the pages that stopped part-way. */
function pages(reader: LogReader, p: SearchParams): { seen: number[]; stops: number; pages: number } {
  const seen: number[] = [];
  let stops = 0;
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = reader.search({ ...p, cursor });
    seen.push(...page.records.map(numberOf));
    if (page.searchedBackTo !== undefined) {
      stops++;
      expect(page.nextCursor).not.toBeNull();
      // Every record newer than the time it names was searched: the next page starts there.
      const back = Date.parse(page.searchedBackTo) * 1000;
      expect(back).toBeLessThanOrEqual(page.records.length > 0 ? Date.parse(page.records.at(-1)!.timestamp) * 1000 || back : back);
    }
    cursor = page.nextCursor ?? undefined;
    expect(++count).toBeLessThan(5 * N);
  } while (cursor !== undefined);
  return { seen, stops, pages: count };
}

describe('a search asked within a time', () => {
  const reader = store();
  const all = Array.from({ length: N }, (_, i) => i).reverse();
  const cases: [string, string, (i: number) => boolean][] = [
    ['a regex that scans every row', '/KABOOM/i', (i) => i % 997 === 0],
    ['a regex most rows match', '/request \\d+ served/', (i) => i % 997 !== 0],
    ['words beside a condition the index does not hold', 'request i:>=12000', (i) => i >= 12_000],
    ['a rare word, in the index and above it', 'kaboom', (i) => i % 997 === 0],
    ['a level the level index holds', 'level:critical', (i) => i % 1000 === 0],
    ['no terms at all', '', () => true],
  ];
  for (const [name, q, match] of cases) {
    it(`pages through ${name} (${q || 'all'}) exactly as asked whole`, () => {
      const want = all.filter(match);
      const whole = pages(reader, { q, limit: 200 });
      expect(whole.seen).toEqual(want);
      expect(whole.stops).toBe(0);
      const within = pages(reader, { q, limit: 200, within: 0 });
      expect(within.seen).toEqual(want);
      // (Each case stops part-way: in the scan above the index, a part of it, between parts, a walk of rows.)
      expect(within.stops).toBeGreaterThan(0);
    });
  }

  it('stops a scan part-way, and names how far back it searched', () => {
    const page = reader.search({ q: '/KABOOM/i', limit: 200, within: 0 });
    expect(page.searchedBackTo).toBeDefined();
    const back = Date.parse(page.searchedBackTo!) * 1000;
    expect(back).toBeGreaterThan(T0);
    // What it found is every match newer than that, and nothing older.
    expect(page.records.map(numberOf)).toEqual(all.filter((i) => i % 997 === 0 && T0 + i * 1000 >= back));
  });

  it('answers whole when the time asked is enough', () => {
    const page = reader.search({ q: '/KABOOM/i', limit: 200, within: 10_000 });
    expect(page.searchedBackTo).toBeUndefined();
    expect(page.nextCursor).toBeNull();
    expect(page.records.map(numberOf)).toEqual(all.filter((i) => i % 997 === 0));
  });

  it("reads the facets' rows in the time given: the newest matches it got to, and says it stopped", () => {
    const kaboom = all.filter((i) => i % 997 === 0);
    // (logFacets gives its rows 100 ms at least: more than this whole store takes to read.)
    const stopped = reader.facetRows({ q: '/KABOOM/i' }, 5000, performance.now());
    expect(stopped.stopped).toBe(true);
    expect(stopped.rows.map((r) => r.id)).toEqual(kaboom.slice(0, stopped.rows.length).map((i) => T0 + i * 1000));
    expect(stopped.rows.length).toBeLessThan(kaboom.length);
    const whole = logFacets(reader, { q: '/KABOOM/i', within: 10_000 });
    expect(whole).toMatchObject({ complete: true, sampled: kaboom.length });
    expect(whole.levels.reduce((n, l) => n + l.count, 0)).toBe(kaboom.length);
  });

  it('refuses a time that is not a number of milliseconds', () => {
    expect(() => reader.search({ q: 'x', within: -1 })).toThrow(/within/);
  });
});
