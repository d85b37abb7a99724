// Zipkin's span model → the engine's spans, from the three encodings a Zipkin server accepts:
// JSON v2 and proto3 (`ListOfSpans` of zipkin.proto) on POST /api/v2/spans, and JSON v1 on
// POST /api/v1/spans (what py_zipkin's V1_JSON encoding posts). Mapped as the OpenTelemetry
// Collector's zipkin receiver maps v2 spans (opentelemetry-collector-contrib,
// pkg/translator/zipkin/zipkinv2/to_translator.go):
// - traceId (16 or 32 hex digits; 64-bit ids padded with zeros in front), id, parentId (ignored
//   when equal to the span's own id);
// - kind CLIENT/SERVER/PRODUCER/CONSUMER; none → unspecified (internal when a `span.kind` tag says so);
// - localEndpoint.serviceName → resource `service.name`; tags that are resource attributes in
//   OpenTelemetry's conventions (`service.*`, `telemetry.*`, `host.*`, `process.*`…, which the
//   OpenTelemetry Zipkin exporters copy into every span's tags) → resource attributes;
// - localEndpoint ip/port → `net.host.ip`/`net.host.port`; remoteEndpoint serviceName/ip/port →
//   `peer.service`/`net.peer.ip`/`net.peer.port` (the Collector's semantic conventions 1.6.1);
// - timestamp/duration (µs) → start/end; annotations → events (value = name);
// - tags → string attributes; `otel.status_code` (+ `otel.status_description`) → status;
//   `otel.library.name/version` (or `otel.scope.name/version`) → scope; `w3c.tracestate` → trace state.
// One difference: the Collector reads only `error`="true" as an error; Zipkin's own convention (and
// OpenTelemetry's Zipkin exporters) put the error's message in the `error` tag, so any `error` tag
// but "false" is an ERROR status here, its value the message.
import type { OtlpEvent, OtlpScope, OtlpSpan } from '../../core/telemetry.js';
import { OTLP_LIMITS } from '../otlp/limits.js';
import { OtlpDecodeError, type Decoded } from '../otlp/model.js';
import { ProtoReader, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../otlp/protobuf-reader.js';
import { TooManyItemsError, capString, newAttributes } from '../otlp/values.js';
import { SpanGroups, statusCodeOf } from './span-groups.js';

/** An endpoint of Zipkin's model. */
export interface ZipkinEndpoint {
  serviceName?: string | undefined;
  ipv4?: string | undefined;
  ipv6?: string | undefined;
  port?: number | undefined;
}

/** One span of Zipkin's v2 model, ids already normalized (lower-case hex, padded). */
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string | undefined;
  kind?: string | undefined;
  name: string;
  timestampUs?: number | undefined;
  durationUs: number;
  localEndpoint?: ZipkinEndpoint | undefined;
  remoteEndpoint?: ZipkinEndpoint | undefined;
  annotations: { timestampUs: number; value: string }[];
  tags: Record<string, string>;
}

const KINDS: Record<string, number> = { CLIENT: 3, SERVER: 2, PRODUCER: 4, CONSUMER: 5 };
/** Tag prefixes of OpenTelemetry's resource attributes (the Collector's nonSpanAttributes, by namespace). */
const RESOURCE_PREFIXES = [
  'service.',
  'telemetry.',
  'host.',
  'process.',
  'os.',
  'deployment.',
  'k8s.',
  'container.',
  'cloud.',
  'faas.',
  'device.',
  'webengine.',
];
/** Set by the Collector on a span that came without a timestamp (its start is then the epoch). */
export const START_TIME_ABSENT = 'otel.zipkin.absentField.startTime';

