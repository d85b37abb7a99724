// The PromQL box's autocomplete: what the cursor is in (lezer-promql's tree of a half-written
// query), the suggestions for it, and the query once one is taken; the heatmap of a histogram's
// buckets; the exemplar dots of a chart.
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../electron/engine/signals/metrics/promql/signatures.js';
import { exemplarPoints, MAX_EXEMPLARS_PER_CHART } from '../../../renderer/src/features/metrics/chart-data.js';
import { heatmapOf } from '../../../renderer/src/features/metrics/heatmap-data.js';
import {
  applySuggestion,
  completionContext,
  PROMQL_FUNCTIONS,
  suggestionsFor,
  type CompletionSource,
} from '../../../renderer/src/features/metrics/promql-complete.js';

const at = (q: string) => completionContext(q, q.length);

const source: CompletionSource = {
  metrics: async () => ({ 'app.jobs_total': 'counter', http_requests_total: 'counter', http_request_duration_seconds: 'histogram' }),
  labelNames: async (metric) => (metric === 'app.jobs_total' ? ['__name__', 'queue', 'service_name'] : ['__name__', 'http.route', 'job']),
  labelValues: async (label) => (label === 'queue' ? ['email', 'sms'] : label === 'http.route' ? ['/cart', '/say "hi"'] : []),
};

describe('PromQL autocomplete', () => {
  it('reads what the cursor is in from the parse tree', () => {
    expect(at('rate(http_req')).toEqual({ kind: 'expression', from: 5, prefix: 'http_req' });
    expect(at('http_requests_total{jo')).toEqual({
      kind: 'labelName',
      from: 20,
      prefix: 'jo',
      quoted: false,
      metric: 'http_requests_total',
    });
    expect(at('x{a="b", ')).toMatchObject({ kind: 'labelName', from: 9, prefix: '', metric: 'x' });
    expect(at('x{queue=')).toEqual({ kind: 'labelValue', from: 8, prefix: '', label: 'queue', metric: 'x' });
    expect(at('x{queue=~"em')).toEqual({ kind: 'labelValue', from: 9, prefix: 'em', label: 'queue', metric: 'x' });
    expect(at('x{"http.route"="/c')).toEqual({ kind: 'labelValue', from: 15, prefix: '/c', label: 'http.route', metric: 'x' });
    expect(at('x{"http.ro')).toMatchObject({ kind: 'labelName', quoted: true, prefix: 'http.ro' });
    expect(at('{"app.jobs_total", queue="')).toMatchObject({ kind: 'labelValue', label: 'queue', metric: 'app.jobs_total' });
    expect(at('{"app.jo')).toEqual({ kind: 'quotedMetric', from: 1, prefix: 'app.jo' });
    expect(at('sum by (jo')).toMatchObject({ kind: 'labelName', prefix: 'jo' });
    expect(at('sum(rate({"app.jobs_total"}[5m])) by (')).toMatchObject({ kind: 'labelName', prefix: '', metric: 'app.jobs_total' });
    // Nothing to suggest in a duration, a number, or after a closed value.
    expect(at('rate(x[5')).toBeNull();
    expect(at('x > 1')).toBeNull();
    expect(at('x{a="b"')).toBeNull();
  });

  it('suggests metrics (a dotted one as its own selector), functions and aggregations in an expression', async () => {
    const s = await suggestionsFor({ kind: 'expression', from: 0, prefix: 'http' }, source);
    expect(s.map((x) => x.label)).toEqual(['http_requests_total', 'http_request_duration_seconds']);
    const app = await suggestionsFor({ kind: 'expression', from: 0, prefix: 'app' }, source);
    expect(app[0]).toEqual({ label: 'app.jobs_total', detail: 'counter', insert: '{"app.jobs_total"}' });
    // Typed the Prometheus way, an OTel name is found all the same.
    expect((await suggestionsFor({ kind: 'expression', from: 0, prefix: 'app_jo' }, source)).map((x) => x.label)).toEqual([
      'app.jobs_total',
    ]);
    const r = await suggestionsFor({ kind: 'expression', from: 0, prefix: 'rat' }, source);
    expect(r[0]).toEqual({ label: 'rate', detail: 'function', insert: 'rate(' });
    const sum = await suggestionsFor({ kind: 'expression', from: 0, prefix: 'su' }, source);
    expect(sum[0]).toMatchObject({ label: 'sum', detail: 'aggregation' });
  });

  it('suggests label names and values of the metric, quoted as PromQL needs, and inserts them', async () => {
    const names = await suggestionsFor({ kind: 'labelName', from: 2, prefix: 'ht', quoted: false, metric: 'x' }, source);
    expect(names).toEqual([{ label: 'http.route', detail: 'label', insert: '"http.route"' }]);
    const values = await suggestionsFor({ kind: 'labelValue', from: 15, prefix: '/', label: 'http.route', metric: 'x' }, source);
    expect(values.map((v) => v.insert)).toEqual(['"/cart"', '"/say \\"hi\\""']);
    // Taken inside a literal the user began (and closed ahead of the cursor): one literal, not two.
    expect(applySuggestion('x{"http.route"="/c"}', 18, 15, '"/cart"')).toEqual({ value: 'x{"http.route"="/cart"}', cursor: 22 });
    expect(applySuggestion('x{queue=}', 8, 8, '"sms"')).toEqual({ value: 'x{queue="sms"}', cursor: 13 });
    expect(applySuggestion('rate(http_req', 13, 5, 'http_requests_total')).toEqual({ value: 'rate(http_requests_total', cursor: 24 });
  });

  it("suggests only functions Loupe's engine evaluates", () => {
    expect(PROMQL_FUNCTIONS.filter((f) => !FUNCTIONS.has(f))).toEqual([]);
  });
});

