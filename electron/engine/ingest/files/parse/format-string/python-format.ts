// Python's logging.Formatter format strings (`%`, `{` and `$` styles) with their `datefmt`, read
// into a line template: each LogRecord attribute becomes a field of the right type; asctime is
// read with the datefmt (Formatter.formatTime: time.strftime, or `%Y-%m-%d %H:%M:%S,mmm` without
// one), levelname is the level, name the logger, message the message. A field Python's LogRecord
// doesn't have is refused by name, as Python itself would fail on it.
import { compileTemplate, templateProblem, type FieldToken, type TemplateToken } from './template.js';
import { compileTime, strftimeParts, type TimeMatcher } from './time-pattern.js';
import type { FormatDef } from '../format.js';

export type PythonStyle = '%' | '{' | '$';

export interface PythonFormatSpec {
  fmt: string;
  datefmt?: string;
  style?: PythonStyle;
}

/** A format string that can't be read, with where (0-based column in `fmt` or `datefmt`). */
export class FormatStringError extends Error {
  constructor(
    message: string,
    readonly col: number,
    readonly field: 'fmt' | 'datefmt' = 'fmt',
  ) {
    super(message);
  }
}

type FieldInfo = Pick<FieldToken, 'role' | 'type'>;

/** The LogRecord attributes a format string may name (Python 3.12's list, `taskName` included). */
const LOG_RECORD_FIELDS: Record<string, FieldInfo> = {
  asctime: { role: 'time', type: 'text' },
  created: { role: 'created', type: 'number' },
  msecs: { role: 'msecs', type: 'number' },
  relativeCreated: { role: 'attribute', type: 'number' },
  levelname: { role: 'level', type: 'word' },
  levelno: { role: 'levelno', type: 'number' },
  name: { role: 'logger', type: 'text' },
  message: { role: 'message', type: 'text' },
  msg: { role: 'message', type: 'text' },
  pathname: { role: 'attribute', type: 'text' },
  filename: { role: 'attribute', type: 'word' },
  module: { role: 'attribute', type: 'word' },
  funcName: { role: 'attribute', type: 'word' },
  lineno: { role: 'attribute', type: 'number' },
  process: { role: 'attribute', type: 'number' },
  processName: { role: 'attribute', type: 'text' },
  thread: { role: 'attribute', type: 'number' },
  threadName: { role: 'attribute', type: 'text' },
  taskName: { role: 'attribute', type: 'text' },
};

/** What Formatter.formatTime writes without a datefmt: `2026-11-30 10:00:00,123` (msecs appended). */
const DEFAULT_ASCTIME = '%Y-%m-%d %H:%M:%S,%%MSECS';

function timeMatcher(datefmt: string | undefined): TimeMatcher {
  const layout = datefmt ?? DEFAULT_ASCTIME;
  const parsed = strftimeParts(layout.replace('%%MSECS', ''));
  if ('error' in parsed) throw new FormatStringError(parsed.error, parsed.col, 'datefmt');
  if (datefmt === undefined) parsed.parts.push({ kind: 'fraction', digits: 3 });
  return compileTime(parsed.parts);
}

function field(name: string, col: number, time: () => TimeMatcher, width?: number, align?: FieldToken['align']): FieldToken {
  const info = LOG_RECORD_FIELDS[name];
  if (info === undefined) {
    throw new FormatStringError(
      `unknown field "${name}": not a LogRecord attribute (Python fails on it too, unless a Filter or extra= adds it to every record)`,
      col,
    );
  }
  const t: FieldToken = { kind: 'field', name, ...info };
  if (info.role === 'attribute') t.attribute = name;
  if (info.role === 'time') t.time = time();
  if (width !== undefined && width > 0) {
    t.width = width;
    t.align = align ?? 'right';
  }
  return t;
}

function pushLiteral(tokens: TemplateToken[], text: string): void {
  if (text.length === 0) return;
  const last = tokens[tokens.length - 1];
  if (last?.kind === 'literal') last.text += text;
  else tokens.push({ kind: 'literal', text });
}

