// The renderer's pure helpers: query editing from facets, the logger tree, ANSI, tracebacks,
// the time range in the URL, and the virtual list's layout.
import { describe, expect, it } from 'vitest';
import { parseAnsi, stripAnsi } from '../../../renderer/src/lib/ansi.js';
import { buildLoggerTree } from '../../../renderer/src/features/logs/logger-tree.js';
import { fieldTerm, quoteValue, splitTerms, termState, toggleTerm } from '../../../renderer/src/lib/query-edit.js';
import { QueryHistory } from '../../../renderer/src/features/logs/query-history.js';
import { RowLayout } from '../../../renderer/src/features/logs/row-layout.js';
import { formatHash, parseHash, rangeParams } from '../../../renderer/src/lib/time-range.js';
import { messageLines } from '../../../renderer/src/lib/traceback.js';
import { attributeFields, formatRate } from '../../../renderer/src/lib/format.js';
import { nextRefreshDelay, REFRESH_MS } from '../../../renderer/src/lib/refresh-pacing.js';

describe('query editing from facets', () => {
  it('appends, excludes, swaps and removes terms', () => {
    expect(toggleTerm('', 'level:error')).toBe('level:error');
    expect(toggleTerm('timeout', 'level:error')).toBe('timeout level:error');
    expect(toggleTerm('timeout', 'logger:app.db', true)).toBe('timeout -logger:app.db');
    expect(toggleTerm('timeout level:error', 'level:error')).toBe('timeout');
    expect(toggleTerm('timeout level:error', 'level:error', true)).toBe('timeout -level:error');
    expect(toggleTerm('a OR b', 'level:error')).toBe('(a OR b) level:error');
  });

  it('keeps quoted text and groups whole when splitting', () => {
    expect(splitTerms('"a b" (c OR d) -e path:"x \\" y"')).toEqual(['"a b"', '(c OR d)', '-e', 'path:"x \\" y"']);
    // A regex holds its spaces and parentheses, as the engine's lexer reads it; slashes in a word do not make one.
    expect(splitTerms('/a (b|c) d/i e -/f g/ /api/users x')).toEqual(['/a (b|c) d/i', 'e', '-/f g/', '/api/users', 'x']);
    expect(toggleTerm('/a b/', 'level:error')).toBe('/a b/ level:error');
  });

  it('quotes values the language would cut, and marks attributes named like fields', () => {
    expect(quoteValue('app.db')).toBe('app.db');
    expect(quoteValue('GET /a b')).toBe('"GET /a b"');
    expect(quoteValue('C:\\x "y"')).toBe('"C:\\\\x \\"y\\""');
    expect(quoteValue('>=5')).toBe('">=5"');
    expect(fieldTerm('level', 'x', true)).toBe('@level:x');
    expect(fieldTerm('http.route', '/users/{id}', true)).toBe('http.route:/users/{id}');
    expect(termState('a -level:warn', 'level:warn')).toBe(-1);
    expect(termState('a level:warn', 'level:warn')).toBe(1);
  });
});

describe('logger tree', () => {
  it("folds dotted names into Python's hierarchy with subtree counts", () => {
    const tree = buildLoggerTree([
      { value: 'app.db', count: 5 },
      { value: 'app.db.pool', count: 3 },
      { value: 'app.http', count: 10 },
      { value: 'root', count: 1 },
    ]);
    expect(tree.map((n) => [n.name, n.total, n.own])).toEqual([
      ['app', 18, 0],
      ['root', 1, 1],
    ]);
    const app = tree[0]!;
    expect(app.children.map((n) => [n.label, n.total])).toEqual([
      ['http', 10],
      ['db', 8],
    ]);
    expect(app.children[1]!.children[0]).toMatchObject({ name: 'app.db.pool', label: 'pool', total: 3, own: 3 });
  });
});

describe('ANSI colours', () => {
  it('renders SGR codes as styles and never leaves escapes in the text', () => {
    const text = '\x1b[32m2026-11-30\x1b[0m | \x1b[1mINFO\x1b[0m \x1b[38;5;196mred\x1b[39m \x1b[2Kdone';
    const segments = parseAnsi(text);
    expect(segments.map((s) => s.text).join('')).toBe('2026-11-30 | INFO red done');
    expect(segments[0]).toMatchObject({ text: '2026-11-30', color: '#16a34a' });
    expect(segments.find((s) => s.text === 'INFO')).toMatchObject({ bold: true });
    expect(segments.find((s) => s.text === 'red')?.color).toBe('rgb(255,0,0)');
    expect(stripAnsi(text)).not.toContain('\x1b');
  });
});

