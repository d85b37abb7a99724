// Format strings → parsers, the cases a real run of Python rarely shows at once: the three
// Formatter styles' padding, `%%`, a time of day without a date, loguru's default `{time}`, and
// the mistakes refused with their column.
import { describe, expect, it } from 'vitest';
import { compileFormatId, formatIdOf } from '../../../electron/engine/ingest/files/parse/format-string/format-id.js';
import { FormatStringError } from '../../../electron/engine/ingest/files/parse/format-string/python-format.js';
import { assemble } from './helpers.js';

const python = (fmt: string, style?: '%' | '{' | '$', datefmt?: string): string =>
  formatIdOf({ library: 'python', fmt, ...(style ? { style } : {}), ...(datefmt ? { datefmt } : {}) });

describe('Python Formatter styles', () => {
  it('reads right-aligned %-padding, %% and numbers', () => {
    const { records } = assemble('100% [    INFO] pid=42 app.db: hello\n', {
      format: python('100%% [%(levelname)8s] pid=%(process)d %(name)s: %(message)s'),
    });
    expect(records[0]).toMatchObject({ severityText: 'INFO', logger: 'app.db', message: 'hello', attributes: { process: 42 } });
  });

  it('reads {}-style centred fields and $-style names', () => {
    const brace = assemble('[ WARNING ] app: x\n', { format: python('[{levelname:^9}] {name}: {message}', '{') }).records[0];
    expect(brace).toMatchObject({ severityText: 'WARNING', logger: 'app', message: 'x' });
    const dollar = assemble('ERROR app x y\n', { format: python('$levelname ${name} $message', '$') }).records[0];
    expect(dollar).toMatchObject({ severityText: 'ERROR', logger: 'app', message: 'x y' });
  });

  it('puts a time of day without a date on the day of the record before, adding %(msecs)03d', () => {
    const { records } = assemble('10:00:01.250 INFO first\n10:00:02.500 INFO second\n', {
      format: python('%(asctime)s.%(msecs)03d %(levelname)s %(message)s', '%', '%H:%M:%S'),
    });
    expect(records.map((r) => new Date(r.ts / 1000).toTimeString().slice(0, 8))).toEqual(['10:00:01', '10:00:02']);
    expect(records[1]!.ts - records[0]!.ts).toBe(1_250_000);
  });

  it('folds a traceback into the record before, its last line too, when the layout opens with free text', () => {
    const { records } = assemble('app: boom\nTraceback (most recent call last):\n  File "x.py", line 1, in <module>\nValueError: bad\n', {
      format: python('%(name)s: %(message)s'),
    });
    expect(records.map((r) => r.logger)).toEqual(['app']);
    expect(records[0]!.exception).toEqual({ type: 'ValueError', message: 'bad' });
  });
});

describe('loguru', () => {
  it("reads {time} in loguru's default layout with its zone", () => {
    const { records } = assemble('2026-11-30T10:00:00.123456+0100 | SUCCESS | done\n', {
      format: formatIdOf({ library: 'loguru', fmt: '{time} | {level} | {message}' }),
    });
    expect(records[0]).toMatchObject({ ts: Date.UTC(2026, 10, 30, 9, 0, 0) * 1000 + 123_456, severityText: 'SUCCESS', message: 'done' });
  });
});

describe('mistakes, with where they are', () => {
  it.each([
    [python('%(asctime)s %(user)s %(message)s'), 12, /unknown field "user": not a LogRecord attribute/],
    [python('{asctime} {user} {message}', '{'), 10, /unknown field "user"/],
    [python('$asctime $user $message', '$'), 9, /unknown field "user"/],
    [python('%(asctime)s %d %(message)s'), 12, /"%" starts no %\(field\)s/],
    [python('%(name)s%(threadName)s %(message)s'), 0, /fields name and threadName touch/],
    [python('%(asctime)s %(levelname)s'), 0, /no message field/],
    [formatIdOf({ library: 'loguru', fmt: '{time} {user} {message}' }), 7, /not a loguru record key/],
  ])('%s', (id, col, message) => {
    let err: unknown;
    try {
      compileFormatId(id);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FormatStringError);
    expect((err as FormatStringError).message).toMatch(message);
    expect((err as FormatStringError).col).toBe(col);
  });

  it('names a datefmt directive it cannot read back', () => {
    expect(() => compileFormatId(python('%(asctime)s %(message)s', '%', '%Y %U'))).toThrow(/datefmt: %U is not a time\.strftime directive/);
  });
});
