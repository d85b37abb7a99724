// The log rules' kept counts (signals/logs/live/window-counts.ts) on a real SQLite file: after
// every kind of batch (in the window, before it, ahead of it, late records with old times) and
// deletions (retention, a file's records erased), each search's kept count equals SQL's count of
// the same window; and between deletions it is kept without asking SQL again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { FileRecordEraser } from '../../../electron/engine/signals/logs/file-record-eraser.js';
import { LogWindowCounts } from '../../../electron/engine/signals/logs/live/window-counts.js';
import { LogPruner } from '../../../electron/engine/signals/logs/log-pruner.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import { folderWithFiles } from '../../support/folder-files.js';

const S0 = Date.UTC(2026, 10, 30, 10) / 1000;
const US = 1_000_000;
const WINDOW_S = 300;
const LOGGERS = ['app.db', 'app.db.pool', 'app.http', 'worker'];
const SEARCHES = [
  '',
  'level:error',
  'level:error logger:app.db',
  '"connection refused"',
  'timeout -level:debug',
  '/status=5\\d\\d/',
  'user.id:>40',
  'source:api.log',
  'refused OR logger:worker',
];

let dir: string;
let db: Db;
afterEach(() => {
  db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A pseudo-random record at second `s` (+ some µs), of file 1 or 2. */
function record(i: number, s: number): LogInsert {
  const severity = [5, 9, 9, 13, 17, 17][i % 6]!;
  const words = ['connection refused', 'timeout waiting', 'status=503 upstream', 'status=200 ok', 'refused by peer'][(i * 7) % 5]!;
  return {
    ts: s * US + ((i * 337_541) % US),
    severity,
    fileId: (i % 3) + 1 === 3 ? null : (i % 3) + 1,
    sourceId: 1,
    logger: LOGGERS[i % LOGGERS.length]!,
    message: `${words} ${i}`,
    attributes: { user: { id: i % 97 } },
    flags: 0,
  };
}

describe('log window counts', () => {
  it('stay equal to SQL counts through batches in, before and ahead of the window, late records and deletions', async () => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-window-counts-'));
    db = openDatabase(join(dir, 'loupe.db'));
    registerQueryFunctions(db);
    folderWithFiles(db, ['api.log', 'jobs.log']);
    const writer = new LogWriter(db);
    const reader = new LogReader(db, writer);
    let sqlCounts = 0;
    const counts = new LogWindowCounts({
      reader: {
        count: (p) => reader.count(p),
        countBySecond: (p) => {
          sqlCounts++;
          return reader.countBySecond(p);
        },
        pathsOf: (r) => reader.pathsOf(r),
      },
    });
    const deleted = (_from: number, to: number): void => counts.deleted(to);
    const write = (records: LogInsert[]): void => counts.observe(writer.write(records));
    let i = 0;
    const batch = (n: number, second: (k: number) => number): LogInsert[] => Array.from({ length: n }, (_, k) => record(i++, second(k)));

    // History before the counters exist, some of it ahead of the first windows.
    write(batch(3000, (k) => S0 - 900 + (k % 1200)));
    const counters = SEARCHES.map((q) => ({ q, counter: counts.counter(q) }));
    const check = (nowS: number): void => {
      const fromS = nowS - WINDOW_S + 1;
      for (const { q, counter } of counters)
        expect({ q, nowS, n: counter.count(fromS, nowS) }).toEqual({
          q,
          nowS,
          n: reader.count({ q, from: fromS * US, to: (nowS + 1) * US - 1 }),
        });
    };
    let now = S0;
    check(now);
    expect(sqlCounts).toBe(SEARCHES.length);

    for (let step = 0; step < 12; step++) {
      now += 15;
      write(batch(200, (k) => now - 14 + (k % 15))); // the last 15 s
      write(batch(50, (k) => now - WINDOW_S - 60 + k)); // late, before the window: never counted
      write(batch(50, (k) => now - WINDOW_S + 5 + k * 3)); // late, with old times inside the window
      write(batch(30, (k) => now + 20 + k)); // ahead of the clock: counted when their second comes
      check(now);
    }
    // Kept without SQL since the first count.
    expect(sqlCounts).toBe(SEARCHES.length);

    // Retention deletes the oldest records, up to into the window: counted again.
    const pruner = new LogPruner(db, deleted);
    while (pruner.pruneOlderThan((now - WINDOW_S + 40) * US) > 0);
    check(now);
    expect(sqlCounts).toBe(2 * SEARCHES.length);
    // Deletions before every window leave the counts alone.
    now += 15;
    write(batch(100, (k) => now - (k % 15)));
    check(now);
    expect(sqlCounts).toBe(2 * SEARCHES.length);

    // A file's records erased (read again with another format).
    const file = db.prepare('SELECT id, first_id, last_id FROM files WHERE id = 1').get() as {
      id: number;
      first_id: number | null;
      last_id: number | null;
    };
    await new FileRecordEraser(db, deleted).erase(file);
    check(now);
    now += 15;
    write(batch(100, (k) => now - (k % 15)));
    check(now);

    // The wall clock set back: a window before the seconds kept is counted again.
    check(now - 120);
    check(now);
  });

  it('counts `group:` and `pattern:` searches with SQL at each window (what they match changes after a record is stored)', () => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-window-counts-'));
    db = openDatabase(join(dir, 'loupe.db'));
    registerQueryFunctions(db);
    const writer = new LogWriter(db);
    const reader = new LogReader(db, writer);
    let sqlCounts = 0;
    const counts = new LogWindowCounts({
      reader: {
        count: (p) => {
          sqlCounts++;
          return reader.count(p);
        },
        countBySecond: (p) => reader.countBySecond(p),
        pathsOf: (r) => reader.pathsOf(r),
      },
    });
    const counter = counts.counter('group:1 OR level:error');
    counts.observe(writer.write([record(4, S0)]));
    expect(counter.count(S0 - 10, S0)).toBe(1);
    expect(counter.count(S0 - 9, S0 + 1)).toBe(1);
    expect(sqlCounts).toBe(2);
  });
});
