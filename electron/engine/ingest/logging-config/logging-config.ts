// A Python project's logging configuration — a `logging.conf` for logging.config.fileConfig (INI),
// or a dictConfig in YAML or JSON — read for what Loupe needs: the files its FileHandler,
// RotatingFileHandler, TimedRotatingFileHandler and WatchedFileHandler handlers write, each with
// the format id of its formatter (built from the format string and datefmt). Handlers that don't
// write a file are listed with the Loupe source that takes their records instead. A config that
// can't be read is a LoggingConfigError with its line and column, as the user would look for it.
import { isAbsolute, resolve } from 'node:path';
import { isMap, LineCounter, parseDocument, type Node } from 'yaml';
import { compileFormatId, formatIdOf } from '../files/parse/format-string/format-id.js';
import { FormatStringError } from '../files/parse/format-string/python-format.js';
import { parsePyLiteral, PyLiteralError, type PyValue } from './python-literal.js';

export interface LoggingConfigHandler {
  /** The handler's name in the config. */
  name: string;
  /** Its class as the config names it (`logging.handlers.RotatingFileHandler`). */
  className: string;
  /** The file it writes, absolute; absent when it writes no file. */
  path?: string;
  /** The format id its files are read with; null: Loupe detects their format. */
  format: string | null;
  formatter?: string;
  /** Why it is not a file source (and which Loupe source fits), or why its format is detected. */
  note?: string;
  /** 1-based line of the handler in the config. */
  line: number;
}

export class LoggingConfigError extends Error {
  constructor(
    readonly problem: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(`${line}:${col}: ${problem}`);
  }
}

export interface LoggingConfigOptions {
  /** Where relative file names are resolved (the program's working directory); default: the config's folder. */
  baseDir: string;
  /** The config's file name, to tell INI from YAML/JSON by its extension. */
  fileName?: string;
}

const FILE_HANDLERS = new Set(['FileHandler', 'RotatingFileHandler', 'TimedRotatingFileHandler', 'WatchedFileHandler']);

/** Where a handler that writes no file should point instead. */
const OTHER_SOURCES: Record<string, string> = {
  StreamHandler: 'it writes to a stream (stderr/stdout), not a file: redirect it to a file and add that, or add a FileHandler',
  SysLogHandler: 'it sends to syslog: start Loupe with --syslog-port and point the handler at it',
  SocketHandler: 'it sends pickled records over TCP: start Loupe with --python-logging-port and point the handler at it',
  DatagramHandler: 'it sends pickled records over UDP: start Loupe with --python-logging-port and point the handler at it',
  HTTPHandler: "it posts records over HTTP: point it at Loupe's API port (see Python's logging handlers in the README)",
  NullHandler: 'it writes nothing',
  QueueHandler: 'it hands records to a queue: add the handlers its QueueListener writes to',
  MemoryHandler: 'it buffers records for another handler: add that handler',
  SMTPHandler: 'it sends mail',
  NTEventLogHandler: 'it writes to the Windows event log',
};

/** `logging.handlers.RotatingFileHandler`, `handlers.RotatingFileHandler` → `RotatingFileHandler`. */
function shortClass(className: string): string {
  const dot = className.lastIndexOf('.');
  return dot === -1 ? className : className.slice(dot + 1);
}

function isStdlibClass(className: string): boolean {
  return /^(?:logging\.)?(?:handlers\.)?\w+$/.test(className);
}

interface FormatterInfo {
  format: string | null;
  note?: string;
}

/** A stdlib Formatter's format id, checked; a custom formatter class leaves the format to detection. */
function formatterInfo(
  name: string,
  fmt: unknown,
  datefmt: unknown,
  style: unknown,
  custom: string | undefined,
  at: { line: number; col: number },
): FormatterInfo {
  if (custom !== undefined && !/^(?:logging\.)?Formatter$/.test(custom)) {
    return { format: null, note: `formatter ${name} is ${custom}: Loupe detects its files' format (JSON formatters are read as JSON)` };
  }
  const s = style ?? '%';
  if (s !== '%' && s !== '{' && s !== '$')
    throw new LoggingConfigError(`formatter ${name}: style "${String(s)}" is not %, { or $`, at.line, at.col);
  if (fmt !== undefined && fmt !== null && typeof fmt !== 'string')
    throw new LoggingConfigError(`formatter ${name}: format is not text`, at.line, at.col);
  if (datefmt !== undefined && datefmt !== null && typeof datefmt !== 'string')
    throw new LoggingConfigError(`formatter ${name}: datefmt is not text`, at.line, at.col);
  // Formatter(None) and a handler without formatter write the bare message: nothing to build a parser from.
  if (fmt === undefined || fmt === null || fmt === '%(message)s' || fmt === '{message}' || fmt === '$message')
    return { format: null, note: `formatter ${name} writes the bare message: Loupe detects the format` };
  const id = formatIdOf({ library: 'python', fmt, style: s, ...(typeof datefmt === 'string' ? { datefmt } : {}) });
  try {
    compileFormatId(id);
  } catch (err) {
    if (!(err instanceof FormatStringError)) throw err;
    const col = err.field === 'fmt' ? at.col + err.col : at.col;
    throw new LoggingConfigError(`formatter ${name}: ${err.field === 'datefmt' ? '' : 'format: '}${err.message}`, at.line, col);
  }
  return { format: id };
}

