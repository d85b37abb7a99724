// RED metrics from spans, as the OpenTelemetry Collector's spanmetrics connector makes them with
// its defaults, computed as spans are stored rather than by scanning spans at query time:
//  - `traces.span.metrics.calls`: a cumulative monotonic sum, one per span;
//  - `traces.span.metrics.duration`: a cumulative histogram of the span's duration in ms (the
//    connector's default unit) with its default buckets;
// per `service.name`, `span.name`, `span.kind` and `status.code` (point attributes, with the values
// the connector writes: `SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`…), every span kind, under the
// span's own resource (so PromQL's `job`/`service_name` are the service's). As the connector does,
// spans whose resource has no `service.name` are not counted.
import type { Attributes, OtlpMetric, OtlpSpan, ScopeGroup } from '../../../core/telemetry.js';
import { CumulativeTable, type DerivedPoint } from './cumulative-table.js';

/** The connector's default namespace and metric names. */
export const CALLS_METRIC = 'traces.span.metrics.calls';
export const DURATION_METRIC = 'traces.span.metrics.duration';
/** The connector's default histogram buckets (2ms … 15s), in its default unit, ms. */
export const DURATION_BOUNDS_MS: readonly number[] = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000];
/** Distinct (resource, span name, kind, status) combinations kept before the overflow series. */
export const SPAN_METRICS_SERIES_LIMIT = 5000;
/** The scope of the generated metrics (the connector's own). */
export const SPAN_METRICS_SCOPE = 'spanmetricsconnector';

const KIND_NAMES = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
const CUMULATIVE = 2;

export class SpanMetrics {
  private readonly table: CumulativeTable;
  /** Spans counted (overflowed ones included). */
  spans = 0;

  constructor(limit = SPAN_METRICS_SERIES_LIMIT) {
    this.table = new CumulativeTable(limit, DURATION_BOUNDS_MS);
  }

  get overflowedSpans(): number {
    return this.table.overflowed;
  }

  get seriesCount(): number {
    return this.table.seriesCount;
  }

  /** Count the spans of `groups` but those in `skip` (already stored: an exporter's retry). */
  observe(groups: readonly ScopeGroup<OtlpSpan>[], skip: ReadonlySet<OtlpSpan>, nowUs: number): void {
    for (const g of groups) {
      const service = g.resource.attributes['service.name'];
      if (typeof service !== 'string' || service === '' || g.items.length === 0) continue;
      const r = this.table.resourceOf(g.resource);
      for (const s of g.items) {
        if (skip.size > 0 && skip.has(s)) continue;
        const kind = KIND_NAMES[s.kind] ?? KIND_NAMES[0]!;
        const status = STATUS_NAMES[s.statusCode] ?? STATUS_NAMES[0]!;
        const attributes = (): Attributes => ({ 'service.name': service, 'span.name': s.name, 'span.kind': kind, 'status.code': status });
        // A negative duration (end before start) counts as 0, as the connector does.
        const ms = s.endUs > s.startUs ? (s.endUs - s.startUs) / 1000 : 0;
        this.table.observe(r, `${s.name}\u0000${kind}\u0000${status}`, attributes, nowUs, ms);
        this.spans++;
      }
    }
  }

  /** The points of a flush at `nowUs` as OTLP metrics per resource; `commit` once they are stored. */
  collect(nowUs: number): { groups: ScopeGroup<OtlpMetric>[]; commit: () => void } {
    const { groups, commit } = this.table.collect(nowUs);
    return {
      groups: groups.map((g) => ({ resource: g.resource, scope: { name: SPAN_METRICS_SCOPE }, items: metricsOf(g.points) })),
      commit,
    };
  }
}

function metricsOf(points: readonly DerivedPoint[]): OtlpMetric[] {
  const calls: OtlpMetric = { name: CALLS_METRIC, type: 'sum', temporality: CUMULATIVE, monotonic: true, points: [] };
  const duration: OtlpMetric = {
    name: DURATION_METRIC,
    unit: 'ms',
    type: 'histogram',
    temporality: CUMULATIVE,
    monotonic: false,
    points: [],
  };
  for (const { series, timeUs, values } of points) {
    const base = { startUs: series.startUs, timeUs, attributes: series.attributes, flags: 0, exemplars: [] };
    calls.points.push({ ...base, intValue: values.count });
    const distribution = { bounds: DURATION_BOUNDS_MS, counts: values.buckets };
    duration.points.push({ ...base, count: values.count, sum: values.sum, distribution });
  }
  return [calls, duration];
}
