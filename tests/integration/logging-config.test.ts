// A project's own logging config builds the parser for its files: real Python runs
// logging.config.fileConfig / dictConfig (YAML, JSON) with the very config files Loupe reads, and
// loguru with a custom format; each record read back must be the record Python wrote (time from the
// datefmt, level, logger, process, thread, function:line, tracebacks folded), where the generic
// detector gets them wrong. Needs /usr/bin/python3 with loguru and PyYAML (Debian packages).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIdOf } from '../../electron/engine/ingest/files/parse/format-string/format-id.js';
import { LoggingConfigError, readLoggingConfig } from '../../electron/engine/ingest/logging-config/logging-config.js';
import { assemble } from '../unit/parse/helpers.js';
import type { LogPage, SourceView } from '../../shared/model.js';
import type { LoggingConfigView } from '../../shared/api.js';
import { startServe, waitFor } from '../support/serve-process.js';

const PYTHON = '/usr/bin/python3';

const INI = String.raw`
[loggers]
keys=root,db

[handlers]
keys=file,console,syslog

[formatters]
keys=detailed

[logger_root]
level=DEBUG
handlers=file,console,syslog

[logger_db]
level=DEBUG
handlers=file
qualname=app.db
propagate=0

[handler_file]
class=handlers.RotatingFileHandler
formatter=detailed
args=('logs/app.log', 'a', 1000000, 3)

[handler_console]
class=StreamHandler
formatter=detailed
level=CRITICAL
args=(sys.stderr,)

[handler_syslog]
class=handlers.SysLogHandler
level=CRITICAL
args=(('127.0.0.1', 9), handlers.SysLogHandler.LOG_USER)

[formatter_detailed]
format=%(asctime)s.%(msecs)03d %(levelname)-8s [%(process)d:%(threadName)s] %(name)s %(funcName)s:%(lineno)d | %(message)s
datefmt=%d/%m/%Y %H:%M:%S
`;

const YAML = `
version: 1
formatters:
  braces:
    format: "{asctime} [{levelname:^9}] {name} ({threadName}) {message}"
    datefmt: "%b %d %Y %I:%M:%S %p"
    style: "{"
  dollars:
    format: "$created $levelno $name $message"
    style: "$"
handlers:
  timed:
    class: logging.handlers.TimedRotatingFileHandler
    filename: timed.log
    formatter: braces
    when: midnight
  watched:
    class: logging.handlers.WatchedFileHandler
    filename: watched.log
    formatter: dollars
root:
  level: DEBUG
  handlers: [timed, watched]
`;

const LOGURU_FORMAT =
  '<green>{time:DD.MM.YYYY HH:mm:ss.SSS ZZ}</green> :: <level>{level: <8}</level> :: {thread.name} {name}.{function}#{line} | {extra[request_id]} | <level>{message}</level>';

// The same records for every config; `expected` collects what Python knew about each.
const SCRIPT = String.raw`
import json, logging, logging.config, os, sys, threading, yaml

kind, out = sys.argv[1], sys.argv[2]
expected = []

class Capture(logging.Handler):
    def emit(self, r):
        expected.append({"us": int(r.created) * 1_000_000 + int(r.msecs) * 1000, "created_us": round(r.created * 1e6),
                         "level": r.levelname, "logger": r.name, "message": r.getMessage(), "line": r.lineno,
                         "func": r.funcName, "process": r.process, "thread": r.threadName})

def records(log, db):
    log.info("started with %d workers", 4)
    db.warning("slow query\nSELECT *\n  FROM t")
    try:
        {}["missing"]
    except KeyError:
        log.exception("lookup failed")
    log.log(15, "custom level")
    t = threading.Thread(target=lambda: db.error("from a worker: a | b"), name="Worker 1 (pool)")
    t.start(); t.join()
    log.critical("bye")

if kind == "ini":
    logging.config.fileConfig("logging.conf")
elif kind == "yaml":
    with open("logging.yaml") as f:
        logging.config.dictConfig(yaml.safe_load(f))
if kind in ("ini", "yaml"):
    logging.getLogger().addHandler(Capture())
    if not logging.getLogger("app.db").propagate:
        logging.getLogger("app.db").addHandler(Capture())
    records(logging.getLogger("app"), logging.getLogger("app.db"))
    logging.shutdown()
else:
    from loguru import logger
    logger.remove()
    fmt = sys.argv[3]
    logger.add("loguru.log", format=fmt, level="TRACE")
    def sink(m):
        r = m.record
        expected.append({"us": int(r["time"].timestamp()) * 1_000_000 + r["time"].microsecond // 1000 * 1000,
                         "level": r["level"].name, "logger": r["name"], "message": r["message"], "line": r["line"],
                         "func": r["function"], "thread": r["thread"].name})
    logger.add(sink, level="TRACE")
    log = logger.bind(request_id="r-42")
    log.info("started with {} workers", 4)
    log.warning("slow query\nSELECT *\n  FROM t")
    try:
        {}["missing"]
    except KeyError:
        log.exception("lookup failed")
    log.success("done")
json.dump(expected, open(out, "w"))
`;

