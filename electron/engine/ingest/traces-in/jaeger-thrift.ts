// Jaeger's thrift model (jaeger-idl's thrift/jaeger.thrift: Batch, Process, Span, Tag, Log,
// SpanRef; agent.thrift: Agent.emitBatch) → the engine's spans, mapped as the OpenTelemetry
// Collector's jaeger receiver maps them (opentelemetry-collector-contrib,
// pkg/translator/jaeger/jaegerthrift_to_traces.go and the status rules of jaegerproto_to_traces.go):
// - Process.serviceName → resource `service.name`, its tags → resource attributes (`hostname` →
//   `host.name`, `jaeger.version` → `opencensus.exporterversion` = "Jaeger-<v>");
// - ids: traceIdHigh/Low (signed i64) → 32 hex digits (high 0 for 64-bit ids), spanId → 16;
// - parentSpanId, else the first CHILD_OF reference in the same trace → parent; the other
//   references → links with `opentracing.ref_type` (child_of / follows_from);
// - startTime/duration (µs) → start/end; tags → attributes (binary values as base64);
// - `span.kind` tag → kind; `error`=true → status ERROR (message from `otel.status_description`
//   or `http.status_message`), else `otel.status_code`, else an HTTP status code ≥ 500 (≥ 400 for
//   clients) → ERROR; `w3c.tracestate` → trace state; `otel.library.name/version` → scope;
// - logs → events: the `event` field is the name, the other fields its attributes.
import type { AttrValue, Attributes, OtlpEvent, OtlpLink, OtlpScope, OtlpSpan } from '../../core/telemetry.js';
import type { Decoded } from '../otlp/model.js';
import { OTLP_LIMITS } from '../otlp/limits.js';
import { TooManyItemsError, capString, jsonNumber, newAttributes } from '../otlp/values.js';
import { SpanGroups, hex64, statusCodeOf } from './span-groups.js';
import { BinaryReader, CompactReader, T, ThriftDecodeError, type ThriftReader } from './thrift-reader.js';

const TAG_STRING = 0;
const TAG_DOUBLE = 1;
const TAG_BOOL = 2;
const TAG_LONG = 3;
const TAG_BINARY = 4;
const REF_CHILD_OF = 0;

const KINDS: Record<string, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

interface JaegerRef {
  refType: number;
  traceId: string;
  spanId: string;
}

/** An Agent.emitBatch message as jaeger-client sends it to the agent's UDP ports (6831 compact, 6832 binary). */
export function decodeAgentMessage(buf: Buffer, protocol: 'compact' | 'binary'): Decoded<OtlpSpan> {
  const r: ThriftReader = protocol === 'compact' ? new CompactReader(buf) : new BinaryReader(buf);
  const message = r.messageBegin();
  // emitZipkinBatch (Zipkin's v1 thrift over the agent) is not read: no tracer still sends it by default.
  if (message.name !== 'emitBatch') throw new ThriftDecodeError(`Agent.${message.name} is not supported (only emitBatch)`);
  const groups = new SpanGroups();
  readStruct(r, (f) => {
    if (f.id === 1 && f.type === T.STRUCT) readBatch(r, groups);
    else r.skip(f.type);
  });
  return groups.result();
}

/** A binary-thrift Batch struct, the body of the collector's `POST /api/traces` (application/x-thrift). */
export function decodeCollectorBatch(buf: Buffer): Decoded<OtlpSpan> {
  const r = new BinaryReader(buf);
  const groups = new SpanGroups();
  readBatch(r, groups);
  if (r.pos !== buf.length) throw new ThriftDecodeError(`${buf.length - r.pos} bytes after the thrift Batch`);
  return groups.result();
}

function readStruct(r: ThriftReader, field: (f: { type: number; id: number }) => void): void {
  r.structBegin();
  for (let f = r.fieldBegin(); f !== null; f = r.fieldBegin()) field(f);
  r.structEnd();
}

function readList<V>(r: ThriftReader, elemType: number, read: () => V, maxSize = Infinity): V[] {
  const { elemType: actual, size } = r.listBegin();
  if (size > maxSize) throw new TooManyItemsError();
  if (actual !== elemType) {
    for (let i = 0; i < size; i++) r.skip(actual);
    return [];
  }
  const out: V[] = [];
  for (let i = 0; i < size; i++) out.push(read());
  return out;
}

