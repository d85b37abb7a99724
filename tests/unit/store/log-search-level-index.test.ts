// `level:error` (warn, fatal) newest first walks the index of those levels' records (migration 20):
// the pages must be exactly the records of that level, newest first, across cursors and time
// ranges, with severities at the ends of each level's range and out-of-range ones (read as info).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import { levelOf } from '../../../shared/severity.js';

const T0 = Date.UTC(2026, 10, 30, 10) * 1000;
/** Every level's first and last severity, unspecified (0) and out of range (25, 30). */
const SEVERITIES = [0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 30, 9, 9, 9];

describe('a search for one level', () => {
  it('pages through exactly the records of that level, newest first', () => {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-level-index-')), 'loupe.db'));
    registerQueryFunctions(db);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'logs_by_level'").pluck().get()).toBe(1);
    const writer = new LogWriter(db);
    const reader = new LogReader(db, writer);
    const recs: LogInsert[] = Array.from({ length: 3000 }, (_, i) => ({
      // Ten a second, in bursts of equal times (ids bumped).
      ts: T0 + Math.floor(i / 10) * 1_000_000,
      severity: SEVERITIES[(i * 7) % SEVERITIES.length]!,
      fileId: null,
      sourceId: null,
      message: `record ${i}`,
      flags: 0,
    }));
    writer.write(recs);
    for (const [level, range] of [
      ['warn', {}],
      ['error', {}],
      ['fatal', {}],
      ['fatal', { from: T0 + 50_000_000, to: T0 + 120_000_000 }],
      ['info', {}],
    ] as const) {
      const want = recs
        .map((r, i) => ({ r, i }))
        .filter(({ r }) => levelOf(r.severity) === level && r.ts >= (range.from ?? 0) && r.ts <= (range.to ?? Infinity))
        .map(({ i }) => `record ${i}`)
        .reverse();
      const got: string[] = [];
      let cursor: string | undefined;
      do {
        const page = reader.search({ q: `level:${level}`, limit: 37, cursor, ...range });
        got.push(...page.records.map((r) => r.message));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(got, `level:${level}`).toEqual(want);
    }
  });
});