let dir: string;

/** What Python knew about each record it wrote. */
interface Expected {
  us: number;
  created_us: number;
  level: string;
  logger: string;
  message: string;
  line: number;
  func: string;
  process: number;
  thread: string;
}

function runPython(kind: string, ...args: string[]): Expected[] {
  execFileSync(PYTHON, ['-c', SCRIPT, kind, join(dir, `${kind}.expected.json`), ...args], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return JSON.parse(readFileSync(join(dir, `${kind}.expected.json`), 'utf8'));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-logging-config-'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'logging.conf'), INI);
  writeFileSync(join(dir, 'logging.yaml'), YAML);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fileConfig (INI)', () => {
  it('finds the file handler, resolves its path against the config folder, and says where the others go', () => {
    const handlers = readLoggingConfig(INI, { baseDir: dir, fileName: 'logging.conf' });
    expect(handlers.map((h) => [h.name, h.path ?? null])).toEqual([
      ['file', join(dir, 'logs/app.log')],
      ['console', null],
      ['syslog', null],
    ]);
    expect(handlers[1]!.note).toMatch(/stream .*not a file/);
    expect(handlers[2]!.note).toMatch(/--syslog-port/);
  });

  it('reads what Python wrote with it exactly: datefmt + msecs, padded level, process:thread, funcName:lineno, tracebacks', () => {
    const expected = runPython('ini');
    const format = readLoggingConfig(INI, { baseDir: dir, fileName: 'logging.conf' })[0]!.format!;
    const text = readFileSync(join(dir, 'logs/app.log'), 'utf8');
    const { records } = assemble(text, { format });
    expect(records.map((r) => ({ ts: r.ts, level: r.severityText, logger: r.logger, first: r.message.split('\n')[0] }))).toEqual(
      expected.map((e) => ({ ts: e.us, level: e.level, logger: e.logger, first: e.message.split('\n')[0] })),
    );
    expect(records.map((r) => r.attributes)).toEqual(
      expected.map((e) => ({ process: e.process, threadName: e.thread, funcName: e.func, lineno: e.line })),
    );
    expect(records[1]!.message).toBe('slow query\nSELECT *\n  FROM t');
    expect(records[1]!.severity).toBe(13);
    expect(records[2]!.message).toMatch(/^lookup failed\nTraceback \(most recent call last\):\n[\s\S]*KeyError: 'missing'$/);
    expect(records[2]!.exception).toEqual({ type: 'KeyError', message: "'missing'" });
    expect(records[3]!.severityText).toBe('Level 15');
    expect(records[4]!.attributes?.['threadName']).toBe('Worker 1 (pool)');
    expect(records[4]!.message).toBe('from a worker: a | b');
    // The generic detector reads dd/mm/yyyy lines as plain text: no logger, no fields.
    const detected = assemble(text);
    expect(detected.records.map((r) => r.logger)).not.toEqual(expected.map((e) => e.logger));
  });
});

describe('dictConfig (YAML)', () => {
  it('reads the { style with a 12-hour datefmt and the $ style with created/levelno, from the files its handlers write', () => {
    const expected = runPython('yaml');
    const handlers = readLoggingConfig(YAML, { baseDir: dir, fileName: 'logging.yaml' });
    expect(handlers.map((h) => [h.name, h.className, h.path])).toEqual([
      ['timed', 'logging.handlers.TimedRotatingFileHandler', join(dir, 'timed.log')],
      ['watched', 'logging.handlers.WatchedFileHandler', join(dir, 'watched.log')],
    ]);
    const timed = assemble(readFileSync(join(dir, 'timed.log'), 'utf8'), { format: handlers[0]!.format! }).records;
    // %b %d %Y %I:%M:%S %p: whole seconds
    expect(timed.map((r) => [r.ts, r.severityText, r.logger, r.attributes?.['threadName'], r.message.split('\n')[0]])).toEqual(
      expected.map((e) => [Math.floor(e.us / 1e6) * 1e6, e.level, e.logger, e.thread, e.message.split('\n')[0]]),
    );
    const watched = assemble(readFileSync(join(dir, 'watched.log'), 'utf8'), { format: handlers[1]!.format! }).records;
    // %(created)s is the float's repr: to the microsecond, give or take the rounding of half a one.
    expect(watched.map((r, i) => [Math.abs(r.ts - expected[i]!.created_us) <= 1, r.severity > 0, r.logger])).toEqual(
      expected.map((e) => [true, true, e.logger]),
    );
    expect(watched[2]!.exception?.type).toBe('KeyError');
  });

  it('reads the same config as JSON', () => {
    const json = JSON.stringify({
      version: 1,
      formatters: { f: { format: '%(asctime)s %(levelname)s %(message)s' } },
      handlers: { h: { class: 'logging.FileHandler', filename: '/var/log/app.log', formatter: 'f' } },
    });
    const [h] = readLoggingConfig(json, { baseDir: dir, fileName: 'logging.json' });
    expect(h?.path).toBe('/var/log/app.log');
    expect(h?.format).toBe(formatIdOf({ library: 'python', fmt: '%(asctime)s %(levelname)s %(message)s' }));
  });
});