/** The translated spans of a decoded request, grouped by resource and scope. */
export function zipkinToSpans(spans: readonly ZipkinSpan[], invalid: { count: number; reason?: string | undefined }): Decoded<OtlpSpan> {
  const groups = new SpanGroups();
  for (let i = 0; i < invalid.count; i++) groups.reject(invalid.reason ?? 'invalid span');
  const scopes = new Map<string, OtlpScope>();
  for (const z of spans) {
    const tags = Object.assign(Object.create(null) as Record<string, string>, z.tags);
    const resource = newAttributes();
    const service = z.localEndpoint?.serviceName;
    if (service) resource['service.name'] = service;
    for (const key of Object.keys(tags)) {
      if (RESOURCE_PREFIXES.some((p) => key.startsWith(p))) {
        resource[key] = tags[key]!;
        delete tags[key];
      }
    }
    const scopeName = take(tags, 'otel.library.name') ?? take(tags, 'otel.scope.name') ?? '';
    const scopeVersion = take(tags, 'otel.library.version') ?? take(tags, 'otel.scope.version');
    const scopeKey = `${scopeName}\n${scopeVersion ?? ''}`;
    let scope = scopes.get(scopeKey);
    if (!scope)
      scopes.set(scopeKey, (scope = scopeVersion !== undefined ? { name: scopeName, version: scopeVersion } : { name: scopeName }));
    groups.add(resource, scope, toSpan(z, tags));
  }
  return groups.result();
}

function take(tags: Record<string, string>, key: string): string | undefined {
  const v = tags[key];
  if (v !== undefined) delete tags[key];
  return v;
}

function toSpan(z: ZipkinSpan, tags: Record<string, string>): OtlpSpan {
  const attributes = newAttributes();
  const startUs = z.timestampUs ?? 0;
  const span: OtlpSpan = {
    traceId: z.traceId,
    spanId: z.id,
    name: capString(z.name),
    kind: KINDS[(z.kind ?? '').toUpperCase()] ?? 0,
    startUs,
    endUs: startUs + z.durationUs,
    attributes,
    events: z.annotations.map((a): OtlpEvent => ({ timeUs: a.timestampUs, name: capString(a.value) })),
    links: [],
    statusCode: 0,
    flags: 0,
  };
  if (z.parentId !== undefined && z.parentId !== z.id) span.parentSpanId = z.parentId;
  // The `span.kind` tag only speaks for spans without a kind (and is dropped there).
  if (span.kind === 0 && take(tags, 'span.kind') === 'internal') span.kind = 1;
  const traceState = take(tags, 'w3c.tracestate');
  if (traceState !== undefined) span.traceState = traceState;
  const code = take(tags, 'otel.status_code');
  const description = take(tags, 'otel.status_description');
  if (code !== undefined) {
    span.statusCode = statusCodeOf(code) ?? 0;
    if (description !== undefined) span.statusMessage = description;
  }
  const error = tags.error;
  if (error !== undefined && error !== 'false') {
    span.statusCode = 2;
    delete tags.error;
    if (span.statusMessage === undefined && error !== '' && error !== 'true') span.statusMessage = error;
  }
  for (const key of Object.keys(tags)) attributes[key] = capString(tags[key]!);
  const local = z.localEndpoint;
  if (local) {
    const ip = local.ipv6 ?? local.ipv4;
    if (ip) attributes['net.host.ip'] = ip;
    if (local.port) attributes['net.host.port'] = local.port;
  }
  const remote = z.remoteEndpoint;
  if (remote) {
    if (remote.serviceName) attributes['peer.service'] = remote.serviceName;
    const ip = remote.ipv6 ?? remote.ipv4;
    if (ip) attributes['net.peer.ip'] = ip;
    if (remote.port) attributes['net.peer.port'] = remote.port;
  }
  if (z.timestampUs === undefined) attributes[START_TIME_ABSENT] = true;
  return span;
}

// ---------- ids ----------

const HEX = /^[0-9a-f]+$/;

/** A Zipkin hex id (1–16 or, for trace ids, up to 32 digits) padded to its full width, or the reason it is not one. */
function hexId(value: unknown, digits: 16 | 32, what: string): string | { invalid: string } {
  if (typeof value !== 'string' || value === '') return { invalid: `${what} is missing` };
  const v = value.toLowerCase();
  if (v.length > digits || !HEX.test(v)) return { invalid: `${what} "${value.slice(0, 40)}" is not up to ${digits} hex digits` };
  return v.padStart(digits, '0');
}

// ---------- JSON v2 ----------

class SpanCollector {
  readonly spans: ZipkinSpan[] = [];
  readonly invalid: { count: number; reason?: string | undefined } = { count: 0 };

  reject(reason: string): void {
    this.invalid.count++;
    this.invalid.reason ??= reason;
  }

  result(): Decoded<OtlpSpan> {
    return zipkinToSpans(this.spans, this.invalid);
  }
}

