// Every log sample generated with the real libraries (tests/fixtures/samples, copied from the
// shared sample set): detected format, record count, levels, loggers, times, the last exception of
// each traceback, and that non-ASCII and multi-line messages survive.
import { describe, expect, it } from 'vitest';
import type { AssembledRecord } from '../../../electron/engine/ingest/files/parse/types.js';
import { MULTILINE, NON_ASCII, NON_ASCII_SHORT, READ_TIME_US, assemble, localUs, readSample, utcUs } from './helpers.js';

interface Expected {
  file: string;
  format: string;
  count: number;
  /** Severity of every record, in order. */
  severities?: number[];
  /** Logger of every record, in order (undefined where there is none). */
  loggers?: (string | undefined)[];
  /** ts of the first record; 'read' when it must be inferred from the read time. */
  firstTs: number | 'read';
  /** [record index, type, message] for every record with an exception, in order. */
  exceptions: [number, string, string][];
  /** A record's message equals (or for folded text, contains) this. */
  nonAscii?: string;
  multiline?: string;
  /** The message that carries the chained traceback holds both chaining phrases. */
  chainedIn?: number;
  check?: (records: AssembledRecord[]) => void;
}

const CHAIN = ['KeyError', "'retry_limit'"] as const;
/** The local day of READ_TIME_US: where a time of day without a date lands. */
const readDay = new Date(READ_TIME_US / 1000);

const STDLIB_SEVERITIES = [9, 5, 9, 9, 9, 5, 5, 13, 17, 21, 17, 17, 9, 13, 17, 9, 13, 17, 9, 9];
const STDLIB_LOGGERS = [
  'root',
  'app',
  'app',
  'app',
  'app',
  'urllib3.connectionpool',
  'urllib3.connectionpool',
  'app.db.pool',
  '__main__',
  '__main__',
  'app',
  'app',
  'app',
  'app.db.pool',
  'app',
  'app',
  'py.warnings',
  'app.worker',
  'app',
  'app',
];
const STDLIB_EXCEPTIONS: [number, string, string][] = [
  [10, ...CHAIN],
  [11, 'ZeroDivisionError', 'division by zero'],
  [13, 'KeyError', "'missing'"],
  [14, 'ExceptionGroup', '2 import errors (2 sub-exceptions)'],
  [17, 'RuntimeError', 'thread crashed ✗'],
];

function stdlib(file: string, format: string, firstTs: number | 'read'): Expected {
  return {
    file: `python-logs/${file}`,
    format,
    count: 20,
    severities: STDLIB_SEVERITIES,
    loggers: STDLIB_LOGGERS,
    firstTs,
    exceptions: STDLIB_EXCEPTIONS,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    chainedIn: 10,
    check(records) {
      expect(records[15]?.message).toContain('checkpoint reached\nStack (most recent call last):');
      expect(records[16]?.message).toMatch(/DeprecationWarning: deprecated option 'foo'\n {2}warnings\.warn/);
      expect(records[14]?.message).toContain('+-+---------------- 1 ----------------');
      expect(records[18]?.message).toBe('done; line with trailing spaces   ');
      expect(records[19]?.message).toBe('tab\tseparated\tvalues and a literal %(name)s');
      expect(records[9]?.severityText).toBe('CRITICAL');
    },
  };
}

const STRUCTLOG_SEVERITIES = [5, 9, 9, 9, 13, 17, 21, 9, 17, 17, 9, 9, 9];
const STRUCTLOG_EXCEPTIONS: [number, string, string][] = [
  [8, ...CHAIN],
  [9, 'ZeroDivisionError', 'division by zero'],
];

function structlogJsonChecks(records: AssembledRecord[]): void {
  expect(records[0]?.attributes).toEqual({ request_id: '9f1c2e', user_id: 17, key: 'user:17', hit: false });
  expect(records[1]?.attributes?.['query']).toEqual({ page: 2 });
  expect(records[5]?.attributes).toMatchObject({ status: 502, retry: true, tags: ['a', 'b'], none: null });
  expect(records[7]?.attributes).toMatchObject({ msg: 'he said "hi"', path: 'C:\\temp\\x' });
  expect(records[2]?.attributes).toMatchObject({ city: 'Zürich', note: 'naïve café' });
  // the traceback and stack the JSON carries beside the event fold under it, not kept as attributes
  expect(records[8]?.message).toMatch(
    /^payment failed for order 1042\nTraceback \(most recent call last\):\n {2}File "\/home\/dev\/app\/_common\.py", line 34, in load_amount\n/,
  );
  expect(records[8]?.attributes).toEqual({ request_id: '9f1c2e', user_id: 17, order_id: 1042 });
}

