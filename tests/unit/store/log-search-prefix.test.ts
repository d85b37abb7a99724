// A bare word finds the words it starts (`timeout` → `timeouts`, `TimeoutError`) when the reader
// spells the prefix out as the index's words (FTS5's own prefix query merges every matching
// word's whole doclist first: 0.3 s at 10M records), and still when too many words share it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { compileToSql, parseQuery, registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import { wordMinuteCountsOf } from '../../../electron/engine/signals/logs/word-minute-counts.js';
import type { Db } from '../../../electron/engine/core/database.js';

const T0 = Date.UTC(2026, 10, 30, 10) * 1000;

const records = (messages: string[], from = 0): LogInsert[] =>
  messages.map((message, i): LogInsert => ({ ts: T0 + from + i, severity: 9, fileId: null, sourceId: null, message, flags: 0 }));

function store(messages: string[]): { writer: LogWriter; reader: LogReader } {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-prefix-')), 'loupe.db'));
  registerQueryFunctions(db);
  const writer = new LogWriter(db);
  writer.write(records(messages));
  writer.fts.catchUp();
  return { writer, reader: new LogReader(db, writer) };
}

const searchable = (messages: string[]): LogReader => store(messages).reader;

const found = (reader: LogReader, q: string): string[] =>
  reader
    .search({ q })
    .records.map((r) => r.message)
    .reverse();

