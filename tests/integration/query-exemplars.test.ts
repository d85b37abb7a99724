// /api/v1/query_exemplars: the exemplars OTLP points carry (received over OTLP/HTTP) answered in
// Prometheus's shape, per series (histogram exemplars on the `_bucket` series of their bucket),
// once each, inside the time range; and the same answer as a real Prometheus (Debian's 2.42 with
// its exemplar storage on) gives for one OpenMetrics endpoint that both scrape.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromExemplarSeries } from '../../shared/model.js';
import { startOtlpEngine, type OtlpEngine } from '../support/otlp-engine.js';
import { waitFor } from '../support/serve-process.js';

const T = 1_800_000_000; // Unix seconds of the first export
const TRACE = { a: '0af7651916cd43dd8448eb211c80319c', b: '4bf92f3577b34da6a3ce929d0e0e4736', c: '5b8efff798038103d269b633813fc60c' };
const SPAN = 'b7ad6b7169203331';
const nanos = (s: number): string => `${BigInt(Math.round(s * 1000)) * 1_000_000n}`;

/** A cumulative histogram point of request_duration (s) exported at `s`, with its exemplars. */
function durationPoint(s: number, counts: number[], exemplars: object[]): object {
  return {
    startTimeUnixNano: nanos(T - 60),
    timeUnixNano: nanos(s),
    attributes: [{ key: 'http.route', value: { stringValue: '/cart' } }],
    count: String(counts.reduce((a, b) => a + b, 0)),
    sum: 3,
    bucketCounts: counts.map(String),
    explicitBounds: [0.1, 0.5, 1],
    exemplars,
  };
}

const exemplar = (s: number, value: number, traceId: string, extra: object = {}): object => ({
  timeUnixNano: nanos(s),
  asDouble: value,
  traceId,
  spanId: SPAN,
  ...extra,
});

