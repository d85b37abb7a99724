// A Python LogRecord's dict (what SocketHandler, DatagramHandler and HTTPHandler send) → a row of
// the `logs` table, mapped as the file formats map python-json-logger's fields: `name` → logger,
// `levelno`/`levelname` → severity and level, `created` → time, `msg` → message (SocketHandler has
// already merged the args into it), `exc_text` and `stack_info` folded under the message with the
// last exception as the record's exception; the rest (process, thread, pathname, lineno, funcName,
// module, the caller's `extra=`) are attributes, trace/span ids and service lifted out as in files.
import { foldUnderMessage, lastException } from '../files/parse/exception.js';
import { liftWellKnown } from '../files/parse/fields.js';
import { severityOfName, severityOfPythonNumber } from '../files/parse/levels.js';
import type { ParsedRecord } from '../files/parse/types.js';
import type { LogInsert } from '../../signals/logs/log-writer.js';
import type { PyValue } from './pickle.js';
import { exceptionOfExcInfoRepr, percentFormat, tupleOfRepr } from './py-repr.js';

/** Longer attribute values and messages are cut to this many characters (as OTLP's). */
export const MAX_VALUE_CHARS = 64 * 1024;
/** Nested values deeper than this are shown as text (a pickle's memo can make cycles). */
const MAX_ATTRIBUTE_DEPTH = 8;

/** The LogRecord fields that become the record's parts (not attributes), or say nothing new. */
const CONSUMED = new Set([
  'name',
  'msg',
  'args',
  'message',
  'levelname',
  'levelno',
  'created',
  'msecs',
  'relativeCreated',
  'exc_info',
  'exc_text',
  'stack_info',
  // pathname says it, and more
  'filename',
  // a Formatter's output left on the record by another handler
  'asctime',
]);

/** Standard fields that mean "none" when None (left out rather than stored as null). */
const STANDARD = new Set(['process', 'processName', 'thread', 'threadName', 'taskName', 'pathname', 'lineno', 'funcName', 'module']);

/**
 * The record of a LogRecord dict; `nowUs` when it has no `created`. Throws a plain Error naming
 * what is missing when the dict is not a LogRecord (no `msg` and no `name`).
 */
export function logInsertOfRecord(d: Readonly<Record<string, PyValue>>, nowUs: number): LogInsert {
  if (!('msg' in d) && !('name' in d)) throw new Error('not a LogRecord: it has neither `msg` nor `name`');
  const { message, argsMerged } = messageOf(d);
  const rec: ParsedRecord = { ts: undefined, severity: 0, message };
  const levelno = d['levelno'];
  const levelname = d['levelname'];
  if (typeof levelno === 'number') rec.severity = severityOfPythonNumber(levelno);
  else if (typeof levelname === 'string') rec.severity = severityOfName(levelname) ?? 0;
  if (typeof levelname === 'string' && levelname.length > 0) rec.severityText = levelname;
  else if (typeof levelno === 'number') rec.severityText = `Level ${levelno}`;
  const name = d['name'];
  if (typeof name === 'string' && name.length > 0) rec.logger = name;

  const tracebacks: string[] = [];
  for (const k of ['exc_text', 'stack_info']) {
    const text = d[k];
    if (typeof text === 'string' && text.length > 0) tracebacks.push(text);
  }
  if (tracebacks.length > 0) {
    const exc = lastException(tracebacks[0]!);
    if (exc) rec.exception = exc;
    rec.message = foldUnderMessage(rec.message, tracebacks);
  }
  // HTTPHandler sends exc_info as its repr (no traceback text unless a Formatter made exc_text).
  const excInfo = d['exc_info'];
  if (rec.exception === undefined && typeof excInfo === 'string') {
    const exc = exceptionOfExcInfoRepr(excInfo);
    if (exc) rec.exception = exc;
  }

  const attrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) {
    // args left unmerged (HTTPHandler's, when their repr could not be read) stay beside the message
    if (k === 'args' && typeof v === 'string' && v !== '()' && !argsMerged) attrs[k] = v;
    if (CONSUMED.has(k) || (v === null && STANDARD.has(k))) continue;
    attrs[k] = jsonOf(v, 0);
  }
  liftWellKnown(rec, attrs);
  const created = d['created'];
  return {
    ts: typeof created === 'number' && Number.isFinite(created) ? Math.round(created * 1e6) : nowUs,
    severity: rec.severity,
    levelText: rec.severityText,
    fileId: null,
    sourceId: null,
    logger: rec.logger,
    service: rec.service,
    message: cut(rec.message),
    attributes: attrs,
    traceId: rec.traceId,
    spanId: rec.spanId,
    exception: rec.exception,
    flags: 0,
  };
}

/**
 * `msg` as SocketHandler merged it; `message` when a Formatter left it; else HTTPHandler's `msg`
 * with its args' repr merged when they are simple literals.
 */
function messageOf(d: Readonly<Record<string, PyValue>>): { message: string; argsMerged: boolean } {
  const message = d['message'];
  if (typeof message === 'string') return { message, argsMerged: true };
  const msg = d['msg'];
  const args = d['args'];
  if (typeof msg === 'string' && typeof args === 'string') {
    const tuple = tupleOfRepr(args);
    const merged = tuple && percentFormat(msg, tuple);
    if (merged !== undefined) return { message: merged, argsMerged: true };
  }
  if (typeof msg === 'string') return { message: msg, argsMerged: false };
  return { message: msg === undefined || msg === null ? '' : textOf(msg), argsMerged: false };
}

/** A value the JSON attributes can hold: big integers as text when not exact, bytes as text, cycles cut. */
function jsonOf(v: PyValue, depth: number): unknown {
  if (typeof v === 'string') return cut(v);
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v === null || typeof v === 'boolean') return v;
  if (depth >= MAX_ATTRIBUTE_DEPTH) return '…';
  if (v instanceof Uint8Array) return cut(Buffer.from(v).toString('utf8'));
  if (Array.isArray(v)) return v.map((x) => jsonOf(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = jsonOf(x, depth + 1);
  return out;
}

function textOf(v: PyValue): string {
  const j = jsonOf(v, 0);
  return typeof j === 'string' ? j : JSON.stringify(j);
}

function cut(text: string): string {
  return text.length > MAX_VALUE_CHARS ? text.slice(0, MAX_VALUE_CHARS) : text;
}
