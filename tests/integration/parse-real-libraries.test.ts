// The real Python logging libraries write to a file; the parsers read it back record by record.
// Needs /usr/bin/python3 with structlog, loguru and python-json-logger (Debian: python3-structlog
// python3-loguru python3-pythonjsonlogger). A missing module fails the suite: it never skips.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssembler } from '../../electron/engine/ingest/files/parse/assembler.js';
import type { AssembledRecord } from '../../electron/engine/ingest/files/parse/types.js';
import { toLines } from '../unit/parse/helpers.js';

const PYTHON = '/usr/bin/python3';
const NON_ASCII = 'Benutzer José hat „Größe“ geändert — 日本語ログ ✓ 🚀';

// One scenario for every library: the same seven records.
const SCRIPT = String.raw`
import logging, sys

variant, path = sys.argv[1], sys.argv[2]
NON_ASCII = "Benutzer José hat „Größe“ geändert — 日本語ログ ✓ 🚀"

class ConnectionError(Exception):
    pass
ConnectionError.__module__ = "requests.exceptions"

class EmptyError(Exception):
    pass
EmptyError.__module__ = "mymod"

def scenario(info, warning, error, exception, critical):
    info("hello 1")
    warning(NON_ASCII)
    info("line one\n  line two")
    try:
        try:
            int("x")
        except ValueError as e:
            raise KeyError("k") from e
    except KeyError:
        try:
            raise ConnectionError("upstream refused")
        except ConnectionError:
            exception("chained failure")
    try:
        raise EmptyError()
    except EmptyError:
        exception("empty failure")
    error("after")
    critical("bye")

STDLIB = {
    "stdlib-colon": ("%(asctime)s %(levelname)s %(name)s: %(message)s", None),
    "stdlib-dash": ("%(asctime)s - %(name)s - %(levelname)s - %(message)s", None),
    "stdlib-bracket": ("%(asctime)s [%(levelname)s] %(name)s: %(message)s", None),
    "stdlib-basic": (None, None),
    "stdlib-verbose": ("%(asctime)s.%(msecs)03d %(levelname)-8s [%(process)d:%(threadName)s] %(name)s (%(filename)s:%(lineno)d) %(message)s", "%Y-%m-%dT%H:%M:%S"),
    "stdlib-iso-tz": ("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"),
}

if variant in STDLIB:
    fmt, datefmt = STDLIB[variant]
    kw = dict(filename=path, level=logging.DEBUG, encoding="utf-8", force=True)
    if fmt: kw["format"] = fmt
    if datefmt: kw["datefmt"] = datefmt
    logging.basicConfig(**kw)
    log = logging.getLogger("itest.app")
    scenario(log.info, log.warning, log.error, log.exception, log.critical)
    logging.shutdown()
elif variant.startswith("structlog-"):
    import structlog
    # "-named": through stdlib logging with add_logger_name, so records carry a "logger" key
    named = variant.endswith("-named")
    variant = variant.replace("-named", "")
    ts = structlog.processors.TimeStamper(fmt="iso")
    common = [structlog.processors.add_log_level] + ([structlog.stdlib.add_logger_name] if named else []) + [ts]
    renderers = {
        "structlog-json": [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
        "structlog-console": [structlog.dev.set_exc_info, structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)],
        "structlog-console-color": [structlog.dev.set_exc_info, structlog.dev.ConsoleRenderer(colors=True, exception_formatter=structlog.dev.plain_traceback)],
        "structlog-logfmt": [structlog.processors.format_exc_info, structlog.processors.LogfmtRenderer(key_order=["timestamp", "level", "event"])],
        "structlog-kv": [structlog.processors.format_exc_info, structlog.processors.KeyValueRenderer(key_order=["timestamp", "level", "event"])],
    }
    if named:
        logging.basicConfig(filename=path, level=logging.DEBUG, format="%(message)s", encoding="utf-8", force=True)
        structlog.configure(
            processors=common + renderers[variant],
            wrapper_class=structlog.stdlib.BoundLogger,
            logger_factory=structlog.stdlib.LoggerFactory(),
            cache_logger_on_first_use=False,
        )
        log = structlog.get_logger("itest.app")
        scenario(log.info, log.warning, log.error, log.exception, log.critical)
        logging.shutdown()
    else:
        with open(path, "w", encoding="utf-8") as fh:
            structlog.configure(
                processors=common + renderers[variant],
                wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
                logger_factory=structlog.WriteLoggerFactory(file=fh),
                cache_logger_on_first_use=False,
            )
            log = structlog.get_logger()
            scenario(log.info, log.warning, log.error, log.exception, log.critical)
elif variant.startswith("loguru"):
    from loguru import logger
    logger.remove()
    logger.add(path, level="DEBUG", encoding="utf-8", serialize=(variant == "loguru-serialize"))
    scenario(logger.info, logger.warning, logger.error, logger.exception, logger.critical)
    logger.remove()
elif variant == "jsonlogger":
    from pythonjsonlogger import jsonlogger
    log = logging.getLogger("itest.app")
    log.setLevel(logging.DEBUG)
    h = logging.FileHandler(path, encoding="utf-8")
    h.setFormatter(jsonlogger.JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(h)
    scenario(log.info, log.warning, log.error, log.exception, log.critical)
    h.close()
else:
    raise SystemExit("unknown variant " + variant)
`;

