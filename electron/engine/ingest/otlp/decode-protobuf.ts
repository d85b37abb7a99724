// OTLP/protobuf export requests (ExportTraceServiceRequest, ExportMetricsServiceRequest,
// ExportLogsServiceRequest) → the decoded model, in one pass over the buffer. Field numbers are
// those of opentelemetry-proto's trace.proto, metrics.proto, logs.proto, common.proto and
// resource.proto (v1); fields this receiver has no use for are skipped as protobuf allows.
import { idFromBytes, SPAN_ID_BYTES, TRACE_ID_BYTES, type IdResult } from './ids.js';
import { OTLP_LIMITS } from './limits.js';
import type {
  AttrValue,
  Attributes,
  MetricType,
  OtlpEvent,
  OtlpExemplar,
  OtlpLink,
  OtlpLogRecord,
  OtlpMetric,
  OtlpPoint,
  OtlpResource,
  OtlpScope,
  OtlpSpan,
  ScopeGroup,
} from '../../core/telemetry.js';
import type { Decoded } from './model.js';
import { nanosHalvesToUs } from './nanos.js';
import { capString, jsonNumber, newAttributes, TooManyItemsError } from './values.js';
import { ProtoReader, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from './protobuf-reader.js';

/** How a request's items are counted against OTLP_LIMITS.maxItemsPerRequest. */
class ItemBudget {
  count = 0;
  rejected = 0;
  rejectReason: string | undefined;

  add(): void {
    if (++this.count > OTLP_LIMITS.maxItemsPerRequest) throw new TooManyItemsError();
  }

  reject(reason: string): void {
    this.rejected++;
    this.rejectReason ??= reason;
  }
}

export function decodeTracesProto(buf: Buffer): Decoded<OtlpSpan> {
  return decodeRequest(buf, decodeSpan);
}

export function decodeLogsProto(buf: Buffer): Decoded<OtlpLogRecord> {
  return decodeRequest(buf, decodeLogRecord);
}

export function decodeMetricsProto(buf: Buffer): Decoded<OtlpMetric> {
  return decodeRequest(buf, decodeMetric);
}

type ItemDecoder<T> = (r: ProtoReader, end: number, budget: ItemBudget) => T | undefined;

/**
 * The three requests share their outer shape: repeated Resource{Spans,Metrics,Logs} = 1, each
 * with resource = 1, repeated Scope{…} = 2, schema_url = 3; each scope group with scope = 1,
 * repeated items = 2, schema_url = 3.
 */
function decodeRequest<T>(buf: Buffer, item: ItemDecoder<T>): Decoded<T> {
  const r = new ProtoReader(buf);
  const budget = new ItemBudget();
  const groups: ScopeGroup<T>[] = [];
  while (r.pos < buf.length) {
    const tag = r.tag();
    if (tag >>> 3 !== 1) {
      r.skip(tag & 7);
      continue;
    }
    r.expect(tag & 7, WIRE_LEN, 'resource_*');
    const end = r.len();
    decodeResourceGroup(r, end, item, budget, groups);
    r.checkEnd(end);
  }
  return { groups, rejected: budget.rejected, rejectReason: budget.rejectReason };
}

function decodeResourceGroup<T>(r: ProtoReader, end: number, item: ItemDecoder<T>, budget: ItemBudget, out: ScopeGroup<T>[]): void {
  const resource: OtlpResource = { attributes: newAttributes() };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1: {
        r.expect(tag & 7, WIRE_LEN, 'resource');
        const e = r.len();
        decodeResource(r, e, resource);
        r.checkEnd(e);
        break;
      }
      case 2: {
        r.expect(tag & 7, WIRE_LEN, 'scope_*');
        const e = r.len();
        // The resource may come after its scopes on the wire: the groups share one object.
        out.push(decodeScopeGroup(r, e, item, budget, resource));
        r.checkEnd(e);
        break;
      }
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'schema_url');
        resource.schemaUrl = r.string() || undefined;
        break;
      default:
        r.skip(tag & 7);
    }
  }
}