describe('the histogram heatmap', () => {
  const matrix = (buckets: [string, number[]][]) =>
    ({
      resultType: 'matrix',
      result: buckets.map(([le, vs]) => ({ metric: { le }, values: vs.map((v, i) => [1000 + i * 60, String(v)] as [number, string]) })),
    }) as const;

  it('turns cumulative buckets into per-bucket rates, leaving out empty edge rows', () => {
    const h = heatmapOf(
      matrix([
        ['+Inf', [5, 9]],
        ['0.1', [0, 0]],
        ['0.5', [2, 3]],
        ['1', [5, 9]],
        ['5', [5, 9]],
      ]),
    )!;
    expect(h.rows).toEqual([
      { lower: 0.1, upper: 0.5 },
      { lower: 0.5, upper: 1 },
    ]);
    expect(h.values).toEqual([
      [2, 3],
      [3, 6],
    ]);
    expect(h.times).toEqual([1_000_000, 1_060_000]);
    expect(h.max).toBe(6);
  });

  it('merges neighbouring buckets past the row limit, keeping +Inf', () => {
    const many = Array.from({ length: 100 }, (_, i) => [String(i + 1), [i + 1]] as [string, number[]]);
    const h = heatmapOf(matrix([...many, ['+Inf', [100]]]), 10)!;
    expect(h.rows.length).toBeLessThanOrEqual(10);
    expect(h.values.flat().reduce((a, b) => a! + b!, 0)).toBe(100);
  });
});

describe('exemplar dots', () => {
  it('keeps each exemplar once, with a finite value, the newest at most', () => {
    const series = (n: number, from = 0) => ({
      seriesLabels: { __name__: 'x_bucket', le: '0.5' },
      exemplars: Array.from({ length: n }, (_, i) => ({ labels: { trace_id: `t${from + i}` }, value: '0.3', timestamp: from + i })),
    });
    // The p50 and p95 queries read the same buckets: one dot each.
    const dots = exemplarPoints([[series(3)], [series(3)]]);
    expect(dots.map((d) => d.traceId)).toEqual(['t0', 't1', 't2']);
    expect(dots[0]).toEqual({ x: 0, y: 0.3, traceId: 't0', spanId: undefined, series: '0.5' });
    expect(exemplarPoints([[series(MAX_EXEMPLARS_PER_CHART + 5)]])[0]?.traceId).toBe('t5');
    expect(exemplarPoints([[{ seriesLabels: {}, exemplars: [{ labels: {}, value: 'NaN', timestamp: 1 }] }]])).toEqual([]);
  });
});