function metricsRequest(): object {
  const first = exemplar(T - 5, 0.05, TRACE.a);
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
        scopeMetrics: [
          {
            scope: { name: 'test' },
            metrics: [
              {
                name: 'request_duration',
                unit: 's',
                histogram: {
                  aggregationTemporality: 2,
                  dataPoints: [
                    durationPoint(T, [1, 1, 0, 1], [first, exemplar(T - 3, 0.3, TRACE.b), exemplar(T - 2, 2, TRACE.c)]),
                    // The next export keeps the first exemplar (a cumulative reservoir): answered once.
                    durationPoint(T + 60, [2, 1, 0, 1], [first]),
                  ],
                },
              },
              {
                name: 'orders',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      startTimeUnixNano: nanos(T - 60),
                      timeUnixNano: nanos(T),
                      asInt: '7',
                      exemplars: [
                        {
                          timeUnixNano: nanos(T - 1),
                          asInt: '1',
                          traceId: TRACE.c,
                          filteredAttributes: [{ key: 'user', value: { stringValue: 'ann' } }],
                        },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

describe('query_exemplars over OTLP points', () => {
  let loupe: OtlpEngine;
  beforeAll(async () => {
    loupe = await startOtlpEngine();
    const res = await fetch(`${loupe.otlpHttp}/v1/metrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(metricsRequest()),
    });
    expect(res.status).toBe(200);
  });
  afterAll(() => loupe?.stop());

  const exemplars = async (
    params: Record<string, string>,
  ): Promise<{ status: number; body: { status: string; data: PromExemplarSeries[] } }> =>
    loupe.api(`/api/v1/query_exemplars?${new URLSearchParams(params)}`);

  it('answers each bucket series with the exemplars that fell in it, once each, in Prometheus shape', async () => {
    const { status, body } = await exemplars({
      query: 'histogram_quantile(0.95, sum by (le) (rate(request_duration_seconds_bucket[5m])))',
      start: String(T - 600),
      end: String(T + 600),
    });
    expect(status).toBe(200);
    expect(body.status).toBe('success');
    const base = { __name__: 'request_duration_seconds_bucket', 'http.route': '/cart', job: 'shop', service_name: 'shop' };
    const ex = (value: string, s: number, traceId: string): object => ({
      labels: { trace_id: traceId, span_id: SPAN },
      value,
      timestamp: s,
    });
    expect(body.data).toEqual(
      expect.arrayContaining([
        { seriesLabels: { ...base, le: '0.1' }, exemplars: [ex('0.05', T - 5, TRACE.a)] },
        { seriesLabels: { ...base, le: '0.5' }, exemplars: [ex('0.3', T - 3, TRACE.b)] },
        { seriesLabels: { ...base, le: '+Inf' }, exemplars: [ex('2', T - 2, TRACE.c)] },
      ]),
    );
    expect(body.data).toHaveLength(3);
  });

  it("answers a counter's exemplars with their attributes as labels, and only the series a matcher keeps", async () => {
    const counter = await exemplars({ query: 'rate(orders_total[1m])', start: String(T - 600), end: String(T + 600) });
    expect(counter.body.data).toEqual([
      {
        seriesLabels: { __name__: 'orders_total', job: 'shop', service_name: 'shop' },
        exemplars: [{ labels: { trace_id: TRACE.c, user: 'ann' }, value: '1', timestamp: T - 1 }],
      },
    ]);
    const oneBucket = await exemplars({ query: 'request_duration_seconds_bucket{le="0.5"}', start: String(T - 600), end: String(T + 600) });
    expect(oneBucket.body.data.map((s) => s.seriesLabels.le)).toEqual(['0.5']);
    // Neither _sum nor _count carries exemplars, as in Prometheus.
    const count = await exemplars({ query: 'request_duration_seconds_count', start: String(T - 600), end: String(T + 600) });
    expect(count.body.data).toEqual([]);
  });

  it('keeps to the time range, and answers a bad query as bad_data', async () => {
    const late = await exemplars({ query: 'request_duration_seconds_bucket', start: String(T - 4), end: String(T + 600) });
    expect(late.body.data.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id)).sort()).toEqual([TRACE.b, TRACE.c].sort());
    const bad = await exemplars({ query: 'rate(orders_total[1m]' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });
});

// The OpenMetrics both scrape: a counter and a histogram with exemplars at fixed times, a little
// before the scrapes that carry them (as a client's exemplars are). Bounds that are not whole
// numbers: Prometheus 2 keeps `le` as written ("1.0"), Loupe's series store writes it as Go
// formats a float ("1"), on every query, not only here.
const E = Math.floor(Date.now() / 1000) - 30;
const EXPOSITION = [
  '# TYPE jobs counter',
  '# HELP jobs Jobs run.',
  `jobs_total{queue="mail"} 12 # {trace_id="${TRACE.a}",span_id="${SPAN}"} 1 ${E}.5`,
  '# TYPE latency_seconds histogram',
  `latency_seconds_bucket{le="0.1"} 3 # {trace_id="${TRACE.b}"} 0.07 ${E + 1}`,
  `latency_seconds_bucket{le="0.5"} 5 # {trace_id="${TRACE.c}"} 0.4 ${E + 2}`,
  'latency_seconds_bucket{le="+Inf"} 5',
  'latency_seconds_sum 1.9',
  'latency_seconds_count 5',
  '# EOF',
  '',
].join('\n');

describe('query_exemplars as a real Prometheus answers it', () => {
  let dir: string;
  let target: Server;
  let targetUrl: string;
  let prometheus: ChildProcess;
  let prometheusUrl: string;
  let loupe: OtlpEngine;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-exemplars-'));
    target = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' });
      res.end(EXPOSITION);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}/metrics`;
    const promPort = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    prometheusUrl = `http://127.0.0.1:${promPort}`;
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['${new URL(targetUrl).host}']\n`,
    );
    prometheus = spawn(
      '/usr/bin/prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--enable-feature=exemplar-storage',
      ],
      { stdio: 'ignore' },
    );
    loupe = await startOtlpEngine();
    await loupe.engine.api.table.request('sources.add', { kind: 'scrape', url: targetUrl, interval: '1s', job: 'app' });
  }, 60_000);

  afterAll(async () => {
    prometheus?.kill();
    await loupe?.stop();
    await new Promise((resolve) => target?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Both answers for one query, once both have scraped the target (the series' labels sorted by name). */
  async function both(query: string): Promise<[PromExemplarSeries[], PromExemplarSeries[]]> {
    const params = new URLSearchParams({ query, start: String(E - 60), end: String(E + 60) });
    const ask = async (base: string, headers: Record<string, string> = {}): Promise<PromExemplarSeries[] | undefined> => {
      const res = await fetch(`${base}/api/v1/query_exemplars?${params}`, { headers }).catch(() => null);
      const data = res?.ok ? ((await res.json()) as { data: PromExemplarSeries[] | null }).data : null;
      return data?.length ? data : undefined;
    };
    const fromPrometheus = await waitFor(() => ask(prometheusUrl), 60_000, 'Prometheus scraped exemplars');
    const fromLoupe = await waitFor(
      () => ask(loupe.server.url.replace(/\/$/, ''), { Authorization: 'Bearer otlp-test-token' }),
      30_000,
      'Loupe scraped exemplars',
    );
    const sorted = (data: PromExemplarSeries[]): PromExemplarSeries[] =>
      data
        .map((s) => ({ ...s, seriesLabels: Object.fromEntries(Object.entries(s.seriesLabels).sort()) }))
        .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    // Loupe's series also carry their resource's service.name as `service_name` (its PromQL answers do too).
    const withoutService = fromLoupe.map(({ seriesLabels: { service_name: _service, ...labels }, exemplars }) => ({
      seriesLabels: labels,
      exemplars,
    }));
    return [sorted(fromPrometheus), sorted(withoutService)];
  }

  it('gives the same series, labels, values and times for a counter and a histogram', async () => {
    const [promCounter, loupeCounter] = await both('rate(jobs_total[1m])');
    expect(loupeCounter).toEqual(promCounter);
    expect(promCounter[0]?.exemplars[0]).toMatchObject({ labels: { trace_id: TRACE.a, span_id: SPAN }, value: '1', timestamp: E + 0.5 });
    const [promHistogram, loupeHistogram] = await both('histogram_quantile(0.9, rate(latency_seconds_bucket[1m]))');
    expect(loupeHistogram).toEqual(promHistogram);
    expect(promHistogram.map((s) => s.seriesLabels.le)).toEqual(['0.1', '0.5']);
  }, 120_000);
});