function decodeScopeGroup<T>(r: ProtoReader, end: number, item: ItemDecoder<T>, budget: ItemBudget, resource: OtlpResource): ScopeGroup<T> {
  const group: ScopeGroup<T> = { resource, scope: { name: '' }, items: [] };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1: {
        r.expect(tag & 7, WIRE_LEN, 'scope');
        const e = r.len();
        group.scope = decodeScope(r, e);
        r.checkEnd(e);
        break;
      }
      case 2: {
        r.expect(tag & 7, WIRE_LEN, 'item');
        const e = r.len();
        budget.add();
        const decoded = item(r, e, budget);
        r.pos = e;
        if (decoded !== undefined) group.items.push(decoded);
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  return group;
}

function decodeResource(r: ProtoReader, end: number, into: OtlpResource): void {
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, WIRE_LEN, 'resource.attributes');
      decodeKeyValue(r, into.attributes);
    } else r.skip(tag & 7);
  }
}

function decodeScope(r: ProtoReader, end: number): OtlpScope {
  const scope: OtlpScope = { name: '' };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, WIRE_LEN, 'scope.name');
        scope.name = r.string();
        break;
      case 2:
        r.expect(tag & 7, WIRE_LEN, 'scope.version');
        scope.version = r.string() || undefined;
        break;
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'scope.attributes');
        decodeKeyValue(r, (scope.attributes ??= newAttributes()));
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return scope;
}

/** KeyValue { key = 1; value = 2 } appended to `into` (the reader is at the field's length). */
function decodeKeyValue(r: ProtoReader, into: Attributes): void {
  const end = r.len();
  let key = '';
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, WIRE_LEN, 'key');
      key = r.string();
    } else if (tag >>> 3 === 2) {
      r.expect(tag & 7, WIRE_LEN, 'value');
      const e = r.len();
      value = decodeAnyValue(r, e);
      r.checkEnd(e);
    } else r.skip(tag & 7);
  }
  r.checkEnd(end);
  into[key] = value;
}

/** AnyValue's oneof: string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7. */
function decodeAnyValue(r: ProtoReader, end: number): AttrValue {
  let value: AttrValue = null;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, WIRE_LEN, 'string_value');
        value = capString(r.string());
        break;
      case 2:
        r.expect(tag & 7, WIRE_VARINT, 'bool_value');
        value = r.bool();
        break;
      case 3: {
        r.expect(tag & 7, WIRE_VARINT, 'int_value');
        const n = r.int64();
        value = typeof n === 'bigint' ? n.toString() : n;
        break;
      }
      case 4:
        r.expect(tag & 7, WIRE_FIXED64, 'double_value');
        value = jsonNumber(r.double());
        break;
      case 5: {
        r.expect(tag & 7, WIRE_LEN, 'array_value');
        const e = r.len();
        const values: AttrValue[] = [];
        while (r.pos < e) {
          const t = r.tag();
          if (t >>> 3 === 1) {
            r.expect(t & 7, WIRE_LEN, 'values');
            const ve = r.len();
            values.push(decodeAnyValue(r, ve));
            r.checkEnd(ve);
          } else r.skip(t & 7);
        }
        r.checkEnd(e);
        value = values;
        break;
      }
      case 6: {
        r.expect(tag & 7, WIRE_LEN, 'kvlist_value');
        const e = r.len();
        const kv = newAttributes();
        while (r.pos < e) {
          const t = r.tag();
          if (t >>> 3 === 1) {
            r.expect(t & 7, WIRE_LEN, 'values');
            decodeKeyValue(r, kv);
          } else r.skip(t & 7);
        }
        r.checkEnd(e);
        value = kv;
        break;
      }
      case 7: {
        r.expect(tag & 7, WIRE_LEN, 'bytes_value');
        const e = r.len();
        value = capString(r.buf.toString('base64', r.pos, e));
        r.pos = e;
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  return value;
}

function readId(r: ProtoReader, bytes: number, what: string): IdResult {
  const e = r.len();
  const id = idFromBytes(r.buf, r.pos, e, bytes, what);
  r.pos = e;
  return id;
}

function time(r: ProtoReader): number {
  const [lo, hi] = r.fixed64Halves();
  return nanosHalvesToUs(lo, hi);
}

