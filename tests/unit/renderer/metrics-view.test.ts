// The Metrics view's pure helpers: units as read, the PromQL the explorer writes (split-by,
// filters, quoted OTel names), the overview's RED queries, range answers as chart series, and the
// join of /api/v1/metadata with metrics.list behind the metric picker.
import { describe, expect, it } from 'vitest';
import type { MetricSummaryView, PromQueryData } from '../../../shared/model.js';
import { chartSeries, matrixSeries, MAX_SERIES_PER_CHART, seriesName } from '../../../renderer/src/features/metrics/chart-data.js';
import { buildCatalog, filterCatalog } from '../../../renderer/src/features/metrics/metric-catalog.js';
import {
  chartSpec,
  formatFilters,
  parseFilters,
  rateWindow,
  selector,
  stepFor,
  type LabelFilter,
} from '../../../renderer/src/features/metrics/promql-build.js';
import { redQueries } from '../../../renderer/src/lib/red-series.js';
import { familyUnit, formatMetricValue, formatNumber } from '../../../renderer/src/features/metrics/units.js';

describe('metric values as read', () => {
  it('formats durations, bytes, ratios, percentages and rates', () => {
    expect(formatMetricValue(0.123, 'seconds')).toBe('123ms');
    expect(formatMetricValue(1.5, 'seconds')).toBe('1.5s');
    expect(formatMetricValue(250, 'milliseconds')).toBe('250ms');
    expect(formatMetricValue(3 * 1024 * 1024, 'bytes')).toBe('3.0 MiB');
    expect(formatMetricValue(512, 'bytes', true)).toBe('512 B/s');
    expect(formatMetricValue(2048, 'bytes_per_second')).toBe('2.0 KiB/s');
    expect(formatMetricValue(0.0425, 'ratio')).toBe('4.25%');
    expect(formatMetricValue(12.5, 'percent')).toBe('12.5%');
    expect(formatMetricValue(2.5, '', true)).toBe('2.5/s');
    expect(formatMetricValue(12_345, 'requests')).toBe('12.3k requests');
    expect(formatMetricValue(Number.NaN, 'seconds')).toBe('—');
    expect(formatNumber(0.012345)).toBe('0.0123');
    expect(formatNumber(2_500_000)).toBe('2.5M');
  });

  it('takes the unit from the name when the metadata has none', () => {
    expect(familyUnit('process.cpu.utilization_ratio', '')).toBe('ratio');
    expect(familyUnit('x_bytes_total', '')).toBe('bytes');
    expect(familyUnit('x', 'seconds')).toBe('seconds');
    expect(familyUnit('requests_total', '')).toBe('');
  });
});

describe('the PromQL the explorer writes', () => {
  const filters: LabelFilter[] = [
    { label: 'http.route', op: '=', value: '/users/{id}' },
    { label: 'method', op: '!~', value: 'OPTIONS|HEAD' },
  ];

  it('quotes OTel names and labels with dots, escapes values', () => {
    expect(selector('up')).toBe('up');
    expect(selector('http_requests_total', [{ label: 'path', op: '=', value: 'say "hi"\\' }])).toBe(
      'http_requests_total{path="say \\"hi\\"\\\\"}',
    );
    expect(selector('http.server.duration_seconds_bucket', filters)).toBe(
      '{"http.server.duration_seconds_bucket", "http.route"="/users/{id}", method!~"OPTIONS|HEAD"}',
    );
  });

  it('draws a counter as its rate per second, summed or split by a label', () => {
    const spec = chartSpec('requests_total', { type: 'counter', unit: '' }, [], '', 15);
    expect(spec.perSecond).toBe(true);
    expect(spec.queries).toEqual([{ expr: 'sum (rate(requests_total[60s]))', legend: 'rate' }]);
    const split = chartSpec('requests_total', { type: 'counter', unit: '' }, filters, 'http.route', 30);
    expect(split.queries.map((q) => q.expr)).toEqual([
      'sum by ("http.route") (rate(requests_total{"http.route"="/users/{id}", method!~"OPTIONS|HEAD"}[120s]))',
    ]);
  });

  it('draws a histogram as p50, p95 and p99 lines, split keeping le', () => {
    const spec = chartSpec('http.server.duration_seconds', { type: 'histogram', unit: 'seconds' }, [], 'status', 15);
    expect(spec.unit).toBe('seconds');
    expect(spec.queries.map((q) => q.legend)).toEqual(['p50', 'p95', 'p99']);
    expect(spec.queries[1]?.expr).toBe(
      'histogram_quantile(0.95, sum by (le, status) (rate({"http.server.duration_seconds_bucket"}[60s])))',
    );
  });

  it('draws a gauge as its series, or their sum per split value', () => {
    expect(chartSpec('queue_depth', { type: 'gauge', unit: '' }, [], '', 15).queries[0]?.expr).toBe('queue_depth');
    expect(chartSpec('queue_depth', { type: 'gauge', unit: '' }, [], 'queue', 15).queries[0]?.expr).toBe('sum by (queue) (queue_depth)');
  });

  it('keeps filters in the URL as matcher text and reads them back', () => {
    const text = formatFilters([...filters, { label: 'q', op: '=', value: 'a, "b"' }]);
    expect(text).toBe('"http.route"="/users/{id}", method!~"OPTIONS|HEAD", q="a, \\"b\\""');
    expect(parseFilters(text)).toEqual([...filters, { label: 'q', op: '=', value: 'a, "b"' }]);
    expect(parseFilters('garbage')).toEqual([]);
  });

  it('asks for a few hundred points whatever the range, and rates over at least 4 steps', () => {
    expect(stepFor(3600_000, 300)).toBe(12);
    expect(stepFor(7 * 86400_000, 300)).toBe(2016);
    expect(stepFor(10_000, 300)).toBe(1);
    expect(rateWindow(2016)).toBe('8064s');
  });

  it('asks the overview from the RED series, by service and by operation of one service', () => {
    const byService = redQueries('service_name');
    expect(byService.rate).toBe(
      'sum by (service_name) (rate({"traces.span.metrics.calls_total", "span.kind"=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"}[5m]))',
    );
    expect(byService.errors).toContain('"status.code"="STATUS_CODE_ERROR"}[5m])) / sum by (service_name)');
    expect(byService.p95).toBe(
      'histogram_quantile(0.95, sum by (le, service_name) (rate({"traces.span.metrics.duration_milliseconds_bucket", "span.kind"=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"}[5m])))',
    );
    const ops = redQueries('span.name', 'check"out');
    expect(ops.rate).toContain('sum by ("span.name")');
    expect(ops.rate).toContain('service_name="check\\"out"');
  });
});

