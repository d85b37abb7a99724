import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { attributesSearchText, containsTokenRun, tokenize } from '../../../electron/engine/signals/logs/query/text.js';

// The predicate of the live tail must split text exactly as logs_fts does: compare our tokenizer
// with SQLite's own, read back through an fts5vocab table over a table with the same tokenizer.
const db = new Database(':memory:');
db.exec(`
  CREATE VIRTUAL TABLE t USING fts5(x, tokenize = "unicode61 remove_diacritics 2 tokenchars '_'");
  CREATE VIRTUAL TABLE v USING fts5vocab(t, instance);
`);
afterAll(() => db.close());

function sqliteTokens(texts: string[]): string[][] {
  db.exec('DELETE FROM t');
  const insert = db.prepare('INSERT INTO t(rowid, x) VALUES (?, ?)');
  db.transaction(() => texts.forEach((text, i) => insert.run(i + 1, text)))();
  const out: string[][] = texts.map(() => []);
  for (const r of db.prepare('SELECT doc, term FROM v ORDER BY doc, offset').all() as Array<{ doc: number; term: string }>) {
    out[r.doc - 1]?.push(r.term);
  }
  return out;
}

describe('tokenize agrees with unicode61 remove_diacritics 2', () => {
  it('on sample sentences', () => {
    const texts = [
      'Connection refused (errno=111) at db-01:5432',
      'Café naïve ÉCOLE e\u0301cole',
      'user_id=42 _private __dunder__ snake_case',
      'İstanbul Straße ǅemal Ωmega ΆΒΓ',
      '日本語テキスト abc १२३ ١٢٣ ½²',
      'tab\tnew\nline\u200bzero-width 😀emoji',
      'Øre æ œ đ ł ệ ḉ ﬁle Ⅻ',
      'quotes "double" \'single\' `back`',
    ];
    expect(texts.map(tokenize)).toEqual(sqliteTokens(texts));
  });

  it('on every code point up to U+33FF and every 97th beyond, alone and inside a word', () => {
    const texts: string[] = [];
    const points: number[] = [];
    for (let cp = 0x20; cp <= 0x33ff; cp++) if (cp < 0xd800 || cp > 0xdfff) points.push(cp);
    for (let cp = 0x3400; cp <= 0x10ffff; cp += 97) if (cp < 0xd800 || cp > 0xdfff) points.push(cp);
    for (const cp of points) {
      const ch = String.fromCodePoint(cp);
      texts.push(`a${ch}b ${ch} ${ch}x`);
    }
    const ours = texts.map(tokenize);
    const theirs = sqliteTokens(texts);
    const mismatches = texts
      .map((text, i) => ({ cp: (points[i] as number).toString(16), text, ours: ours[i], theirs: theirs[i] }))
      .filter((m, i) => JSON.stringify(ours[i]) !== JSON.stringify(theirs[i]));
    expect(mismatches.slice(0, 40)).toEqual([]);
  });
});

describe('text helpers', () => {
  it('joins attribute leaf values', () => {
    expect(attributesSearchText({ a: 'x y', b: 42, c: { d: true, e: [1, null, 'z'] }, f: null })).toBe('x y 42 true 1 z');
    expect(attributesSearchText(null)).toBe('');
  });
  it('finds token runs with a prefix last token', () => {
    expect(containsTokenRun(['read', 'timeout', 'x'], ['time'], true)).toBe(true);
    expect(containsTokenRun(['read', 'timeout', 'x'], ['time'], false)).toBe(false);
    expect(containsTokenRun(['read', 'timeout', 'x'], ['read', 'time'], true)).toBe(true);
    expect(containsTokenRun(['reading', 'timeout'], ['read', 'time'], true)).toBe(false);
  });
});
