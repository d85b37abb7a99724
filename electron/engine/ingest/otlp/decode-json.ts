// OTLP/JSON export requests → the decoded model. JSON.parse, then a normaliser that accepts what
// real senders send: lowerCamelCase or snake_case keys, enums as integers or names, 64-bit
// integers as strings or numbers, hex ids in any case (base64 ids are not OTLP/JSON: invalid).
import { capString, jsonNumber, newAttributes, TooManyItemsError } from './values.js';
import { idFromHex, SPAN_ID_BYTES, TRACE_ID_BYTES } from './ids.js';
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
import { OtlpDecodeError, type Decoded } from './model.js';
import { nanosNumberToUs, nanosTextToUs } from './nanos.js';

type Obj = Record<string, unknown>;

interface Budget {
  count: number;
  rejected: number;
  rejectReason: string | undefined;
}

export function decodeTracesJson(text: string): Decoded<OtlpSpan> {
  return decodeRequest(text, ['resourceSpans', 'resource_spans'], ['scopeSpans', 'scope_spans'], ['spans'], span);
}

export function decodeLogsJson(text: string): Decoded<OtlpLogRecord> {
  return decodeRequest(text, ['resourceLogs', 'resource_logs'], ['scopeLogs', 'scope_logs'], ['logRecords', 'log_records'], logRecord);
}

export function decodeMetricsJson(text: string): Decoded<OtlpMetric> {
  return decodeRequest(text, ['resourceMetrics', 'resource_metrics'], ['scopeMetrics', 'scope_metrics'], ['metrics'], metric);
}

type Keys = readonly [string, string?];
type ItemNormaliser<T> = (o: Obj, budget: Budget) => T | undefined;

function decodeRequest<T>(text: string, resourceKeys: Keys, scopeKeys: Keys, itemKeys: Keys, item: ItemNormaliser<T>): Decoded<T> {
  let root: unknown;
  try {
    root = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    throw new OtlpDecodeError(`malformed JSON: ${(err as Error).message}`);
  }
  const budget: Budget = { count: 0, rejected: 0, rejectReason: undefined };
  const groups: ScopeGroup<T>[] = [];
  for (const rg of array(get(object(root, 'request'), resourceKeys), 'resource list')) {
    const ro = object(rg, 'resource entry');
    const res = get(ro, ['resource']);
    const resource: OtlpResource = {
      attributes: res === undefined || res === null ? newAttributes() : attributes(get(object(res, 'resource'), ['attributes'])),
      schemaUrl: optString(get(ro, ['schemaUrl', 'schema_url'])),
    };
    for (const sg of array(get(ro, scopeKeys), 'scope list')) {
      const so = object(sg, 'scope entry');
      const group: ScopeGroup<T> = { resource, scope: scope(get(so, ['scope'])), items: [] };
      for (const it of array(get(so, itemKeys), 'item list')) {
        if (++budget.count > OTLP_LIMITS.maxItemsPerRequest) throw new TooManyItemsError();
        const decoded = item(object(it, 'item'), budget);
        if (decoded !== undefined) group.items.push(decoded);
      }
      groups.push(group);
    }
  }
  return { groups, rejected: budget.rejected, rejectReason: budget.rejectReason };
}

function reject(budget: Budget, reason: string): undefined {
  budget.rejected++;
  budget.rejectReason ??= reason;
  return undefined;
}

function get(o: Obj, keys: Keys): unknown {
  const v = o[keys[0]];
  return v !== undefined || keys[1] === undefined ? v : o[keys[1]];
}

function object(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new OtlpDecodeError(`malformed OTLP/JSON: ${what} is not an object`);
  return v as Obj;
}

function array(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`malformed OTLP/JSON: ${what} is not an array`);
  return v;
}

function optString(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new OtlpDecodeError('malformed OTLP/JSON: expected a string');
  return v;
}

function str(v: unknown): string {
  return optString(v) ?? '';
}