// Span: trace_id 1, span_id 2, trace_state 3, parent_span_id 4, name 5, kind 6, start 7, end 8,
// attributes 9, events 11, links 13, status 15, flags 16.
function decodeSpan(r: ProtoReader, end: number, budget: ItemBudget): OtlpSpan | undefined {
  const span: OtlpSpan = {
    traceId: '',
    spanId: '',
    name: '',
    kind: 0,
    startUs: 0,
    endUs: 0,
    attributes: newAttributes(),
    events: [],
    links: [],
    statusCode: 0,
    flags: 0,
  };
  let invalid: string | undefined;
  const id = (result: IdResult, set: (hex: string) => void, required: boolean, what: string): void => {
    if (result.kind === 'ok') set(result.hex);
    else if (result.kind === 'invalid') invalid ??= result.reason;
    else if (required) invalid ??= `${what} is empty`;
  };
  let sawTrace = false;
  let sawSpan = false;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, WIRE_LEN, 'trace_id');
        sawTrace = true;
        id(readId(r, TRACE_ID_BYTES, 'trace_id'), (h) => (span.traceId = h), true, 'trace_id');
        break;
      case 2:
        r.expect(tag & 7, WIRE_LEN, 'span_id');
        sawSpan = true;
        id(readId(r, SPAN_ID_BYTES, 'span_id'), (h) => (span.spanId = h), true, 'span_id');
        break;
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'trace_state');
        span.traceState = r.string() || undefined;
        break;
      case 4: {
        r.expect(tag & 7, WIRE_LEN, 'parent_span_id');
        const parent = readId(r, SPAN_ID_BYTES, 'parent_span_id');
        // An all-zero parent is how some senders write "no parent".
        if (parent.kind === 'ok') span.parentSpanId = parent.hex;
        else if (parent.kind === 'invalid' && !parent.reason.endsWith('all zeros')) invalid ??= parent.reason;
        break;
      }
      case 5:
        r.expect(tag & 7, WIRE_LEN, 'name');
        span.name = capString(r.string());
        break;
      case 6:
        r.expect(tag & 7, WIRE_VARINT, 'kind');
        span.kind = r.uint32();
        break;
      case 7:
        r.expect(tag & 7, WIRE_FIXED64, 'start_time_unix_nano');
        span.startUs = time(r);
        break;
      case 8:
        r.expect(tag & 7, WIRE_FIXED64, 'end_time_unix_nano');
        span.endUs = time(r);
        break;
      case 9:
        r.expect(tag & 7, WIRE_LEN, 'attributes');
        decodeKeyValue(r, span.attributes);
        break;
      case 11: {
        r.expect(tag & 7, WIRE_LEN, 'events');
        const e = r.len();
        span.events.push(decodeEvent(r, e));
        r.checkEnd(e);
        break;
      }
      case 13: {
        r.expect(tag & 7, WIRE_LEN, 'links');
        const e = r.len();
        const link = decodeLink(r, e);
        r.checkEnd(e);
        if (link) span.links.push(link);
        break;
      }
      case 15: {
        r.expect(tag & 7, WIRE_LEN, 'status');
        const e = r.len();
        while (r.pos < e) {
          const t = r.tag();
          if (t >>> 3 === 2) {
            r.expect(t & 7, WIRE_LEN, 'status.message');
            span.statusMessage = capString(r.string()) || undefined;
          } else if (t >>> 3 === 3) {
            r.expect(t & 7, WIRE_VARINT, 'status.code');
            span.statusCode = r.uint32();
          } else r.skip(t & 7);
        }
        r.checkEnd(e);
        break;
      }
      case 16:
        r.expect(tag & 7, WIRE_FIXED32, 'flags');
        span.flags = r.fixed32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  if (!sawTrace) invalid ??= 'trace_id is empty';
  if (!sawSpan) invalid ??= 'span_id is empty';
  if (invalid !== undefined) {
    budget.reject(invalid);
    return undefined;
  }
  return span;
}

function decodeEvent(r: ProtoReader, end: number): OtlpEvent {
  const event: OtlpEvent = { timeUs: 0, name: '' };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, WIRE_FIXED64, 'event.time_unix_nano');
        event.timeUs = time(r);
        break;
      case 2:
        r.expect(tag & 7, WIRE_LEN, 'event.name');
        event.name = capString(r.string());
        break;
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'event.attributes');
        decodeKeyValue(r, (event.attributes ??= newAttributes()));
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return event;
}

