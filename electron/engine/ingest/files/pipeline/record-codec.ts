// Records as the parse thread hands them to the writer: two typed arrays (numbers and string
// lengths) and one string holding every text field end to end. Posting that between threads is
// three copies (or transfers) instead of cloning one object graph per record, which would cost the
// writer's loop about as much as the parsing it moved away.
import type { AssembledRecord } from '../parse/types.js';

/** Numbers per record: ts, severity, endOffset. */
const NUMS = 3;
/** The text fields in the order they are laid end to end (a length of -1: absent). */
const TEXTS = 9;
/** Ints per record: the flag bits, then one length per text field. */
const INTS = 1 + TEXTS;

/** Distinct levels (loggers, services) a decode keeps to reuse; past these, each is a new string. */
const MAX_KNOWN_STRINGS = 16;

const TS_INFERRED = 1;
const TRUNCATED = 2;
const INVALID_UTF8 = 4;

export interface EncodedRecords {
  count: number;
  nums: Float64Array;
  ints: Int32Array;
  text: string;
}

export function encodeRecords(records: readonly AssembledRecord[]): EncodedRecords {
  const count = records.length;
  const nums = new Float64Array(count * NUMS);
  const ints = new Int32Array(count * INTS);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    nums[i * NUMS] = r.ts;
    nums[i * NUMS + 1] = r.severity;
    nums[i * NUMS + 2] = r.endOffset;
    const at = i * INTS;
    ints[at] = (r.tsInferred ? TS_INFERRED : 0) | (r.truncated ? TRUNCATED : 0) | (r.invalidUtf8 ? INVALID_UTF8 : 0);
    const texts = [
      r.message,
      r.severityText,
      r.logger,
      r.service,
      r.traceId,
      r.spanId,
      r.exception?.type,
      r.exception?.message,
      r.attributes === undefined ? undefined : JSON.stringify(r.attributes),
    ];
    for (let k = 0; k < TEXTS; k++) {
      const t = texts[k];
      if (t === undefined) ints[at + 1 + k] = -1;
      else {
        ints[at + 1 + k] = t.length;
        parts.push(t);
      }
    }
  }
  return { count, nums, ints, text: parts.join('') };
}

export function decodeRecords(e: EncodedRecords): AssembledRecord[] {
  const out: AssembledRecord[] = new Array(e.count);
  const { nums, ints, text } = e;
  let pos = 0;
  const next = (len: number): string | undefined => {
    if (len < 0) return undefined;
    const s = text.slice(pos, pos + len);
    pos += len;
    return s;
  };
  // Levels, loggers and services are few and repeat: a string already made for one is reused when
  // the text matches (compared in place), one string less to allocate per field and record.
  const levels: string[] = [];
  const loggers: string[] = [];
  const services: string[] = [];
  const known = (seen: string[], len: number): string | undefined => {
    if (len < 0) return undefined;
    for (const s of seen) {
      if (s.length === len && text.startsWith(s, pos)) {
        pos += len;
        return s;
      }
    }
    const s = next(len)!;
    if (seen.length < MAX_KNOWN_STRINGS) seen.push(s);
    return s;
  };
  for (let i = 0; i < e.count; i++) {
    const at = i * INTS;
    const bits = ints[at]!;
    const r: AssembledRecord = {
      ts: nums[i * NUMS]!,
      severity: nums[i * NUMS + 1]!,
      endOffset: nums[i * NUMS + 2]!,
      tsInferred: (bits & TS_INFERRED) !== 0,
      truncated: (bits & TRUNCATED) !== 0,
      invalidUtf8: (bits & INVALID_UTF8) !== 0,
      message: next(ints[at + 1]!) ?? '',
    };
    const severityText = known(levels, ints[at + 2]!);
    const logger = known(loggers, ints[at + 3]!);
    const service = known(services, ints[at + 4]!);
    const traceId = next(ints[at + 5]!);
    const spanId = next(ints[at + 6]!);
    const excType = next(ints[at + 7]!);
    const excMessage = next(ints[at + 8]!);
    const attributes = next(ints[at + 9]!);
    if (severityText !== undefined) r.severityText = severityText;
    if (logger !== undefined) r.logger = logger;
    if (service !== undefined) r.service = service;
    if (traceId !== undefined) r.traceId = traceId;
    if (spanId !== undefined) r.spanId = spanId;
    if (excType !== undefined) r.exception = { type: excType, message: excMessage ?? '' };
    if (attributes !== undefined) r.attributes = JSON.parse(attributes) as Record<string, unknown>;
    out[i] = r;
  }
  return out;
}
