// A span's attributes written as the JSON text the store keeps, straight from the request's bytes
// in one pass: no string per key and value, no attribute object, no JSON.stringify. Building the
// object and then its JSON was ~2 µs of the ~11 µs a span costs to store (100-span requests,
// tests/bench/otlp.bench.ts). The text is what JSON.stringify of the decoded object gives, except
// that keys keep the order they came in (a JS object puts integer-like keys first).
import { OTLP_LIMITS } from '../limits.js';
import type { Attributes } from '../../../core/telemetry.js';
import { ProtoReader, WIRE_LEN, WIRE_VARINT } from '../protobuf-reader.js';
import { newAttributes } from '../values.js';
import { decodeAnyValue, decodeKeyValue } from './common.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const TAG_STRING = (1 << 3) | WIRE_LEN;
const TAG_BOOL = (2 << 3) | WIRE_VARINT;
const TAG_INT = (3 << 3) | WIRE_VARINT;

/** One span's attributes at a time (decodeSpan calls start, add per KeyValue, finish). */
export class AttributesJsonWriter {
  private buf = Buffer.allocUnsafe(16 * 1024);
  private len = 0;
  /** Each KeyValue's position (at its length prefix), to decode them as objects when a key repeats. */
  private readonly fields: number[] = [];
  /** Start and end of each key's bytes in the request. */
  private readonly keys: number[] = [];
  private repeatedKey = false;

  start(): void {
    this.len = 0;
    this.fields.length = 0;
    this.keys.length = 0;
    this.repeatedKey = false;
  }

  /** KeyValue { key = 1; value = 2 }, the reader at its length prefix (left after it). */
  add(r: ProtoReader): void {
    const at = r.pos;
    const end = r.len();
    let keyStart = 0;
    let keyEnd = 0;
    let valueStart = -1;
    let valueEnd = -1;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag >>> 3 === 1) {
        r.expect(tag & 7, WIRE_LEN, 'key');
        keyEnd = r.len();
        keyStart = r.pos;
        r.pos = keyEnd;
      } else if (tag >>> 3 === 2) {
        r.expect(tag & 7, WIRE_LEN, 'value');
        valueEnd = r.len();
        valueStart = r.pos;
        r.pos = valueEnd;
      } else r.skip(tag & 7);
    }
    r.checkEnd(end);
    this.fields.push(at);
    // A repeated key keeps its last value (as the object would): finish() decodes them all then.
    if (this.repeatedKey || this.keySeen(r.buf, keyStart, keyEnd)) {
      this.repeatedKey = true;
      return;
    }
    this.keys.push(keyStart, keyEnd);
    this.reserve(keyEnd - keyStart + 8);
    this.buf[this.len] = this.len === 0 ? 0x7b : 0x2c; // '{' before the first, ',' between
    this.len++;
    this.string(r.buf, keyStart, keyEnd, Infinity);
    this.buf[this.len++] = 0x3a; // ':'
    this.value(r, valueStart, valueEnd);
    r.pos = end;
  }

  /** The JSON text, or null when the span has no attributes; `buf` is the request's buffer. */
  finish(buf: Buffer): string | null {
    if (this.fields.length === 0) return null;
    if (this.repeatedKey) {
      const r = new ProtoReader(buf);
      const attributes: Attributes = newAttributes();
      for (const at of this.fields) {
        r.pos = at;
        decodeKeyValue(r, attributes);
      }
      return JSON.stringify(attributes);
    }
    this.reserve(1);
    this.buf[this.len++] = 0x7d; // '}'
    return this.buf.toString('utf8', 0, this.len);
  }

  /** AnyValue: a lone string, bool or int written from the bytes; anything else through its decoded value. */
  private value(r: ProtoReader, start: number, end: number): void {
    if (start >= 0 && start < end) {
      r.pos = start;
      const tag = r.tag();
      if (tag === TAG_STRING) {
        const e = r.len();
        if (e === end) return this.string(r.buf, r.pos, e, OTLP_LIMITS.maxAttributeValueChars);
      } else if (tag === TAG_BOOL) {
        const b = r.bool();
        if (r.pos === end) return this.ascii(b ? 'true' : 'false');
      } else if (tag === TAG_INT) {
        const n = r.int64();
        if (r.pos === end) return typeof n === 'bigint' ? this.text(JSON.stringify(n.toString())) : this.ascii(String(n));
      }
    }
    let v: unknown = null;
    if (start >= 0) {
      r.pos = start;
      v = decodeAnyValue(r, end);
      r.checkEnd(end);
    }
    this.text(JSON.stringify(v));
  }

  /**
   * A string's UTF-8 bytes between quotes. Bytes that are not UTF-8 become U+FFFD when the whole
   * text is read back as UTF-8, as they did in the decoded string (the quotes end any sequence).
   * One that needs escaping, or longer than `cap` bytes (then maybe too many characters), goes
   * through JSON.stringify of the decoded string.
   */
  private string(src: Buffer, start: number, end: number, cap: number): void {
    let plain = end - start <= cap;
    for (let i = start; plain && i < end; i++) {
      const b = src[i]!;
      if (b < 0x20 || b === QUOTE || b === BACKSLASH) plain = false;
    }
    if (!plain) {
      const s = src.toString('utf8', start, end);
      this.text(JSON.stringify(s.length > cap ? s.slice(0, cap) : s));
      return;
    }
    this.reserve(end - start + 2);
    const buf = this.buf;
    let len = this.len;
    buf[len++] = QUOTE;
    for (let i = start; i < end; i++) buf[len++] = src[i]!;
    buf[len++] = QUOTE;
    this.len = len;
  }

  private ascii(s: string): void {
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.len++] = s.charCodeAt(i);
  }

  private text(s: string): void {
    this.reserve(Buffer.byteLength(s));
    this.len += this.buf.write(s, this.len);
  }

  private keySeen(src: Buffer, start: number, end: number): boolean {
    const n = end - start;
    const keys = this.keys;
    for (let k = 0; k < keys.length; k += 2) {
      const s = keys[k]!;
      if (keys[k + 1]! - s !== n) continue;
      let i = 0;
      while (i < n && src[s + i] === src[start + i]) i++;
      if (i === n) return true;
    }
    return false;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }
}
