// A plain-text regex (`/KABOOM/i`, `/50% off/`) is tested by SQLite (LIKE, GLOB) before the regex
// runs: the history search must find exactly what the live tail's predicate finds, LIKE's and
// GLOB's wildcards in the text taken literally, and the two characters JS lower-cases into an
// ASCII letter (KELVIN SIGN, İ) that LIKE does not fold. A punctuation-only search term is a GLOB
// too, its wildcards literal.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { LogReader } from '../../../electron/engine/signals/logs/log-reader.js';
import { compileToPredicate, compileToSql, parseQuery, registerQueryFunctions } from '../../../electron/engine/signals/logs/query/index.js';
import type { LogRow } from '../../../electron/engine/signals/logs/rows.js';

const T0 = Date.UTC(2026, 11, 1, 10) * 1000;

const MESSAGES = [
  'KABOOM at start',
  'kaboom',
  'xKaBoOmy in the middle',
  '\u212AABOOM with a kelvin sign',
  'ka boom, two words',
  'Discount 50% off_today',
  'Discount 50 percent offXtoday',
  'card_declined',
  'cardXdeclined',
  'backslash C:\\temp\\x',
  'a TAX\u0130 ride',
  'taxing times',
  'no TAX\u0130NG here',
  'glob chars [*]?',
  'glob chars [a]x',
];

function searchable(): LogReader {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'loupe-regex-')), 'loupe.db'));
  registerQueryFunctions(db);
  const writer = new LogWriter(db);
  writer.write(MESSAGES.map((message, i): LogInsert => ({ ts: T0 + i, severity: 9, fileId: null, sourceId: null, message, flags: 0 })));
  writer.fts.catchUp();
  return new LogReader(db, writer);
}

const found = (reader: LogReader, q: string): string[] =>
  reader
    .search({ q, limit: 100 })
    .records.map((r) => r.message)
    .reverse();

/** What the live tail's predicate keeps of the same messages. */
const kept = (q: string): string[] => {
  const test = compileToPredicate(parseQuery(q));
  return MESSAGES.filter((message) => test({ message, severity: 9 } as LogRow));
};

describe('a plain-text regex in a history search', () => {
  const reader = searchable();
  const kaboom = ['KABOOM at start', 'kaboom', 'xKaBoOmy in the middle', '\u212AABOOM with a kelvin sign'];
  const cases: [string, string[]][] = [
    ['/kaboom/i', kaboom],
    ['/KABOOM/', ['KABOOM at start']],
    ['/50% off_/i', ['Discount 50% off_today']],
    ['/50% off_/', ['Discount 50% off_today']],
    ['/card_declined/i', ['card_declined']],
    // (A backslash is not plain text: the regex alone.)
    ['/C:\\\\temp/i', ['backslash C:\\temp\\x']],
    ['/taxi/i', ['a TAX\u0130 ride', 'taxing times', 'no TAX\u0130NG here']],
    // (İ lower-cases to i + U+0307: a match goes on after it only for a text that does too.)
    ['/taxin/i', ['taxing times']],
    // Nothing but the letters LIKE cannot fold: the regex alone.
    [
      '/k/i',
      [
        'KABOOM at start',
        'kaboom',
        'xKaBoOmy in the middle',
        '\u212AABOOM with a kelvin sign',
        'ka boom, two words',
        'backslash C:\\temp\\x',
      ],
    ],
    // A punctuation-only term: GLOB's wildcards in it are literal.
    ['"[*]?"', ['glob chars [*]?']],
    ['"]"', ['glob chars [*]?', 'glob chars [a]x']],
    ['-/kaboom/i', MESSAGES.filter((m) => !kaboom.includes(m))],
  ];
  for (const [q, want] of cases) {
    it(`${q} finds what the live tail finds`, () => {
      expect(kept(q)).toEqual(want);
      expect(found(reader, q)).toEqual(want);
    });
  }

  it('tests the text in SQL before the regex (the regex is called only where the text is)', () => {
    const sql = (q: string): { where: string; params: unknown[] } => compileToSql(parseQuery(q));
    expect(sql('/KABOOM/i').where).toMatch(/^\(l\.message LIKE \? ESCAPE '\\' AND regexp\(/);
    // The k stands for any character (KELVIN SIGN is a k to JS, not to LIKE), as does a last i.
    expect(sql('/KABOOM/i').params).toEqual(['%_ABOOM%', 'KABOOM', 'i']);
    expect(sql('/taxi/i').params[0]).toBe('%tax_%');
    expect(sql('/50% off_/i').params[0]).toBe('%50\\% off\\_%');
    expect(sql('/50% off_/').where).toMatch(/^\(l\.message GLOB \? AND regexp\(/);
    expect(sql('/50% off_/').params).toEqual(['*50% off_*', '50% off_', '']);
    expect(sql('"[*]?"').params).toEqual(['*[[][*]][?]*']);
    // Not plain text, or nothing LIKE can test: the regex alone.
    expect(sql('/ka+boom/i').where).toMatch(/^\(regexp\(/);
    expect(sql('/kI/i').where).toMatch(/^\(regexp\(/);
  });
});