const LOGURU_SEVERITIES = [5, 9, 11, 9, 9, 13, 17, 21, 17, 17, 9, 17, 9];
const LOGURU_EXCEPTIONS: [number, string, string][] = [
  [8, ...CHAIN],
  [9, 'ZeroDivisionError', 'division by zero'],
  [11, 'ZeroDivisionError', 'division by zero'],
];

function loguruText(file: string): Expected {
  return {
    file: `python-logs/${file}`,
    format: 'loguru',
    count: 13,
    severities: LOGURU_SEVERITIES,
    firstTs: localUs(2026, 11, 30, 1, 47, 0, 290_000),
    exceptions: LOGURU_EXCEPTIONS,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    chainedIn: 8,
    check(records) {
      expect(records[2]?.severityText).toBe('SUCCESS');
      expect(records[0]?.logger).toBe('__main__');
      expect(records[0]?.attributes).toEqual({ function: 'emit', line: 19 });
      expect(records[8]?.logger).toBe('_common');
      for (const r of records) expect(r.message).not.toContain('\x1b');
    },
  };
}

const JSONLOGGER_SEVERITIES = [5, 9, 9, 9, 13, 17, 9, 17, 17, 9, 9, 21];
const JSONLOGGER_EXCEPTIONS: [number, string, string][] = [
  [7, ...CHAIN],
  [8, 'ZeroDivisionError', 'division by zero'],
];

const SERVER_TRACE: [string, string] = ['KeyError', "'retry_limit'"];

