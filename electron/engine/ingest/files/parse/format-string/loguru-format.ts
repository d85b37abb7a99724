// loguru format strings (`logger.add(path, format="…")`) read into a line template: `{time:…}` with
// loguru's own tokens (YYYY-MM-DD HH:mm:ss.SSS, ZZ, X…) or strftime directives, `{level}`,
// `{name}`, `{function}`, `{line}`, `{extra[key]}`…; colour markup (`<green>…</green>`, `<level>`)
// is dropped as loguru drops it when writing to a file.
import type { FormatDef } from '../format.js';
import { FormatStringError } from './python-format.js';
import { compileTemplate, templateProblem, type FieldToken, type TemplateToken } from './template.js';
import { compileTime, pushLiteral as pushTimeLiteral, strftimeParts, type TimePart } from './time-pattern.js';

type FieldInfo = Pick<FieldToken, 'role' | 'type'> & { attribute?: string };

/** The record's keys a format names, with their sub-keys (`{level.no}`, `{thread.name}`). */
const LOGURU_FIELDS: Record<string, FieldInfo> = {
  time: { role: 'time', type: 'text' },
  level: { role: 'level', type: 'word' },
  'level.name': { role: 'level', type: 'word' },
  'level.no': { role: 'levelno', type: 'number' },
  'level.icon': { role: 'attribute', type: 'word', attribute: 'icon' },
  message: { role: 'message', type: 'text' },
  name: { role: 'logger', type: 'text' },
  function: { role: 'attribute', type: 'word', attribute: 'function' },
  line: { role: 'attribute', type: 'number', attribute: 'line' },
  module: { role: 'attribute', type: 'word', attribute: 'module' },
  file: { role: 'attribute', type: 'word', attribute: 'file' },
  'file.name': { role: 'attribute', type: 'word', attribute: 'file' },
  'file.path': { role: 'attribute', type: 'text', attribute: 'path' },
  process: { role: 'attribute', type: 'number', attribute: 'process' },
  'process.id': { role: 'attribute', type: 'number', attribute: 'process' },
  'process.name': { role: 'attribute', type: 'text', attribute: 'processName' },
  thread: { role: 'attribute', type: 'number', attribute: 'thread' },
  'thread.id': { role: 'attribute', type: 'number', attribute: 'thread' },
  'thread.name': { role: 'attribute', type: 'text', attribute: 'threadName' },
  elapsed: { role: 'attribute', type: 'text', attribute: 'elapsed' },
  extra: { role: 'attribute', type: 'text', attribute: 'extra' },
};

/** loguru's time tokens, longest first so `YYYY` wins over `YY`. */
const TIME_TOKEN_RE = /\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|DDDD|DDD|DD|D|dddd|ddd|d|E|HH|H|hh|h|mm|m|ss|s|S{1,6}|X|x|ZZ|Z|zz|A|Q/g;

function loguruTimeParts(spec: string): TimePart[] {
  const parts: TimePart[] = [];
  let i = 0;
  TIME_TOKEN_RE.lastIndex = 0;
  for (let m = TIME_TOKEN_RE.exec(spec); m !== null; m = TIME_TOKEN_RE.exec(spec)) {
    if (m.index > i) pushTimeLiteral(parts, spec.slice(i, m.index));
    i = m.index + m[0].length;
    const tok = m[0];
    if (m[1] !== undefined) {
      pushTimeLiteral(parts, m[1]);
      continue;
    }
    if (tok.startsWith('S')) {
      parts.push({ kind: 'fraction', digits: tok.length });
      continue;
    }
    const map: Record<string, TimePart> = {
      YYYY: { kind: 'year4' },
      YY: { kind: 'year2' },
      MMMM: { kind: 'monthName' },
      MMM: { kind: 'monthName' },
      MM: { kind: 'month', digits: 2 },
      M: { kind: 'month' },
      DDDD: { kind: 'dayOfYear' },
      DD: { kind: 'day', digits: 2 },
      D: { kind: 'day' },
      dddd: { kind: 'weekday' },
      ddd: { kind: 'weekday' },
      HH: { kind: 'hour24', digits: 2 },
      H: { kind: 'hour24' },
      hh: { kind: 'hour12', digits: 2 },
      h: { kind: 'hour12' },
      mm: { kind: 'minute', digits: 2 },
      m: { kind: 'minute' },
      ss: { kind: 'second', digits: 2 },
      s: { kind: 'second' },
      X: { kind: 'epochSeconds' },
      x: { kind: 'epochMicros' },
      ZZ: { kind: 'zone' },
      Z: { kind: 'zone' },
      zz: { kind: 'zoneName' },
      A: { kind: 'ampm' },
    };
    const part = map[tok];
    if (part === undefined) throw new FormatStringError(`time token "${tok}" (day of year, weekday number, quarter) can't be read back`, 0);
    parts.push({ ...part });
  }
  if (i < spec.length) pushTimeLiteral(parts, spec.slice(i));
  return parts;
}