/** A link to an invalid span context is dropped (the span itself is kept). */
function decodeLink(r: ProtoReader, end: number): OtlpLink | undefined {
  const link: OtlpLink = { traceId: '', spanId: '' };
  let valid = true;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1: {
        r.expect(tag & 7, WIRE_LEN, 'link.trace_id');
        const id = readId(r, TRACE_ID_BYTES, 'link.trace_id');
        if (id.kind === 'ok') link.traceId = id.hex;
        else valid = false;
        break;
      }
      case 2: {
        r.expect(tag & 7, WIRE_LEN, 'link.span_id');
        const id = readId(r, SPAN_ID_BYTES, 'link.span_id');
        if (id.kind === 'ok') link.spanId = id.hex;
        else valid = false;
        break;
      }
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'link.trace_state');
        link.traceState = r.string() || undefined;
        break;
      case 4:
        r.expect(tag & 7, WIRE_LEN, 'link.attributes');
        decodeKeyValue(r, (link.attributes ??= newAttributes()));
        break;
      case 6:
        r.expect(tag & 7, WIRE_FIXED32, 'link.flags');
        link.flags = r.fixed32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return valid && link.traceId !== '' && link.spanId !== '' ? link : undefined;
}

// LogRecord: time 1, severity_number 2, severity_text 3, body 5, attributes 6, flags 8,
// trace_id 9, span_id 10, observed_time 11, event_name 12.
function decodeLogRecord(r: ProtoReader, end: number, budget: ItemBudget): OtlpLogRecord | undefined {
  const rec: OtlpLogRecord = { timeUs: 0, observedUs: 0, severityNumber: 0, body: null, attributes: newAttributes(), flags: 0 };
  let invalid: string | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, WIRE_FIXED64, 'time_unix_nano');
        rec.timeUs = time(r);
        break;
      case 2:
        r.expect(tag & 7, WIRE_VARINT, 'severity_number');
        rec.severityNumber = r.uint32();
        break;
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'severity_text');
        rec.severityText = r.string() || undefined;
        break;
      case 5: {
        r.expect(tag & 7, WIRE_LEN, 'body');
        const e = r.len();
        rec.body = decodeAnyValue(r, e);
        r.checkEnd(e);
        break;
      }
      case 6:
        r.expect(tag & 7, WIRE_LEN, 'attributes');
        decodeKeyValue(r, rec.attributes);
        break;
      case 8:
        r.expect(tag & 7, WIRE_FIXED32, 'flags');
        rec.flags = r.fixed32();
        break;
      case 9: {
        r.expect(tag & 7, WIRE_LEN, 'trace_id');
        const id = readId(r, TRACE_ID_BYTES, 'trace_id');
        if (id.kind === 'ok') rec.traceId = id.hex;
        else if (id.kind === 'invalid') invalid ??= id.reason;
        break;
      }
      case 10: {
        r.expect(tag & 7, WIRE_LEN, 'span_id');
        const id = readId(r, SPAN_ID_BYTES, 'span_id');
        if (id.kind === 'ok') rec.spanId = id.hex;
        else if (id.kind === 'invalid') invalid ??= id.reason;
        break;
      }
      case 11:
        r.expect(tag & 7, WIRE_FIXED64, 'observed_time_unix_nano');
        rec.observedUs = time(r);
        break;
      case 12:
        r.expect(tag & 7, WIRE_LEN, 'event_name');
        rec.eventName = r.string() || undefined;
        break;
      default:
        r.skip(tag & 7);
    }
  }
  if (invalid !== undefined) {
    budget.reject(invalid);
    return undefined;
  }
  return rec;
}

const METRIC_TYPES: Record<number, MetricType> = { 5: 'gauge', 7: 'sum', 9: 'histogram', 10: 'exponential_histogram', 11: 'summary' };

