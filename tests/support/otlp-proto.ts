// A tiny protobuf writer for tests: builds OTLP ExportTraceServiceRequests byte by byte, so tests
// can send exact 64-bit times, invalid ids and malformed messages the SDK would never produce.

export interface TestSpan {
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId?: Buffer;
  name: string;
  startNs: bigint;
  endNs: bigint;
  attributes?: Record<string, string | number>;
  /** KeyValue messages as they are (any AnyValue, repeated keys, bytes that are not UTF-8), after `attributes`. */
  rawAttributes?: Buffer[];
}

export function varint(n: bigint | number): Buffer {
  let v = BigInt(n);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

export function field(num: number, wire: number, payload: Buffer): Buffer {
  const tag = varint((num << 3) | wire);
  return wire === 2 ? Buffer.concat([tag, varint(payload.length), payload]) : Buffer.concat([tag, payload]);
}

export const bytes = (num: number, b: Buffer): Buffer => field(num, 2, b);
export const str = (num: number, s: string): Buffer => bytes(num, Buffer.from(s));
export function fixed64(num: number, v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return field(num, 1, b);
}

function keyValue(key: string, value: string | number): Buffer {
  const any = typeof value === 'string' ? str(1, value) : field(3, 0, varint(value));
  return Buffer.concat([str(1, key), bytes(2, any)]);
}

export function spanBytes(s: TestSpan): Buffer {
  return Buffer.concat([
    bytes(1, s.traceId),
    bytes(2, s.spanId),
    ...(s.parentSpanId ? [bytes(4, s.parentSpanId)] : []),
    str(5, s.name),
    field(6, 0, varint(2)),
    fixed64(7, s.startNs),
    fixed64(8, s.endNs),
    ...Object.entries(s.attributes ?? {}).map(([k, v]) => bytes(9, keyValue(k, v))),
    ...(s.rawAttributes ?? []).map((kv) => bytes(9, kv)),
  ]);
}

/** ExportTraceServiceRequest with one resource (service.name) and one scope. */
export function traceRequest(service: string, spans: TestSpan[]): Buffer {
  const resource = bytes(1, keyValue('service.name', service));
  const scope = str(1, 'test.scope');
  const scopeSpans = Buffer.concat([bytes(1, scope), ...spans.map((s) => bytes(2, spanBytes(s)))]);
  return bytes(1, Buffer.concat([bytes(1, resource), bytes(2, scopeSpans)]));
}

/** google.rpc.Status { code = 1; message = 2 } read back from a protobuf error body. */
export function readStatus(buf: Buffer): { code: number; message: string } {
  let pos = 0;
  let code = 0;
  let message = '';
  while (pos < buf.length) {
    const tag = buf[pos++]!;
    if (tag === 0x08) {
      let v = 0;
      let shift = 0;
      for (;;) {
        const b = buf[pos++]!;
        v |= (b & 0x7f) << shift;
        shift += 7;
        if (b < 0x80) break;
      }
      code = v;
    } else if (tag === 0x12) {
      let len = 0;
      let shift = 0;
      for (;;) {
        const b = buf[pos++]!;
        len |= (b & 0x7f) << shift;
        shift += 7;
        if (b < 0x80) break;
      }
      message = buf.toString('utf8', pos, pos + len);
      pos += len;
    } else throw new Error(`unexpected tag ${tag}`);
  }
  return { code, message };
}

export function randomId(bytesLength: number, seed: number): Buffer {
  const b = Buffer.alloc(bytesLength);
  for (let i = 0; i < bytesLength; i++) b[i] = (seed * 31 + i * 17 + 1) & 0xff;
  b[0] = (seed & 0x7f) | 0x80;
  b.writeUInt32BE(seed >>> 0, bytesLength - 4);
  return b;
}
