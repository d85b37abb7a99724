// A bounded reader of Apache Thrift's two wire protocols, compact and binary: what Jaeger's
// clients send (the agent's UDP ports take an Agent.emitBatch message in either; the collector's
// /api/traces takes a binary Batch struct). Hand-written rather than a thrift library because the
// input is untrusted: every length and element count is checked against the bytes left before
// anything is allocated (a header announcing a billion elements is refused at once, each element
// takes at least one byte), nesting is bounded, and a short buffer is an error, never a read past
// its end. Types are reported in the binary protocol's numbering (TType) for both protocols.
// Wire formats: thrift's doc/specs/thrift-compact-protocol.md and thrift-binary-protocol.md.

/** A payload that is not a well-formed thrift message of the expected shape. */
export class ThriftDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThriftDecodeError';
  }
}

/** Thrift's TType numbering (the binary protocol's type bytes). */
export const T = {
  STOP: 0,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;

/** Structs nested deeper than this (only reachable through unknown fields) are refused. */
export const MAX_THRIFT_DEPTH = 32;

export interface FieldHeader {
  type: number;
  id: number;
}

export interface ListHeader {
  elemType: number;
  size: number;
}

export interface MessageHeader {
  name: string;
  /** 1 call, 2 reply, 3 exception, 4 oneway. */
  type: number;
  seqId: number;
}

/** What the Jaeger decoder reads through; one implementation per protocol. */
export interface ThriftReader {
  readonly protocol: 'compact' | 'binary';
  pos: number;
  readonly buf: Buffer;
  messageBegin(): MessageHeader;
  /** The next field of the current struct, or null at its stop byte. */
  fieldBegin(): FieldHeader | null;
  structBegin(): void;
  structEnd(): void;
  bool(): boolean;
  i32(): number;
  /** A 64-bit integer, exact. */
  i64(): bigint;
  double(): number;
  string(): string;
  binary(): Buffer;
  listBegin(): ListHeader;
  /** Skip a value of the given type (an unknown field), within the depth bound. */
  skip(type: number): void;
}

const TWO_32 = 4294967296;

abstract class BaseReader {
  pos = 0;
  protected depth = 0;

  constructor(readonly buf: Buffer) {}

  protected need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new ThriftDecodeError(`truncated thrift: ${what} needs ${n} bytes at byte ${this.pos}, ${this.buf.length - this.pos} left`);
    }
  }

  /** A container of `size` elements needs at least that many bytes: checked before anything is allocated. */
  protected checkCount(size: number, what: string): void {
    if (size < 0 || size > this.buf.length - this.pos) {
      throw new ThriftDecodeError(`thrift ${what} header announces ${size} elements but only ${this.buf.length - this.pos} bytes are left`);
    }
  }

  structBegin(): void {
    if (++this.depth > MAX_THRIFT_DEPTH) throw new ThriftDecodeError(`thrift structs nested deeper than ${MAX_THRIFT_DEPTH}`);
  }

  structEnd(): void {
    this.depth--;
  }

  abstract fieldBegin(): FieldHeader | null;
  abstract bool(): boolean;
  abstract i32(): number;
  abstract i64(): bigint;
  abstract double(): number;
  abstract binary(): Buffer;
  abstract listBegin(): ListHeader;
  abstract mapBegin(): { keyType: number; valueType: number; size: number };
  protected abstract byte(): number;
  protected abstract i16(): number;

  string(): string {
    return this.binary().toString('utf8');
  }

  skip(type: number): void {
    switch (type) {
      case T.BOOL:
        this.bool();
        return;
      case T.BYTE:
        this.byte();
        return;
      case T.I16:
        this.i16();
        return;
      case T.I32:
        this.i32();
        return;
      case T.I64:
        this.i64();
        return;
      case T.DOUBLE:
        this.double();
        return;
      case T.STRING:
        this.binary();
        return;
      case T.STRUCT:
        this.structBegin();
        for (let f = this.fieldBegin(); f !== null; f = this.fieldBegin()) this.skip(f.type);
        this.structEnd();
        return;
      case T.LIST:
      case T.SET: {
        const { elemType, size } = this.listBegin();
        this.nested(() => {
          for (let i = 0; i < size; i++) this.skip(elemType);
        });
        return;
      }
      case T.MAP: {
        const { keyType, valueType, size } = this.mapBegin();
        this.nested(() => {
          for (let i = 0; i < size; i++) {
            this.skip(keyType);
            this.skip(valueType);
          }
        });
        return;
      }
      default:
        throw new ThriftDecodeError(`unknown thrift type ${type} at byte ${this.pos}`);
    }
  }

  private nested(body: () => void): void {
    this.structBegin();
    body();
    this.structEnd();
  }
}

// Compact protocol type nibbles → TType.
const COMPACT_TO_TTYPE: readonly number[] = [
  T.STOP,
  T.BOOL,
  T.BOOL,
  T.BYTE,
  T.I16,
  T.I32,
  T.I64,
  T.DOUBLE,
  T.STRING,
  T.LIST,
  T.SET,
  T.MAP,
  T.STRUCT,
];

export class CompactReader extends BaseReader implements ThriftReader {
  readonly protocol = 'compact' as const;
  /** Field ids are deltas from the previous field of the same struct. */
  private lastFieldIds: number[] = [];
  private lastFieldId = 0;
  /** A bool field carries its value in its header's type nibble. */
  private pendingBool: boolean | null = null;

