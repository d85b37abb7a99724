// JSON log objects -> records: the key spellings Python and Node loggers use.
import type { FormatRecord } from './format.js';
import { foldUnderMessage, isTracebackText, lastException, type ExceptionInfo } from './exception.js';
import { liftWellKnown } from './fields.js';
import { severityOfName, severityOfPinoNumber, severityOfPythonNumber } from './levels.js';
import { timeFromValue } from './time.js';

export type JsonObject = Record<string, unknown>;

const TIME_KEYS = ['@timestamp', 'timestamp', 'time', 'ts', 'asctime', 'datetime', 'date', 't', '@t'];
const LEVEL_KEYS = ['level', 'severity', 'levelname', 'log.level', 'lvl', 'loglevel', 'severity_text', '@l'];
const MESSAGE_KEYS = ['message', 'msg', 'event', '@message', '@m', 'body'];
const LOGGER_KEYS = ['logger', 'logger_name', 'loggerName', 'name', 'log.logger'];
const EXCEPTION_KEYS = ['exception', 'exc_info', 'exc_text', 'err', 'error', 'stack_trace', 'traceback', '@x'];
/** stack_info=True: python-json-logger's `stack_info`, structlog's StackInfoRenderer `stack`. */
const STACK_KEYS = ['stack_info', 'stack'];

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

export function objectOf(v: unknown): JsonObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

const CAUSE_LINE = 'The above exception was the direct cause of the following exception:';
const CONTEXT_LINE = 'During handling of the above exception, another exception occurred:';

/** One structlog stack (exc_type, exc_value, frames, …) as Python prints it, or undefined if it is not one. */
function structlogStackText(stack: unknown): string | undefined {
  const s = objectOf(stack);
  if (s === undefined || typeof s['exc_type'] !== 'string') return undefined;
  const lines = ['Traceback (most recent call last):'];
  for (const f of Array.isArray(s['frames']) ? (s['frames'] as unknown[]) : []) {
    const frame = objectOf(f);
    if (frame === undefined) continue;
    lines.push(`  File "${stringOf(frame['filename'])}", line ${stringOf(frame['lineno'])}, in ${stringOf(frame['name'])}`);
    const source = stringOf(frame['line']).trim();
    if (source.length > 0) lines.push(`    ${source}`);
    // show_locals: the values structlog captured, under their frame (already repr()'d by structlog)
    const locals = objectOf(frame['locals']);
    if (locals !== undefined) for (const [k, v] of Object.entries(locals)) lines.push(`        ${k} = ${stringOf(v)}`);
  }
  const syntax = objectOf(s['syntax_error']);
  if (syntax !== undefined) {
    lines.push(`  File "${stringOf(syntax['filename'])}", line ${stringOf(syntax['lineno'])}`);
    const source = stringOf(syntax['line']).trim();
    if (source.length > 0) lines.push(`    ${source}`);
  }
  const value = stringOf(s['exc_value']);
  lines.push(value.length > 0 ? `${s['exc_type']}: ${value}` : s['exc_type']);
  if (Array.isArray(s['exc_notes'])) for (const n of s['exc_notes'] as unknown[]) lines.push(stringOf(n));
  // An exception group's members (structlog >= 24), indented under the group as Python nests them.
  if (Array.isArray(s['exceptions'])) {
    (s['exceptions'] as unknown[]).forEach((member, i) => {
      const text = Array.isArray(member) ? structlogTraceback(member) : undefined;
      if (text === undefined) return;
      lines.push(`    +---------------- ${i + 1} ----------------`);
      for (const l of text.split('\n')) lines.push(`    | ${l}`);
    });
  }
  return lines.join('\n');
}

/**
 * structlog's dict_tracebacks (a list of stacks, the exception raised last first, each later one its
 * cause or context) as the chained traceback Python would have printed: oldest first.
 */
function structlogTraceback(stacks: unknown[]): string | undefined {
  const blocks: string[] = [];
  for (let i = stacks.length - 1; i >= 0; i--) {
    const text = structlogStackText(stacks[i]);
    if (text === undefined) return undefined;
    if (blocks.length > 0) blocks.push(objectOf(stacks[i + 1])?.['is_cause'] === true ? CAUSE_LINE : CONTEXT_LINE);
    blocks.push(text);
  }
  return blocks.length > 0 ? blocks.join('\n\n') : undefined;
}

/** A traceback carried beside the message (text, or structlog's list of stacks) as text to fold under it. */
export function tracebackFromValue(v: unknown): string | undefined {
  if (typeof v === 'string') return isTracebackText(v) ? v : undefined;
  if (Array.isArray(v)) return structlogTraceback(v);
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
  // Tracebacks fold under the message as in text logs (searchable there, shown once, not repeated
  // as an attribute); error objects and one-line error strings stay attributes.
  const tracebacks: string[] = [];
  for (const k of EXCEPTION_KEYS) {
    const v = attrs[k];
    if (v === undefined || v === null) continue;
    const exc = exceptionFromValue(v);
    const text = tracebackFromValue(v);
    if (exc === undefined && text === undefined) continue;
    if (exc !== undefined) rec.exception = exc;
    if (text !== undefined) {
      tracebacks.push(text);
      delete attrs[k];
    }
    break;
  }
  for (const k of STACK_KEYS) {
    const text = tracebackFromValue(attrs[k]);
    if (text !== undefined) {
      tracebacks.push(text);
      delete attrs[k];
    }
  }
  if (tracebacks.length > 0) rec.message = foldUnderMessage(rec.message, tracebacks);
  // A `message: null` left behind by python-json-logger's dict messages says nothing.
  if (attrs['message'] === null) delete attrs['message'];
  liftWellKnown(rec, attrs);
  if (Object.keys(attrs).length > 0) rec.attributes = attrs;
  return rec;
}