function handlerPlan(
  name: string,
  className: string,
  filename: PyValue | undefined,
  formatter: FormatterInfo | undefined,
  formatterName: string | undefined,
  line: number,
  baseDir: string,
): LoggingConfigHandler {
  const short = shortClass(className);
  const plan: LoggingConfigHandler = { name, className, format: formatter?.format ?? null, line };
  if (formatterName !== undefined) plan.formatter = formatterName;
  if (!isStdlibClass(className) || !FILE_HANDLERS.has(short)) {
    plan.format = null;
    plan.note = !isStdlibClass(className)
      ? `${className} is not a stdlib handler: Loupe can't tell what it writes`
      : (OTHER_SOURCES[short] ?? `${short} writes no file Loupe can read`);
    return plan;
  }
  if (typeof filename !== 'string' || filename === '') {
    plan.format = null;
    plan.note = 'its file name is not a plain string in the config';
    return plan;
  }
  plan.path = isAbsolute(filename) ? filename : resolve(baseDir, filename);
  if (formatter?.note !== undefined) plan.note = formatter.note;
  else if (formatter === undefined) plan.note = 'no formatter: it writes the bare message; Loupe detects the format';
  return plan;
}

/** Read a logging config; INI (fileConfig) or YAML/JSON (dictConfig) by extension, else by content. */
export function readLoggingConfig(text: string, opts: LoggingConfigOptions): LoggingConfigHandler[] {
  const ext = opts.fileName?.toLowerCase().match(/\.(\w+)$/)?.[1];
  const ini = ext === 'ini' || ext === 'conf' || ext === 'cfg' || (ext === undefined && /^\s*\[\w+\]/m.test(text) && !/^\s*[{]/.test(text));
  return ini ? readFileConfig(text, opts.baseDir) : readDictConfig(text, opts.baseDir);
}

// ---- fileConfig (configparser INI) ----

interface IniOption {
  value: string;
  line: number;
  col: number;
}
type IniSection = { line: number; options: Map<string, IniOption> };

/** configparser's reading: `key = value` or `key: value`, indented continuation lines, # and ; comments, lowercased keys. */
function parseIni(text: string): Map<string, IniSection> {
  const sections = new Map<string, IniSection>();
  let current: IniSection | undefined;
  let last: IniOption | undefined;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      if (trimmed === '') last = undefined;
      continue;
    }
    if (/^\s/.test(raw) && last !== undefined) {
      last.value += '\n' + trimmed;
      continue;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(trimmed);
    if (header !== null) {
      const name = header[1]!;
      if (sections.has(name)) throw new LoggingConfigError(`section [${name}] appears twice`, n + 1, 1);
      current = { line: n + 1, options: new Map() };
      sections.set(name, current);
      last = undefined;
      continue;
    }
    const m = /^([^=:]*?)\s*[=:]\s*(.*)$/.exec(raw);
    if (m === null || m[1]!.trim() === '') throw new LoggingConfigError(`"${trimmed}" is not a key = value line`, n + 1, 1);
    if (current === undefined) throw new LoggingConfigError('a key before the first [section]', n + 1, 1);
    last = { value: m[2]!.trim(), line: n + 1, col: raw.length - m[2]!.length + 1 };
    current.options.set(m[1]!.trim().toLowerCase(), last);
  }
  return sections;
}

/** configparser's BasicInterpolation: `%(key)s` from the section and [DEFAULT], `%%` a percent sign. */
function interpolate(opt: IniOption, section: IniSection, defaults: IniSection | undefined, depth = 0): string {
  return opt.value.replace(/%(%|\((\w+)\)s)/g, (whole, _p, key: string | undefined) => {
    if (key === undefined) return '%';
    const ref = section.options.get(key.toLowerCase()) ?? defaults?.options.get(key.toLowerCase());
    if (ref === undefined || depth > 10)
      throw new LoggingConfigError(`${whole}: no key "${key}" in this section or [DEFAULT]`, opt.line, opt.col);
    return interpolate(ref, section, defaults, depth + 1);
  });
}

function keysOf(sections: Map<string, IniSection>, name: string): string[] {
  const value = sections.get(name)?.options.get('keys')?.value ?? '';
  return value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
}