function parseArray(text: string, what: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`the body is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new OtlpDecodeError(`a Zipkin ${what} body is a JSON array of spans`);
  if (parsed.length > OTLP_LIMITS.maxItemsPerRequest) throw new TooManyItemsError();
  return parsed;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function micros(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.min(Math.round(v), Number.MAX_SAFE_INTEGER) : undefined;
}

function endpointOf(v: unknown): ZipkinEndpoint | undefined {
  if (!isObject(v)) return undefined;
  const e: ZipkinEndpoint = {};
  if (typeof v.serviceName === 'string' && v.serviceName !== '') e.serviceName = capString(v.serviceName);
  if (typeof v.ipv4 === 'string' && v.ipv4 !== '') e.ipv4 = capString(v.ipv4);
  if (typeof v.ipv6 === 'string' && v.ipv6 !== '') e.ipv6 = capString(v.ipv6);
  if (typeof v.port === 'number' && Number.isInteger(v.port) && v.port > 0) e.port = v.port;
  return e;
}

function stringTags(v: unknown): Record<string, string> {
  const tags = Object.create(null) as Record<string, string>;
  if (!isObject(v)) return tags;
  for (const [k, value] of Object.entries(v))
    if (value !== null && value !== undefined) tags[k] = typeof value === 'string' ? value : JSON.stringify(value);
  return tags;
}

/** Common fields of a v1 or v2 JSON span: ids, name, times; or the reason it cannot be stored. */
function jsonIds(o: Record<string, unknown>): { traceId: string; id: string; parentId?: string } | { invalid: string } {
  const traceId = hexId(o.traceId, 32, 'traceId');
  if (typeof traceId !== 'string') return traceId;
  const id = hexId(o.id, 16, 'id');
  if (typeof id !== 'string') return id;
  if (o.parentId === undefined || o.parentId === null || o.parentId === '') return { traceId, id };
  const parentId = hexId(o.parentId, 16, 'parentId');
  if (typeof parentId !== 'string') return parentId;
  return { traceId, id, parentId };
}

/** POST /api/v2/spans with Content-Type application/json. */
export function decodeZipkinJsonV2(text: string): Decoded<OtlpSpan> {
  const out = new SpanCollector();
  for (const item of parseArray(text, 'v2')) {
    if (!isObject(item)) {
      out.reject('a span is not a JSON object');
      continue;
    }
    const ids = jsonIds(item);
    if ('invalid' in ids) {
      out.reject(ids.invalid);
      continue;
    }
    const annotations = Array.isArray(item.annotations)
      ? item.annotations.flatMap((a) => {
          const t = isObject(a) ? micros(a.timestamp) : undefined;
          return t !== undefined && typeof (a as { value?: unknown }).value === 'string'
            ? [{ timestampUs: t, value: (a as { value: string }).value }]
            : [];
        })
      : [];
    out.spans.push({
      ...ids,
      kind: typeof item.kind === 'string' ? item.kind : undefined,
      name: typeof item.name === 'string' ? item.name : '',
      timestampUs: micros(item.timestamp),
      durationUs: micros(item.duration) ?? 0,
      localEndpoint: endpointOf(item.localEndpoint),
      remoteEndpoint: endpointOf(item.remoteEndpoint),
      annotations,
      tags: stringTags(item.tags),
    });
  }
  return out.result();
}

// ---------- JSON v1 ----------

const CORE: Record<string, { kind: string; begin: boolean }> = {
  cs: { kind: 'CLIENT', begin: true },
  cr: { kind: 'CLIENT', begin: false },
  sr: { kind: 'SERVER', begin: true },
  ss: { kind: 'SERVER', begin: false },
  ms: { kind: 'PRODUCER', begin: true },
  mr: { kind: 'CONSUMER', begin: true },
};
const REMOTE_ADDRESS: Record<string, string> = { CLIENT: 'sa', SERVER: 'ca', PRODUCER: 'ma', CONSUMER: 'ma' };

/**
 * POST /api/v1/spans (JSON): converted to the v2 model as Zipkin's V1SpanConverter does for the
 * common shapes: the core annotations give the kind, the local endpoint and missing times; `sa`/`ca`/
 * `ma` address annotations the remote endpoint; the other annotations are events, the other binary
 * annotations tags. A v1 span holding both a client and a server side is read as its client side.
 */
export function decodeZipkinJsonV1(text: string): Decoded<OtlpSpan> {
  const out = new SpanCollector();
  for (const item of parseArray(text, 'v1')) {
    if (!isObject(item)) {
      out.reject('a span is not a JSON object');
      continue;
    }
    const ids = jsonIds(item);
    if ('invalid' in ids) {
      out.reject(ids.invalid);
      continue;
    }
    const annotations = (Array.isArray(item.annotations) ? item.annotations : []).filter(isObject);
    const binary = (Array.isArray(item.binaryAnnotations) ? item.binaryAnnotations : []).filter(isObject);
    let kind: string | undefined;
    let begin: number | undefined;
    let end: number | undefined;
    let local: ZipkinEndpoint | undefined;
    const events: { timestampUs: number; value: string }[] = [];
    for (const a of annotations) {
      const value = typeof a.value === 'string' ? a.value : '';
      const t = micros(a.timestamp);
      const core = CORE[value];
      if (core && (kind === undefined || kind === core.kind)) {
        kind = core.kind;
        local ??= endpointOf(a.endpoint);
        if (core.begin) begin = t;
        else end = t;
      } else if (!core && t !== undefined) events.push({ timestampUs: t, value });
    }
    let remote: ZipkinEndpoint | undefined;
    const tags = Object.create(null) as Record<string, string>;
    for (const b of binary) {
      const key = typeof b.key === 'string' ? b.key : '';
      if (kind !== undefined && key === REMOTE_ADDRESS[kind]) remote = endpointOf(b.endpoint);
      else if (key === 'ca' || key === 'sa' || key === 'ma') continue;
      else if (key !== '') {
        tags[key] = typeof b.value === 'string' ? b.value : JSON.stringify(b.value);
        if (key === 'lc') local ??= endpointOf(b.endpoint);
      }
    }
    local ??=
      annotations.map((a) => endpointOf(a.endpoint)).find((e) => e !== undefined) ??
      binary.map((b) => endpointOf(b.endpoint)).find((e) => e !== undefined);
    if (tags.lc === '') delete tags.lc;
    const timestampUs = micros(item.timestamp) ?? begin;
    const durationUs = micros(item.duration) ?? (begin !== undefined && end !== undefined && end >= begin ? end - begin : 0);
    out.spans.push({
      ...ids,
      kind,
      name: typeof item.name === 'string' ? item.name : '',
      timestampUs,
      durationUs,
      localEndpoint: local,
      remoteEndpoint: remote,
      annotations: events,
      tags,
    });
  }
  return out.result();
}

// ---------- proto3 ----------

/** POST /api/v2/spans with Content-Type application/x-protobuf: zipkin.proto's ListOfSpans { repeated Span spans = 1; }. */
export function decodeZipkinProto(buf: Buffer): Decoded<OtlpSpan> {
  const r = new ProtoReader(buf);
  const out = new SpanCollector();
  while (r.pos < buf.length) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, WIRE_LEN, 'spans');
      if (out.spans.length + out.invalid.count >= OTLP_LIMITS.maxItemsPerRequest) throw new TooManyItemsError();
      const end = r.len();
      const span = protoSpan(r, end);
      r.checkEnd(end);
      if ('invalid' in span) out.reject(span.invalid);
      else out.spans.push(span);
    } else r.skip(tag & 7);
  }
  return out.result();
}

const PROTO_KINDS = [undefined, 'CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'];

// Span: trace_id 1, parent_id 2, id 3, kind 4, name 5, timestamp 6 (fixed64 µs), duration 7,
// local_endpoint 8, remote_endpoint 9, annotations 10, tags 11 (map<string,string>), debug 12, shared 13.
function protoSpan(r: ProtoReader, end: number): ZipkinSpan | { invalid: string } {
  let traceId: string | undefined;
  let id: string | undefined;
  let parentId: string | undefined;
  let invalid: string | undefined;
  const span: ZipkinSpan = {
    traceId: '',
    id: '',
    name: '',
    durationUs: 0,
    annotations: [],
    tags: Object.create(null) as Record<string, string>,
  };
  const bytesId = (what: string, sizes: number[]): string | undefined => {
    const e = r.len();
    const n = e - r.pos;
    const hex = r.buf.toString('hex', r.pos, e);
    r.pos = e;
    if (n === 0) return undefined;
    if (!sizes.includes(n)) invalid ??= `${what} has ${n} bytes, not ${sizes.join(' or ')}`;
    return hex.padStart(sizes[sizes.length - 1]! * 2, '0');
  };
  while (r.pos < end) {
    const tag = r.tag();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        r.expect(wire, WIRE_LEN, 'trace_id');
        traceId = bytesId('trace_id', [8, 16]);
        break;
      case 2:
        r.expect(wire, WIRE_LEN, 'parent_id');
        parentId = bytesId('parent_id', [8]);
        break;
      case 3:
        r.expect(wire, WIRE_LEN, 'id');
        id = bytesId('id', [8]);
        break;
      case 4:
        r.expect(wire, WIRE_VARINT, 'kind');
        span.kind = PROTO_KINDS[r.uint32()];
        break;
      case 5:
        r.expect(wire, WIRE_LEN, 'name');
        span.name = r.string();
        break;
      case 6:
        r.expect(wire, WIRE_FIXED64, 'timestamp');
        span.timestampUs = Math.min(r.fixed64Number(), Number.MAX_SAFE_INTEGER) || undefined;
        break;
      case 7: {
        r.expect(wire, WIRE_VARINT, 'duration');
        const d = r.int64();
        span.durationUs = typeof d === 'number' && d > 0 ? d : 0;
        break;
      }
      case 8:
      case 9: {
        r.expect(wire, WIRE_LEN, 'endpoint');
        const e = r.len();
        const endpoint = protoEndpoint(r, e);
        if (tag >>> 3 === 8) span.localEndpoint = endpoint;
        else span.remoteEndpoint = endpoint;
        break;
      }
      case 10: {
        r.expect(wire, WIRE_LEN, 'annotations');
        const e = r.len();
        let timestampUs = 0;
        let value = '';
        while (r.pos < e) {
          const t = r.tag();
          if (t >>> 3 === 1 && (t & 7) === WIRE_FIXED64) timestampUs = Math.min(r.fixed64Number(), Number.MAX_SAFE_INTEGER);
          else if (t >>> 3 === 2 && (t & 7) === WIRE_LEN) value = r.string();
          else r.skip(t & 7);
        }
        r.checkEnd(e);
        span.annotations.push({ timestampUs, value });
        break;
      }
      case 11: {
        r.expect(wire, WIRE_LEN, 'tags');
        const e = r.len();
        let key = '';
        let value = '';
        while (r.pos < e) {
          const t = r.tag();
          if (t >>> 3 === 1 && (t & 7) === WIRE_LEN) key = r.string();
          else if (t >>> 3 === 2 && (t & 7) === WIRE_LEN) value = r.string();
          else r.skip(t & 7);
        }
        r.checkEnd(e);
        span.tags[key] = value;
        break;
      }
      default:
        r.skip(wire);
    }
  }
  if (invalid) return { invalid };
  if (traceId === undefined) return { invalid: 'trace_id is missing' };
  if (id === undefined) return { invalid: 'id is missing' };
  span.traceId = traceId;
  span.id = id;
  if (parentId !== undefined) span.parentId = parentId;
  return span;
}

// Endpoint: service_name 1, ipv4 2 (4 bytes), ipv6 3 (16 bytes), port 4.
function protoEndpoint(r: ProtoReader, end: number): ZipkinEndpoint {
  const e: ZipkinEndpoint = {};
  while (r.pos < end) {
    const t = r.tag();
    const field = t >>> 3;
    if (field === 1 && (t & 7) === WIRE_LEN) e.serviceName = r.string() || undefined;
    else if ((field === 2 || field === 3) && (t & 7) === WIRE_LEN) {
      const fieldEnd = r.len();
      const ip = r.buf.subarray(r.pos, fieldEnd);
      r.pos = fieldEnd;
      if (field === 2 && ip.length === 4) e.ipv4 = [...ip].join('.');
      if (field === 3 && ip.length === 16) e.ipv6 = ipv6Text(ip);
    } else if (field === 4 && (t & 7) === WIRE_VARINT) e.port = r.uint32() || undefined;
    else r.skip(t & 7);
  }
  r.checkEnd(end);
  return e;
}

function ipv6Text(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}