const SAMPLES: Expected[] = [
  stdlib('stdlib_basicconfig.log', 'python-basic', 'read'),
  stdlib('stdlib_asctime_colon.log', 'python', localUs(2026, 11, 30, 1, 46, 39, 115_000)),
  stdlib('stdlib_asctime_dash.log', 'python', localUs(2026, 11, 30, 1, 46, 39, 116_000)),
  stdlib('stdlib_asctime_bracket.log', 'python', localUs(2026, 11, 30, 1, 46, 39, 117_000)),
  {
    ...stdlib('stdlib_verbose.log', 'python', localUs(2026, 11, 30, 1, 46, 39, 118_000)),
    check(records) {
      expect(records[0]?.attributes).toEqual({ process: 11668, thread: 'MainThread', file: 'gen_stdlib.py', line: 48 });
      expect(records[0]?.message).toBe('root logger message');
      expect(records[17]?.attributes).toMatchObject({ thread: 'Worker-1' });
    },
  },
  stdlib('stdlib_iso_tz.log', 'python', utcUs(2026, 11, 30, 1, 46, 39)),
  {
    file: 'python-logs/structlog_console_nocolor.log',
    format: 'structlog-console',
    count: 13,
    severities: STRUCTLOG_SEVERITIES,
    firstTs: localUs(2026, 11, 30, 1, 46, 52),
    exceptions: STRUCTLOG_EXCEPTIONS,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    chainedIn: 8,
    check(records) {
      expect(records[0]?.message).toBe('cache lookup');
      expect(records[0]?.attributes).toEqual({ hit: false, key: 'user:17', request_id: '9f1c2e', user_id: 17 });
      expect(records[2]?.attributes).toMatchObject({ city: 'Zürich', note: 'naïve café' });
      expect(records[4]?.attributes).toMatchObject({ duration_ms: 1234.5, sql: "SELECT * FROM t WHERE a = 'x'" });
      expect(records[7]?.attributes).toMatchObject({ msg: 'he said "hi"', path: 'C:\\temp\\x' });
      expect(records[11]?.message).toContain('checkpoint\nStack (most recent call last):');
    },
  },
  {
    file: 'python-logs/structlog_console_color.log',
    format: 'structlog-console',
    count: 13,
    severities: STRUCTLOG_SEVERITIES,
    firstTs: localUs(2026, 11, 30, 1, 46, 52),
    exceptions: STRUCTLOG_EXCEPTIONS,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    chainedIn: 8,
    check(records) {
      expect(records[0]?.message).toBe('cache lookup');
      expect(records[0]?.attributes).toEqual({ hit: false, key: 'user:17', request_id: '9f1c2e', user_id: 17 });
      expect(records[3]?.attributes).toEqual({ request_id: '9f1c2e', user_id: 17 });
      for (const r of records) expect(r.message).not.toContain('\x1b');
    },
  },
  {
    file: 'python-logs/structlog_json.log',
    format: 'structlog-json',
    count: 13,
    severities: STRUCTLOG_SEVERITIES,
    firstTs: utcUs(2026, 11, 30, 1, 46, 52, 896_460),
    exceptions: STRUCTLOG_EXCEPTIONS,
    chainedIn: 8,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    check(records) {
      structlogJsonChecks(records);
      // StackInfoRenderer's `stack` folds under the event too
      expect(records[11]?.message).toMatch(
        /^checkpoint\nStack \(most recent call last\):\n {2}File ".*gen_structlog\.py", line \d+, in <module>\n/,
      );
      expect(records[11]?.attributes).toEqual({ request_id: '9f1c2e', user_id: 17 });
    },
  },
  {
    file: 'python-logs/structlog_json_dict_tracebacks.log',
    format: 'structlog-json',
    count: 13,
    severities: STRUCTLOG_SEVERITIES,
    firstTs: utcUs(2026, 11, 30, 1, 46, 52, 896_913),
    exceptions: STRUCTLOG_EXCEPTIONS,
    chainedIn: 8,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    check: structlogJsonChecks,
  },
  {
    file: 'python-logs/structlog_keyvalue.log',
    format: 'structlog-kv',
    count: 13,
    severities: STRUCTLOG_SEVERITIES,
    firstTs: utcUs(2026, 11, 30, 1, 46, 52, 897_301),
    exceptions: STRUCTLOG_EXCEPTIONS,
    chainedIn: 8,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    check: (records) => {
      expect(records[0]?.attributes).toEqual({ request_id: '9f1c2e', user_id: 17, key: 'user:17', hit: false });
      expect(records[7]?.attributes).toMatchObject({ msg: 'he said "hi"', path: 'C:\\temp\\x' });
      expect(records[5]?.attributes).toMatchObject({ status: 502, retry: true, none: null });
    },
  },
  {
    file: 'python-logs/structlog_logfmt.log',
    format: 'logfmt',
    count: 13,
    severities: STRUCTLOG_SEVERITIES,
    firstTs: utcUs(2026, 11, 30, 1, 46, 52, 897_695),
    exceptions: STRUCTLOG_EXCEPTIONS,
    chainedIn: 8,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    check: (records) => {
      expect(records[0]?.attributes).toEqual({ request_id: '9f1c2e', user_id: 17, key: 'user:17', hit: false });
      expect(records[7]?.attributes).toMatchObject({ msg: 'he said "hi"', path: 'C:\\temp\\x' });
      expect(records[11]?.message).toBe('checkpoint');
      expect(records[11]?.attributes).toMatchObject({ stack_info: true });
    },
  },
  {
    file: 'python-logs/structlog_stdlib_json.log',
    format: 'structlog-json',
    count: 14,
    severities: [...STRUCTLOG_SEVERITIES, 9],
    loggers: [...Array<string>(13).fill('app.api'), 'sqlalchemy.engine'],
    firstTs: utcUs(2026, 11, 30, 1, 46, 52, 898_225),
    exceptions: STRUCTLOG_EXCEPTIONS,
    chainedIn: 8,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
  },
  loguruText('loguru_default.log'),
  loguruText('loguru_default_color.log'),
  loguruText('loguru_nodiagnose.log'),
  {
    file: 'python-logs/loguru_serialize.jsonl',
    format: 'loguru-json',
    count: 13,
    severities: LOGURU_SEVERITIES,
    firstTs: utcUs(2026, 11, 30, 1, 47, 0, 290_408),
    exceptions: LOGURU_EXCEPTIONS,
    chainedIn: 8,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    check(records) {
      expect(records[2]?.severityText).toBe('SUCCESS');
      expect(records[3]?.attributes).toMatchObject({ request_id: '9f1c2e', function: 'emit', line: 22 });
      // serialize=True's `text` holds the frames (with diagnose's values); the record keeps them
      expect(records[8]?.message).toMatch(
        /^payment failed for order 1042\nTraceback \(most recent call last\):\n\n {2}File "\/home\/dev\/app\/_common\.py", line 34, in load_amount\n/,
      );
      expect(records[8]?.message).toContain('> File "/home/dev/app/_common.py", line 52, in exercise\n    charge("12€")\n');
    },
  },
  {
    file: 'python-logs/jsonlogger_bare.jsonl',
    format: 'python-json',
    count: 12,
    severities: Array<number>(12).fill(0),
    firstTs: 'read',
    exceptions: JSONLOGGER_EXCEPTIONS,
    chainedIn: 7,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    check(records) {
      expect(records.every((r) => r.tsInferred)).toBe(true);
      expect(records[6]?.message).toBe('dict message');
      expect(records[6]?.attributes).toEqual({ count: 3 });
    },
  },
  {
    file: 'python-logs/jsonlogger_fmt.jsonl',
    format: 'python-json',
    count: 12,
    severities: JSONLOGGER_SEVERITIES,
    loggers: Array<string>(12).fill('app.api'),
    firstTs: localUs(2026, 11, 30, 1, 47, 7, 141_000),
    exceptions: JSONLOGGER_EXCEPTIONS,
    chainedIn: 7,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    check(records) {
      expect(records[1]?.attributes).toEqual({ status: 200, path: '/api/items', elapsed_ms: 12.3, tags: ['a', 'b'], user: { id: 17 } });
    },
  },
  {
    file: 'python-logs/jsonlogger_prod.jsonl',
    format: 'python-json',
    count: 12,
    severities: JSONLOGGER_SEVERITIES,
    loggers: Array<string>(12).fill('app.api'),
    // the zoned `timestamp` wins over the zone-less `time`
    firstTs: utcUs(2026, 11, 30, 1, 47, 7, 142_422),
    exceptions: JSONLOGGER_EXCEPTIONS,
    chainedIn: 7,
    nonAscii: NON_ASCII,
    multiline: MULTILINE,
    check(records) {
      // exc_info and stack_info fold under the message; the rest stays attributes
      expect(records[7]?.message).toMatch(/^payment failed for order 1042\nTraceback \(most recent call last\):\n {2}File /);
      expect(records[10]?.message).toMatch(
        /^checkpoint\nStack \(most recent call last\):\n {2}File ".*gen_jsonlogger\.py", line \d+, in <module>\n/,
      );
      expect(records[10]?.attributes).toMatchObject({ process: 12375, threadName: 'MainThread', lineno: 36 });
      expect(records[10]?.attributes).not.toHaveProperty('stack_info');
      expect(records[7]?.attributes).not.toHaveProperty('exc_info');
    },
  },
  {
    file: 'python-logs/uvicorn.log',
    format: 'uvicorn',
    count: 15,
    firstTs: 'read',
    severities: [9, 9, 9, 9, 9, 9, 9, 9, 17, 9, 9, 9, 9, 9, 9],
    exceptions: [[8, ...SERVER_TRACE]],
    nonAscii: NON_ASCII_SHORT,
    chainedIn: 8,
    check(records) {
      expect(records[5]?.logger).toBe('uvicorn.access');
      expect(records[5]?.attributes).toEqual({ client: '127.0.0.1:42822', method: 'GET', path: '/', protocol: 'HTTP/1.1', status: 200 });
      expect(records[0]?.logger).toBe('uvicorn.error');
      // the bare lastResort line has no level prefix: it continues the record before it
      expect(records[10]?.message).toBe(`${NON_ASCII_SHORT}\napp logger without handler config -> lastResort, bare message`);
    },
  },
  {
    file: 'python-logs/uvicorn_color.log',
    format: 'uvicorn',
    count: 10,
    firstTs: 'read',
    exceptions: [],
    check(records) {
      expect(records[0]?.message).toBe('Started server process [13114]');
      expect(records[7]?.attributes).toMatchObject({ status: 404, path: '/missing' });
    },
  },
  {
    file: 'python-logs/gunicorn_error.log',
    format: 'gunicorn',
    count: 11,
    severities: [9, 9, 9, 9, 9, 17, 9, 9, 9, 9, 9],
    firstTs: utcUs(2026, 11, 30, 1, 47, 38),
    exceptions: [[5, ...SERVER_TRACE]],
    nonAscii: NON_ASCII_SHORT,
    chainedIn: 5,
    check(records) {
      expect(records[0]?.attributes).toEqual({ pid: 13166 });
    },
  },
  {
    file: 'python-logs/gunicorn_access.log',
    format: 'access',
    count: 6,
    severities: [9, 9, 13, 17, 9, 9],
    firstTs: utcUs(2026, 11, 30, 1, 47, 39),
    exceptions: [],
    check(records) {
      expect(records[2]?.message).toBe('GET /missing HTTP/1.1 404');
      expect(records[0]?.attributes).toEqual({
        client: '127.0.0.1',
        method: 'GET',
        path: '/',
        protocol: 'HTTP/1.1',
        status: 200,
        bytes: 3,
        referer: 'http://127.0.0.1/start',
        user_agent: 'pylog-sampler/1.0 (+https://example.invalid)',
      });
    },
  },
  {
    file: 'python-logs/gunicorn_stdout.log',
    format: 'plain',
    count: 1,
    firstTs: 'read',
    exceptions: [],
  },
  {
    file: 'python-logs/gunicorn_uvicornworker.log',
    format: 'gunicorn',
    count: 21,
    firstTs: utcUs(2026, 11, 30, 1, 47, 40),
    exceptions: [[11, ...SERVER_TRACE]],
    nonAscii: NON_ASCII_SHORT,
    chainedIn: 11,
    check(records) {
      expect(records[8]?.logger).toBe('uvicorn.access');
      expect(records[8]?.tsInferred).toBe(true);
      expect(records[8]?.ts).toBe(records[7]?.ts);
      expect(records[12]?.attributes).toMatchObject({ status: 500 });
      expect(records[12]?.severity).toBe(17);
    },
  },
  {
    file: 'python-logs/django_runserver.log',
    format: 'django-runserver',
    count: 17,
    firstTs: 'read',
    exceptions: [[12, ...SERVER_TRACE]],
    nonAscii: NON_ASCII_SHORT,
    chainedIn: 12,
    check(records) {
      expect(records[7]?.ts).toBe(localUs(2026, 11, 29, 19, 47, 42));
      expect(records[7]?.attributes).toEqual({ method: 'GET', path: '/', protocol: 'HTTP/1.1', status: 200, bytes: 3 });
      expect(records[8]).toMatchObject({ message: 'Not Found: /items', logger: 'django.request', severity: 13, tsInferred: true });
      expect(records[12]?.severity).toBe(17);
    },
  },
  {
    file: 'python-logs/django_verbose.log',
    format: 'django-verbose',
    count: 5,
    severities: [13, 13, 17, 13, 9],
    loggers: ['log', 'log', 'log', 'djsite_settings', 'djsite_settings'],
    firstTs: localUs(2026, 11, 29, 19, 47, 43, 444_000),
    exceptions: [[2, ...SERVER_TRACE]],
    nonAscii: NON_ASCII_SHORT,
    chainedIn: 2,
  },
  {
    file: 'python-logs/celery_worker.log',
    format: 'celery',
    count: 21,
    firstTs: localUs(2026, 11, 30, 1, 47, 44, 236_000),
    // the last exception of the ExceptionWithTraceback record is the re-printed original
    exceptions: [[18, ...SERVER_TRACE]],
    nonAscii: NON_ASCII_SHORT,
    check(records) {
      expect(records[5]).toMatchObject({ logger: 'celery_tasks.add', message: 'Adding 2 + 3' });
      expect(records[5]?.attributes).toEqual({
        process: 'ForkPoolWorker-1',
        task_name: 'celery_tasks.add',
        task_id: '19a1304e-b977-4dc3-b58f-ae5979a946c5',
      });
      expect(records[18]?.severity).toBe(17);
    },
  },
  {
    file: 'python-logs/celery_worker_stdout.log',
    format: 'plain',
    count: 16,
    firstTs: 'read',
    exceptions: [],
  },
  {
    file: 'other/bunyan.jsonl',
    format: 'pino',
    count: 6,
    severities: [1, 9, 9, 13, 17, 21],
    loggers: Array<string>(6).fill('myapp'),
    firstTs: utcUs(2026, 11, 30, 1, 50, 30, 93_000),
    exceptions: [[4, 'Error', 'payment failed']],
    nonAscii: NON_ASCII_SHORT,
  },
  {
    file: 'other/pino.jsonl',
    format: 'pino',
    count: 8,
    severities: [1, 9, 9, 13, 9, 17, 17, 21],
    firstTs: 1796003430090 * 1000,
    exceptions: [
      [5, 'Error', "payment failed: Expected property name or '}' in JSON at position 1"],
      [6, 'Error', "payment failed: Expected property name or '}' in JSON at position 1"],
    ],
    nonAscii: NON_ASCII_SHORT,
    multiline: 'multi\nline message',
    check(records) {
      expect(records[2]?.attributes).toMatchObject({ req: { method: 'GET', url: '/items?q=ü' }, status: 200, ms: 12.3 });
      expect(records[0]?.severityText).toBe('10');
    },
  },
  {
    file: 'other/logback_default.log',
    format: 'logback',
    count: 7,
    severities: [5, 9, 13, 9, 17, 9, 17],
    loggers: Array<string>(7).fill('com.example.payments.PaymentService'),
    // time of day only: put on the read day (local)
    firstTs: localUs(readDay.getFullYear(), readDay.getMonth() + 1, readDay.getDate(), 1, 50, 34, 588_000),
    exceptions: [[4, 'java.lang.NumberFormatException', 'For input string: "12€"']],
    nonAscii: NON_ASCII_SHORT,
    multiline: 'multi\nline message',
    check(records) {
      expect(records[5]?.attributes).toEqual({ thread: 'worker-1' });
      expect(records[4]?.message).toContain('\tat LogbackSample.main(LogbackSample.java:18)\nCaused by: java.lang.NumberFormatException');
    },
  },
  {
    file: 'other/nginx_access.log',
    format: 'access',
    count: 6,
    severities: [9, 9, 13, 13, 17, 13],
    firstTs: utcUs(2026, 11, 30, 1, 50, 57),
    exceptions: [],
    check(records) {
      expect(records[2]?.attributes).toMatchObject({ method: 'GET', path: '/items?q=%C3%BC&page=2', status: 404, bytes: 153 });
      expect(records[5]?.message).toBe('GARBAGE 400');
      expect(records[5]?.attributes).toMatchObject({ request: 'GARBAGE', status: 400 });
    },
  },
  {
    file: 'other/nginx_error.log',
    format: 'nginx-error',
    count: 23,
    firstTs: localUs(2026, 11, 30, 1, 50, 57),
    exceptions: [],
    check(records) {
      expect(records[0]).toMatchObject({ severity: 10, severityText: 'notice', message: 'using the "epoll" event method' });
      expect(records[8]).toMatchObject({ severity: 17, severityText: 'error' });
      expect(records[8]?.attributes).toMatchObject({
        pid: 16275,
        connection: 3,
        client: '127.0.0.1',
        request: 'GET /items?q=%C3%BC&page=2 HTTP/1.1',
      });
    },
  },
  {
    file: 'other/rsyslog_default_fileformat.log',
    format: 'syslog',
    count: 4,
    severities: [0, 0, 13, 17],
    loggers: ['sshd', 'myapp', 'myapp', 'myapp'],
    firstTs: utcUs(2026, 11, 30, 1, 50, 59),
    exceptions: [[3, 'ZeroDivisionError', 'division by zero']],
    nonAscii: NON_ASCII_SHORT,
    check(records) {
      expect(records[0]?.attributes).toEqual({ host: 'vm', pid: 812 });
      expect(records[1]?.ts).toBe(utcUs(2026, 11, 30, 1, 50, 59, 627_382));
      expect(records[3]?.message).toContain('over syslog\nTraceback (most recent call last):\n  File "<stdin>"');
    },
  },
  {
    file: 'other/rsyslog_syslogprotocol23.log',
    format: 'syslog',
    count: 4,
    severities: [9, 17, 13, 17],
    firstTs: utcUs(2026, 11, 30, 1, 50, 59),
    exceptions: [[3, 'ZeroDivisionError', 'division by zero']],
    nonAscii: NON_ASCII_SHORT,
    check(records) {
      expect(records[0]).toMatchObject({
        message: 'Accepted publickey for alice from 127.0.0.1 port 51234 ssh2',
        severityText: 'info',
        logger: 'sshd',
      });
      expect(records[0]?.attributes).toEqual({ host: 'vm', pid: 812, facility: 'auth' });
      expect(records[1]?.attributes).toMatchObject({ msgid: 'ID47', 'timeQuality.tzKnown': 1, 'timeQuality.isSynced': 0 });
    },
  },
  {
    file: 'other/rsyslog_traditional.log',
    format: 'syslog',
    count: 4,
    severities: [0, 0, 13, 17],
    firstTs: 'yearless' as never,
    exceptions: [[3, 'ZeroDivisionError', 'division by zero']],
    nonAscii: NON_ASCII_SHORT,
  },
  {
    // repr() of datagrams, not a log file: plain text
    file: 'other/syslog_packets.txt',
    format: 'plain',
    count: 6,
    firstTs: 'read',
    exceptions: [],
  },
];