function readBatch(r: ThriftReader, groups: SpanGroups): void {
  let resource: Attributes = newAttributes();
  // The process may come after the spans (thrift fields are in any order): spans are grouped at the end.
  let spans: { span: OtlpSpan | undefined; scope: OtlpScope }[] = [];
  readStruct(r, (f) => {
    if (f.id === 1 && f.type === T.STRUCT) resource = readProcess(r);
    else if (f.id === 2 && f.type === T.LIST) spans = readList(r, T.STRUCT, () => readSpan(r), OTLP_LIMITS.maxItemsPerRequest);
    else r.skip(f.type);
  });
  const scopes = new Map<string, OtlpScope>();
  for (const { span, scope } of spans) {
    if (!span) continue;
    const key = `${scope.name}\n${scope.version ?? ''}`;
    let shared = scopes.get(key);
    if (!shared) scopes.set(key, (shared = scope));
    groups.add(resource, shared, span);
  }
}

function readProcess(r: ThriftReader): Attributes {
  const attrs = newAttributes();
  let service = '';
  let tags: [string, AttrValue][] = [];
  readStruct(r, (f) => {
    if (f.id === 1 && f.type === T.STRING) service = r.string();
    else if (f.id === 2 && f.type === T.LIST) tags = readList(r, T.STRUCT, () => readTag(r));
    else r.skip(f.type);
  });
  if (service !== '') attrs['service.name'] = capString(service);
  for (const [k, v] of tags) attrs[k] = v;
  // Jaeger's names for what OpenTelemetry calls otherwise (translateHostnameAttr, translateJaegerVersionAttr).
  if (attrs.hostname !== undefined && attrs['host.name'] === undefined) {
    attrs['host.name'] = attrs.hostname;
    delete attrs.hostname;
  }
  if (attrs['jaeger.version'] !== undefined && attrs['opencensus.exporterversion'] === undefined) {
    attrs['opencensus.exporterversion'] = `Jaeger-${String(attrs['jaeger.version'])}`;
    delete attrs['jaeger.version'];
  }
  return attrs;
}

function readTag(r: ThriftReader): [string, AttrValue] {
  let key = '';
  let vType = TAG_STRING;
  let vStr = '';
  let vDouble = 0;
  let vBool = false;
  let vLong = 0n;
  let vBinary: Buffer = Buffer.alloc(0);
  readStruct(r, (f) => {
    if (f.id === 1 && f.type === T.STRING) key = r.string();
    else if (f.id === 2 && f.type === T.I32) vType = r.i32();
    else if (f.id === 3 && f.type === T.STRING) vStr = r.string();
    else if (f.id === 4 && f.type === T.DOUBLE) vDouble = r.double();
    else if (f.id === 5 && f.type === T.BOOL) vBool = r.bool();
    else if (f.id === 6 && f.type === T.I64) vLong = r.i64();
    else if (f.id === 7 && f.type === T.STRING) vBinary = r.binary();
    else r.skip(f.type);
  });
  switch (vType) {
    case TAG_STRING:
      return [key, capString(vStr)];
    case TAG_DOUBLE:
      return [key, jsonNumber(vDouble)];
    case TAG_BOOL:
      return [key, vBool];
    case TAG_LONG:
      return [key, vLong >= BigInt(Number.MIN_SAFE_INTEGER) && vLong <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(vLong) : vLong.toString()];
    case TAG_BINARY:
      return [key, capString(vBinary.toString('base64'))];
    default:
      return [key, `<Unknown Jaeger TagType ${vType}>`];
  }
}

function readRef(r: ThriftReader): JaegerRef {
  let refType = REF_CHILD_OF;
  let low = 0n;
  let high = 0n;
  let spanId = 0n;
  readStruct(r, (f) => {
    if (f.id === 1 && f.type === T.I32) refType = r.i32();
    else if (f.id === 2 && f.type === T.I64) low = r.i64();
    else if (f.id === 3 && f.type === T.I64) high = r.i64();
    else if (f.id === 4 && f.type === T.I64) spanId = r.i64();
    else r.skip(f.type);
  });
  return { refType, traceId: hex64(high) + hex64(low), spanId: hex64(spanId) };
}

function readLog(r: ThriftReader): OtlpEvent {
  let timeUs = 0;
  let fields: [string, AttrValue][] = [];
  readStruct(r, (f) => {
    if (f.id === 1 && f.type === T.I64) timeUs = usOf(r.i64());
    else if (f.id === 2 && f.type === T.LIST) fields = readList(r, T.STRUCT, () => readTag(r));
    else r.skip(f.type);
  });
  const attributes = newAttributes();
  let name = '';
  for (const [k, v] of fields) {
    if (k === 'event' && typeof v === 'string') name = v;
    else attributes[k] = v;
  }
  return { timeUs, name, ...(Object.keys(attributes).length > 0 ? { attributes } : {}) };
}