describe('loguru with a custom format', () => {
  it('reads time tokens with a zone, padded levels, thread names, extra[…] and folds the diagnose traceback', () => {
    const expected = runPython('loguru', LOGURU_FORMAT);
    const format = formatIdOf({ library: 'loguru', fmt: LOGURU_FORMAT });
    const { records } = assemble(readFileSync(join(dir, 'loguru.log'), 'utf8'), { format });
    expect(records.map((r) => [r.ts, r.severityText, r.logger, r.message.split('\n')[0]])).toEqual(
      expected.map((e) => [e.us, e.level, e.logger, e.message.split('\n')[0]]),
    );
    expect(records[0]!.attributes).toEqual({ threadName: 'MainThread', function: '<module>', line: expected[0]!.line, request_id: 'r-42' });
    expect(records[1]!.message).toBe('slow query\nSELECT *\n  FROM t');
    expect(records[2]!.exception?.type).toBe('KeyError');
  });
});

describe('bad configs say where', () => {
  it('names an unknown %(field)s with its line and column', () => {
    const bad = INI.replace('%(funcName)s', '%(request_id)s');
    const line = bad.split('\n').findIndex((l) => l.startsWith('format=')) + 1;
    expect(() => readLoggingConfig(bad, { baseDir: dir, fileName: 'logging.conf' })).toThrow(LoggingConfigError);
    try {
      readLoggingConfig(bad, { baseDir: dir, fileName: 'logging.conf' });
    } catch (err) {
      const e = err as LoggingConfigError;
      expect(e.message).toMatch(/unknown field "request_id"/);
      expect([e.line, e.col]).toEqual([
        line,
        'format='.length + bad.split('\n')[line - 1]!.slice('format='.length).indexOf('%(request_id)s') + 1,
      ]);
    }
  });

  it('gives the YAML parser line:col for broken YAML, and refuses a call in args', () => {
    expect(() => readLoggingConfig('version: 1\nhandlers:\n  h: [unclosed\n', { baseDir: dir, fileName: 'x.yaml' })).toThrow(/^\d+:\d+: /);
    const call = INI.replace("args=('logs/app.log', 'a', 1000000, 3)", "args=(os.path.join('logs', 'app.log'),)");
    expect(() => readLoggingConfig(call, { baseDir: dir, fileName: 'logging.conf' })).toThrow(/args: os\.path\.join\(…\) is a call/);
  });
});

describe('loupe serve --logging-config, and the API', () => {
  it("adds the config's files with its parser, reads them, and adds a dictConfig's over REST", async () => {
    // Fresh files: the tests above wrote to them too.
    for (const f of ['logs/app.log', 'timed.log', 'watched.log']) rmSync(join(dir, f), { force: true });
    runPython('ini');
    runPython('yaml');
    const data = mkdtempSync(join(tmpdir(), 'loupe-logging-config-data-'));
    const serve = await startServe(['--data-dir', data, '--logging-config', join(dir, 'logging.conf')]);
    try {
      expect(serve.output()).toMatch(/handler console \(StreamHandler\) is not read: it writes to a stream/);
      const page = await waitFor(async () => {
        const p = await serve.get<LogPage>('/api/logs?q=logger:app.db&limit=10');
        return p.records.length === 2 ? p : undefined;
      });
      expect(page.records.map((r) => [r.level, r.message.split('\n')[0], r.attributes?.['funcName']])).toEqual([
        ['error', 'from a worker: a | b', '<lambda>'],
        ['warn', 'slow query', 'records'],
      ]);
      const res = await fetch(new URL('/api/logging-config', serve.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ path: join(dir, 'logging.yaml') }),
      });
      expect(res.status).toBe(200);
      const view = (await res.json()) as LoggingConfigView;
      expect(view.added.map((s) => s.path)).toEqual([join(dir, 'timed.log'), join(dir, 'watched.log')]);
      expect(view.handlers[0]!.preview?.[1]).toMatchObject({ level: 'warn', logger: 'app.db', message: 'slow query\nSELECT *\n  FROM t' });
      const sources = await serve.get<{ sources: SourceView[] }>('/api/sources');
      expect(sources.sources.map((s) => s.format?.split(':')[0])).toEqual(['python-format', 'python-format', 'python-format']);
      const bad = await fetch(new URL('/api/logging-config', serve.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: 'version: 1\nformatters:\n  f:\n    format: "%(asctime)s %(nope)s %(message)s"\n', cwd: dir }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
        /^config:4:\d+: formatter f: format: unknown field "nope"/,
      );
    } finally {
      await serve.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
