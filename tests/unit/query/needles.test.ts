// The literal words a scan of unread file bytes looks for (query/needles.ts) must never miss a
// match: every fixture row the search's predicate accepts holds one of them in its text (the
// message and the attribute values, as a log line carries them), ASCII letters case aside. Rows
// with non-ASCII letters are left out: the index folds é to e, which raw bytes don't (README, *Lines
// not read yet*).
import { describe, expect, it } from 'vitest';
import { attributesSearchText, compileToPredicate, parseQuery } from '../../../electron/engine/signals/logs/query/index.js';
import { literalNeedles } from '../../../electron/engine/signals/logs/query/needles.js';
import { openFixture } from './fixture.js';

const QUERIES = [
  'time',
  'TIME',
  'connection reset',
  '"waiting for"',
  'conn',
  '"->"',
  'time level:error',
  'level:error time',
  'time OR pool',
  '(time OR pool) -waiting',
  'time user_id:42',
  '"->" OR pool',
  '5',
];

function rawText(row: { message: string; attributes: string | null }): string {
  return `${row.message} ${attributesSearchText(row.attributes ? (JSON.parse(row.attributes) as unknown) : null)}`;
}

describe('literal needles of a search', () => {
  const fx = openFixture();
  const rows = fx.predicateRows.filter((r) => !/[^\x00-\x7f]/.test(rawText(r)));
  it.each(QUERIES)('%s: every match holds one', (q) => {
    const ast = parseQuery(q);
    const needles = literalNeedles(ast);
    expect(needles).not.toBeNull();
    const test = compileToPredicate(ast);
    const matched = rows.filter((r) => test(r));
    for (const r of matched) {
      const text = rawText(r);
      const holds = needles!.some((n) => (n.caseless ? text.toLowerCase().includes(n.text) : text.includes(n.text)));
      expect({ q, id: r.id, holds }).toEqual({ q, id: r.id, holds: true });
    }
  });

  it('has none for what raw bytes cannot show', () => {
    for (const q of ['level:error', 'logger:app', '-time', 'time OR level:error', 'straße', '/e/i', '']) {
      expect({ q, needles: literalNeedles(parseQuery(q)) }).toEqual({ q, needles: null });
    }
  });

  it('takes the narrowest term of an AND and every side of an OR', () => {
    expect(literalNeedles(parseQuery('level:error connection "reset by peer"'))).toEqual([{ text: 'connection', caseless: true }]);
    expect(literalNeedles(parseQuery('time OR "->"'))).toEqual([
      { text: 'time', caseless: true },
      { text: '->', caseless: false },
    ]);
  });
});