/** A uint32/int32/enum given as a number or a numeric string, or an enum given by name. */
function int(v: unknown, names?: Record<string, number>): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    if (/^-?\d+$/.test(v)) return Number(v);
    const named = names?.[v];
    if (named !== undefined) return named;
  }
  throw new OtlpDecodeError(`malformed OTLP/JSON: ${JSON.stringify(v)} is not an integer${names ? ' or a known enum name' : ''}`);
}

function time(v: unknown): number {
  if (v === undefined || v === null) return 0;
  const us = typeof v === 'string' ? nanosTextToUs(v) : typeof v === 'number' ? nanosNumberToUs(v) : undefined;
  if (us === undefined) throw new OtlpDecodeError(`malformed OTLP/JSON: ${JSON.stringify(v)} is not a nanosecond time`);
  return us;
}

function double(v: unknown): number {
  if (typeof v === 'number') return v;
  // proto3 JSON writes non-finite doubles as "NaN", "Infinity", "-Infinity"; numbers may be quoted.
  if (typeof v === 'string' && (v === 'NaN' || v === 'Infinity' || v === '-Infinity' || /^-?[\d.eE+-]+$/.test(v))) return Number(v);
  throw new OtlpDecodeError(`malformed OTLP/JSON: ${JSON.stringify(v)} is not a number`);
}

function optDouble(v: unknown): number | undefined {
  return v === undefined || v === null ? undefined : double(v);
}

/** int64 as text or number: a number when exact, a bigint beyond 2^53. */
function int64(v: unknown): number | bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : BigInt(v);
  }
  throw new OtlpDecodeError(`malformed OTLP/JSON: ${JSON.stringify(v)} is not a 64-bit integer`);
}

function attributes(v: unknown): Attributes {
  const out = newAttributes();
  for (const kv of array(v, 'attributes')) {
    const o = object(kv, 'attribute');
    out[str(o.key)] = anyValue(o.value);
  }
  return out;
}

function anyValue(v: unknown): AttrValue {
  if (v === undefined || v === null) return null;
  const o = object(v, 'value');
  let x: unknown;
  if ((x = get(o, ['stringValue', 'string_value'])) !== undefined) return capString(String(x));
  if ((x = get(o, ['boolValue', 'bool_value'])) !== undefined) return x === true || x === 'true';
  if ((x = get(o, ['intValue', 'int_value'])) !== undefined) {
    const n = int64(x);
    return typeof n === 'bigint' ? n.toString() : n;
  }
  if ((x = get(o, ['doubleValue', 'double_value'])) !== undefined) return jsonNumber(double(x));
  if ((x = get(o, ['arrayValue', 'array_value'])) !== undefined) {
    return array(x === null ? undefined : object(x, 'arrayValue').values, 'arrayValue.values').map(anyValue);
  }
  if ((x = get(o, ['kvlistValue', 'kvlist_value'])) !== undefined) {
    return x === null ? newAttributes() : attributes(object(x, 'kvlistValue').values);
  }
  if ((x = get(o, ['bytesValue', 'bytes_value'])) !== undefined) return capString(String(x));
  return null;
}

function scope(v: unknown): OtlpScope {
  if (v === undefined || v === null) return { name: '' };
  const o = object(v, 'scope');
  const attrs = get(o, ['attributes']);
  return { name: str(o.name), version: optString(o.version), attributes: attrs === undefined ? undefined : attributes(attrs) };
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const TEMPORALITIES: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};
const SEVERITIES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((name, i) => {
  SEVERITIES[`SEVERITY_NUMBER_${name}`] = i * 4 + 1;
  for (let k = 2; k <= 4; k++) SEVERITIES[`SEVERITY_NUMBER_${name}${k}`] = i * 4 + k;
});

