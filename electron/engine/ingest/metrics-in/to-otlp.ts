// Prometheus metric families (a scrape, a StatsD flush) in the store's OTLP shape, as the
// OpenTelemetry Collector's prometheus receiver converts them:
//  - counter -> monotonic cumulative sum named as the family without `_total` (the Prometheus
//    query side adds it back, as it does for OTLP counters); `_created` is the point's start time,
//    which tells a counter reset apart (a new start);
//  - gauge, untyped/unknown, info (`x_info`), stateset -> gauge, one metric per sample name;
//  - histogram (and gaugehistogram) -> histogram with explicit bounds: the `le` buckets become the
//    bounds (+Inf dropped) and per-bucket counts (the cumulative counts differenced), `_count` and
//    `_sum` the point's count and sum, bucket exemplars its exemplars;
//  - summary -> summary: the `quantile` samples, `_count`, `_sum`.
// Labels become point attributes; the target is the resource (see scrapeResource).
import type { Attributes, OtlpExemplar, OtlpMetric, OtlpPoint, OtlpResource } from '../../core/telemetry.js';
import type { Exemplar, Labels, MetricFamily, Sample } from './model.js';

/** OTLP temporality: cumulative. */
const CUMULATIVE = 2;

/** The resource of a scrape target's series: Prometheus's job and instance, as the Collector names them. */
export function scrapeResource(job: string, url: URL): OtlpResource {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return {
    attributes: {
      'service.name': job,
      'service.instance.id': instanceOf(url),
      'server.address': url.hostname,
      'server.port': port,
      'url.scheme': url.protocol.replace(/:$/, ''),
    },
  };
}

