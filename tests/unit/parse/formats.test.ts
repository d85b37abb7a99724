// Single lines of each format, including the samples of each format's documentation.
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../electron/engine/ingest/files/parse/detect.js';
import { FORMATS, formatById } from '../../../electron/engine/ingest/files/parse/registry.js';
import type { ParsedRecord } from '../../../electron/engine/ingest/files/parse/types.js';
import { localUs, utcUs } from './helpers.js';

function parse(id: string, line: string): ParsedRecord | undefined {
  const f = formatById(id);
  if (f === undefined) throw new Error(`no format ${id}`);
  return f.parse(line);
}

describe('registry', () => {
  it('has unique ids, a name for each, and plain last', () => {
    const ids = FORMATS.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of FORMATS) expect(f.name.length).toBeGreaterThan(0);
    expect(ids.at(-1)).toBe('plain');
    expect(formatById('nope')).toBeUndefined();
  });

  it('plain accepts every line; no format throws on junk', () => {
    const junk = [
      '',
      ' ',
      '{',
      '{"a":',
      '[',
      '<',
      '<999>',
      '2026-',
      '2026-13-45 99:99:99 X',
      '\x1b[',
      'a=',
      '"',
      '\u0000',
      '12:00:00.000 [',
      '[2026-11-30 01:47:38 +0000] [',
    ];
    for (const f of FORMATS) for (const line of junk) expect(() => f.parse(line)).not.toThrow();
    for (const line of junk) expect(formatById('plain')!.parse(line)).toBeDefined();
  });
});

describe('python logging', () => {
  it('reads the colon family fast path fields', () => {
    expect(parse('python', '2026-11-30 01:46:39,115 WARNING app.db.pool: pool exhausted')).toEqual({
      ts: localUs(2026, 11, 30, 1, 46, 39, 115_000),
      severity: 13,
      severityText: 'WARNING',
      logger: 'app.db.pool',
      message: 'pool exhausted',
    });
  });

  it('reads log4j-style lines with a thread in brackets (loghub Hadoop)', () => {
    const r = parse(
      'python',
      '2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001',
    );
    expect(r).toMatchObject({ severity: 9, logger: 'org.apache.hadoop.mapreduce.v2.app.MRAppMaster', attributes: { thread: 'main' } });
    expect(r?.message).toBe('Created MRAppMaster for application appattempt_1445144423722_0020_000001');
  });

  it('rejects what is not Python logging', () => {
    expect(parse('python', '2026-11-30 01:46:52 [info     ] cache lookup')).toBeUndefined();
    expect(parse('python', '2026-11-30 01:47:00.290 | INFO     | __main__:emit:20 - x')).toBeUndefined();
    expect(parse('python-basic', 'INFO:     Started server process [1]')).toBeUndefined();
    expect(parse('python-basic', 'Note:this:is prose')).toBeUndefined();
  });

  it('maps NOTSET to 0 and FATAL to 21', () => {
    expect(parse('python-basic', 'NOTSET:x:y')?.severity).toBe(0);
    expect(parse('python-basic', 'FATAL:x:y')?.severity).toBe(21);
  });
});

describe('logfmt (doc samples)', () => {
  it('reads a logrus line with a zoned time', () => {
    const r = parse('logfmt', 'time="2015-03-26T01:27:38-04:00" level=debug msg="Started observing beach" animal=walrus number=8');
    expect(r).toEqual({
      ts: utcUs(2015, 3, 26, 5, 27, 38),
      severity: 5,
      severityText: 'debug',
      message: 'Started observing beach',
      attributes: { animal: 'walrus', number: 8 },
    });
  });

  it('reads a Go slog TextHandler line', () => {
    const r = parse('logfmt', 'time=2022-11-08T15:28:26.000-05:00 level=INFO msg=hello count=3');
    expect(r).toMatchObject({ ts: utcUs(2022, 11, 8, 20, 28, 26), severity: 9, message: 'hello', attributes: { count: 3 } });
  });

  it('lifts trace and span ids and the service, in their common spellings', () => {
    const r = parse(
      'logfmt',
      'level=info msg=x otelTraceID=4BF92F3577B34DA6A3CE929D0E0E4736 otelSpanID=00F067AA0BA902B7 otelServiceName=checkout user=7',
    );
    expect(r).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      service: 'checkout',
      attributes: { user: 7 },
    });
    expect(r?.attributes).not.toHaveProperty('otelTraceID');
  });

  it('does not take prose with an a=b in it for logfmt', () => {
    expect(parse('logfmt', 'the value x=3 was odd')).toBeUndefined();
  });
});

