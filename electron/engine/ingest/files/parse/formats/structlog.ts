// structlog's renderers: JSONRenderer, ConsoleRenderer (with/without colours) and KeyValueRenderer.
// (LogfmtRenderer output is plain logfmt and is read by the logfmt format.)
import { hasAnsi, stripAnsi } from '../ansi.js';
import type { FormatDef, FormatRecord } from '../format.js';
import { foldTracebackAttributes, lastException } from '../exception.js';
import { liftWellKnown } from '../fields.js';
import { parseJsonObject, recordFromJson } from '../json-record.js';
import { kvValue, parseKv, type KvPair } from '../kv.js';
import { severityOfName } from '../levels.js';
import { parseIsoAt, parsedEnd, timeFromValue } from '../time.js';

/** JSONRenderer output: `event` is the message (and no `message` key, unlike python-json-logger). */
export const structlogJson: FormatDef = {
  id: 'structlog-json',
  name: 'structlog (JSON)',
  parse(line) {
    const obj = parseJsonObject(line);
    if (obj === undefined || typeof obj['event'] !== 'string' || 'message' in obj) return undefined;
    return recordFromJson(obj, { messageKeys: ['event'], loggerKeys: ['logger', 'logger_name'] });
  },
};

/** ConsoleRenderer pads the event to 30 columns before the key=value tail. */
const EVENT_PAD = 30;
const KEY_AT_RE = /[ \t]([A-Za-z_][\w.]*)=/g;
/** ConsoleRenderer writes the `logger` (or `logger_name`) key as `[name] ` between the event and the tail. */
const LOGGER_AFTER_EVENT_RE = / \[([^\s[\]]+)\] $/;
const COLOURED_LOGGER_RE = /\[\x1b\[34m\x1b\[1m([^\x1b]*)\x1b\[0m\] /;

interface ConsoleSplit {
  event: string;
  pairs: KvPair[];
  logger?: string;
}

/**
 * Split `event   [logger] k=v k2=v w` where values may hold spaces: the tail starts at the first
 * ` key=` past the event padding whose keys from there on are sorted (ConsoleRenderer sorts them).
 */
function splitConsoleTail(text: string): ConsoleSplit {
  return splitConsoleTailFrom(text, EVENT_PAD - 1, true);
}

/**
 * Take a `[logger]` off the end of `segment` (the event with the space that ends it). `padded`: the
 * segment starts the event, so the bracket follows the 30-column padding or an event at least that
 * long (an event of its own ending in `[x]` earlier stays in the message).
 */
function withLogger(segment: string, pairs: KvPair[], padded: boolean): ConsoleSplit {
  const m = LOGGER_AFTER_EVENT_RE.exec(segment);
  if (m !== null && m[1] !== undefined) {
    const at = m.index;
    if (!padded || at === EVENT_PAD || (at > EVENT_PAD && segment.charCodeAt(at - 1) !== 32)) {
      return { event: segment.slice(0, at).trimEnd(), pairs, logger: m[1] };
    }
  }
  return { event: segment.trimEnd(), pairs };
}

function splitConsoleTailFrom(text: string, from: number, padded: boolean): ConsoleSplit {
  const starts: { at: number; key: string }[] = [];
  KEY_AT_RE.lastIndex = from;
  for (let m = KEY_AT_RE.exec(text); m !== null; m = KEY_AT_RE.exec(text)) {
    starts.push({ at: m.index, key: m[1] ?? '' });
  }
  for (let s = 0; s < starts.length; s++) {
    let sorted = true;
    for (let k = s + 1; k < starts.length && sorted; k++) {
      if ((starts[k - 1]?.key ?? '') > (starts[k]?.key ?? '')) sorted = false;
    }
    if (!sorted) continue;
    const pairs: KvPair[] = [];
    for (let k = s; k < starts.length; k++) {
      const cur = starts[k];
      if (cur === undefined) continue;
      const end = starts[k + 1]?.at ?? text.length;
      pairs.push({ key: cur.key, value: text.slice(cur.at + cur.key.length + 2, end), quoted: false });
    }
    // the segment keeps the space before the first key: `[logger] ` ends with one
    return withLogger(text.slice(0, (starts[s]?.at ?? text.length) + 1), pairs, padded);
  }
  return withLogger(text, [], padded);
}

/** Coloured output delimits the event (bold) and each key (cyan) and value (magenta) exactly. */
function splitColouredTail(raw: string): ConsoleSplit | undefined {
  const evStart = raw.indexOf('\x1b[1m');
  if (evStart === -1) return undefined;
  const evEnd = raw.indexOf('\x1b[0m', evStart + 4);
  if (evEnd === -1) return undefined;
  return colouredTailAfter(raw.slice(evStart + 4, evEnd).trimEnd(), raw.slice(evEnd));
}

/** The logger (blue) and key (cyan) = value (magenta) pairs that follow a coloured event. */
function colouredTailAfter(event: string, tail: string): ConsoleSplit {
  const pairs: KvPair[] = [];
  const re = /\x1b\[36m([^\x1b]*)\x1b\[0m=\x1b\[35m([^\x1b]*)\x1b\[0m/g;
  for (let m = re.exec(tail); m !== null; m = re.exec(tail)) pairs.push({ key: m[1] ?? '', value: m[2] ?? '', quoted: false });
  const logger = COLOURED_LOGGER_RE.exec(tail)?.[1];
  return logger !== undefined ? { event, pairs, logger } : { event, pairs };
}

function consoleRecord(raw: string): FormatRecord | undefined {
  const line = stripAnsi(raw);
  let i = 0;
  let ts: number | undefined;
  const c0 = line.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    const t = parseIsoAt(line, 0);
    if (t !== t || line.charCodeAt(parsedEnd) !== 32) return undefined;
    ts = t;
    i = parsedEnd + 1;
  }
  if (line.charCodeAt(i) !== 91 /* [ */) return undefined;
  const close = line.indexOf('] ', i);
  if (close === -1) return undefined;
  // ConsoleRenderer pads the level to 9 columns inside the brackets; nginx's `[notice]` is not padded.
  if (close - i - 1 < 9) return undefined;
  const levelText = line.slice(i + 1, close).trimEnd();
  const sev = severityOfName(levelText);
  // ConsoleRenderer writes lowercase levels padded inside the brackets; Python's uppercase
  // `[ERROR]` is the bracketed stdlib format.
  if (sev === undefined || levelText !== levelText.toLowerCase()) return undefined;
  const rest = line.slice(close + 2);
  const split = (hasAnsi(raw) ? splitColouredTail(raw.slice(raw.indexOf('] ') + 2)) : undefined) ?? splitConsoleTail(rest);
  const rec: FormatRecord = { ts, severity: sev, severityText: levelText, message: split.event };
  if (split.logger !== undefined) rec.logger = split.logger;
  if (split.pairs.length > 0) {
    const attrs: Record<string, unknown> = {};
    for (const p of split.pairs) attrs[p.key] = kvValue(p);
    liftWellKnown(rec, attrs);
    if (Object.keys(attrs).length > 0) rec.attributes = attrs;
  }
  return rec;
}

const TRACE_START_RE = /^(?:\x1b\[[0-9;]*m)*(?:Traceback|Stack) \(most recent call last\):/;

/**
 * A multi-line event puts the key=value tail on the event's last line, not the first: find it on
 * the last line before any traceback (the tail's keys are sorted, or coloured in colour mode).
 */
function consoleFolded(text: string): FormatRecord | undefined {
  const lines = text.split('\n');
  const head = consoleRecord(lines[0] ?? '');
  if (head === undefined || head.attributes !== undefined || head.logger !== undefined || lines.length < 2) return undefined;
  let end = lines.findIndex((l, i) => i > 0 && TRACE_START_RE.test(l));
  if (end === -1) end = lines.length;
  for (let k = end - 1; k >= 1; k--) {
    const raw = lines[k] ?? '';
    let split: ConsoleSplit | undefined;
    if (hasAnsi(raw)) {
      // the event's reset code, then the logger's bracket or the first key
      const at = raw.search(/\x1b\[0m (?:\x1b\[36m|\[\x1b\[34m)/);
      if (at !== -1) split = colouredTailAfter(stripAnsi(raw.slice(0, at)).trimEnd(), raw.slice(at));
    } else {
      split = splitConsoleTailFrom(raw, 0, false);
    }
    // A `[logger]` alone is only taken on the event's last line (the one before any traceback).
    if (split === undefined || (split.pairs.length === 0 && (split.logger === undefined || k !== end - 1))) continue;
    const eventLines = [head.message, ...lines.slice(1, k).map(stripAnsi), split.event];
    const rest = lines.slice(k + 1).map(stripAnsi);
    while (rest.length > 0 && (rest[rest.length - 1] ?? '').trim() === '') rest.pop();
    const rec: FormatRecord = { ...head, message: [...eventLines, ...rest].join('\n') };
    if (split.logger !== undefined) rec.logger = split.logger;
    const attrs: Record<string, unknown> = {};
    for (const p of split.pairs) attrs[p.key] = kvValue(p);
    liftWellKnown(rec, attrs);
    if (Object.keys(attrs).length > 0) rec.attributes = attrs;
    const exc = rest.length > 0 ? lastException(rest.join('\n')) : undefined;
    if (exc) rec.exception = exc;
    return rec;
  }
  return undefined;
}

export const structlogConsole: FormatDef = {
  id: 'structlog-console',
  name: 'structlog (console)',
  parse: consoleRecord,
  parseFolded: consoleFolded,
};

/** KeyValueRenderer: `timestamp='…' level='info' event='…' key=<repr>`. */
export const structlogKeyValue: FormatDef = {
  id: 'structlog-kv',
  name: 'structlog (key=value)',
  parse(line) {
    const c = line.charCodeAt(0);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95)) return undefined;
    // repr() quotes strings with ' (logfmt never does): that tells the two renderers apart
    if (line.indexOf("='") === -1 || (line.indexOf("event='") === -1 && line.indexOf('event="') === -1)) return undefined;
    const pairs = parseKv(line, true);
    if (pairs === undefined || pairs.length < 2) return undefined;
    const attrs: Record<string, unknown> = {};
    for (const p of pairs) attrs[p.key] = kvValue(p);
    const rec: FormatRecord = { ts: undefined, severity: 0, message: typeof attrs['event'] === 'string' ? attrs['event'] : '' };
    delete attrs['event'];
    const t = timeFromValue(attrs['timestamp']);
    if (t !== undefined) {
      rec.ts = t;
      delete attrs['timestamp'];
    }
    const level = attrs['level'];
    if (typeof level === 'string') {
      rec.severity = severityOfName(level) ?? 0;
      rec.severityText = level;
      delete attrs['level'];
    }
    for (const k of ['logger', 'logger_name']) {
      const name = attrs[k];
      if (typeof name === 'string' && name.length > 0) {
        rec.logger = name;
        delete attrs[k];
        break;
      }
    }
    if (typeof attrs['exception'] === 'string') {
      const exc = lastException(attrs['exception']);
      if (exc) rec.exception = exc;
    }
    // format_exc_info's `exception` and StackInfoRenderer's `stack` fold under the event, as printed.
    foldTracebackAttributes(rec, attrs, ['exception', 'stack']);
    liftWellKnown(rec, attrs);
    if (Object.keys(attrs).length > 0) rec.attributes = attrs;
    return rec;
  },
};
