// Searches while the full-text index lags behind the records (a big folder's first read): the
// records above the index's mark are found by scanning their stored text, newest first, and the
// answers say how much was scanned. The lag is made here by indexing only part of the records.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { logFacets } from '../../../electron/engine/signals/logs/log-facets.js';
import { registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';

const T0 = Date.UTC(2026, 10, 30, 10) * 1000;
const N = 1000;
/** Records from this index on are not in the full-text index. */
const LAG_FROM = 600;

/** Record i: every 7th mentions "kaboom" (in the message or an attribute), every 10th is an error. */
function rec(i: number): LogInsert {
  const inAttr = i % 14 === 0;
  return {
    ts: T0 + i * 1_000_000,
    severity: i % 10 === 0 ? 17 : 9,
    fileId: null,
    sourceId: null,
    message: i % 7 === 0 && !inAttr ? `request ${i} failed: KABOOM in handler` : `request ${i} served`,
    attributes: inAttr ? { cause: 'kaboom', i } : { i },
    flags: 0,
  };
}

function laggingStore(): { writer: LogWriter; reader: LogReader } {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-unindexed-')), 'loupe.db'));
  registerQueryFunctions(db);
  const writer = new LogWriter(db);
  // Two written batches; the indexer (its own thread in the engine) has done the first only. Ids
  // are the records' times here (one a second, no ties).
  writer.write(Array.from({ length: LAG_FROM }, (_, i) => rec(i)));
  writer.write(Array.from({ length: N - LAG_FROM }, (_, i) => rec(LAG_FROM + i)));
  writer.fts.indexSome(LAG_FROM);
  expect(writer.ftsIndexedThrough()).toBe(T0 + LAG_FROM * 1_000_000 - 1);
  return { writer, reader: new LogReader(db, writer) };
}

const kaboom = Array.from({ length: N }, (_, i) => i).filter((i) => i % 7 === 0);
const numberOf = (message: string, attrs: Record<string, unknown> | undefined): number =>
  (attrs?.['i'] as number) ?? Number(message.split(' ')[1]);

describe('text search over records the full-text index has not reached', () => {
  it('finds the matches on both sides of the mark, newest first, page after page', () => {
    const { reader } = laggingStore();
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = reader.search({ q: 'kaboom', limit: 25, cursor });
      seen.push(...page.records.map((r) => numberOf(r.message, r.attributes)));
      expect(page.unindexed).toEqual({ records: N - LAG_FROM, bytes: expect.any(Number) as number });
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(kaboom.slice().reverse());
  });

  it('puts the newest (unindexed) matches of a common word first', () => {
    const { reader } = laggingStore();
    const page = reader.search({ q: 'request', limit: 5 });
    expect(page.records.map((r) => numberOf(r.message, r.attributes))).toEqual([999, 998, 997, 996, 995]);
  });

  it('applies text inside ORs and exclusions to the scanned records too', () => {
    const { reader } = laggingStore();
    const orHits = reader.search({ q: 'level:error OR kaboom', limit: 1000 }).records.length;
    expect(orHits).toBe(Array.from({ length: N }, (_, i) => i).filter((i) => i % 7 === 0 || i % 10 === 0).length);
    const notHits = reader.search({ q: 'level:error -kaboom', limit: 1000 }).records.length;
    expect(notHits).toBe(Array.from({ length: N }, (_, i) => i).filter((i) => i % 7 !== 0 && i % 10 === 0).length);
  });

  it('counts the scanned matches in the histogram, the facets and the log rules’ counts', () => {
    const { reader } = laggingStore();
    const range = { from: T0, to: T0 + N * 1_000_000 };
    const histogram = reader.histogram({ q: 'kaboom', ...range, buckets: 10 });
    expect(histogram.total).toBe(kaboom.length);
    expect(histogram.unindexed?.records).toBe(N - LAG_FROM);
    const errors = kaboom.filter((i) => i % 10 === 0).length;
    expect(logFacets(reader, { q: 'kaboom', ...range }).levels).toEqual([
      { value: 'info', count: kaboom.length - errors },
      { value: 'error', count: errors },
    ]);
    expect(reader.count({ q: 'kaboom', ...range })).toBe(kaboom.length);
    const bySecond = reader.countBySecond({ q: 'kaboom', ...range });
    expect([...bySecond.keys()].sort((a, b) => a - b)).toEqual(kaboom.map((i) => T0 / 1_000_000 + i));
  });

  it('says nothing of an unindexed part to searches without words, nor once the index caught up', () => {
    const { reader, writer } = laggingStore();
    expect(reader.search({ q: 'level:error', limit: 1 }).unindexed).toBeUndefined();
    writer.fts.catchUp();
    expect(reader.search({ q: 'served', limit: 1 }).unindexed).toBeUndefined();
  });
});