describe('prefix words', () => {
  const messages = [
    'timeout waiting for upstream',
    'timeouts piled up',
    'TimeoutError raised by the pool',
    'time flies',
    'timer fired',
    'request done request_id=abc',
    ...Array.from({ length: 20 }, (_, i) => `word${i} said`),
  ];

  it('finds every word a bare word starts, as FTS5 prefix queries do', () => {
    const reader = searchable(messages);
    expect(found(reader, 'timeout')).toEqual(['timeout waiting for upstream', 'timeouts piled up', 'TimeoutError raised by the pool']);
    expect(found(reader, 'TIME')).toEqual(messages.slice(0, 5));
    expect(found(reader, 'request')).toEqual(['request done request_id=abc']);
    expect(found(reader, 'waiting for up')).toEqual(['timeout waiting for upstream']);
    expect(found(reader, 'timeout -timeouts')).toEqual(['timeout waiting for upstream', 'TimeoutError raised by the pool']);
    // More words than are spelled out: FTS5's prefix query finds them all.
    expect(found(reader, 'word')).toHaveLength(20);
    expect(found(reader, 'nothing')).toEqual([]);
  });

  it('finds the words indexed since the last search of the same prefix', () => {
    const { writer, reader } = store(['timeout waiting for upstream', 'time flies']);
    // The histogram's counts are kept by the search (its minute's records changing make them stale).
    const counted = (): number => reader.histogram({ q: 'timeout' }).total;
    expect(found(reader, 'timeout')).toEqual(['timeout waiting for upstream']);
    expect(counted()).toBe(1);
    // New words, indexed (the reader keeps its prefix look-ups until the index gains records).
    writer.write(records(['timeouts piled up', 'TimeoutError raised by the pool'], 10));
    writer.fts.catchUp();
    expect(found(reader, 'timeout')).toEqual(['timeout waiting for upstream', 'timeouts piled up', 'TimeoutError raised by the pool']);
    expect(counted()).toBe(3);
    // And again, the index part way through a batch (the mark's other half).
    writer.write(records(['timeoutish news', 'timeouty one', 'timeoutz two'], 20));
    writer.fts.indexSome(1);
    expect(found(reader, 'timeout')).toHaveLength(6);
    expect(counted()).toBe(6);
    writer.fts.indexSome(1);
    expect(found(reader, 'timeout')).toHaveLength(6);
    expect(counted()).toBe(6);
    writer.fts.catchUp();
    expect(found(reader, 'timeout')).toHaveLength(6);
    expect(counted()).toBe(6);
  });

  const HOUR = 3_600_000_000;

  /** Parts of 100 records: an old hour whose records say `timeouts`, then a newer one's `timeout`. */
  function twoHoursInParts(): { db: Db; reader: LogReader; vocabularies: () => number; parts: number } {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-prefix-')), 'loupe.db'));
    registerQueryFunctions(db);
    const writer = new LogWriter(db, undefined, 100);
    const hour = (start: number, message: string): LogInsert[] =>
      Array.from({ length: 300 }, (_, i): LogInsert => ({
        ts: T0 + start + i * 10_000_000,
        severity: 9,
        fileId: null,
        sourceId: null,
        message,
        flags: 0,
      }));
    writer.write(hour(0, 'timeouts piled up'));
    writer.write(hour(2 * HOUR, 'timeout waiting'));
    writer.fts.catchUp();
    const parts = db.prepare('SELECT count(*) FROM fts.fts_parts').pluck().get() as number;
    expect(parts).toBeGreaterThanOrEqual(5);
    return {
      db,
      reader: new LogReader(db, writer),
      // The parts' vocabularies made on the connection (each made when a prefix is first spelled out there).
      vocabularies: () =>
        db.prepare("SELECT count(*) FROM temp.sqlite_master WHERE type = 'table' AND name LIKE '%_words'").pluck().get() as number,
      parts,
    };
  }

  it("looks up only the words of the index's parts a search reads, and finds each part's", () => {
    const { reader, vocabularies, parts } = twoHoursInParts();
    // A page of the newest over all time: the newest part's words alone, the page full there.
    expect(reader.search({ q: 'timeout', limit: 10 }).records.map((r) => r.message)).toEqual(Array(10).fill('timeout waiting'));
    expect(vocabularies()).toBe(1);
    // The newer hour: its parts' words alone (not the old hour's: a cold start's first search of
    // the last hour at 100M records looked up all 49 parts, 0.8 s).
    const recent = { from: T0 + 2 * HOUR, to: T0 + 3 * HOUR };
    expect(reader.search({ q: 'timeout', ...recent, limit: 1000 }).records).toHaveLength(300);
    expect(reader.histogram({ q: 'timeout', ...recent }).total).toBe(300);
    expect(vocabularies()).toBeLessThanOrEqual(4);
    expect(vocabularies()).toBeLessThan(parts);
    // The old hour: its own parts' `timeouts`, in the search, the histogram, the facets and a count.
    const old = { from: T0, to: T0 + HOUR };
    expect(reader.search({ q: 'timeout', ...old, limit: 1000 }).records.map((r) => r.message)).toEqual(
      Array(300).fill('timeouts piled up'),
    );
    expect(reader.histogram({ q: 'timeout', ...old }).total).toBe(300);
    expect(reader.histogram({ q: 'timeout level:info', ...old, within: 1000 }).total).toBe(300);
    expect(reader.count({ q: 'timeout', ...old })).toBe(300);
    // Everything: both, a page across every part.
    expect(reader.search({ q: 'timeout', limit: 1000 }).records).toHaveLength(600);
    expect(
      reader
        .search({ q: 'timeout', limit: 350 })
        .records.slice(-51)
        .map((r) => r.message),
    ).toEqual(['timeout waiting', ...Array(50).fill('timeouts piled up')]);
    expect(reader.histogram({ q: 'timeout' }).total).toBe(600);
    expect(vocabularies()).toBe(parts);
  });

  it("counts a histogram's newest minutes first with the words of their parts alone", () => {
    const { db, reader, vocabularies, parts } = twoHoursInParts();
    const all = { from: T0, to: T0 + 3 * HOUR - 1 };
    // Asked within a second that the first pass uses up (the kept counts' clock steps 400 ms a
    // read): one pass over the newest minutes, in the newest part or two (a first look over a week
    // at 100M records read all 49 parts' words first, ~0.8 s cold).
    let clock = 0;
    wordMinuteCountsOf(db).now = () => (clock += 400);
    const first = reader.histogram({ q: 'timeout', ...all, within: 1000 });
    expect(first.counting).toBeDefined();
    expect(first.total).toBeGreaterThan(0);
    expect(first.total).toBeLessThanOrEqual(300);
    expect(vocabularies()).toBeLessThanOrEqual(2);
    // The rest counted in each part with its own words (the old hour's `timeouts`).
    const rest = reader.histogram({ q: 'timeout', ...all });
    expect(rest.counting).toBeUndefined();
    expect(rest.total).toBe(600);
    expect(vocabularies()).toBe(parts);
    // A search with a word beside other terms (counted from its matches' rows), and its facets' count.
    expect(reader.histogram({ q: 'timeout -waiting', ...all, within: 1000 }).total).toBeLessThanOrEqual(300);
    expect(reader.histogram({ q: 'timeout -waiting', ...all }).total).toBe(300);
    expect(reader.count({ q: 'timeout -piled', ...all })).toBe(300);
  });

  it('spells a prefix out as the words the reader gives, exact when there are none', () => {
    const q = parseQuery('timeout');
    expect(compileToSql(q, { expandPrefix: () => ['timeouterror', 'timeouts'] }).fts).toBe(
      '{message attrs} : (("timeout" OR "timeouterror" OR "timeouts"))',
    );
    expect(compileToSql(q, { expandPrefix: () => [] }).fts).toBe('{message attrs} : ("timeout")');
    expect(compileToSql(q, { expandPrefix: () => null }).fts).toBe('{message attrs} : ("timeout"*)');
    expect(compileToSql(parseQuery('db-0'), { expandPrefix: () => ['01'] }).fts).toBe('{message attrs} : (("db 0" OR "db 01"))');
  });
});