// Metric: name 1, description 2, unit 3, gauge 5, sum 7, histogram 9, exponential_histogram 10, summary 11.
function decodeMetric(r: ProtoReader, end: number, budget: ItemBudget): OtlpMetric | undefined {
  const metric: OtlpMetric = { name: '', type: 'gauge', temporality: 0, monotonic: false, points: [] };
  let hasData = false;
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const type = METRIC_TYPES[field];
    if (type !== undefined) {
      r.expect(tag & 7, WIRE_LEN, type);
      const e = r.len();
      metric.type = type;
      hasData = true;
      decodeMetricData(r, e, metric, budget);
      r.checkEnd(e);
      continue;
    }
    switch (field) {
      case 1:
        r.expect(tag & 7, WIRE_LEN, 'name');
        metric.name = r.string();
        break;
      case 2:
        r.expect(tag & 7, WIRE_LEN, 'description');
        metric.description = r.string() || undefined;
        break;
      case 3:
        r.expect(tag & 7, WIRE_LEN, 'unit');
        metric.unit = r.string() || undefined;
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return hasData ? metric : undefined;
}

/** Gauge / Sum / Histogram / ExponentialHistogram / Summary: data_points 1, temporality 2, is_monotonic 3. */
function decodeMetricData(r: ProtoReader, end: number, metric: OtlpMetric, budget: ItemBudget): void {
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1: {
        r.expect(tag & 7, WIRE_LEN, 'data_points');
        const e = r.len();
        budget.add();
        metric.points.push(decodePoint(r, e, metric.type));
        r.checkEnd(e);
        break;
      }
      case 2:
        r.expect(tag & 7, WIRE_VARINT, 'aggregation_temporality');
        metric.temporality = r.uint32();
        break;
      case 3:
        r.expect(tag & 7, WIRE_VARINT, 'is_monotonic');
        metric.monotonic = r.bool();
        break;
      default:
        r.skip(tag & 7);
    }
  }
}

/** Field numbers per point type: [attributes, exemplars, flags]. Times are 2 and 3 in all of them. */
const POINT_FIELDS: Record<MetricType, { attributes: number; exemplars: number; flags: number }> = {
  gauge: { attributes: 7, exemplars: 5, flags: 8 },
  sum: { attributes: 7, exemplars: 5, flags: 8 },
  histogram: { attributes: 9, exemplars: 8, flags: 10 },
  exponential_histogram: { attributes: 1, exemplars: 11, flags: 10 },
  summary: { attributes: 7, exemplars: -1, flags: 8 },
};

function decodePoint(r: ProtoReader, end: number, type: MetricType): OtlpPoint {
  const f = POINT_FIELDS[type];
  const point: OtlpPoint = { startUs: 0, timeUs: 0, attributes: newAttributes(), flags: 0, exemplars: [] };
  const explicit = { bounds: [] as number[], counts: [] as number[] };
  const expo: Record<string, unknown> = { scale: 0, zeroCount: 0, zeroThreshold: 0 };
  const quantiles: { quantile: number; value: number }[] = [];
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === f.attributes) {
      r.expect(wire, WIRE_LEN, 'attributes');
      decodeKeyValue(r, point.attributes);
    } else if (field === f.exemplars) {
      r.expect(wire, WIRE_LEN, 'exemplars');
      const e = r.len();
      point.exemplars.push(decodeExemplar(r, e));
      r.checkEnd(e);
    } else if (field === f.flags) {
      r.expect(wire, WIRE_VARINT, 'flags');
      point.flags = r.uint32();
    } else if (field === 2) {
      r.expect(wire, WIRE_FIXED64, 'start_time_unix_nano');
      point.startUs = time(r);
    } else if (field === 3) {
      r.expect(wire, WIRE_FIXED64, 'time_unix_nano');
      point.timeUs = time(r);
    } else if (type === 'gauge' || type === 'sum') {
      if (field === 4) {
        r.expect(wire, WIRE_FIXED64, 'as_double');
        point.value = r.double();
      } else if (field === 6) {
        r.expect(wire, WIRE_FIXED64, 'as_int');
        point.intValue = r.sfixed64();
      } else r.skip(wire);
    } else if (field === 4) {
      r.expect(wire, WIRE_FIXED64, 'count');
      point.count = r.fixed64Number();
    } else if (field === 5) {
      r.expect(wire, WIRE_FIXED64, 'sum');
      point.sum = r.double();
    } else if (type === 'histogram') {
      if (field === 6) readPackedFixed64(r, wire, explicit.counts);
      else if (field === 7) readPackedDouble(r, wire, explicit.bounds);
      else if (field === 11) point.min = readDouble(r, wire, 'min');
      else if (field === 12) point.max = readDouble(r, wire, 'max');
      else r.skip(wire);
    } else if (type === 'exponential_histogram') {
      if (field === 6) {
        r.expect(wire, WIRE_VARINT, 'scale');
        expo.scale = r.sint32();
      } else if (field === 7) {
        r.expect(wire, WIRE_FIXED64, 'zero_count');
        expo.zeroCount = r.fixed64Number();
      } else if (field === 8 || field === 9) {
        r.expect(wire, WIRE_LEN, 'buckets');
        const e = r.len();
        expo[field === 8 ? 'positive' : 'negative'] = decodeExpoBuckets(r, e);
        r.checkEnd(e);
      } else if (field === 12) point.min = readDouble(r, wire, 'min');
      else if (field === 13) point.max = readDouble(r, wire, 'max');
      else if (field === 14) expo.zeroThreshold = readDouble(r, wire, 'zero_threshold');
      else r.skip(wire);
    } else if (type === 'summary' && field === 6) {
      r.expect(wire, WIRE_LEN, 'quantile_values');
      const e = r.len();
      const q = { quantile: 0, value: 0 };
      while (r.pos < e) {
        const t = r.tag();
        if (t >>> 3 === 1) q.quantile = readDouble(r, t & 7, 'quantile');
        else if (t >>> 3 === 2) q.value = readDouble(r, t & 7, 'value');
        else r.skip(t & 7);
      }
      r.checkEnd(e);
      quantiles.push(q);
    } else r.skip(wire);
  }
  if (type === 'histogram') point.distribution = explicit;
  else if (type === 'exponential_histogram') point.distribution = expo;
  else if (type === 'summary') point.distribution = { quantiles };
  return point;
}