function readSpan(r: ThriftReader): { span: OtlpSpan | undefined; scope: OtlpScope } {
  let traceLow = 0n;
  let traceHigh = 0n;
  let spanId = 0n;
  let parentId = 0n;
  let name = '';
  let refs: JaegerRef[] = [];
  let flags = 0;
  let startUs = 0;
  let durationUs = 0;
  let tags: [string, AttrValue][] = [];
  let events: OtlpEvent[] = [];
  let fields = 0;
  readStruct(r, (f) => {
    fields++;
    if (f.id === 1 && f.type === T.I64) traceLow = r.i64();
    else if (f.id === 2 && f.type === T.I64) traceHigh = r.i64();
    else if (f.id === 3 && f.type === T.I64) spanId = r.i64();
    else if (f.id === 4 && f.type === T.I64) parentId = r.i64();
    else if (f.id === 5 && f.type === T.STRING) name = capString(r.string());
    else if (f.id === 6 && f.type === T.LIST) refs = readList(r, T.STRUCT, () => readRef(r));
    else if (f.id === 7 && f.type === T.I32) flags = r.i32();
    else if (f.id === 8 && f.type === T.I64) startUs = usOf(r.i64());
    else if (f.id === 9 && f.type === T.I64) durationUs = usOf(r.i64());
    else if (f.id === 10 && f.type === T.LIST) tags = readList(r, T.STRUCT, () => readTag(r));
    else if (f.id === 11 && f.type === T.LIST) events = readList(r, T.STRUCT, () => readLog(r));
    else {
      fields--;
      r.skip(f.type);
    }
  });
  const scope: OtlpScope = { name: '' };
  // A blank span (no field set) is skipped, as the Collector does.
  if (fields === 0) return { span: undefined, scope };
  const traceId = hex64(traceHigh) + hex64(traceLow);
  const attributes = newAttributes();
  for (const [k, v] of tags) attributes[k] = v;
  const span: OtlpSpan = {
    traceId,
    spanId: hex64(spanId),
    name,
    kind: 0,
    startUs,
    endUs: startUs + durationUs,
    attributes,
    events,
    links: [],
    statusCode: 0,
    // Jaeger's flag 1 is "sampled", as W3C's trace flags.
    flags: flags & 1,
  };
  let parent = parentId !== 0n ? hex64(parentId) : undefined;
  parent ??= refs.find((ref) => ref.refType === REF_CHILD_OF && ref.traceId === traceId)?.spanId;
  if (parent !== undefined) span.parentSpanId = parent;
  span.links = refs
    .filter((ref) => !(ref.refType === REF_CHILD_OF && ref.spanId === parent))
    .map((ref): OtlpLink => ({
      traceId: ref.traceId,
      spanId: ref.spanId,
      attributes: { 'opentracing.ref_type': ref.refType === REF_CHILD_OF ? 'child_of' : 'follows_from' },
    }));
  const kind = attributes['span.kind'];
  if (typeof kind === 'string') {
    span.kind = KINDS[kind] ?? 0;
    delete attributes['span.kind'];
  }
  setStatus(span, attributes);
  const traceState = attributes['w3c.tracestate'];
  if (typeof traceState === 'string') {
    span.traceState = traceState;
    delete attributes['w3c.tracestate'];
  }
  const library = attributes['otel.library.name'];
  if (typeof library === 'string') {
    scope.name = library;
    delete attributes['otel.library.name'];
    const version = attributes['otel.library.version'];
    if (typeof version === 'string') {
      scope.version = version;
      delete attributes['otel.library.version'];
    }
  }
  return { span, scope };
}

/** The Collector's setInternalSpanStatus: the `error` tag first, then `otel.status_code`, then the HTTP status. */
function setStatus(span: OtlpSpan, attrs: Attributes): void {
  const description = (): string | undefined => {
    const d = attrs['otel.status_description'];
    if (d === undefined) return undefined;
    delete attrs['otel.status_description'];
    return String(d);
  };
  let set = false;
  if (attrs.error === true) {
    set = true;
    span.statusCode = 2;
    delete attrs.error;
    const message = description() ?? attrs['http.status_message'];
    if (message !== undefined) span.statusMessage = String(message);
  }
  const otelCode = attrs['otel.status_code'];
  if (otelCode !== undefined) {
    if (!set) {
      set = true;
      span.statusCode = statusCodeOf(String(otelCode)) ?? 0;
      const message = description();
      if (message !== undefined) span.statusMessage = message;
    }
    delete attrs['otel.status_code'];
  } else if (!set && attrs['http.status_code'] !== undefined) {
    const code = Number(attrs['http.status_code']);
    // 4xx is the client's fault: an error on a client span, not on the server's.
    if (Number.isInteger(code) && (code >= 500 || (code >= 400 && span.kind !== 2))) {
      span.statusCode = 2;
      const message = attrs['http.status_message'];
      if (message !== undefined) span.statusMessage = String(message);
    }
  }
}

/** µs of a thrift i64 µs count (negative or absurd values clamp into the exact range). */
function usOf(v: bigint): number {
  if (v <= 0n) return 0;
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}
