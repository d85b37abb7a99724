// OpenTelemetry's data model as the engine holds it: what ingest hands to storage (the OTLP
// decoders of both encodings, trace import) and the writers store. Already in the engine's units
// (µs times, lower-case hex ids, attributes as plain JSON values), so storage never knows which
// encoding or source a record came from.

/** An attribute value: OTLP's AnyValue as plain JSON (bytes as base64; int64 beyond 2^53 as decimal text). */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export interface OtlpResource {
  attributes: Attributes;
  schemaUrl?: string | undefined;
}

export interface OtlpScope {
  name: string;
  version?: string | undefined;
  attributes?: Attributes | undefined;
}

export interface OtlpEvent {
  timeUs: number;
  name: string;
  attributes?: Attributes | undefined;
}

export interface OtlpLink {
  traceId: string;
  spanId: string;
  traceState?: string | undefined;
  attributes?: Attributes | undefined;
  flags?: number | undefined;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string | undefined;
  traceState?: string | undefined;
  name: string;
  /** 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startUs: number;
  endUs: number;
  attributes: Attributes;
  /**
   * The attributes as the JSON text the store keeps (null: none), when the decoder wrote it from
   * the wire (OTLP/protobuf); `attributes` is then parsed from it only if something reads it.
   */
  attributesJson?: string | null | undefined;
  events: OtlpEvent[];
  links: OtlpLink[];
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage?: string | undefined;
  flags: number;
}

export interface OtlpLogRecord {
  timeUs: number;
  observedUs: number;
  severityNumber: number;
  severityText?: string | undefined;
  body: AttrValue;
  attributes: Attributes;
  eventName?: string | undefined;
  traceId?: string | undefined;
  spanId?: string | undefined;
  flags: number;
}

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

export interface OtlpExemplar {
  timeUs: number;
  value: number | bigint;
  traceId?: string | undefined;
  spanId?: string | undefined;
  attributes?: Attributes | undefined;
}

export interface OtlpPoint {
  startUs: number;
  timeUs: number;
  attributes: Attributes;
  flags: number;
  /** gauge and sum: as_double… */
  value?: number | undefined;
  /** …or as_int (a bigint beyond 2^53). */
  intValue?: number | bigint | undefined;
  count?: number | undefined;
  sum?: number | undefined;
  min?: number | undefined;
  max?: number | undefined;
  /** Histograms and summaries: what the point's distribution is, as stored (JSON). */
  distribution?: Record<string, unknown> | undefined;
  exemplars: OtlpExemplar[];
}

export interface OtlpMetric {
  name: string;
  description?: string | undefined;
  unit?: string | undefined;
  type: MetricType;
  /** 0 unspecified, 1 delta, 2 cumulative. */
  temporality: number;
  monotonic: boolean;
  points: OtlpPoint[];
}

/** Items of one resource + scope, as a request groups them. */
export interface ScopeGroup<T> {
  resource: OtlpResource;
  scope: OtlpScope;
  items: T[];
}

/** OTLP's DataPointFlags.FLAG_NO_RECORDED_VALUE: how a staleness marker is stored (see staleMarker). */
export const NO_RECORDED_VALUE = 1;

/** The point that says a series is gone: no value, the no-recorded-value flag (Prometheus's stale NaN). */
export function staleMarker(metric: OtlpMetric, attributes: Attributes, nowUs: number): OtlpMetric {
  const { points: _points, ...shape } = metric;
  return { ...shape, points: [{ startUs: 0, timeUs: nowUs, attributes, flags: NO_RECORDED_VALUE, exemplars: [] }] };
}