describe('tracebacks', () => {
  it('marks frames, code and the final exception line', () => {
    const message = [
      'charge failed',
      'Traceback (most recent call last):',
      '  File "/srv/app.py", line 4, in f',
      '    1 / 0',
      'ValueError: bad',
      '',
      'The above exception was the direct cause of the following exception:',
      '',
      'Traceback (most recent call last):',
      '  File "/srv/app.py", line 9, in g',
      '    f()',
      'RuntimeError: charge failed',
    ].join('\n');
    const kinds = messageLines({ message, exception: { type: 'RuntimeError', message: 'charge failed' } }).map((l) => l.kind);
    expect(kinds).toEqual(['text', 'header', 'frame', 'code', 'exception', 'text', 'chain', 'text', 'header', 'frame', 'code', 'final']);
  });
});

describe('the view in the URL', () => {
  it('round-trips the route, query and range', () => {
    const loc = parseHash('#/logs?q=level%3Aerror+%22a+b%22&last=15m');
    expect(loc).toEqual({ route: 'logs', q: 'level:error "a b"', range: { kind: 'relative', last: '15m' } });
    expect(parseHash(formatHash(loc))).toEqual(loc);
    const abs = parseHash('#/logs?from=2026-11-30T10:00:00.000Z&to=2026-11-30T11:00:00.000Z');
    expect(abs.range).toEqual({ kind: 'absolute', from: Date.parse('2026-11-30T10:00:00Z'), to: Date.parse('2026-11-30T11:00:00Z') });
    expect(parseHash(formatHash(abs))).toEqual(abs);
    expect(parseHash('#/traces/abc123')).toMatchObject({ route: 'traces', detail: 'abc123' });
    expect(parseHash('#/nonsense').route).toBe('logs');
  });

  it('leaves a relative range open-ended so new records count', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(rangeParams({ kind: 'relative', last: '1h' }, now)).toEqual({ from: '2026-11-30T11:00:00.000Z' });
  });
});

describe('query history', () => {
  it('keeps the newest first without duplicates, in storage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const h = new QueryHistory(storage);
    h.add('a');
    h.add('b');
    h.add('a');
    h.add('  ');
    expect(new QueryHistory(storage).entries).toEqual(['a', 'b']);
  });
});

describe('virtual list layout', () => {
  it('places a million rows with a few expanded ones without walking them all', () => {
    const layout = new RowLayout(1_000_000, 24, [
      { index: 10, extra: 100 },
      { index: 5, extra: 50 },
    ]);
    expect(layout.totalHeight).toBe(24_000_150);
    expect(layout.offsetOf(5)).toBe(120);
    expect(layout.offsetOf(6)).toBe(24 * 6 + 50);
    expect(layout.offsetOf(11)).toBe(24 * 11 + 150);
    expect(layout.indexAt(120 + 24 + 49)).toBe(5);
    expect(layout.indexAt(24 * 6 + 50)).toBe(6);
    expect(layout.indexAt(24 * 999_999 + 150 + 5)).toBe(999_999);
    expect(layout.visibleRange(24 * 500_000 + 150, 240, 2)).toEqual({ start: 499_998, end: 500_013 });
  });
});

describe('attributes in a log row', () => {
  it('reads like key=value, quoting what needs it, and stays short', () => {
    const summary = (a: Record<string, unknown> | undefined, searched?: (k: string) => boolean, max?: number): string =>
      attributeFields(a, searched, max)
        .map((f) => `${f.key}=${f.text}`)
        .join(' ');
    expect(summary({ route: '/api/cart', status: 200, ok: true, note: 'two words', tags: ['a'] })).toBe(
      'route=/api/cart status=200 ok=true note="two words" tags=["a"]',
    );
    expect(summary(undefined)).toBe('');
    expect(summary({ big: 'x'.repeat(1000) }, undefined, 50).length).toBeLessThanOrEqual(50);
    // The fields a search names come first, so a cut row still shows them.
    expect(summary({ path: '/x', method: 'GET', user_id: 42 }, (k) => k === 'user_id')).toBe('user_id=42 path=/x method=GET');
  });
});

describe('live count refreshes', () => {
  it('come every 3 s when counting is cheap, and back off when it is not', () => {
    expect(nextRefreshDelay(40)).toBe(REFRESH_MS);
    expect(nextRefreshDelay(600)).toBe(REFRESH_MS);
    // A 2.8 s histogram + facets of a common word over a day: the engine is not kept busy with it.
    expect(nextRefreshDelay(2800)).toBe(14_000);
  });
});

describe('rates', () => {
  it('keeps a slow service readable: two significant digits under 1/s, never "0.0/s" for some requests', () => {
    expect(formatRate(71 / 3600)).toBe('0.02/s');
    expect(formatRate(0.912)).toBe('0.91/s');
    expect(formatRate(0.0004)).toBe('0.0004/s');
    expect(formatRate(0)).toBe('0/s');
    expect(formatRate(2.345)).toBe('2.3/s');
    expect(formatRate(1234.5)).toBe('1235/s');
  });
});