describe('JSON lines', () => {
  it('reads common key spellings and lifts ids', () => {
    const r = parse(
      'json',
      JSON.stringify({
        '@timestamp': '2026-11-30T01:02:03.456789Z',
        severity: 'WARN',
        message: 'm',
        logger: 'l',
        trace_id: 'AbC123',
        'span.id': 'dEf456',
        'service.name': 'api',
        n: 1,
      }),
    );
    expect(r).toEqual({
      ts: utcUs(2026, 11, 30, 1, 2, 3, 456_789),
      severity: 13,
      severityText: 'WARN',
      message: 'm',
      logger: 'l',
      traceId: 'abc123',
      spanId: 'def456',
      service: 'api',
      attributes: { n: 1 },
    });
  });

  it('reads Datadog decimal trace ids and nested service names', () => {
    const r = parse('json', JSON.stringify({ msg: 'x', dd: { trace_id: '1234567890123456789', span_id: '42' }, service: { name: 'svc' } }));
    expect(r?.traceId).toBe(BigInt('1234567890123456789').toString(16).padStart(16, '0'));
    expect(r?.spanId).toBe('000000000000002a');
    expect(r?.service).toBe('svc');
  });

  it('reads epoch times without going through a float of nanoseconds', () => {
    expect(parse('json', '{"ts": "1796003430090123456", "msg": "ns"}')?.ts).toBe(1796003430090123);
    expect(parse('json', '{"ts": 1796003430.5, "msg": "s"}')?.ts).toBe(1796003430_500_000);
    expect(parse('json', '{"time": 1796003430090, "msg": "ms"}')?.ts).toBe(1796003430090_000);
  });

  it('pino levels 10..60 map onto the OpenTelemetry scale', () => {
    const sev = [10, 20, 30, 40, 50, 60].map((level) => parse('pino', JSON.stringify({ level, time: 1, msg: 'x' }))?.severity);
    expect(sev).toEqual([1, 5, 9, 13, 17, 21]);
  });
});