/** `{time}` with no spec: loguru's default, `2026-11-30T10:00:00.123456+0000`. */
const DEFAULT_TIME_SPEC = 'YYYY-MM-DDTHH:mm:ss.SSSSSSZZ';

function timeOf(spec: string, col: number): FieldToken['time'] {
  const layout = (spec === '' ? DEFAULT_TIME_SPEC : spec).replace(/!UTC$/, '');
  if (layout.includes('%')) {
    const parsed = strftimeParts(layout);
    if ('error' in parsed) throw new FormatStringError(parsed.error, col + parsed.col);
    return compileTime(parsed.parts);
  }
  try {
    return compileTime(loguruTimeParts(layout));
  } catch (err) {
    if (err instanceof FormatStringError) throw new FormatStringError(err.message, col);
    throw err;
  }
}

/** Colour markup: `<green>`, `</green>`, `</>`, `<level>`, `<fg #ff0000>`, `<bold>`… */
const MARKUP_RE = /<\/?[a-zA-Z0-9 #,._()-]*>/y;

export function loguruFormatTokens(fmt: string): TemplateToken[] {
  const tokens: TemplateToken[] = [];
  let lit = '';
  const flush = (): void => {
    if (lit.length === 0) return;
    const last = tokens[tokens.length - 1];
    if (last?.kind === 'literal') last.text += lit;
    else tokens.push({ kind: 'literal', text: lit });
    lit = '';
  };
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c === '\\' && fmt[i + 1] === '<') {
      lit += '<';
      i++;
      continue;
    }
    if (c === '<') {
      MARKUP_RE.lastIndex = i;
      const m = MARKUP_RE.exec(fmt);
      if (m !== null) {
        i += m[0].length - 1;
        continue;
      }
    }
    if ((c === '{' || c === '}') && fmt[i + 1] === c) {
      lit += c;
      i++;
      continue;
    }
    if (c !== '{') {
      lit += c;
      continue;
    }
    const close = fmt.indexOf('}', i);
    if (close === -1) throw new FormatStringError('"{" is not closed', i);
    const inner = fmt.slice(i + 1, close);
    const colon = inner.indexOf(':');
    const key = colon === -1 ? inner : inner.slice(0, colon);
    const spec = colon === -1 ? '' : inner.slice(colon + 1);
    flush();
    i = close;
    // loguru appends the traceback after the message itself ("\n{exception}"): nothing on the line.
    if (key === 'exception') continue;
    const extra = /^extra\[["']?(\w+)["']?\]$|^extra\.(\w+)$/.exec(key);
    const info: FieldInfo | undefined = extra ? { role: 'attribute', type: 'text', attribute: extra[1] ?? extra[2] } : LOGURU_FIELDS[key];
    if (info === undefined) {
      throw new FormatStringError(
        `unknown field "{${key}}": not a loguru record key (time, level, message, name, function, line, module, file, process, thread, elapsed, extra[…])`,
        i - inner.length - 1,
      );
    }
    const t: FieldToken = { kind: 'field', name: key, role: info.role, type: info.type };
    if (info.attribute !== undefined) t.attribute = info.attribute;
    if (info.role === 'time') t.time = timeOf(spec, i - inner.length + colon + 1);
    else if (spec !== '') {
      const s = /^(?:(.)?([<>=^]))?[+\- ]?#?0?(\d*)/.exec(spec);
      if (s?.[3]) {
        t.width = Number(s[3]);
        t.align = s[2] === '>' ? 'right' : s[2] === '^' ? 'center' : s[2] === '<' ? 'left' : info.type === 'number' ? 'right' : 'left';
      }
    }
    tokens.push(t);
  }
  flush();
  const problem = templateProblem(tokens);
  if (problem !== undefined) throw new FormatStringError(problem, 0);
  return tokens;
}

export function loguruFormat(id: string, fmt: string): FormatDef {
  const short = fmt.length > 60 ? `${fmt.slice(0, 57)}…` : fmt;
  return compileTemplate(id, `loguru format ${short}`, loguruFormatTokens(fmt));
}