interface Variant {
  variant: string;
  format: string;
  /** stdlib names the logger; a structlog pipeline without add_logger_name does not (no logger then). */
  logger?: string;
  /** The file carries times (else they are inferred from the read time). */
  timed: boolean;
}

const VARIANTS: Variant[] = [
  { variant: 'stdlib-colon', format: 'python', logger: 'itest.app', timed: true },
  { variant: 'stdlib-dash', format: 'python', logger: 'itest.app', timed: true },
  { variant: 'stdlib-bracket', format: 'python', logger: 'itest.app', timed: true },
  { variant: 'stdlib-basic', format: 'python-basic', logger: 'itest.app', timed: false },
  { variant: 'stdlib-verbose', format: 'python', logger: 'itest.app', timed: true },
  { variant: 'stdlib-iso-tz', format: 'python', logger: 'itest.app', timed: true },
  { variant: 'structlog-json', format: 'structlog-json', timed: true },
  { variant: 'structlog-console', format: 'structlog-console', timed: true },
  { variant: 'structlog-console-color', format: 'structlog-console', timed: true },
  { variant: 'structlog-logfmt', format: 'logfmt', timed: true },
  { variant: 'structlog-kv', format: 'structlog-kv', timed: true },
  { variant: 'structlog-json-named', format: 'structlog-json', logger: 'itest.app', timed: true },
  { variant: 'structlog-console-named', format: 'structlog-console', logger: 'itest.app', timed: true },
  { variant: 'structlog-console-color-named', format: 'structlog-console', logger: 'itest.app', timed: true },
  { variant: 'structlog-logfmt-named', format: 'logfmt', logger: 'itest.app', timed: true },
  { variant: 'structlog-kv-named', format: 'structlog-kv', logger: 'itest.app', timed: true },
  { variant: 'loguru', format: 'loguru', logger: '__main__', timed: true },
  { variant: 'loguru-serialize', format: 'loguru-json', logger: '__main__', timed: true },
  { variant: 'jsonlogger', format: 'python-json', logger: 'itest.app', timed: true },
];

const MESSAGES = ['hello 1', NON_ASCII, 'line one\n  line two', 'chained failure', 'empty failure', 'after', 'bye'];
const SEVERITIES = [9, 13, 9, 17, 17, 17, 21];

let dir = '';