describe('syslog (RFC examples)', () => {
  it('RFC 3164 with PRI', () => {
    const r = parse('syslog', "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
    expect(r).toMatchObject({
      severity: 21,
      severityText: 'crit',
      logger: 'su',
      message: "'su root' failed for lonvick on /dev/pts/8",
      attributes: { host: 'mymachine', facility: 'auth' },
    });
  });

  it('RFC 5424 with a BOM and structured data', () => {
    const r = parse(
      'syslog',
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry...',
    );
    expect(r).toMatchObject({
      ts: utcUs(2003, 10, 11, 22, 14, 15, 3000),
      severity: 10,
      severityText: 'notice',
      logger: 'evntslog',
      message: 'An application event log entry...',
      attributes: {
        host: 'mymachine.example.com',
        msgid: 'ID47',
        facility: 'local4',
        'exampleSDID@32473.iut': 3,
        'exampleSDID@32473.eventID': 1011,
      },
    });
  });

  it('RFC 5424 without a time; Python SysLogHandler datagrams without time or host', () => {
    expect(parse('syslog', '<13>1 - vm myapp - - - plain 5424')).toMatchObject({
      ts: undefined,
      logger: 'myapp',
      message: 'plain 5424',
      severity: 10,
    });
    expect(parse('syslog', '<139>myapp[15862]: ERROR app: boom\u0000')).toMatchObject({
      severity: 17,
      logger: 'myapp',
      message: 'ERROR app: boom',
      attributes: { pid: 15862, facility: 'local1' },
    });
  });

  it('every PRI severity', () => {
    const sev = [0, 1, 2, 3, 4, 5, 6, 7].map((s) => parse('syslog', `<${8 + s}>1 - h a - - - m`)?.severity);
    expect(sev).toEqual([23, 22, 21, 17, 13, 10, 9, 5]);
  });
});

describe('access logs', () => {
  it('Apache combined (doc sample) with a zone', () => {
    const r = parse(
      'access',
      '192.168.1.2 - - [02/Feb/2016:17:44:13 +0800] "GET /favicon.ico HTTP/1.1" 404 209 "http://localhost/x1.html" "Mozilla/5.0"',
    );
    expect(r).toMatchObject({ ts: utcUs(2016, 2, 2, 9, 44, 13), severity: 13, message: 'GET /favicon.ico HTTP/1.1 404' });
    expect(r?.attributes).toMatchObject({ client: '192.168.1.2', method: 'GET', path: '/favicon.ico', status: 404, bytes: 209 });
  });

  it('common log format (no referer, user agent)', () => {
    const r = parse('access', '10.0.0.1 - alice [02/Feb/2016:17:44:13 +0000] "POST /x HTTP/1.0" 500 -');
    expect(r).toMatchObject({ severity: 17, attributes: { user: 'alice', status: 500, bytes: 0 } });
  });
});

describe('other formats', () => {
  it('logback single-letter and padded levels', () => {
    expect(parse('logback', '2024-01-02 03:04:05.678 [main] W c.e.X - careful')).toMatchObject({
      severity: 13,
      severityText: 'W',
      logger: 'c.e.X',
      message: 'careful',
    });
    expect(parse('logback', '12:00:00.000 [main] INFO  c.e.X - padded')).toMatchObject({ severity: 9, message: 'padded' });
  });

  it('structlog console without a time', () => {
    expect(parse('structlog-console', '[warning  ] careful                        a=1')).toMatchObject({
      ts: undefined,
      severity: 13,
      message: 'careful',
      attributes: { a: 1 },
    });
  });

  it('structlog console: `[logger]` after the padded event is the logger; an event ending in brackets keeps them', () => {
    expect(parse('structlog-console', '[info     ] started                        [app.api] a=1')).toMatchObject({
      message: 'started',
      logger: 'app.api',
      attributes: { a: 1 },
    });
    expect(parse('structlog-console', '[info     ] a long event that runs past thirty columns [app.api] ')).toMatchObject({
      message: 'a long event that runs past thirty columns',
      logger: 'app.api',
    });
    // not after the padding: the brackets are the event's own
    const own = parse('structlog-console', '[info     ] user logged in [admin]         a=1');
    expect(own).toMatchObject({ message: 'user logged in [admin]', attributes: { a: 1 } });
    expect(own?.logger).toBeUndefined();
  });

  it('JSON: a one-line error string stays an attribute; a traceback folds under the message', () => {
    const oneLine = parse('json', '{"msg": "upstream failed", "error": "connection refused"}');
    expect(oneLine).toMatchObject({ message: 'upstream failed', attributes: { error: 'connection refused' } });
    const traced = parse(
      'json',
      JSON.stringify({ msg: 'boom', traceback: 'Traceback (most recent call last):\n  File "a.py", line 1, in f\nValueError: v', k: 1 }),
    );
    expect(traced).toMatchObject({
      message: 'boom\nTraceback (most recent call last):\n  File "a.py", line 1, in f\nValueError: v',
      exception: { type: 'ValueError', message: 'v' },
    });
    expect(traced?.attributes).toEqual({ k: 1 });
  });

  it('structlog dict_tracebacks: causes and contexts in the order Python prints them, with locals and notes', () => {
    const stacks = [
      {
        exc_type: 'KeyError',
        exc_value: "'k'",
        is_cause: false,
        exc_notes: ['while charging'],
        frames: [{ filename: 'a.py', lineno: 9, name: 'charge', line: 'cfg["k"]', locals: { cfg: '{}' } }],
      },
      { exc_type: 'PaymentError', exc_value: 'bad', is_cause: false, frames: [{ filename: 'a.py', lineno: 5, name: 'load', line: '' }] },
      { exc_type: 'ValueError', exc_value: '', is_cause: true, frames: [{ filename: 'a.py', lineno: 2, name: 'parse', line: '' }] },
    ];
    const r = parse('structlog-json', JSON.stringify({ event: 'failed', exception: stacks }));
    expect(r?.message).toBe(
      [
        'failed',
        'Traceback (most recent call last):',
        '  File "a.py", line 2, in parse',
        'ValueError',
        '',
        'The above exception was the direct cause of the following exception:',
        '',
        'Traceback (most recent call last):',
        '  File "a.py", line 5, in load',
        'PaymentError: bad',
        '',
        'During handling of the above exception, another exception occurred:',
        '',
        'Traceback (most recent call last):',
        '  File "a.py", line 9, in charge',
        '    cfg["k"]',
        '        cfg = {}',
        "KeyError: 'k'",
        'while charging',
      ].join('\n'),
    );
    expect(r?.exception).toEqual({ type: 'KeyError', message: "'k'" });
    expect(r?.attributes).toBeUndefined();
  });

  it('loguru SUCCESS sits between info and warn and keeps its text', () => {
    expect(parse('loguru', '2026-11-30 01:47:00.290 | SUCCESS  | __main__:emit:21 - migration applied')).toMatchObject({
      severity: 11,
      severityText: 'SUCCESS',
    });
  });
});

describe('detectFormat on documentation samples', () => {
  const cases: [string, string[]][] = [
    ['logfmt', ['time="2015-03-26T01:27:38-04:00" level=debug msg="Started observing beach" animal=walrus number=8']],
    ['logfmt', ['time=2022-11-08T15:28:26.000-05:00 level=INFO msg=hello count=3']],
    ['syslog', ["<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8"]],
    [
      'access',
      ['192.168.1.2 - - [02/Feb/2016:17:44:13 +0800] "GET /favicon.ico HTTP/1.1" 404 209 "http://localhost/x1.html" "Mozilla/5.0"'],
    ],
    ['python', ['2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster']],
    ['plain', ['[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6']],
    ['plain', ['just words', 'more words']],
    ['json', ['{"msg": "x", "lvl": "info"}']],
  ];
  for (const [id, lines] of cases) {
    it(`${id}: ${lines[0]!.slice(0, 50)}`, () => {
      expect(detectFormat(lines).id).toBe(id);
    });
  }

  it('an empty sample is plain', () => {
    expect(detectFormat([]).id).toBe('plain');
    expect(detectFormat(['', '   ']).id).toBe('plain');
  });
});
