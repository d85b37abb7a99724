// Searches that froze the engine before matching became linear: a backtracking regex or a glob
// turned into a RegExp over a long value ran for hours. Each test here would hang without the
// fix; vitest's per-test timeout is the guard (no timed assertion).
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileToPredicate,
  compileToSql,
  parseQuery,
  registerQueryFunctions,
  type PredicateRow,
} from '../../../electron/engine/signals/logs/query/index.js';
import { globMatches } from '../../../electron/engine/signals/logs/query/glob.js';
import { cachedRegex, compileRegex } from '../../../electron/engine/signals/logs/query/regex.js';
import { migrate } from '../../../electron/engine/core/migrations.js';

const MIB = 1024 * 1024;
const A_LINE = 'a'.repeat(MIB - 1) + '!';
const LONG = 'a'.repeat(100_000);

let dir: string;
let db: Database.Database;
let rows: PredicateRow[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-linear-'));
  const path = join(dir, 'loupe.db');
  db = new Database(path);
  migrate(db, path);
  registerQueryFunctions(db);
  db.prepare("INSERT INTO sources (id, kind, path, created_at) VALUES (1, 'folder', ?, 0)").run(`/logs/${LONG}`);
  db.prepare("INSERT INTO files (id, source_id, path, dev, ino, fp_len, fp_hash, updated_at) VALUES (1, 1, ?, 0, 1, 0, '', 0)").run(
    `/logs/${LONG}/x.log`,
  );
  const insert = db.prepare(
    `INSERT INTO logs (id, ts, severity, file_id, source_id, logger, service, message, attributes)
     VALUES (?, ?, 9, 1, 1, ?, ?, ?, ?)`,
  );
  insert.run(1, 1, LONG, LONG, A_LINE, JSON.stringify({ key: LONG }));
  insert.run(2, 2, 'app', 'api', 'aaaa', JSON.stringify({ key: 'aaaaab' }));
  rows = db
    .prepare(
      'SELECT l.*, s.path AS source_path, f.path AS file_path FROM logs l JOIN sources s ON s.id = l.source_id JOIN files f ON f.id = l.file_id',
    )
    .all() as PredicateRow[];
});

afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The ids a query finds, in SQL (history) and with the live-tail predicate: they must agree. */
function ids(query: string): number[] {
  const sql = compileToSql(parseQuery(query));
  expect(sql.fts).toBeNull();
  const found = db
    .prepare(`SELECT l.id FROM logs l WHERE ${sql.where} ORDER BY l.id`)
    .pluck()
    .all(...sql.params) as number[];
  const test = compileToPredicate(parseQuery(query));
  expect(rows.filter((r) => test(r)).map((r) => r.id)).toEqual(found);
  return found;
}

describe('catastrophic patterns over a 1 MiB line finish', () => {
  it.each([
    ['/(a+)+$/', [2]],
    ['/(a|aa)*!x/i', []],
    ['/(.*a){16}!/', [1]],
    ['/^(\\w+\\s?)*$/m', [2]],
    ['/(?:a|b)*a(?:a|b){20}c/s', []],
  ])(
    '%s',
    (query, expected) => {
      expect(ids(query)).toEqual(expected);
    },
    30_000,
  );
});

describe('globs with many stars over long values finish', () => {
  it.each([
    ['logger:*a*a*a*a*a*b', []],
    ['service:*a*a*a*a*a*a*a*a*b', []],
    ['key:*a*a*a*a*a*b', [2]],
    ['source:*a*a*a*a*a*b', []],
    ['source:/logs/*a*a*a*/x.log', [1, 2]],
  ])(
    '%s',
    (query, expected) => {
      expect(ids(query)).toEqual(expected);
    },
    30_000,
  );
});

describe('globMatches', () => {
  it('matches the whole value, * standing for any run', () => {
    expect(globMatches('app.*', 'app.db.pool')).toBe(true);
    expect(globMatches('app.*', 'xapp.db')).toBe(false);
    expect(globMatches('*.log', '/var/log/api.log')).toBe(true);
    expect(globMatches('*.log', '/var/log/api.log.1')).toBe(false);
    expect(globMatches('a*b*c', 'abbbc')).toBe(true);
    expect(globMatches('a*b*c', 'acb')).toBe(false);
    expect(globMatches('**', '')).toBe(true);
    expect(globMatches('x?[y]', 'x?[y]')).toBe(true); // only '*' is special
    expect(globMatches('x?', 'xy')).toBe(false);
    expect(globMatches('*é*', 'café crème')).toBe(true);
  });
});

describe('plain-text regexes', () => {
  it('find what RE2 finds, case-insensitively too', () => {
    const texts = [
      'KABOOM at the door',
      'kaboom',
      'KaBoOm!',
      'no boom here',
      'Straße KABOO',
      'K\u212aBOOM (Kelvin sign)',
      'connection reset by peer',
      '',
    ];
    for (const [source, flags] of [
      ['KABOOM', 'i'],
      ['KABOOM', ''],
      ['connection reset', ''],
      ['Reset By', 'i'],
      ['straße', 'i'],
    ] as const) {
      const re2 = compileRegex(source, flags);
      for (const text of texts) expect(cachedRegex(source, flags).test(text), `/${source}/${flags} on ${text}`).toBe(re2.test(text));
    }
  });
});
