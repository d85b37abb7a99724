// OTLP/protobuf ExportMetricsServiceRequest → metrics and their points, in one pass over the buffer
// (field numbers of opentelemetry-proto's metrics.proto, v1; the shared outer shape is in common.ts).
import { SPAN_ID_BYTES, TRACE_ID_BYTES } from '../ids.js';
import type { MetricType, OtlpExemplar, OtlpMetric, OtlpPoint } from '../../../core/telemetry.js';
import type { Decoded } from '../model.js';
import { newAttributes } from '../values.js';
import { ProtoReader, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../protobuf-reader.js';
import { ItemBudget, decodeRequest, decodeKeyValue, readId, time } from './common.js';

export function decodeMetricsProto(buf: Buffer): Decoded<OtlpMetric> {
  return decodeRequest(buf, decodeMetric);
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
