// kill -9 a process indexing records into the full-text index's parts (parts of 40 records, so
// that it starts a part every few transactions), again and again, wherever it is: after the last
// restart the index equals one made fresh from the records — each record once, in the part that
// owns its id, no part made twice or left half made.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../electron/engine/core/database.js';
import { LogWriter, type LogInsert } from '../../electron/engine/signals/logs/log-writer.js';
import { assertBuilt, ROOT } from '../support/serve-process.js';

const PART = 40;
const T0 = Date.UTC(2026, 11, 1, 8) * 1000;

/** Indexes the queue forever, a few records a transaction (the built indexer, as the FTS thread runs it). */
const CHILD = `
  const { openDatabase } = await import(process.argv[1]);
  const { FtsIndexer } = await import(process.argv[2]);
  const db = openDatabase(process.argv[3]);
  const indexer = new FtsIndexer(db, 0, ${PART});
  process.stdout.write('ready\\n');
  for (;;) if (indexer.indexSome(3) === 0) indexer.mergeSome();
`;

function killedWhileIndexing(dbPath: string, afterMs: number): Promise<void> {
  const out = (p: string): string => pathToFileURL(join(ROOT, 'out', 'node', 'electron', 'engine', p)).href;
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', CHILD, out('core/database.js'), out('signals/logs/fts-index.js'), dbPath],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve) => {
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), afterMs));
    child.once('exit', () => resolve());
  });
}

function rec(i: number): LogInsert {
  return { ts: T0 + i * 250_000, severity: 9, fileId: null, sourceId: null, message: `line ${i} word${i % 13}`, flags: 0 };
}

/** The ids in each part, in order of the parts' first ids. */
function rowsByPart(db: Db): number[][] {
  const parts = db.prepare('SELECT part FROM fts.fts_parts ORDER BY first_id').pluck().all() as number[];
  return parts.map(
    (p) =>
      db
        .prepare(`SELECT rowid FROM fts.${p === 0 ? 'logs_fts' : `logs_fts_${p}`} ORDER BY rowid`)
        .pluck()
        .all() as number[],
  );
}

describe('kill -9 while the index starts parts', () => {
  it('leaves, after restarts, the index a fresh one would be', async () => {
    assertBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'loupe-fts-parts-crash-'));
    const dbPath = join(dir, 'loupe.db');
    const db = openDatabase(dbPath);
    const writer = new LogWriter(db, undefined, PART);
    for (let i = 0; i < 9000; i += 50) writer.write(Array.from({ length: 50 }, (_, k) => rec(i + k)));
    db.close();
    for (const ms of [15, 30, 20, 40, 25, 35]) await killedWhileIndexing(dbPath, ms);

    const again = openDatabase(dbPath);
    const restarted = new LogWriter(again, undefined, PART);
    const killedAt = restarted.fts.lag().records;
    restarted.fts.catchUp();
    // Killed with work done and work left, and done now.
    expect(killedAt).toBeLessThan(9000);
    expect(killedAt).toBeGreaterThan(0);
    expect(restarted.fts.lag().records).toBe(0);

    const fresh = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-fts-parts-fresh-')), 'loupe.db'));
    const freshWriter = new LogWriter(fresh, undefined, PART);
    for (let i = 0; i < 9000; i += 50) freshWriter.write(Array.from({ length: 50 }, (_, k) => rec(i + k)));
    freshWriter.fts.catchUp();
    const got = rowsByPart(again);
    expect(got.flat()).toHaveLength(9000);
    expect(got).toEqual(rowsByPart(fresh));
  }, 60_000);
});