  messageBegin(): MessageHeader {
    const protocolId = this.byte();
    if (protocolId !== 0x82)
      throw new ThriftDecodeError(`not a thrift compact message (protocol id 0x${protocolId.toString(16)}, expected 0x82)`);
    const versionAndType = this.byte();
    if ((versionAndType & 0x1f) !== 1) throw new ThriftDecodeError(`thrift compact protocol version ${versionAndType & 0x1f} (expected 1)`);
    const seqId = this.varint32();
    const name = this.string();
    return { name, type: versionAndType >> 5, seqId };
  }

  override structBegin(): void {
    super.structBegin();
    this.lastFieldIds.push(this.lastFieldId);
    this.lastFieldId = 0;
  }

  override structEnd(): void {
    super.structEnd();
    this.lastFieldId = this.lastFieldIds.pop() ?? 0;
  }

  fieldBegin(): FieldHeader | null {
    const header = this.byte();
    const typeNibble = header & 0x0f;
    if (typeNibble === 0) return null;
    const type = this.ttype(typeNibble);
    const delta = header >> 4;
    const id = delta !== 0 ? this.lastFieldId + delta : this.zigzag(this.varint32());
    this.lastFieldId = id;
    if (type === T.BOOL) this.pendingBool = typeNibble === 1;
    return { type, id };
  }

  bool(): boolean {
    if (this.pendingBool !== null) {
      const v = this.pendingBool;
      this.pendingBool = null;
      return v;
    }
    // A bool inside a container: one byte, 1 true, 2 (or 0, as some writers do) false.
    return this.byte() === 1;
  }

  protected byte(): number {
    this.need(1, 'a byte');
    return this.buf[this.pos++]!;
  }

  protected i16(): number {
    return this.zigzag(this.varint32());
  }

  i32(): number {
    return this.zigzag(this.varint32());
  }

  i64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, (result >> 1n) ^ -(result & 1n));
      shift += 7n;
    }
    throw new ThriftDecodeError('malformed thrift: a varint is longer than 10 bytes');
  }

  double(): number {
    this.need(8, 'a double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  binary(): Buffer {
    const n = this.varint32();
    this.need(n, 'a string');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  listBegin(): ListHeader {
    const header = this.byte();
    let size = header >> 4;
    if (size === 15) size = this.varint32();
    const elemType = this.ttype(header & 0x0f);
    this.checkCount(size, 'list');
    return { elemType, size };
  }

  mapBegin(): { keyType: number; valueType: number; size: number } {
    const size = this.varint32();
    if (size === 0) return { keyType: T.STOP, valueType: T.STOP, size };
    const types = this.byte();
    this.checkCount(size, 'map');
    return { keyType: this.ttype(types >> 4), valueType: this.ttype(types & 0x0f), size };
  }

  private ttype(nibble: number): number {
    const t = COMPACT_TO_TTYPE[nibble];
    if (t === undefined || (nibble === 0 && t === T.STOP))
      throw new ThriftDecodeError(`unknown thrift compact type ${nibble} at byte ${this.pos}`);
    return t;
  }

  /** An unsigned varint of at most 32 bits (lengths, sizes, zigzagged i32). */
  private varint32(): number {
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) {
        if (result >= TWO_32) throw new ThriftDecodeError('malformed thrift: a 32-bit varint is out of range');
        return result;
      }
    }
    throw new ThriftDecodeError('malformed thrift: a 32-bit varint is longer than 5 bytes');
  }

  private zigzag(n: number): number {
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }
}

const VERSION_1 = 0x80010000;

export class BinaryReader extends BaseReader implements ThriftReader {
  readonly protocol = 'binary' as const;

  messageBegin(): MessageHeader {
    this.need(4, 'a message header');
    const first = this.buf.readInt32BE(this.pos);
    if (first < 0) {
      // Strict: version word, name, seqid.
      this.pos += 4;
      if (((first >>> 0) & 0xffff0000) >>> 0 !== VERSION_1) {
        throw new ThriftDecodeError(`not a thrift binary message (version word 0x${(first >>> 0).toString(16)})`);
      }
      const name = this.string();
      return { name, type: first & 0xff, seqId: this.i32() };
    }
    // Old (non-strict) writers: name, type byte, seqid.
    const name = this.string();
    const type = this.byte();
    return { name, type, seqId: this.i32() };
  }

  fieldBegin(): FieldHeader | null {
    const type = this.byte();
    if (type === T.STOP) return null;
    return { type, id: this.i16() };
  }

  bool(): boolean {
    return this.byte() !== 0;
  }

  protected byte(): number {
    this.need(1, 'a byte');
    return this.buf[this.pos++]!;
  }

  protected i16(): number {
    this.need(2, 'an i16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  i32(): number {
    this.need(4, 'an i32');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i64(): bigint {
    this.need(8, 'an i64');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  double(): number {
    this.need(8, 'a double');
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  binary(): Buffer {
    const n = this.i32();
    this.need(n, 'a string');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  listBegin(): ListHeader {
    const elemType = this.byte();
    const size = this.i32();
    this.checkCount(size, 'list');
    return { elemType, size };
  }

  mapBegin(): { keyType: number; valueType: number; size: number } {
    const keyType = this.byte();
    const valueType = this.byte();
    const size = this.i32();
    this.checkCount(size, 'map');
    return { keyType, valueType, size };
  }
}
