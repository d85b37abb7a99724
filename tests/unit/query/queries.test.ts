import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileToPredicate, compileToSql, parseQuery } from '../../../electron/engine/signals/logs/query/index.js';
import { ALL_IDS, openFixture, type Fixture } from './fixture.js';
import { FTS_PART } from '../../../electron/engine/signals/logs/fts-parts.js';

/** A compiled condition over the fixture's one index table (the parts' stand-in replaced). */
const inPart = (where: string): string => where.replaceAll(FTS_PART, 'logs_fts');

let fx: Fixture;
beforeAll(() => {
  fx = openFixture();
});
afterAll(() => fx.close());

/** Runs a search the way the Logs view does (newest first), returning ids in ascending order. */
function sqlIds(query: string): number[] {
  const { fts, where, params } = compileToSql(parseQuery(query));
  const rows =
    fts === null
      ? fx.db.prepare(`SELECT l.* FROM logs l WHERE ${inPart(where)} ORDER BY l.id DESC LIMIT ?`).all(...params, 1000)
      : fx.db
          .prepare(
            `SELECT l.* FROM logs_fts f JOIN logs l ON l.id = f.rowid WHERE logs_fts MATCH ? AND ${inPart(where)} ORDER BY f.rowid DESC LIMIT ?`,
          )
          .all(fts, ...params, 1000);
  const ids = (rows as Array<{ id: number }>).map((r) => r.id);
  expect(ids).toEqual([...ids].sort((a, b) => b - a));
  return ids.reverse();
}

function predicateIds(query: string): number[] {
  const test = compileToPredicate(parseQuery(query));
  return fx.predicateRows.filter((r) => test(r)).map((r) => r.id);
}

const except = (...ids: number[]): number[] => ALL_IDS.filter((id) => !ids.includes(id));