beforeAll(() => {
  try {
    execFileSync(PYTHON, ['-c', 'import structlog, loguru, pythonjsonlogger'], { stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(
      `${PYTHON} lacks a logging library this test needs (apt install python3-structlog python3-loguru python3-pythonjsonlogger):\n${stderr}`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'loupe-parse-real-'));
  writeFileSync(join(dir, 'emit.py'), SCRIPT);
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('parsing what the real Python libraries write', () => {
  for (const v of VARIANTS) {
    it(`${v.variant} -> ${v.format}`, () => {
      const path = join(dir, `${v.variant}.log`);
      const before = Date.now() * 1000;
      execFileSync(PYTHON, [join(dir, 'emit.py'), v.variant, path], { stdio: 'pipe', cwd: dir });
      const after = Date.now() * 1000;
      const text = readFileSync(path, 'utf8');

      const assembler = createAssembler();
      const readTimeUs = after + 5_000_000;
      const records: AssembledRecord[] = [];
      for (const line of toLines(text)) records.push(...assembler.push(line, readTimeUs));
      records.push(...assembler.flush());

      expect(assembler.format).toBe(v.format);
      expect(records).toHaveLength(7);
      expect(records.map((r) => r.severity)).toEqual(SEVERITIES);
      expect(records.at(-1)?.endOffset).toBe(Buffer.byteLength(text, 'utf8'));

      for (let i = 0; i < 7; i++) {
        const r = records[i]!;
        const expected = MESSAGES[i]!;
        // folded tracebacks follow the message on the next lines
        if (i === 3 || i === 4) expect(r.message.split('\n')[0]).toBe(expected);
        else expect(r.message).toBe(expected);
        expect(r.logger).toBe(v.logger);
        if (v.timed) {
          expect(r.tsInferred).toBe(false);
          // second-resolution formats truncate: allow a second before the run
          expect(r.ts).toBeGreaterThanOrEqual(before - 1_000_000);
          expect(r.ts).toBeLessThanOrEqual(after);
        } else {
          expect(r.tsInferred).toBe(true);
          expect(r.ts).toBe(readTimeUs);
        }
        if (i !== 3 && i !== 4) expect(r.exception).toBeUndefined();
      }
      expect(records[3]!.exception).toEqual({ type: 'requests.exceptions.ConnectionError', message: 'upstream refused' });
      expect(records[4]!.exception).toEqual({ type: 'mymod.EmptyError', message: '' });
      // text and structured formats alike fold the whole chained traceback into the record's message
      expect(records[3]!.message).toContain('The above exception was the direct cause of the following exception:');
      expect(records[3]!.message).toContain('During handling of the above exception, another exception occurred:');
    });
  }
});

// Structured formats carry the traceback beside the message (loguru's `text`, structlog's
// `exception` and `stack`, python-json-logger's `exc_info` and `stack_info`): it must end up in the
// record's message as in text logs, once, with the context fields kept as attributes.
const STRUCTURED_SCRIPT = String.raw`
import logging, sys

variant, path = sys.argv[1], sys.argv[2]

class ConnectionError(Exception):
    pass
ConnectionError.__module__ = "requests.exceptions"

def scenario(exception, info):
    try:
        try:
            int("x")
        except ValueError as e:
            raise KeyError("k") from e
    except KeyError:
        try:
            raise ConnectionError("upstream refused")
        except ConnectionError:
            exception()
    info()

if variant.startswith("structlog-"):
    import structlog
    named = variant.endswith("-named")
    kind = variant[len("structlog-"):].replace("-named", "")
    logging.basicConfig(filename=path, level=logging.DEBUG, format="%(message)s", encoding="utf-8", force=True)
    renderers = {
        "json": [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
        "json-dict": [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()],
        "console": [structlog.dev.set_exc_info, structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)],
        "console-color": [structlog.dev.set_exc_info, structlog.dev.ConsoleRenderer(colors=True, exception_formatter=structlog.dev.plain_traceback)],
        "kv": [structlog.processors.format_exc_info, structlog.processors.KeyValueRenderer(key_order=["timestamp", "level", "event"])],
        "logfmt": [structlog.processors.format_exc_info, structlog.processors.LogfmtRenderer(key_order=["timestamp", "level", "event"])],
    }
    structlog.configure(
        processors=[structlog.stdlib.add_log_level]
        + ([structlog.stdlib.add_logger_name] if named else [])
        + [structlog.processors.TimeStamper(fmt="iso"), structlog.processors.StackInfoRenderer()]
        + renderers[kind],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    log = structlog.get_logger("itest.app").bind(order_id=7)
    scenario(lambda: log.exception("chained failure", user="ann"), lambda: log.info("checkpoint", stack_info=True))
    logging.shutdown()
elif variant == "loguru-serialize":
    from loguru import logger
    logger.remove()
    logger.add(path, level="DEBUG", encoding="utf-8", serialize=True)
    log = logger.bind(order_id=7)
    scenario(lambda: log.bind(user="ann").exception("chained failure"), lambda: log.info("checkpoint"))
    logger.remove()
elif variant == "jsonlogger":
    from pythonjsonlogger import jsonlogger
    log = logging.getLogger("itest.app")
    log.setLevel(logging.DEBUG)
    h = logging.FileHandler(path, encoding="utf-8")
    h.setFormatter(jsonlogger.JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(h)
    scenario(
        lambda: log.exception("chained failure", extra={"order_id": 7, "user": "ann"}),
        lambda: log.info("checkpoint", stack_info=True, extra={"order_id": 7}),
    )
    h.close()
else:
    raise SystemExit("unknown variant " + variant)
`;

interface StructuredVariant {
  variant: string;
  format: string;
  /** The logger column: structlog's `logger` key (add_logger_name), else none at all. */
  logger: string | undefined;
  /** structlog's dict_tracebacks keeps only the class's __name__. */
  shortType?: boolean;
  /** The library writes stack_info (loguru has none). */
  stack: boolean;
}

const STRUCTURED: StructuredVariant[] = [
  { variant: 'structlog-json-named', format: 'structlog-json', logger: 'itest.app', stack: true },
  { variant: 'structlog-json', format: 'structlog-json', logger: undefined, stack: true },
  { variant: 'structlog-json-dict-named', format: 'structlog-json', logger: 'itest.app', shortType: true, stack: true },
  { variant: 'structlog-json-dict', format: 'structlog-json', logger: undefined, shortType: true, stack: true },
  { variant: 'structlog-console-named', format: 'structlog-console', logger: 'itest.app', stack: true },
  { variant: 'structlog-console', format: 'structlog-console', logger: undefined, stack: true },
  { variant: 'structlog-console-color-named', format: 'structlog-console', logger: 'itest.app', stack: true },
  { variant: 'structlog-console-color', format: 'structlog-console', logger: undefined, stack: true },
  { variant: 'structlog-kv-named', format: 'structlog-kv', logger: 'itest.app', stack: true },
  { variant: 'structlog-kv', format: 'structlog-kv', logger: undefined, stack: true },
  { variant: 'structlog-logfmt-named', format: 'logfmt', logger: 'itest.app', stack: true },
  { variant: 'loguru-serialize', format: 'loguru-json', logger: '__main__', stack: false },
  { variant: 'jsonlogger', format: 'python-json', logger: 'itest.app', stack: true },
];

/** A frame line of the scenario as Python prints it (loguru marks the frame that caught it with `>`). */
const SCENARIO_FRAME_RE = /^(?: {2}|> )File "[^"]*emit-structured\.py", line \d+, in scenario$/gm;

describe('structured logs: the traceback beside the message is folded into it', () => {
  beforeAll(() => writeFileSync(join(dir, 'emit-structured.py'), STRUCTURED_SCRIPT));

  for (const v of STRUCTURED) {
    it(`${v.variant} -> ${v.format}`, () => {
      const path = join(dir, `${v.variant}.structured.log`);
      execFileSync(PYTHON, [join(dir, 'emit-structured.py'), v.variant, path], { stdio: 'pipe', cwd: dir });
      const text = readFileSync(path, 'utf8');
      const assembler = createAssembler();
      const records: AssembledRecord[] = [];
      for (const line of toLines(text)) records.push(...assembler.push(line, Date.now() * 1000));
      records.push(...assembler.flush());

      expect(assembler.format).toBe(v.format);
      expect(records).toHaveLength(2);
      const [failure, checkpoint] = records as [AssembledRecord, AssembledRecord];

      // the message holds the whole chained traceback: every frame, every exception, both links
      const lines = failure.message.split('\n');
      expect(lines[0]).toBe('chained failure');
      expect(lines[1]).toBe('Traceback (most recent call last):');
      expect(failure.message.match(SCENARIO_FRAME_RE)).toHaveLength(3);
      const order = [
        "ValueError: invalid literal for int() with base 10: 'x'",
        'The above exception was the direct cause of the following exception:',
        "KeyError: 'k'",
        'During handling of the above exception, another exception occurred:',
        `${v.shortType ? '' : 'requests.exceptions.'}ConnectionError: upstream refused`,
      ].map((part) => lines.indexOf(part));
      expect(
        order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!)),
        `in order: ${order.join(',')}`,
      ).toBe(true);
      expect(failure.exception).toEqual({
        type: v.shortType ? 'ConnectionError' : 'requests.exceptions.ConnectionError',
        message: 'upstream refused',
      });

      // context fields stay attributes; the traceback is not repeated there
      expect(failure.attributes).toMatchObject({ order_id: 7, user: 'ann' });
      expect(JSON.stringify(failure.attributes)).not.toContain('most recent call last');
      expect(failure.logger).toBe(v.logger);

      expect(checkpoint.logger).toBe(v.logger);
      expect(checkpoint.exception).toBeUndefined();
      expect(checkpoint.attributes).toMatchObject({ order_id: 7 });
      expect(JSON.stringify(checkpoint.attributes)).not.toContain('most recent call last');
      if (v.stack) {
        expect(checkpoint.message.split('\n').slice(0, 2)).toEqual(['checkpoint', 'Stack (most recent call last):']);
        expect(checkpoint.message.match(SCENARIO_FRAME_RE)).toHaveLength(1);
      } else {
        expect(checkpoint.message).toBe('checkpoint');
      }
    });
  }
});