/** `%(name)-8s`: flags, width, precision, conversion (PercentStyle's validation pattern). */
const PERCENT_RE = /%\((\w+)\)([#0+ -]*)(\*|\d+)?(?:\.(\*|\d+))?([diouxXeEfFgGcrsa%])/y;

function percentTokens(fmt: string, time: () => TimeMatcher): TemplateToken[] {
  const tokens: TemplateToken[] = [];
  for (let i = 0; i < fmt.length;) {
    const p = fmt.indexOf('%', i);
    if (p === -1) {
      pushLiteral(tokens, fmt.slice(i));
      break;
    }
    pushLiteral(tokens, fmt.slice(i, p));
    if (fmt[p + 1] === '%') {
      pushLiteral(tokens, '%');
      i = p + 2;
      continue;
    }
    PERCENT_RE.lastIndex = p;
    const m = PERCENT_RE.exec(fmt);
    if (m === null) throw new FormatStringError('"%" starts no %(field)s here (write %% for a percent sign)', p);
    const width = m[3] !== undefined && m[3] !== '*' ? Number(m[3]) : undefined;
    const left = (m[2] ?? '').includes('-');
    tokens.push(field(m[1]!, p, time, width, left ? 'left' : 'right'));
    i = p + m[0].length;
  }
  return tokens;
}

/** `{name!r:<8}`; a number's default alignment is right, text's left (str.format's rules). */
const BRACE_SPEC_RE = /^(?:(.)?([<>=^]))?[+\- ]?#?0?(\d*)[,_]?(?:\.\d+)?([bcdeEfFgGnosxX%]?)$/;

function braceTokens(fmt: string, time: () => TimeMatcher): TemplateToken[] {
  const tokens: TemplateToken[] = [];
  let lit = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if ((c === '{' || c === '}') && fmt[i + 1] === c) {
      lit += c;
      i++;
      continue;
    }
    if (c === '}') throw new FormatStringError('a single "}" (write }} for a brace)', i);
    if (c !== '{') {
      lit += c;
      continue;
    }
    const close = fmt.indexOf('}', i);
    if (close === -1) throw new FormatStringError('"{" is not closed', i);
    const inner = fmt.slice(i + 1, close);
    const m = /^(\w+)(?:!([rsa]))?(?::(.*))?$/.exec(inner);
    if (m === null) throw new FormatStringError(`{${inner}} is not a {field[!conversion][:spec]}`, i);
    const spec = m[3] ?? '';
    const s = BRACE_SPEC_RE.exec(spec);
    if (s === null) throw new FormatStringError(`"${spec}" is not a format spec`, i);
    pushLiteral(tokens, lit);
    lit = '';
    const name = m[1]!;
    const numeric = LOG_RECORD_FIELDS[name]?.type === 'number';
    const align = s[2] === '<' ? 'left' : s[2] === '^' ? 'center' : s[2] === '>' || s[2] === '=' ? 'right' : numeric ? 'right' : 'left';
    tokens.push(field(name, i, time, s[3] ? Number(s[3]) : undefined, align));
    i = close;
  }
  pushLiteral(tokens, lit);
  return tokens;
}

function dollarTokens(fmt: string, time: () => TimeMatcher): TemplateToken[] {
  const tokens: TemplateToken[] = [];
  const re = /\$(?:(\$)|(\w+)|\{(\w+)\})/g;
  let i = 0;
  for (let m = re.exec(fmt); m !== null; m = re.exec(fmt)) {
    pushLiteral(tokens, fmt.slice(i, m.index));
    if (m[1] !== undefined) pushLiteral(tokens, '$');
    else tokens.push(field((m[2] ?? m[3])!, m.index, time));
    i = m.index + m[0].length;
  }
  pushLiteral(tokens, fmt.slice(i));
  return tokens;
}

/** The line template of a Formatter; throws FormatStringError with the column of the problem. */
export function pythonFormatTokens(spec: PythonFormatSpec): TemplateToken[] {
  const style = spec.style ?? '%';
  let matcher: TimeMatcher | undefined;
  const time = (): TimeMatcher => (matcher ??= timeMatcher(spec.datefmt));
  const tokens = style === '%' ? percentTokens(spec.fmt, time) : style === '{' ? braceTokens(spec.fmt, time) : dollarTokens(spec.fmt, time);
  const problem = templateProblem(tokens);
  if (problem !== undefined) throw new FormatStringError(problem, 0);
  return tokens;
}

export function pythonFormat(id: string, spec: PythonFormatSpec): FormatDef {
  const short = spec.fmt.length > 60 ? `${spec.fmt.slice(0, 57)}…` : spec.fmt;
  return compileTemplate(id, `Python logging format ${short}`, pythonFormatTokens(spec));
}
