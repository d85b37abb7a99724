import { describe, expect, it } from 'vitest';
import { lastException } from '../../../electron/engine/ingest/files/parse/exception.js';

describe('lastException', () => {
  it('takes the final exception of an implicit chain', () => {
    const tb = [
      'Traceback (most recent call last):',
      '  File "a.py", line 1, in <module>',
      'ValueError: first',
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "a.py", line 3, in <module>',
      '    cfg["x"]',
      '    ~~~^^^^^',
      "KeyError: 'x'",
    ].join('\n');
    expect(lastException(tb)).toEqual({ type: 'KeyError', message: "'x'" });
  });

  it('handles dotted names and exceptions with no message', () => {
    expect(
      lastException(
        'Traceback (most recent call last):\n  File "a.py", line 1\nrequests.exceptions.ConnectionError: HTTPSConnectionPool(host=x)',
      ),
    ).toEqual({
      type: 'requests.exceptions.ConnectionError',
      message: 'HTTPSConnectionPool(host=x)',
    });
    expect(lastException('Traceback (most recent call last):\n  File "a.py", line 1\nKeyboardInterrupt')).toEqual({
      type: 'KeyboardInterrupt',
      message: '',
    });
    expect(lastException('Traceback (most recent call last):\n  File "a.py", line 1\nbilliard.einfo.ExceptionWithTraceback: ')).toEqual({
      type: 'billiard.einfo.ExceptionWithTraceback',
      message: '',
    });
  });

  it('reports an exception group itself, not its members, and keeps multi-line messages to their first line', () => {
    const tb = [
      '  + Exception Group Traceback (most recent call last):',
      '  |   File "a.py", line 1, in <module>',
      '  | ExceptionGroup: 2 errors (2 sub-exceptions)',
      '  +-+---------------- 1 ----------------',
      '    | ValueError: bad row 3',
      '    | while importing customers.csv',
      '    +---------------- 2 ----------------',
      '    | + Exception Group Traceback (most recent call last):',
      '    | | ExceptionGroup: inner (1 sub-exception)',
      '    | +-+---------------- 1 ----------------',
      '    |   | TypeError: t',
      '    +------------------------------------',
    ].join('\n');
    expect(lastException(tb)).toEqual({ type: 'ExceptionGroup', message: '2 errors (2 sub-exceptions)' });
  });

  it('skips loguru diagnose variable lines and the > frame marker', () => {
    const tb = [
      'Traceback (most recent call last):',
      '',
      '> File "/app/a.py", line 5, in <module>',
      '    f(x)',
      '    │ └ 3',
      '    └ <function f at 0x7f>',
      '',
      '  File "/app/a.py", line 2, in f',
      '    return 1 / n',
      '',
      'ZeroDivisionError: division by zero',
    ].join('\n');
    expect(lastException(tb)).toEqual({ type: 'ZeroDivisionError', message: 'division by zero' });
  });

  it('reads coloured tracebacks', () => {
    const tb =
      '\x1b[33m\x1b[1mTraceback (most recent call last):\x1b[0m\n  File "a.py"\n\x1b[31m\x1b[1mValueError\x1b[0m:\x1b[1m bad\x1b[0m';
    expect(lastException(tb)).toEqual({ type: 'ValueError', message: 'bad' });
  });

  it('takes the root cause of a Java trace (printed last)', () => {
    const trace = [
      'java.lang.IllegalStateException: outer',
      '\tat A.b(A.java:1)',
      'Caused by: java.io.IOException: disk full',
      '\tat A.c(A.java:2)',
      '\t... 1 more',
    ].join('\n');
    expect(lastException(trace)).toEqual({ type: 'java.io.IOException', message: 'disk full' });
  });

  it('finds nothing in text without a traceback', () => {
    expect(lastException('ValueError: looks like one but no traceback')).toBeUndefined();
    expect(lastException('Stack (most recent call last):\n  File "a.py", line 1')).toBeUndefined();
  });
});