function span(o: Obj, budget: Budget): OtlpSpan | undefined {
  const traceId = idFromHex(get(o, ['traceId', 'trace_id']), TRACE_ID_BYTES, 'traceId');
  if (traceId.kind !== 'ok') return reject(budget, traceId.kind === 'none' ? 'traceId is empty' : traceId.reason);
  const spanId = idFromHex(get(o, ['spanId', 'span_id']), SPAN_ID_BYTES, 'spanId');
  if (spanId.kind !== 'ok') return reject(budget, spanId.kind === 'none' ? 'spanId is empty' : spanId.reason);
  const parent = idFromHex(get(o, ['parentSpanId', 'parent_span_id']), SPAN_ID_BYTES, 'parentSpanId');
  if (parent.kind === 'invalid' && !parent.reason.endsWith('all zeros')) return reject(budget, parent.reason);
  const status = get(o, ['status']);
  const so = status === undefined || status === null ? {} : object(status, 'status');
  return {
    traceId: traceId.hex,
    spanId: spanId.hex,
    parentSpanId: parent.kind === 'ok' ? parent.hex : undefined,
    traceState: optString(get(o, ['traceState', 'trace_state'])),
    name: capString(str(o.name)),
    kind: int(o.kind, SPAN_KINDS),
    startUs: time(get(o, ['startTimeUnixNano', 'start_time_unix_nano'])),
    endUs: time(get(o, ['endTimeUnixNano', 'end_time_unix_nano'])),
    attributes: attributes(o.attributes),
    events: array(o.events, 'events').map((e) => event(object(e, 'event'))),
    links: array(o.links, 'links')
      .map((l) => link(object(l, 'link')))
      .filter((l): l is OtlpLink => l !== undefined),
    statusCode: int(so.code, STATUS_CODES),
    statusMessage: optString(so.message),
    flags: int(o.flags),
  };
}

function event(o: Obj): OtlpEvent {
  const attrs = get(o, ['attributes']);
  return {
    timeUs: time(get(o, ['timeUnixNano', 'time_unix_nano'])),
    name: capString(str(o.name)),
    attributes: attrs === undefined ? undefined : attributes(attrs),
  };
}

/** A link to an invalid span context is dropped (the span itself is kept). */
function link(o: Obj): OtlpLink | undefined {
  const traceId = idFromHex(get(o, ['traceId', 'trace_id']), TRACE_ID_BYTES, 'traceId');
  const spanId = idFromHex(get(o, ['spanId', 'span_id']), SPAN_ID_BYTES, 'spanId');
  if (traceId.kind !== 'ok' || spanId.kind !== 'ok') return undefined;
  const attrs = get(o, ['attributes']);
  return {
    traceId: traceId.hex,
    spanId: spanId.hex,
    traceState: optString(get(o, ['traceState', 'trace_state'])),
    attributes: attrs === undefined ? undefined : attributes(attrs),
    flags: o.flags === undefined ? undefined : int(o.flags),
  };
}

function logRecord(o: Obj, budget: Budget): OtlpLogRecord | undefined {
  const traceId = idFromHex(get(o, ['traceId', 'trace_id']), TRACE_ID_BYTES, 'traceId');
  if (traceId.kind === 'invalid') return reject(budget, traceId.reason);
  const spanId = idFromHex(get(o, ['spanId', 'span_id']), SPAN_ID_BYTES, 'spanId');
  if (spanId.kind === 'invalid') return reject(budget, spanId.reason);
  return {
    timeUs: time(get(o, ['timeUnixNano', 'time_unix_nano'])),
    observedUs: time(get(o, ['observedTimeUnixNano', 'observed_time_unix_nano'])),
    severityNumber: int(get(o, ['severityNumber', 'severity_number']), SEVERITIES),
    severityText: optString(get(o, ['severityText', 'severity_text'])),
    body: anyValue(o.body),
    attributes: attributes(o.attributes),
    eventName: optString(get(o, ['eventName', 'event_name'])),
    traceId: traceId.kind === 'ok' ? traceId.hex : undefined,
    spanId: spanId.kind === 'ok' ? spanId.hex : undefined,
    flags: int(o.flags),
  };
}

const METRIC_KEYS: readonly [MetricType, Keys][] = [
  ['gauge', ['gauge']],
  ['sum', ['sum']],
  ['histogram', ['histogram']],
  ['exponential_histogram', ['exponentialHistogram', 'exponential_histogram']],
  ['summary', ['summary']],
];