/** A target's `instance`: host:port, as Prometheus labels it. */
export function instanceOf(url: URL): string {
  return `${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/** The families as OTLP metrics; samples without a timestamp get `nowUs`. */
export function familiesToMetrics(families: readonly MetricFamily[], nowUs: number): OtlpMetric[] {
  const out: OtlpMetric[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    switch (f.type) {
      case 'counter':
        out.push(counterOf(f, nowUs));
        break;
      case 'histogram':
      case 'gaugehistogram':
        out.push(histogramOf(f, nowUs));
        break;
      case 'summary':
        out.push(summaryOf(f, nowUs));
        break;
      default:
        out.push(...gaugesOf(f, nowUs));
    }
  }
  return out;
}

/** A plain gauge of one value (up, scrape_duration_seconds…). */
export function gauge(name: string, value: number, timeUs: number, description = ''): OtlpMetric {
  return {
    name,
    ...(description ? { description } : {}),
    type: 'gauge',
    temporality: 0,
    monotonic: false,
    points: [{ startUs: 0, timeUs, attributes: {}, value, flags: 0, exemplars: [] }],
  };
}

function shapeOf(f: MetricFamily, name: string, type: OtlpMetric['type'], monotonic: boolean): OtlpMetric {
  return {
    name,
    ...(f.help ? { description: f.help } : {}),
    ...(f.unit ? { unit: f.unit } : {}),
    type,
    temporality: type === 'gauge' ? 0 : CUMULATIVE,
    monotonic,
    points: [],
  };
}

function gaugesOf(f: MetricFamily, nowUs: number): OtlpMetric[] {
  const byName = new Map<string, OtlpMetric>();
  for (const s of f.samples) {
    let m = byName.get(s.name);
    if (!m) byName.set(s.name, (m = shapeOf(f, s.name, 'gauge', false)));
    m.points.push({ ...pointBase(s.labels, s, nowUs), value: s.value, exemplars: s.exemplar ? [exemplarOf(s.exemplar, nowUs)] : [] });
  }
  return [...byName.values()];
}

function counterOf(f: MetricFamily, nowUs: number): OtlpMetric {
  const m = shapeOf(f, f.name.replace(/_total$/, ''), 'sum', true);
  const created = createdByLabels(f);
  for (const s of f.samples) {
    if (s.name.endsWith('_created')) continue;
    const key = labelKey(s.labels);
    m.points.push({
      ...pointBase(s.labels, s, nowUs),
      startUs: created.get(key) ?? 0,
      value: s.value,
      exemplars: s.exemplar ? [exemplarOf(s.exemplar, nowUs)] : [],
    });
  }
  return m;
}

interface Group {
  labels: Labels;
  sample?: Sample;
  count?: number;
  sum?: number;
  buckets: { le: number; cumulative: number; exemplar?: Exemplar }[];
  quantiles: { quantile: number; value: number }[];
}

/** The samples of a histogram or summary, grouped by their labels without `le` / `quantile`. */
function groupsOf(f: MetricFamily, split: 'le' | 'quantile'): Group[] {
  const groups = new Map<string, Group>();
  for (const s of f.samples) {
    const { [split]: at, ...labels } = s.labels;
    const key = labelKey(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, buckets: [], quantiles: [] }));
    const suffix = s.name.slice(f.name.length);
    if (suffix === '_count' || suffix === '_gcount') g.count = s.value;
    else if (suffix === '_sum' || suffix === '_gsum') g.sum = s.value;
    else if (suffix === '_created') continue;
    else if (suffix === '_bucket' && at !== undefined)
      g.buckets.push({
        le: Number(at.replace(/^\+?inf$/i, 'Infinity')),
        cumulative: s.value,
        ...(s.exemplar ? { exemplar: s.exemplar } : {}),
      });
    else if (suffix === '' && at !== undefined) g.quantiles.push({ quantile: Number(at), value: s.value });
    else continue;
    // The newest sample of the group carries its time.
    if (!g.sample || (s.timestampUs ?? 0) > (g.sample.timestampUs ?? 0)) g.sample = s;
  }
  return [...groups.values()].filter((g) => g.sample);
}

function histogramOf(f: MetricFamily, nowUs: number): OtlpMetric {
  const m = shapeOf(f, f.name, 'histogram', f.type === 'histogram');
  const created = createdByLabels(f);
  for (const g of groupsOf(f, 'le')) {
    const buckets = g.buckets.sort((a, b) => a.le - b.le);
    const finite = buckets.filter((b) => b.le !== Infinity);
    const total = g.count ?? buckets.find((b) => b.le === Infinity)?.cumulative ?? finite.at(-1)?.cumulative ?? 0;
    const counts: number[] = [];
    let previous = 0;
    for (const b of finite) {
      counts.push(b.cumulative - previous);
      previous = b.cumulative;
    }
    counts.push(total - previous);
    const point: OtlpPoint = {
      ...pointBase(g.labels, g.sample!, nowUs),
      startUs: created.get(labelKey(g.labels)) ?? 0,
      count: total,
      distribution: { bounds: finite.map((b) => b.le), counts },
      exemplars: buckets.flatMap((b) => (b.exemplar ? [exemplarOf(b.exemplar, nowUs)] : [])),
    };
    if (g.sum !== undefined) point.sum = g.sum;
    m.points.push(point);
  }
  return m;
}

function summaryOf(f: MetricFamily, nowUs: number): OtlpMetric {
  const m = shapeOf(f, f.name, 'summary', false);
  const created = createdByLabels(f);
  for (const g of groupsOf(f, 'quantile')) {
    const point: OtlpPoint = {
      ...pointBase(g.labels, g.sample!, nowUs),
      startUs: created.get(labelKey(g.labels)) ?? 0,
      count: g.count ?? 0,
      distribution: { quantiles: g.quantiles.sort((a, b) => a.quantile - b.quantile) },
      exemplars: [],
    };
    if (g.sum !== undefined) point.sum = g.sum;
    m.points.push(point);
  }
  return m;
}

/** `x_created` samples (seconds since the epoch) as start times in µs, by their labels. */
function createdByLabels(f: MetricFamily): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of f.samples) {
    if (!s.name.endsWith('_created') || !Number.isFinite(s.value)) continue;
    const { le: _le, quantile: _q, ...labels } = s.labels;
    out.set(labelKey(labels), Math.round(s.value * 1e6));
  }
  return out;
}

function pointBase(labels: Labels, s: Sample, nowUs: number): OtlpPoint {
  return { startUs: 0, timeUs: s.timestampUs ?? nowUs, attributes: { ...labels }, flags: 0, exemplars: [] };
}

/** An exemplar's trace_id / span_id labels become its trace link (OpenMetrics's convention). */
function exemplarOf(e: Exemplar, nowUs: number): OtlpExemplar {
  const { trace_id: traceId, span_id: spanId, ...rest } = e.labels;
  return {
    timeUs: e.timestampUs ?? nowUs,
    value: e.value,
    ...(traceId ? { traceId } : {}),
    ...(spanId ? { spanId } : {}),
    ...(Object.keys(rest).length > 0 ? { attributes: rest } : {}),
  };
}

/** Labels' identity whatever their order. */
export function labelKey(labels: Labels | Attributes): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${String(labels[k])}`)
    .join('\u0001');
}