// [query, the ids it must find]. Row contents are in fixture.ts.
const CASES: Array<[string, number[]]> = [
  ['', ALL_IDS],
  ['   ', ALL_IDS],
  // bare words: tokens at word starts, the last one a prefix
  ['time', [6, 11, 15]],
  ['timeout', [6, 15]],
  ['TIMEOUT', [6, 15]],
  ['connection', [2, 4]],
  ['waiting for', [4, 11]],
  ['card', [9]],
  ['card_declined', [9]],
  ['db-01', [2]],
  ['errno=111', [2]],
  ['12ms', [1]],
  ['5', [1, 2, 11, 15, 18]],
  ['42', [1, 2, 17]],
  ['x', [10, 14]],
  ['or', [8, 12]],
  ['user_id', [7]],
  ['https://example', []],
  // diacritics and attribute values
  ['cafe', [8]],
  ['CAFÉ', [8]],
  ['naïve', [8]],
  ['zoe', [17]],
  // phrases
  ['"time"', [15]],
  ['"card"', []],
  ['"waiting for"', [4, 11]],
  ['"for connection"', [4]],
  ['"time to spare"', [15]],
  ['"out of"', [16]],
  ['"->"', [10]],
  // exclusions
  ['connection -refused', [4]],
  ['-time', except(6, 11, 15)],
  ['timeout -"read timeout"', [15]],
  ['-timeout -level:info', [2, 3, 4, 7, 9, 10, 14, 16, 18]],
  // NOT in capitals is the same operator as '-' (lower-case `not` is a word)
  ['connection NOT refused', [4]],
  ['NOT time', except(6, 11, 15)],
  ['timeout AND NOT "read timeout"', [15]],
  ['NOT (time OR pool)', except(4, 6, 11, 15)],
  ['pool OR NOT level:info', [2, 3, 4, 6, 7, 9, 10, 14, 16, 18]],
  // regexes
  ['/Connection refused/', [2]],
  ['/^[A-Z]+ /', [1, 12, 16]],
  ['/timeout/i', [6, 15]],
  ['/users\\/\\d+/', [1]],
  ['-/e/', [16]],
  // levels
  ['level:error', [2, 9, 18]],
  ['level:warn+', [2, 3, 4, 7, 9, 14, 16, 18]],
  ['level:WARNING', [3, 4, 14]],
  ['level:info', [1, 5, 8, 11, 12, 13, 15, 17]],
  ['level:critical', [7, 16]],
  ['level:<info', [6, 10]],
  ['level:>=error', [2, 7, 9, 16, 18]],
  ['level:>fatal', []],
  ['level:*', ALL_IDS],
  ['-level:*', []],
  ['-level:info', [2, 3, 4, 6, 7, 9, 10, 14, 16, 18]],
  // logger, service, trace, span
  ['logger:app.db', [3, 4, 18]],
  ['logger:app', [1, 2, 3, 4, 5, 12, 14, 16, 18]],
  ['logger:app.d*', [3, 4, 5, 18]],
  ['-logger:*', [8, 13]],
  ['-logger:app', [6, 7, 8, 9, 10, 11, 13, 15, 17]],
  ['service:checkout', [8, 9]],
  ['service:Check*', [17]],
  ['trace:ab12cd34', [1, 2]],
  ['trace:AB12*', [1, 2]],
  ['span:s1', [1]],
  ['-span:s1', except(1)],
  // sources: substring of the source or file path, or a glob over it
  ['source:worker', [6, 7, 15]],
  ['source:db.log', [3, 4, 5, 18]],
  ['source:*.log', except(8, 9, 13, 17)],
  ['source:"my app"', [10, 11]],
  ['-source:/var/log/app', [6, 7, 8, 9, 10, 11, 13, 15, 17]],
  // attributes
  ['status:>=500', [2]],
  ['status:>=400', [2, 9]],
  ['status:200', [1]],
  ['status:*', [1, 2, 9, 12, 18]],
  ['-status:*', except(1, 2, 9, 12, 18)],
  ['-status:>=400', except(2, 9)],
  ['duration_ms:<1.5', [11]],
  ['duration_ms:>10', [1, 3]],
  ['duration_ms:=12.5', [1]],
  ['amount:>19', [8]],
  ['user_id:42', [1, 2]],
  ['user_id:42*', [2]],
  ['user_id:42.0', [1]],
  ['http.route:/users/{id}', [1]],
  ['http.route:/nested', [7]],
  ['http.route:*', [1, 6, 7, 9]],
  ['db.statement:SELECT', [3]],
  ['user.name:Zoë', [17]],
  ['retry:true', [2]],
  ['ok:false', [15]],
  ['note:null', [12]],
  ['items:*', [12]],
  ['items:1', []],
  ['path:"C:\\\\x y"', [10]],
  ['@level:x', []],
  // combinations
  ['level:error OR status:>=500', [2, 9, 18]],
  ['level:error service:api', [2, 18]],
  ['level:error AND service:api', [2, 18]],
  ['(timeout OR refused) level:error', [2]],
  ['connection AND level:warn', [4]],
  ['-(level:info OR level:debug)', [2, 3, 4, 7, 9, 10, 14, 16, 18]],
  ['pool OR -level:info', [2, 3, 4, 6, 7, 9, 10, 14, 16, 18]],
  ['deadlock (transaction OR level:fatal)', [18]],
  ['time OR pool', [4, 6, 11, 15]],
  ['level:error OR source:worker', [2, 6, 7, 9, 15, 18]],
  ['(time OR pool) -waiting', [6, 15]],
  ['-(time OR pool)', except(4, 6, 11, 15)],
  ['"->" OR logger:worker', [6, 7, 10, 15]],
];

describe('search results: SQL on a real store and the live-tail predicate agree', () => {
  it.each(CASES)('%s', (query, expected) => {
    expect(sqlIds(query)).toEqual(expected);
    expect(predicateIds(query)).toEqual(expected);
  });
});