function readFileConfig(text: string, baseDir: string): LoggingConfigHandler[] {
  const sections = parseIni(text);
  if (!sections.has('handlers') && !sections.has('formatters'))
    throw new LoggingConfigError('no [handlers] or [formatters] section: not a logging.config.fileConfig file', 1, 1);
  const defaults = sections.get('DEFAULT');
  const formatters = new Map<string, FormatterInfo>();
  for (const name of keysOf(sections, 'formatters')) {
    const s = sections.get(`formatter_${name}`);
    if (s === undefined)
      throw new LoggingConfigError(`[formatters] names ${name} but there is no [formatter_${name}]`, sections.get('formatters')!.line, 1);
    const fmt = s.options.get('format');
    const at = fmt ?? { line: s.line, col: 1 };
    formatters.set(
      name,
      formatterInfo(name, fmt?.value, s.options.get('datefmt')?.value, s.options.get('style')?.value, s.options.get('class')?.value, at),
    );
  }
  const plans: LoggingConfigHandler[] = [];
  for (const name of keysOf(sections, 'handlers')) {
    const s = sections.get(`handler_${name}`);
    if (s === undefined)
      throw new LoggingConfigError(`[handlers] names ${name} but there is no [handler_${name}]`, sections.get('handlers')!.line, 1);
    const cls = s.options.get('class');
    if (cls === undefined) throw new LoggingConfigError(`[handler_${name}] has no class`, s.line, 1);
    const formatterName = s.options.get('formatter')?.value || undefined;
    const formatter = formatterName !== undefined ? formatters.get(formatterName) : undefined;
    if (formatterName !== undefined && formatter === undefined) {
      const f = s.options.get('formatter')!;
      throw new LoggingConfigError(`handler ${name}: formatter ${formatterName} is not in [formatters] keys`, f.line, f.col);
    }
    let filename: PyValue | undefined;
    if (FILE_HANDLERS.has(shortClass(cls.value))) {
      filename = literalOption(s, defaults, 'kwargs', (v) =>
        typeof v === 'object' && v !== null && !Array.isArray(v) && !('name' in v) ? v['filename'] : undefined,
      );
      filename ??= literalOption(s, defaults, 'args', (v) => (Array.isArray(v) ? v[0] : undefined));
    }
    plans.push(handlerPlan(name, cls.value, filename, formatter, formatterName, s.line, baseDir));
  }
  return plans;
}

/** A literal option (`args`, `kwargs`) after interpolation, picked at; a bad literal is a problem at its column. */
function literalOption(
  s: IniSection,
  defaults: IniSection | undefined,
  key: string,
  pick: (v: PyValue) => PyValue | undefined,
): PyValue | undefined {
  const opt = s.options.get(key);
  if (opt === undefined) return undefined;
  const value = interpolate(opt, s, defaults);
  try {
    return pick(parsePyLiteral(value));
  } catch (err) {
    if (err instanceof PyLiteralError) throw new LoggingConfigError(`${key}: ${err.message}`, opt.line, opt.col + err.offset);
    throw err;
  }
}

// ---- dictConfig (YAML or JSON) ----

function readDictConfig(text: string, baseDir: string): LoggingConfigHandler[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const first = doc.errors[0];
  if (first !== undefined) {
    const pos = lines.linePos(first.pos[0]);
    throw new LoggingConfigError(first.message.split('\n')[0]!, pos.line, pos.col);
  }
  const posOf = (path: (string | number)[]): { line: number; col: number } => {
    const node = doc.getIn(path, true) as Node | undefined;
    return node?.range ? lines.linePos(node.range[0]) : { line: 1, col: 1 };
  };
  if (!isMap(doc.contents)) throw new LoggingConfigError('a dictConfig is a mapping (version, formatters, handlers…)', 1, 1);
  const config = doc.toJS() as Record<string, unknown>;
  if (config['version'] !== 1) {
    const at = posOf(['version']);
    throw new LoggingConfigError('version: dictConfig needs "version: 1"', at.line, at.col);
  }
  const formatters = new Map<string, FormatterInfo>();
  for (const [name, f] of Object.entries(mapOf(config['formatters']))) {
    const spec = mapOf(f);
    const custom = typeof spec['()'] === 'string' ? spec['()'] : typeof spec['class'] === 'string' ? spec['class'] : undefined;
    const fmtPath = 'format' in spec ? ['formatters', name, 'format'] : ['formatters', name];
    formatters.set(name, formatterInfo(name, spec['format'] ?? spec['fmt'], spec['datefmt'], spec['style'], custom, posOf(fmtPath)));
  }
  const plans: LoggingConfigHandler[] = [];
  for (const [name, h] of Object.entries(mapOf(config['handlers']))) {
    const spec = mapOf(h);
    const at = posOf(['handlers', name]);
    const cls = typeof spec['class'] === 'string' ? spec['class'] : typeof spec['()'] === 'string' ? spec['()'] : undefined;
    if (cls === undefined) throw new LoggingConfigError(`handler ${name} has no class`, at.line, at.col);
    const formatterName = typeof spec['formatter'] === 'string' ? spec['formatter'] : undefined;
    const formatter = formatterName !== undefined ? formatters.get(formatterName) : undefined;
    if (formatterName !== undefined && formatter === undefined) {
      const f = posOf(['handlers', name, 'formatter']);
      throw new LoggingConfigError(`handler ${name}: no formatter named ${formatterName}`, f.line, f.col);
    }
    plans.push(handlerPlan(name, cls, spec['filename'] as PyValue | undefined, formatter, formatterName, at.line, baseDir));
  }
  return plans;
}

function mapOf(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
