// Go's console loggers. zap's console encoder (and the OpenTelemetry Collector's own log, which
// uses it): `2025-04-24T22:09:20.854Z<TAB>error<TAB>[logger<TAB>]caller.go:12<TAB>msg<TAB>{json}`,
// the JSON tail as attributes. logrus's TTY text: `ERRO[0000] msg   key=value …` (seconds since
// start, or a full timestamp in the brackets). Both are strict, so what follows a record without
// being a header — a Go stack trace's `function` / `<TAB>file:line` pairs, zap's `stacktrace` —
// folds into it. logrus's non-TTY text (`time=… level=… msg=…`) is logfmt and read as such.
import { stripAnsi } from '../ansi.js';
import type { FormatDef, FormatRecord } from '../format.js';
import { liftWellKnown } from '../fields.js';
import { parseJsonObject } from '../json-record.js';
import { kvValue, parseKv } from '../kv.js';
import { severityOfName } from '../levels.js';
import { parseIsoAt, parsedEnd, timeFromValue } from '../time.js';

/** `path/file.go:123` — a caller field (zap's `AddCaller`). */
const CALLER_RE = /^\S+:\d+$/;

function zapTime(field: string): number | undefined {
  const c = field.charCodeAt(0);
  if (c < 48 || c > 57) return undefined;
  if (field.length >= 19) {
    const t = parseIsoAt(field, 0);
    if (t === t && parsedEnd === field.length) return t;
  }
  // zap's EpochTimeEncoder: seconds as a float
  return /^\d{9,10}(?:\.\d+)?(?:e\+09)?$/.test(field) ? timeFromValue(Number(field)) : undefined;
}

export function parseZapConsole(raw: string): FormatRecord | undefined {
  const tab = raw.indexOf('\t');
  if (tab < 9) return undefined;
  const ts = zapTime(raw.slice(0, tab));
  if (ts === undefined) return undefined;
  const parts = raw.slice(tab + 1).split('\t');
  const levelText = stripAnsi(parts[0] ?? '');
  const severity = severityOfName(levelText);
  if (severity === undefined || parts.length < 2) return undefined;
  const rec: FormatRecord = { ts, severity, severityText: levelText, message: '' };
  let fields = parts.slice(1);
  let attributes: Record<string, unknown> | undefined;
  const last = fields[fields.length - 1] ?? '';
  if (fields.length > 1 && last.charCodeAt(0) === 123 /* { */) {
    const obj = parseJsonObject(last);
    if (obj !== undefined) {
      attributes = obj;
      fields = fields.slice(0, -1);
    }
  }
  // The message is the last text field; before it, a caller (`file.go:12`) and a logger name.
  rec.message = fields[fields.length - 1] ?? '';
  for (const f of fields.slice(0, -1)) {
    if (CALLER_RE.test(f)) {
      const colon = f.lastIndexOf(':');
      attributes ??= {};
      attributes['file'] = f.slice(0, colon);
      attributes['line'] = Number(f.slice(colon + 1));
    } else if (rec.logger === undefined) {
      rec.logger = f;
    }
  }
  if (attributes !== undefined) {
    liftWellKnown(rec, attributes);
    rec.attributes = attributes;
  }
  return rec;
}

const LOGRUS_LEVELS: Record<string, string> = {
  PANI: 'PANIC',
  FATA: 'FATAL',
  ERRO: 'ERROR',
  WARN: 'WARN',
  INFO: 'INFO',
  DEBU: 'DEBUG',
  TRAC: 'TRACE',
};

/** `KEY=` after a space: where logrus's padded message ends and its fields begin. */
const FIELD_START_RE = / (?=[\w.\-@/]+=)/g;

export function parseLogrusText(raw: string): FormatRecord | undefined {
  if (raw.charCodeAt(4) !== 91 /* [ */ && raw.indexOf('\x1b') === -1) return undefined;
  const line = stripAnsi(raw);
  const level = LOGRUS_LEVELS[line.slice(0, 4)];
  if (level === undefined || line.charCodeAt(4) !== 91) return undefined;
  const close = line.indexOf('] ', 5);
  if (close === -1) return undefined;
  const inBrackets = line.slice(5, close);
  let ts: number | undefined;
  if (!/^\d{4,}$/.test(inBrackets)) {
    // FullTimestamp: RFC 3339 by default; seconds since start otherwise (no wall time: inferred)
    const t = parseIsoAt(inBrackets, 0);
    if (t !== t) return undefined;
    ts = t;
  }
  const body = line.slice(close + 2);
  const rec: FormatRecord = { ts, severity: severityOfName(level) ?? 0, severityText: line.slice(0, 4), message: body.trimEnd() };
  // The first place from which the rest is all key=value pairs is where the fields start.
  FIELD_START_RE.lastIndex = 0;
  for (let m = FIELD_START_RE.exec(body); m !== null; m = FIELD_START_RE.exec(body)) {
    const pairs = parseKv(body.slice(m.index + 1));
    if (pairs === undefined || pairs.some((p) => !p.quoted && p.value === 'true' && !body.includes(`${p.key}=`))) continue;
    const attributes: Record<string, unknown> = {};
    for (const p of pairs) attributes[p.key] = kvValue(p);
    rec.message = body.slice(0, m.index).trimEnd();
    liftWellKnown(rec, attributes);
    rec.attributes = attributes;
    break;
  }
  return rec;
}

export const zapConsole: FormatDef = {
  id: 'zap',
  name: 'zap console (Go, OpenTelemetry Collector)',
  parse: parseZapConsole,
};

export const logrusText: FormatDef = {
  id: 'logrus',
  name: 'logrus text (Go)',
  parse: parseLogrusText,
};