/** RFC 3164 has no year: the parser takes this year unless that is in the future. */
function yearlessLocal(mo: number, d: number, h: number, mi: number, s: number): number {
  const now = new Date();
  let ts = localUs(now.getFullYear(), mo, d, h, mi, s);
  if (ts > now.getTime() * 1000 + 2 * 86_400_000_000) ts = localUs(now.getFullYear() - 1, mo, d, h, mi, s);
  return ts;
}

describe('real library samples', () => {
  for (const exp of SAMPLES) {
    it(`${exp.file}: ${exp.format}, ${exp.count} records`, () => {
      const text = readSample(exp.file);
      const { format, records } = assemble(text);
      expect(format).toBe(exp.format);
      expect(records).toHaveLength(exp.count);

      // every line consumed exactly once: checkpoints rise and the last one is the file's end
      for (let i = 1; i < records.length; i++) {
        expect(records[i]!.endOffset).toBeGreaterThan(records[i - 1]!.endOffset);
      }
      expect(records.at(-1)?.endOffset).toBe(Buffer.byteLength(text, 'utf8'));

      if (exp.severities) expect(records.map((r) => r.severity)).toEqual(exp.severities);
      if (exp.loggers) expect(records.map((r) => r.logger)).toEqual(exp.loggers);

      const first = records[0]!;
      if (exp.firstTs === 'read') {
        expect(first.ts).toBe(READ_TIME_US);
        expect(first.tsInferred).toBe(true);
      } else if ((exp.firstTs as unknown) === 'yearless') {
        expect(first.ts).toBe(yearlessLocal(11, 30, 1, 50, 59));
      } else {
        expect(first.ts).toBe(exp.firstTs);
        expect(first.tsInferred).toBe(false);
      }
      for (const r of records) expect(Number.isInteger(r.ts)).toBe(true);

      const withExceptions = records.flatMap((r, i) => (r.exception ? [[i, r.exception.type, r.exception.message]] : []));
      expect(withExceptions).toEqual(exp.exceptions);

      if (exp.nonAscii !== undefined) {
        const hit = records.find((r) => r.message.includes(exp.nonAscii!));
        expect(hit, 'non-ASCII message').toBeDefined();
      }
      if (exp.multiline !== undefined) {
        expect(
          records.some((r) => r.message === exp.multiline),
          'multi-line message',
        ).toBe(true);
      }
      if (exp.chainedIn !== undefined) {
        const msg = records[exp.chainedIn]!.message;
        expect(msg).toContain('The above exception was the direct cause of the following exception:');
        if (exp.file.includes('stdlib') || exp.file.includes('structlog') || exp.file.includes('loguru')) {
          expect(msg).toContain('During handling of the above exception, another exception occurred:');
        }
      }
      exp.check?.(records);
    });
  }
});
