// Python stdlib `logging`: the `%(asctime)s` families (the hot path) and basicConfig's default.
import type { FormatDef, FormatRecord } from '../format.js';
import { severityOfName } from '../levels.js';
import { parseIsoAt, parsedEnd } from '../time.js';

/** Level names Python writes (plus TRACE/SUCCESS that libraries register); uppercase only. */
const PYTHON_LEVELS = new Map<string, number>();
for (const name of ['NOTSET', 'TRACE', 'DEBUG', 'INFO', 'SUCCESS', 'WARNING', 'WARN', 'ERROR', 'CRITICAL', 'FATAL']) {
  PYTHON_LEVELS.set(name, severityOfName(name) ?? 0);
}

export function pythonLevel(text: string): number | undefined {
  return PYTHON_LEVELS.get(text);
}

function record(ts: number, level: string, sev: number, logger: string | undefined, message: string): FormatRecord {
  const rec: FormatRecord = { ts, severity: sev, severityText: level, message };
  if (logger !== undefined && logger.length > 0) rec.logger = logger;
  return rec;
}

/**
 * `<asctime> <rest>` where rest is one of
 *   `LEVEL name: msg`                       (the common family)
 *   `LEVEL name msg`                        (ISO-with-zone variant)
 *   `- name - LEVEL - msg`                  (logging HOWTO)
 *   `[LEVEL] name: msg`                     (bracketed)
 *   `LEVEL   [pid:thread] name (file:line) msg` (verbose; also log4j's `LEVEL [thread] logger: msg`)
 * Hand-written with indexOf: this runs once per line of the most common Python log files.
 */
export function parseAsctimeLine(line: string): FormatRecord | undefined {
  const c0 = line.charCodeAt(0);
  if (c0 < 48 || c0 > 57 || line.length < 21) return undefined;
  const ts = parseIsoAt(line, 0);
  if (ts !== ts) return undefined;
  let i = parsedEnd;
  if (line.charCodeAt(i) !== 32) return undefined;
  i++;
  const c = line.charCodeAt(i);
  if (c === 45 /* - */ && line.charCodeAt(i + 1) === 32) {
    const nameEnd = line.indexOf(' - ', i + 2);
    if (nameEnd === -1) return undefined;
    const levelEnd = line.indexOf(' - ', nameEnd + 3);
    const level = levelEnd === -1 ? line.slice(nameEnd + 3) : line.slice(nameEnd + 3, levelEnd);
    const sev = PYTHON_LEVELS.get(level);
    if (sev === undefined) return undefined;
    return record(ts, level, sev, line.slice(i + 2, nameEnd), levelEnd === -1 ? '' : line.slice(levelEnd + 3));
  }
  if (c === 91 /* [ */) {
    const close = line.indexOf(']', i);
    if (close === -1) return undefined;
    const level = line.slice(i + 1, close);
    const sev = PYTHON_LEVELS.get(level);
    if (sev === undefined) return undefined;
    return loggerAndMessage(line, close + 2, ts, level, sev);
  }
  let levelEnd = line.indexOf(' ', i);
  if (levelEnd === -1) levelEnd = line.length;
  const level = line.slice(i, levelEnd);
  const sev = PYTHON_LEVELS.get(level);
  if (sev === undefined) return undefined;
  let j = levelEnd;
  while (line.charCodeAt(j) === 32) j++;
  let attrs: Record<string, unknown> | undefined;
  if (line.charCodeAt(j) === 91 /* [ */) {
    const close = line.indexOf('] ', j);
    if (close !== -1) {
      attrs = bracketAttrs(line.slice(j + 1, close));
      j = close + 2;
    }
  }
  const rec = loggerAndMessage(line, j, ts, level, sev);
  if (attrs !== undefined) rec.attributes = Object.assign(attrs, rec.attributes);
  return rec;
}

/** `[11668:MainThread]` (process:thread) or log4j's `[main]` (thread). */
function bracketAttrs(inner: string): Record<string, unknown> {
  const colon = inner.indexOf(':');
  if (colon > 0 && /^\d+$/.test(inner.slice(0, colon))) {
    return { process: Number(inner.slice(0, colon)), thread: inner.slice(colon + 1) };
  }
  return { thread: inner };
}

/** From j: `name: msg`, `name (file:line) msg`, `name msg`, or just `msg`. */
function loggerAndMessage(line: string, j: number, ts: number, level: string, sev: number): FormatRecord {
  const sp = line.indexOf(' ', j);
  if (sp === -1) {
    // `LEVEL name` with an empty message, or a bare one-word message
    const token = line.slice(j);
    if (token.endsWith(':')) return record(ts, level, sev, token.slice(0, -1), '');
    return record(ts, level, sev, undefined, token);
  }
  if (line.charCodeAt(sp - 1) === 58 /* : */) return record(ts, level, sev, line.slice(j, sp - 1), line.slice(sp + 1));
  const logger = line.slice(j, sp);
  if (line.charCodeAt(sp + 1) === 40 /* ( */) {
    const close = line.indexOf(') ', sp + 1);
    const loc = close === -1 ? '' : line.slice(sp + 2, close);
    const colon = loc.lastIndexOf(':');
    if (colon > 0 && loc.indexOf(' ') === -1) {
      const rec = record(ts, level, sev, logger, line.slice(close + 2));
      rec.attributes = { file: loc.slice(0, colon), line: Number(loc.slice(colon + 1)) || loc.slice(colon + 1) };
      return rec;
    }
  }
  return record(ts, level, sev, logger, line.slice(sp + 1));
}

export const pythonLogging: FormatDef = {
  id: 'python',
  name: 'Python logging (asctime)',
  parse: parseAsctimeLine,
};

/** `LEVEL:name:message` — logging.BASIC_FORMAT, what basicConfig() writes without format=. */
export const pythonBasic: FormatDef = {
  id: 'python-basic',
  name: 'Python logging (basicConfig default)',
  parse(line) {
    const c = line.charCodeAt(0);
    if (c < 65 || c > 90) return undefined;
    const p = line.indexOf(':');
    if (p < 4 || p > 8) return undefined;
    const level = line.slice(0, p);
    const sev = PYTHON_LEVELS.get(level);
    if (sev === undefined) return undefined;
    const q = line.indexOf(':', p + 1);
    if (q === -1 || q === p + 1) return undefined;
    const logger = line.slice(p + 1, q);
    if (logger.indexOf(' ') !== -1) return undefined;
    return { ts: undefined, severity: sev, severityText: level, logger, message: line.slice(q + 1) };
  },
};