describe('range answers as chart series', () => {
  const data: PromQueryData = {
    resultType: 'matrix',
    result: [
      {
        metric: { route: '/b' },
        values: [
          [100, '1'],
          [115, '2'],
          [160, '4'],
        ],
      },
      {
        metric: { route: '/a' },
        values: [
          [100, 'NaN'],
          [115, '+Inf'],
          [130, '3'],
        ],
      },
    ],
  };

  it('names series by their labels, leaves gaps where steps are missing and NaN/Inf unplotted', () => {
    const series = matrixSeries(data, { legend: 'p95' }, 15_000);
    expect(series.map((s) => s.label)).toEqual(['p95 · /b', 'p95 · /a']);
    expect(series[0]?.points).toEqual([
      { x: 100_000, y: 1 },
      { x: 115_000, y: 2 },
      { x: 130_000, y: null },
      { x: 160_000, y: 4 },
    ]);
    expect(series[0]?.last).toBe(4);
    expect(series[1]?.points.map((p) => p.y)).toEqual([null, null, 3]);
    expect(seriesName({ __name__: 'up', job: 'a', instance: 'b' })).toBe('{job="a", instance="b"}');
    expect(seriesName({ __name__: 'up' })).toBe('up');
  });

  it('sorts the series of all queries and draws no more than the cap', () => {
    const many: PromQueryData = {
      resultType: 'matrix',
      result: Array.from({ length: MAX_SERIES_PER_CHART + 5 }, (_, i) => ({
        metric: { id: String(i).padStart(2, '0') },
        values: [[1, '1']] as [number, string][],
      })),
    };
    const { series, omitted } = chartSeries([{ data: many, query: { expr: 'x', legend: '' } }], 15_000);
    expect(series).toHaveLength(MAX_SERIES_PER_CHART);
    expect(omitted).toBe(5);
    expect(series[0]?.label).toBe('00');
  });
});

describe('the metric picker', () => {
  const received: MetricSummaryView[] = [
    { name: 'http.server.duration', type: 'histogram', unit: 's', service: 'web', series: 4, lastTime: '2026-01-01T00:00:02Z' },
    { name: 'http.server.duration', type: 'histogram', unit: 's', service: 'api', series: 2, lastTime: '2026-01-01T00:00:05Z' },
    { name: 'jobs', type: 'sum', service: 'api', series: 3, lastTime: '2026-01-01T00:00:01Z', description: 'jobs done' },
    { name: 'jobs_queue', type: 'gauge', service: 'api', series: 1, lastTime: '2026-01-01T00:00:01Z' },
  ];
  const catalog = buildCatalog(
    {
      'http.server.duration_seconds': [{ type: 'histogram', help: 'Server durations', unit: 'seconds' }],
      jobs_total: [{ type: 'counter', help: '', unit: '' }],
      jobs_queue: [{ type: 'gauge', help: '', unit: '' }],
    },
    received,
  );

  it('counts the series of every service under the PromQL family name', () => {
    expect(catalog.map((e) => [e.family, e.type, e.series, e.services.join(',')])).toEqual([
      ['http.server.duration_seconds', 'histogram', 6, 'api,web'],
      ['jobs_queue', 'gauge', 1, 'api'],
      ['jobs_total', 'counter', 3, 'api'],
    ]);
    expect(catalog[0]?.lastTime).toBe('2026-01-01T00:00:05Z');
    expect(catalog[2]?.description).toBe('jobs done');
  });

  it('searches names, descriptions and services', () => {
    expect(filterCatalog(catalog, 'server dur').map((e) => e.family)).toEqual(['http.server.duration_seconds']);
    expect(filterCatalog(catalog, 'jobs').map((e) => e.family)).toEqual(['jobs_queue', 'jobs_total']);
    expect(filterCatalog(catalog, 'web').map((e) => e.family)).toEqual(['http.server.duration_seconds']);
  });
});
