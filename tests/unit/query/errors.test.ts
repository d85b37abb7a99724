import { describe, expect, it } from 'vitest';
import { parseQuery, QuerySyntaxError } from '../../../electron/engine/signals/logs/query/index.js';

function syntaxError(query: string): QuerySyntaxError {
  try {
    parseQuery(query);
  } catch (e) {
    if (e instanceof QuerySyntaxError) return e;
    throw e;
  }
  throw new Error(`expected a QuerySyntaxError for ${query}`);
}

// [query, position, length, a piece of the message]
const CASES: Array<[string, number, number, string | RegExp]> = [
  ['foo "bar', 4, 4, 'quote is never closed'],
  ['x path:"C:\\unterminated', 7, 16, 'quote is never closed'],
  ['(a b', 0, 1, '"(" is never closed'],
  ['a ((b) c', 2, 1, '"(" is never closed'],
  ['a )', 2, 1, 'no matching "("'],
  [')', 0, 1, 'no matching "("'],
  ['()', 0, 2, 'parentheses are empty'],
  ['a OR', 2, 2, 'OR needs a search term on both sides'],
  ['OR a', 0, 2, 'OR needs'],
  ['a OR OR b', 2, 2, 'OR needs'],
  ['(OR a)', 1, 2, 'OR needs'],
  ['(a OR) b', 3, 2, 'OR needs'],
  ['a AND', 2, 3, 'AND needs'],
  ['AND a', 0, 3, 'AND needs'],
  ['-OR a', 0, 1, '"-" must be followed'],
  ['a NOT', 2, 3, '"NOT" must be followed by the term to exclude'],
  ['NOT OR a', 0, 3, '"NOT" must be followed'],
  ['(a NOT) b', 3, 3, '"NOT" must be followed'],
  ['x /a(/', 2, 4, /Invalid regular expression: missing closing \)/],
  // What a backtracking engine has and a linear one cannot: refused where it stands.
  ['/(a)\\1/', 4, 2, "Backreferences are not supported: Loupe's regexes run in linear time (RE2 syntax)."],
  ['x /(?<n>a)\\k<n>/', 10, 5, 'Backreferences are not supported'],
  ['/foo(?=bar)/', 4, 3, 'Lookahead "(?=…" is not supported'],
  ['/foo(?!bar)/i', 4, 3, 'Lookahead "(?!…" is not supported'],
  ['/(?<=foo)bar/', 1, 4, 'Lookbehind "(?<=…" is not supported'],
  ['/(?<!foo)bar/', 1, 4, 'Lookbehind "(?<!…" is not supported'],
  ['/(.*a){1000}/', 0, 13, 'This regex is too large once compiled'],
  ['/a/g', 3, 1, 'flag "g" is not supported'],
  ['/a/ii', 4, 1, 'flag "i"'],
  ['level:warnx', 6, 5, 'Unknown level "warnx". Levels are trace, debug, info, warn (or warning), error, fatal (or critical).'],
  ['a level:>=nope', 10, 4, 'Unknown level "nope"'],
  ['level:>=warn+', 0, 13, 'not both'],
  ['status:>=abc', 9, 3, 'status:>= compares numbers, and "abc" is not a number.'],
  ['duration_ms:<"1,5"', 13, 5, 'not a number'],
  ['logger:>5', 7, 1, 'logger: cannot be compared'],
  ['level: x', 0, 6, 'needs a value'],
  ['a service:', 2, 8, 'needs a value'],
];

describe('QuerySyntaxError', () => {
  it.each(CASES)('%s', (query, position, length, message) => {
    const e = syntaxError(query);
    expect(e.name).toBe('QuerySyntaxError');
    expect(e.message).toMatch(message);
    expect({ position: e.position, length: e.length }).toEqual({ position, length });
  });

  it('accepts what only looks like a mistake', () => {
    expect(() => parseQuery('/api/users')).not.toThrow(); // a path, not a regex with flags "users"
    expect(() => parseQuery('12:30:45 C:\\x https://example.com/a?b=1')).not.toThrow();
    expect(() => parseQuery('- a -')).not.toThrow(); // a lone '-' is a word
    expect(() => parseQuery('or and not')).not.toThrow(); // only upper-case OR/AND/NOT are keywords
  });
});

describe('parseQuery', () => {
  it('gives AND precedence over OR', () => {
    expect(parseQuery('a b OR c')).toEqual({
      kind: 'or',
      children: [
        {
          kind: 'and',
          children: [
            { kind: 'text', tokens: ['a'], prefix: true },
            { kind: 'text', tokens: ['b'], prefix: true },
          ],
        },
        { kind: 'text', tokens: ['c'], prefix: true },
      ],
    });
  });
  it('decodes fields, quotes and levels', () => {
    expect(parseQuery('path:"C:\\\\x \\"y\\""')).toEqual({ kind: 'attr', key: 'path', match: { kind: 'equals', value: 'C:\\x "y"' } });
    expect(parseQuery('LEVEL:Warning+')).toEqual({ kind: 'level', min: 3, max: 5 });
    expect(parseQuery('@service:x')).toEqual({ kind: 'attr', key: 'service', match: { kind: 'equals', value: 'x' } });
    expect(parseQuery('-(a)')).toEqual({ kind: 'not', child: { kind: 'text', tokens: ['a'], prefix: true } });
    expect(parseQuery('payment NOT payload')).toEqual({
      kind: 'and',
      children: [
        { kind: 'text', tokens: ['payment'], prefix: true },
        { kind: 'not', child: { kind: 'text', tokens: ['payload'], prefix: true } },
      ],
    });
    expect(parseQuery('not "NOT"')).toEqual({
      kind: 'and',
      children: [
        { kind: 'text', tokens: ['not'], prefix: true },
        { kind: 'text', tokens: ['not'], prefix: false },
      ],
    });
    expect(parseQuery('Connection-Reset')).toEqual({ kind: 'text', tokens: ['connection', 'reset'], prefix: true });
    expect(parseQuery('"->"')).toEqual({ kind: 'substring', value: '->' });
  });
});