function readDouble(r: ProtoReader, wire: number, what: string): number {
  r.expect(wire, WIRE_FIXED64, what);
  return r.double();
}

/** Repeated scalars come packed (one length-delimited run) or, from old senders, one by one. */
function readPackedFixed64(r: ProtoReader, wire: number, into: number[]): void {
  if (wire === WIRE_FIXED64) {
    into.push(r.fixed64Number());
    return;
  }
  r.expect(wire, WIRE_LEN, 'bucket_counts');
  const e = r.len();
  while (r.pos < e) into.push(r.fixed64Number());
  r.checkEnd(e);
}

function readPackedDouble(r: ProtoReader, wire: number, into: number[]): void {
  if (wire === WIRE_FIXED64) {
    into.push(r.double());
    return;
  }
  r.expect(wire, WIRE_LEN, 'explicit_bounds');
  const e = r.len();
  while (r.pos < e) into.push(r.double());
  r.checkEnd(e);
}

/** Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2 } */
function decodeExpoBuckets(r: ProtoReader, end: number): { offset: number; counts: number[] } {
  const buckets = { offset: 0, counts: [] as number[] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, WIRE_VARINT, 'offset');
      buckets.offset = r.sint32();
    } else if (tag >>> 3 === 2) {
      if ((tag & 7) === WIRE_VARINT) buckets.counts.push(Number(r.int64()));
      else {
        r.expect(tag & 7, WIRE_LEN, 'bucket_counts');
        const e = r.len();
        while (r.pos < e) buckets.counts.push(Number(r.int64()));
        r.checkEnd(e);
      }
    } else r.skip(tag & 7);
  }
  return buckets;
}

// Exemplar: time 2, as_double 3, span_id 4, trace_id 5, as_int 6, filtered_attributes 7.
function decodeExemplar(r: ProtoReader, end: number): OtlpExemplar {
  const ex: OtlpExemplar = { timeUs: 0, value: 0 };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 2:
        r.expect(tag & 7, WIRE_FIXED64, 'exemplar.time_unix_nano');
        ex.timeUs = time(r);
        break;
      case 3:
        r.expect(tag & 7, WIRE_FIXED64, 'exemplar.as_double');
        ex.value = r.double();
        break;
      case 4: {
        r.expect(tag & 7, WIRE_LEN, 'exemplar.span_id');
        const id = readId(r, SPAN_ID_BYTES, 'span_id');
        if (id.kind === 'ok') ex.spanId = id.hex;
        break;
      }
      case 5: {
        r.expect(tag & 7, WIRE_LEN, 'exemplar.trace_id');
        const id = readId(r, TRACE_ID_BYTES, 'trace_id');
        if (id.kind === 'ok') ex.traceId = id.hex;
        break;
      }
      case 6:
        r.expect(tag & 7, WIRE_FIXED64, 'exemplar.as_int');
        ex.value = r.sfixed64();
        break;
      case 7:
        r.expect(tag & 7, WIRE_LEN, 'exemplar.filtered_attributes');
        decodeKeyValue(r, (ex.attributes ??= newAttributes()));
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return ex;
}
