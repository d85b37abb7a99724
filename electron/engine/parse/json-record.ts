// JSON log objects -> records: the key spellings Python and Node loggers use.
import type { FormatRecord } from './format.js';
import { lastException, type ExceptionInfo } from './exception.js';
import { liftWellKnown } from './fields.js';
import { severityOfName, severityOfPinoNumber, severityOfPythonNumber } from './levels.js';
import { timeFromValue } from './time.js';

export type JsonObject = Record<string, unknown>;

const TIME_KEYS = ['@timestamp', 'timestamp', 'time', 'ts', 'asctime', 'datetime', 'date', 't', '@t'];
const LEVEL_KEYS = ['level', 'severity', 'levelname', 'log.level', 'lvl', 'loglevel', 'severity_text', '@l'];
const MESSAGE_KEYS = ['message', 'msg', 'event', '@message', '@m', 'body'];
const LOGGER_KEYS = ['logger', 'logger_name', 'loggerName', 'name', 'log.logger'];
const EXCEPTION_KEYS = ['exception', 'exc_info', 'exc_text', 'err', 'error', 'stack_trace', 'traceback', '@x'];

/** Parse a line that should hold one JSON object; undefined for anything else. */
export function parseJsonObject(line: string): JsonObject | undefined {
  let i = 0;
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  if (line.charCodeAt(i) !== 123 /* { */) return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

/** An exception from a JSON field: a traceback string, structlog dict_tracebacks, or an error object. */
export function exceptionFromValue(v: unknown): ExceptionInfo | undefined {
  if (typeof v === 'string') return lastException(v);
  if (Array.isArray(v)) {
    // structlog dict_tracebacks: the exception raised last comes first, its causes after it.
    const first: unknown = v[0];
    if (first && typeof first === 'object') {
      const o = first as JsonObject;
      if (typeof o['exc_type'] === 'string') return { type: o['exc_type'], message: stringOf(o['exc_value']) };
    }
    return undefined;
  }
  if (v && typeof v === 'object') {
    const o = v as JsonObject;
    const type = o['type'] ?? o['name'] ?? o['exc_type'] ?? o['class'];
    if (typeof type === 'string') return { type, message: stringOf(o['message'] ?? o['value'] ?? o['exc_value'] ?? o['msg']) };
    if (typeof o['stack'] === 'string') return lastException(o['stack']);
  }
  return undefined;
}

function stringOf(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function severityOfValue(v: unknown, key: string): number | undefined {
  if (typeof v === 'string') return severityOfName(v);
  if (typeof v === 'number') return key === 'levelno' ? severityOfPythonNumber(v) : severityOfPinoNumber(v);
  return undefined;
}

export interface JsonRecordOptions {
  timeKeys?: readonly string[];
  levelKeys?: readonly string[];
  messageKeys?: readonly string[];
  loggerKeys?: readonly string[];
}

/**
 * Build a record from a JSON object: the first readable time/level/message/logger key wins; every
 * other key becomes an attribute (trace/span ids and service lifted out).
 */
export function recordFromJson(obj: JsonObject, opts: JsonRecordOptions = {}): FormatRecord {
  const attrs: JsonObject = { ...obj };
  const rec: FormatRecord = { ts: undefined, severity: 0, message: '' };
  for (const k of opts.timeKeys ?? TIME_KEYS) {
    if (!(k in attrs)) continue;
    const t = timeFromValue(attrs[k]);
    if (t !== undefined) {
      rec.ts = t;
      delete attrs[k];
      break;
    }
  }
  for (const k of opts.levelKeys ?? LEVEL_KEYS) {
    const v = attrs[k];
    if (v === undefined || v === null) continue;
    const sev = severityOfValue(v, k);
    if (sev !== undefined) {
      rec.severity = sev;
      rec.severityText = String(v);
      delete attrs[k];
      break;
    }
  }
  for (const k of opts.messageKeys ?? MESSAGE_KEYS) {
    const v = attrs[k];
    if (v === undefined || v === null) continue;
    rec.message = typeof v === 'string' ? v : JSON.stringify(v);
    delete attrs[k];
    break;
  }
  for (const k of opts.loggerKeys ?? LOGGER_KEYS) {
    const v = attrs[k];
    if (typeof v === 'string' && v.length > 0) {
      rec.logger = v;
      delete attrs[k];
      break;
    }
  }
  for (const k of EXCEPTION_KEYS) {
    const v = attrs[k];
    if (v === undefined || v === null) continue;
    const exc = exceptionFromValue(v);
    if (exc !== undefined) {
      rec.exception = exc;
      break;
    }
  }
  // A `message: null` left behind by python-json-logger's dict messages says nothing.
  if (attrs['message'] === null) delete attrs['message'];
  liftWellKnown(rec, attrs);
  if (Object.keys(attrs).length > 0) rec.attributes = attrs;
  return rec;
}