function metric(o: Obj, budget: Budget): OtlpMetric | undefined {
  for (const [type, keys] of METRIC_KEYS) {
    const data = get(o, keys);
    if (data === undefined || data === null) continue;
    const d = object(data, type);
    const points = array(get(d, ['dataPoints', 'data_points']), 'dataPoints').map((p) => {
      if (++budget.count > OTLP_LIMITS.maxItemsPerRequest) throw new TooManyItemsError();
      return point(object(p, 'data point'), type);
    });
    return {
      name: str(o.name),
      description: optString(o.description),
      unit: optString(o.unit),
      type,
      temporality: int(get(d, ['aggregationTemporality', 'aggregation_temporality']), TEMPORALITIES),
      monotonic: get(d, ['isMonotonic', 'is_monotonic']) === true,
      points,
    };
  }
  return undefined;
}

function point(o: Obj, type: MetricType): OtlpPoint {
  const p: OtlpPoint = {
    startUs: time(get(o, ['startTimeUnixNano', 'start_time_unix_nano'])),
    timeUs: time(get(o, ['timeUnixNano', 'time_unix_nano'])),
    attributes: attributes(o.attributes),
    flags: int(o.flags),
    exemplars: array(o.exemplars, 'exemplars').map((e) => exemplar(object(e, 'exemplar'))),
  };
  if (type === 'gauge' || type === 'sum') {
    const asDouble = get(o, ['asDouble', 'as_double']);
    const asInt = get(o, ['asInt', 'as_int']);
    if (asDouble !== undefined) p.value = double(asDouble);
    else if (asInt !== undefined) p.intValue = int64(asInt);
    return p;
  }
  p.count = Number(int64(o.count ?? 0));
  p.sum = optDouble(o.sum);
  p.min = optDouble(o.min);
  p.max = optDouble(o.max);
  if (type === 'histogram') {
    p.distribution = {
      bounds: array(get(o, ['explicitBounds', 'explicit_bounds']), 'explicitBounds').map(double),
      counts: array(get(o, ['bucketCounts', 'bucket_counts']), 'bucketCounts').map((c) => Number(int64(c))),
    };
  } else if (type === 'exponential_histogram') {
    p.distribution = {
      scale: int(o.scale),
      zeroCount: Number(int64(get(o, ['zeroCount', 'zero_count']) ?? 0)),
      zeroThreshold: optDouble(get(o, ['zeroThreshold', 'zero_threshold'])) ?? 0,
      ...(o.positive ? { positive: expoBuckets(object(o.positive, 'positive')) } : {}),
      ...(o.negative ? { negative: expoBuckets(object(o.negative, 'negative')) } : {}),
    };
  } else {
    p.distribution = {
      quantiles: array(get(o, ['quantileValues', 'quantile_values']), 'quantileValues').map((q) => {
        const qo = object(q, 'quantile');
        return { quantile: optDouble(qo.quantile) ?? 0, value: optDouble(qo.value) ?? 0 };
      }),
    };
  }
  return p;
}

function expoBuckets(o: Obj): { offset: number; counts: number[] } {
  return { offset: int(o.offset), counts: array(get(o, ['bucketCounts', 'bucket_counts']), 'bucketCounts').map((c) => Number(int64(c))) };
}

function exemplar(o: Obj): OtlpExemplar {
  const traceId = idFromHex(get(o, ['traceId', 'trace_id']), TRACE_ID_BYTES, 'traceId');
  const spanId = idFromHex(get(o, ['spanId', 'span_id']), SPAN_ID_BYTES, 'spanId');
  const asDouble = get(o, ['asDouble', 'as_double']);
  const attrs = get(o, ['filteredAttributes', 'filtered_attributes']);
  return {
    timeUs: time(get(o, ['timeUnixNano', 'time_unix_nano'])),
    value: asDouble !== undefined ? double(asDouble) : int64(get(o, ['asInt', 'as_int']) ?? 0),
    traceId: traceId.kind === 'ok' ? traceId.hex : undefined,
    spanId: spanId.kind === 'ok' ? spanId.hex : undefined,
    attributes: attrs === undefined ? undefined : attributes(attrs),
  };
}
