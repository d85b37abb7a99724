// The full-text index as a derived index in its own file (migration 15): it lags the records,
// says how far it has got, catches up from its mark after a stop, follows retention, and never
// leaves a search short of a match. Real SQLite files throughout.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { ftsFilePath, openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { MIGRATIONS } from '../../../electron/engine/core/migrations.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { FtsIndexer } from '../../../electron/engine/signals/logs/fts-index.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { LogPruner } from '../../../electron/engine/signals/logs/log-pruner.js';
import { registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';

const T0 = Date.UTC(2026, 10, 30, 10) * 1000;

function rec(ts: number, message: string, attributes?: Record<string, unknown>): LogInsert {
  return { ts, severity: 9, fileId: null, sourceId: null, message, attributes, flags: 0 };
}

function open(path: string): { db: Db; writer: LogWriter; reader: LogReader } {
  const db = openDatabase(path);
  registerQueryFunctions(db);
  const writer = new LogWriter(db);
  return { db, writer, reader: new LogReader(db, writer) };
}

/** How many index rows hold `term`, and how many times it is indexed in all (a row indexed twice counts twice). */
function indexed(db: Db, term: string): { docs: number; occurrences: number } {
  db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING fts5vocab(fts, logs_fts, 'row')");
  const row = db.prepare('SELECT doc, cnt FROM temp.fts_terms WHERE term = ?').get(term) as { doc: number; cnt: number } | undefined;
  return { docs: row?.doc ?? 0, occurrences: row?.cnt ?? 0 };
}

function batch(from: number, n: number, word: (i: number) => string): LogInsert[] {
  return Array.from({ length: n }, (_, k) =>
    rec(T0 + (from + k) * 1000, `line ${from + k} ${word(from + k)}`, { user: `user_${from + k}` }),
  );
}

describe('the full-text index in its own file', () => {
  it('lags the records, says how far it has got, and a search still finds every match', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'loupe-fts-')), 'loupe.db');
    const { db, writer, reader } = open(path);
    expect(existsSync(ftsFilePath(path))).toBe(true);
    writer.write(batch(0, 300, (i) => (i % 3 === 0 ? 'teapot' : 'kettle')));
    writer.write(batch(300, 300, (i) => (i % 3 === 0 ? 'teapot' : 'kettle')));
    // Stored and browsable, not yet indexed: the index says so.
    expect(reader.ftsLag()).toEqual({ indexedThrough: T0 - 1, records: 600, bytes: expect.any(Number) });
    expect(indexed(db, 'teapot').docs).toBe(0);
    // Part of the first batch, then the rest of it: the mark sits inside the batch.
    writer.fts.indexSome(100);
    expect(reader.ftsLag()).toMatchObject({ indexedThrough: T0 + 99 * 1000, records: 600 });
    writer.fts.indexSome(250);
    expect(reader.ftsLag()).toMatchObject({ indexedThrough: T0 + 349 * 1000, records: 300 });
    // A search does not wait for the index: the records above its mark are scanned, and it finds
    // all 200 (newest first), saying what it scanned.
    const page = reader.search({ q: 'teapot', limit: 1000 });
    expect(page.records.length).toBe(200);
    expect(page.records[0]!.message).toBe('line 597 teapot');
    expect(page.unindexed).toEqual({ records: 300, bytes: expect.any(Number) as number });
    writer.fts.catchUp();
    expect(reader.ftsLag()).toEqual({ indexedThrough: Number.MAX_SAFE_INTEGER, records: 0, bytes: 0 });
    // Attribute values are indexed as before.
    expect(reader.search({ q: 'user_451' }).records.map((r) => r.message)).toEqual(['line 451 kettle']);
    expect(indexed(db, 'teapot')).toEqual({ docs: 200, occurrences: 200 });
    db.close();
  });

  it('after a stop part-way, goes on from its mark: every record indexed once', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'loupe-fts-')), 'loupe.db');
    let s = open(path);
    for (let b = 0; b < 5; b++) s.writer.write(batch(b * 1000, 1000, () => 'widget'));
    s.writer.fts.indexSome(2500); // two batches and half of the third
    // Stopped without a word (the process killed): the next open finds the mark in the FTS file.
    s.db.close();
    s = open(path);
    expect(s.reader.ftsLag()).toMatchObject({ indexedThrough: T0 + 2499 * 1000, records: 3000 });
    s.writer.fts.catchUp();
    expect(indexed(s.db, 'widget')).toEqual({ docs: 5000, occurrences: 5000 });
    // The batches indexed leave the records' queue with the next write.
    s.writer.write(batch(5000, 1, () => 'widget'));
    expect(s.db.prepare('SELECT count(*) FROM fts_pending').pluck().get()).toBe(1);
    s.db.close();
  });

  it('indexes backfilled history written among indexed records once, and says the index is behind there', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'loupe-fts-')), 'loupe.db');
    const { db, writer, reader } = open(path);
    writer.write(batch(0, 100, (i) => (i % 2 ? 'odd' : 'even')).filter((_, i) => i % 2 === 0));
    writer.fts.catchUp();
    // The odd ones arrive later (an older file read after a newer one): their ids fall between.
    writer.write(batch(0, 100, (i) => (i % 2 ? 'odd' : 'even')).filter((_, i) => i % 2 === 1));
    expect(reader.ftsLag()).toMatchObject({ indexedThrough: T0 + 1000 - 1, records: 50 });
    writer.fts.catchUp();
    expect(indexed(db, 'even')).toEqual({ docs: 50, occurrences: 50 });
    expect(indexed(db, 'odd')).toEqual({ docs: 50, occurrences: 50 });
    expect(reader.search({ q: 'odd', limit: 100 }).records.length).toBe(50);
    db.close();
  });

  it('indexes a backlog without merging at each commit, and merges it once there is nothing to index', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'loupe-fts-')), 'loupe.db');
    const { db, writer, reader } = open(path);
    const segments = (): number => db.prepare('SELECT count(DISTINCT segid) FROM fts.logs_fts_idx').pluck().get() as number;
    for (let b = 0; b < 12; b++) writer.write(batch(b * 1000, 1000, (i) => (i % 5 === 0 ? 'gizmo' : 'doohickey')));
    // A backlog (here: any queue): one segment per transaction, none merged while it is indexed.
    const indexer = new FtsIndexer(db, 0);
    for (let b = 0; b < 12; b++) indexer.indexSome(1000);
    expect(reader.ftsLag().records).toBe(0);
    expect(segments()).toBe(12);
    while (indexer.mergeSome() > 0);
    expect(segments()).toBeLessThanOrEqual(3);
    // Merged, nothing lost or doubled; and with nothing new indexed there is nothing to merge.
    expect(indexed(db, 'gizmo')).toEqual({ docs: 2400, occurrences: 2400 });
    expect(reader.search({ q: 'gizmo', limit: 5000 }).records.length).toBe(2400);
    expect(reader.search({ q: '"line 11999 doohickey"' }).records.map((r) => r.message)).toEqual(['line 11999 doohickey']);
    expect(indexer.mergeSome()).toBe(0);
    db.close();
  });

  it('loses the index rows of records retention deletes, in the FTS file too', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'loupe-fts-')), 'loupe.db');
    const { db, writer, reader } = open(path);
    writer.write(batch(0, 500, () => 'gizmo'));
    writer.fts.catchUp();
    writer.write(batch(500, 500, () => 'gizmo'));
    // The newer half still queued when the older records go: neither stays in the index.
    new LogPruner(db).pruneOlderThan(T0 + 750 * 1000);
    writer.fts.catchUp();
    expect(indexed(db, 'gizmo').docs).toBe(250);
    expect(reader.search({ q: 'gizmo', limit: 1000 }).records.length).toBe(250);
    db.close();
  });

  it('moves the index of a database written before version 15 to its own file, and indexes its records again', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'loupe-fts-')), 'loupe.db');
    const old = new Database(path);
    for (const m of MIGRATIONS.filter((m) => m.version < 15)) old.exec(m.up);
    old.pragma(`user_version = ${MIGRATIONS.filter((m) => m.version < 15).at(-1)!.version}`);
    old.prepare("INSERT INTO logs (id, ts, severity, message) VALUES (?, ?, 9, 'an old sprocket')").run(T0, T0);
    old.prepare("INSERT INTO logs_fts (rowid, message, attrs) VALUES (?, 'an old sprocket', '')").run(T0);
    old.close();
    const { db, reader } = open(path);
    expect(db.prepare("SELECT count(*) FROM main.sqlite_master WHERE name = 'logs_fts'").pluck().get()).toBe(0);
    expect(reader.ftsLag()).toMatchObject({ indexedThrough: T0 - 1, records: 1 });
    expect(reader.search({ q: 'sprocket' }).records.map((r) => r.message)).toEqual(['an old sprocket']);
    db.close();
  });
});