describe('compileToSql shape', () => {
  it('puts the top-level text in the FTS expression and the rest in where', () => {
    const c = compileToSql(parseQuery('timeout "read it" level:error'));
    expect(c.fts).toBe('{message attrs} : (("timeout"* AND "read it"))');
    expect(c.where).toBe('l.severity BETWEEN 17 AND 20');
    expect(c.params).toEqual([]);
  });
  it('keeps exclusions in FTS when there is a positive term', () => {
    expect(compileToSql(parseQuery('a -b')).fts).toBe('{message attrs} : (("a"* NOT "b"*))');
  });
  it('moves an only-negative text query to where', () => {
    const c = compileToSql(parseQuery('-debug'));
    expect(c.fts).toBeNull();
    expect(c.where).toBe('l.id NOT IN (SELECT rowid FROM __FTS_PART__ WHERE __FTS_PART__ MATCH ?)');
    expect(c.params).toEqual(['{message attrs} : ("debug"*)']);
  });
  it('keeps a text-only OR in FTS and a mixed OR in where', () => {
    expect(compileToSql(parseQuery('a OR b')).fts).toBe('{message attrs} : (("a"* OR "b"*))');
    const mixed = compileToSql(parseQuery('a OR level:error'));
    expect(mixed.fts).toBeNull();
    expect(mixed.where).toBe('(l.id IN (SELECT rowid FROM __FTS_PART__ WHERE __FTS_PART__ MATCH ?) OR l.severity BETWEEN 17 AND 20)');
  });
  it('matches everything for an empty query', () => {
    expect(compileToSql(parseQuery(''))).toEqual({ fts: null, where: '1', params: [] });
  });
  it('uses another alias when asked', () => {
    expect(compileToSql(parseQuery('service:x'), { alias: 'g' }).where).toBe('g.service = ?');
  });
});

describe('query plan', () => {
  it('walks the FTS index newest-first without sorting the matches', () => {
    const { fts, where } = compileToSql(parseQuery('connection level:warn+'));
    const plan = (sql: string): string =>
      (fx.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(fts, 200) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    const byRowid = plan(
      `SELECT l.* FROM logs_fts f JOIN logs l ON l.id = f.rowid WHERE logs_fts MATCH ? AND ${inPart(where)} ORDER BY f.rowid DESC LIMIT ?`,
    );
    expect(byRowid).toMatch(/VIRTUAL TABLE INDEX/);
    expect(byRowid).not.toMatch(/TEMP B-TREE/);
    // The trap (ORDER BY ts sorts every match: seconds on 10M rows), to show the check above can fail.
    const byTs = plan(
      `SELECT l.* FROM logs_fts f JOIN logs l ON l.id = f.rowid WHERE logs_fts MATCH ? AND ${inPart(where)} ORDER BY l.ts DESC LIMIT ?`,
    );
    expect(byTs).toMatch(/USE TEMP B-TREE FOR ORDER BY/);
  });
});

describe('random combinations: SQL and predicate agree row by row', () => {
  const ATOMS = [
    'time',
    'connection',
    '"waiting for"',
    'x',
    '5',
    'cafe',
    '"->"',
    '/^[A-Z]/',
    '/e/i',
    'level:error',
    'level:warn+',
    'level:info',
    'logger:app',
    'logger:app.db',
    'logger:*',
    'service:api',
    'trace:ab12*',
    'span:*',
    'source:worker',
    'source:*.log',
    'status:>=400',
    'status:*',
    'user_id:42',
    'http.route:*',
    'duration_ms:<100',
    'ok:false',
    'note:null',
  ];
  // A fixed-seed generator (mulberry32): the same 300 queries on every run.
  let seed = 0x5eed;
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const expr = (depth: number): string => {
    const r = random();
    if (depth === 0 || r < 0.35) return (random() < 0.3 ? '-' : '') + pick(ATOMS);
    const parts = Array.from({ length: 2 + Math.floor(random() * 2) }, () => expr(depth - 1));
    const joined = parts.join(r < 0.65 ? ' ' : ' OR ');
    return `${random() < 0.2 ? '-' : ''}(${joined})`;
  };
  const queries = Array.from({ length: 300 }, () => expr(3));

  it('on 300 generated queries', () => {
    const results = queries.map((q) => ({ q, sql: sqlIds(q), js: predicateIds(q) }));
    expect(results.filter((r) => JSON.stringify(r.sql) !== JSON.stringify(r.js))).toEqual([]);
    // The generator must make searches that select something, not all or nothing.
    const selective = results.filter((r) => r.sql.length > 0 && r.sql.length < ALL_IDS.length).length;
    expect(selective).toBeGreaterThan(150);
  });
});
