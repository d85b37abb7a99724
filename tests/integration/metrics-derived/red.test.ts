// RED from spans and log volume, derived at ingest: spans sent by the OpenTelemetry JS SDK to the
// real OTLP receiver and lines a real Python logger writes to a watched file are counted, flushed
// by the scheduler job, and read back with PromQL through the Prometheus HTTP API; and the host's
// saturation sampled from this machine's /proc.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { EngineStatusView, LogPage, PromQueryData } from '../../../shared/model.js';
import { startHttpServer, type RunningServer } from '../../../electron/engine/api/http-server.js';
import { createEngine, type Engine } from '../../../electron/engine/engine.js';
import { DERIVED_FLUSH_JOB } from '../../../electron/engine/signals/metrics/red/derived-metrics.js';
import { HOST_METRICS_JOB } from '../../../electron/engine/signals/metrics/host/module.js';
import { runPython, waitFor } from '../tail/tail-helpers.js';

const TOKEN = 'red-token';
let dir: string;
let engine: Engine;
let server: RunningServer;
let logFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-red-'));
  logFile = join(dir, 'worker.log');
  engine = await createEngine({ dataDir: join(dir, 'data'), paths: [logFile], pollMs: 50, otlp: { httpPort: 0, grpcPort: 0 } });
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function api<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, server.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

/** An instant query through /api/v1/query: each series' labels (those asked) and value. */
async function query(expr: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const body = await api<{ status: string; data: PromQueryData }>(`/api/v1/query?${new URLSearchParams({ query: expr })}`);
  expect(body.status).toBe('success');
  if (body.data.resultType !== 'vector') throw new Error(`not a vector: ${body.data.resultType}`);
  const rows = body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  return rows.sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
}

const flush = (): Promise<void> => engine.scheduler.job(DERIVED_FLUSH_JOB)!.runNow();

/** Spans of known durations (ms) and statuses, through the SDK's OTLP/HTTP protobuf exporter. */
async function sendSpans(service: string, spans: { name: string; kind: SpanKind; ms: number; error?: boolean }[]): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${engine.otlp!.httpPort}/v1/traces` }))],
  });
  const tracer = provider.getTracer('red.test');
  const t0 = Date.now() - 60_000;
  for (const s of spans) {
    const span = tracer.startSpan(s.name, { kind: s.kind, startTime: t0 });
    if (s.error) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(t0 + s.ms);
  }
  await provider.forceFlush();
  await provider.shutdown();
}

const CALLS = '{"traces.span.metrics.calls_total"';
const BUCKETS = '{"traces.span.metrics.duration_milliseconds_bucket"';

describe('RED metrics from spans', () => {
  it('counts calls per service, span name, kind and status, with a duration histogram in the default buckets', async () => {
    await sendSpans('red-shop', [
      ...Array.from({ length: 4 }, () => ({ name: 'GET /orders', kind: SpanKind.SERVER, ms: 3 })),
      ...Array.from({ length: 2 }, () => ({ name: 'GET /orders', kind: SpanKind.SERVER, ms: 30, error: true })),
      { name: 'SELECT orders', kind: SpanKind.CLIENT, ms: 1 },
    ]);
    await sendSpans('red-worker', [
      { name: 'process job', kind: SpanKind.CONSUMER, ms: 700 },
      { name: 'process job', kind: SpanKind.CONSUMER, ms: 900 },
    ]);
    // Nothing is written before the job's flush: the metrics come from memory, not a scan.
    expect(await query(`${CALLS}}`)).toEqual([]);
    await flush();

    expect(await query(`sum by ("span.name") (${CALLS}, "service.name"="red-shop"})`)).toEqual([
      { labels: { 'span.name': 'GET /orders' }, value: 6 },
      { labels: { 'span.name': 'SELECT orders' }, value: 1 },
    ]);
    expect(await query(`sum by ("status.code", "span.kind") (${CALLS}, job="red-shop"})`)).toEqual([
      { labels: { 'status.code': 'STATUS_CODE_ERROR', 'span.kind': 'SPAN_KIND_SERVER' }, value: 2 },
      { labels: { 'status.code': 'STATUS_CODE_UNSET', 'span.kind': 'SPAN_KIND_CLIENT' }, value: 1 },
      { labels: { 'status.code': 'STATUS_CODE_UNSET', 'span.kind': 'SPAN_KIND_SERVER' }, value: 4 },
    ]);
    // The service's labels as for any OTLP metric: job and service_name from the span's resource.
    const worker = await query(`${CALLS}, service_name="red-worker"}`);
    expect(worker).toHaveLength(1);
    expect(worker[0]!.labels).toMatchObject({
      __name__: 'traces.span.metrics.calls_total',
      job: 'red-worker',
      'service.name': 'red-worker',
      'span.name': 'process job',
      'span.kind': 'SPAN_KIND_CONSUMER',
      'status.code': 'STATUS_CODE_UNSET',
    });

    // The connector's default bounds, in ms.
    const les = (await query(`${BUCKETS}, "span.name"="SELECT orders"}`))
      .map((r) => (r.labels.le === '+Inf' ? Infinity : Number(r.labels.le)))
      .sort((a, b) => a - b);
    expect(les).toEqual([2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000, Infinity]);
    // The median of four 3 ms and two 30 ms spans lies in the (2, 4] bucket; the p90 in (10, 50].
    const [p50] = await query(`histogram_quantile(0.5, sum by (le) (${BUCKETS}, "span.name"="GET /orders"}))`);
    expect(p50!.value).toBeGreaterThan(2);
    expect(p50!.value).toBeLessThanOrEqual(4);
    const [p90] = await query(`histogram_quantile(0.9, sum by (le) (${BUCKETS}, "span.name"="GET /orders"}))`);
    expect(p90!.value).toBeGreaterThan(10);
    expect(p90!.value).toBeLessThanOrEqual(50);
    const [worst] = await query(`histogram_quantile(1, sum by (le) (${BUCKETS}, job="red-worker"}))`);
    expect(worst!.value).toBeGreaterThan(800);
    expect(worst!.value).toBeLessThanOrEqual(1000);
    const [sum] = await query(`sum({"traces.span.metrics.duration_milliseconds_sum", job="red-worker"})`);
    expect(sum!.value).toBe(1600);
    // The error ratio of the operation, as the overview computes it.
    const [ratio] = await query(
      `sum(${CALLS}, "span.name"="GET /orders", "status.code"="STATUS_CODE_ERROR"}) / sum(${CALLS}, "span.name"="GET /orders"})`,
    );
    expect(ratio!.value).toBeCloseTo(2 / 6);
  });

  it('keeps counting across flushes as one cumulative series (same start time), and ignores a retry of stored spans', async () => {
    await sendSpans('red-shop', [{ name: 'GET /orders', kind: SpanKind.SERVER, ms: 3 }]);
    // An exporter's retry: the same span twice over OTLP/JSON; stored once, counted once.
    const span = {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      name: 'GET /orders',
      kind: 2,
      startTimeUnixNano: `${(Date.now() - 1000) * 1e6}`,
      endTimeUnixNano: `${(Date.now() - 997) * 1e6}`,
    };
    const body = JSON.stringify({
      resourceSpans: [
        { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'red-shop' } }] }, scopeSpans: [{ spans: [span] }] },
      ],
    });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${engine.otlp!.httpPort}/v1/traces`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      expect(res.status).toBe(200);
    }
    await flush();
    expect(await query(`sum(${CALLS}, job="red-shop", "span.name"="GET /orders"})`)).toEqual([{ labels: {}, value: 8 }]);
    const starts = engine.db
      .prepare(
        `SELECT count(DISTINCT p.start_us) AS starts, count(*) AS points FROM metric_points p JOIN metric_series s ON s.id = p.series_id
         WHERE s.name = 'traces.span.metrics.calls' AND s.service = 'red-shop' AND s.attributes LIKE '%SPAN_KIND_SERVER%STATUS_CODE_UNSET%'`,
      )
      .get() as { starts: number; points: number };
    // Its zero point (before the first flush, so increase() counts that flush), then the two flushes.
    expect(starts).toEqual({ starts: 1, points: 3 });
    const status = await api<EngineStatusView>('/api/status');
    expect(status.derivedMetrics).toMatchObject({ spans: 11, overflowSpans: 0, writeErrors: 0 });
  });
});

describe('log volume', () => {
  it('counts the records of a watched file per source and level', async () => {
    await runPython(
      `
import logging, sys
logging.basicConfig(filename=sys.argv[1], format="%(asctime)s - %(name)s - %(levelname)s - %(message)s", level=logging.DEBUG)
log = logging.getLogger("worker")
for i in range(5): log.info("job %d done", i)
for i in range(3): log.warning("job %d slow", i)
log.error("job failed")
`,
      [logFile],
    );
    await waitFor('the 9 records stored', () => engine.reader.search({ q: '', limit: 100 }).records.length === 9);
    await flush();
    expect(await query(`sum by (level) ({"loupe.log.records_total", source="${logFile}"})`)).toEqual([
      { labels: { level: 'error' }, value: 1 },
      { labels: { level: 'info' }, value: 5 },
      { labels: { level: 'warn' }, value: 3 },
    ]);
    const page = await api<LogPage>('/api/logs?limit=100');
    expect(page.records).toHaveLength(9);
  });
});

describe('host metrics', () => {
  it.runIf(process.platform === 'linux')(
    'samples this machine on the job and answers PromQL with the hostmetrics receiver names',
    async () => {
      await engine.scheduler.job(HOST_METRICS_JOB)!.runNow();
      const states = (await query('sum by (state) ({"system.cpu.time_seconds_total"})')).map((r) => r.labels.state);
      expect(states).toEqual(expect.arrayContaining(['idle', 'user', 'system']));
      const [load] = await query('{"system.cpu.load_average.1m"}');
      expect(load!.value).toBeGreaterThanOrEqual(0);
      const [total] = await query('sum({"system.memory.usage_bytes", state=~"used|free|buffered|cached"})');
      expect(total!.value).toBe(totalmem());
      expect((await query('{"system.network.io_bytes_total", device="lo"}')).map((r) => r.labels.direction).sort()).toEqual([
        'receive',
        'transmit',
      ]);
    },
  );
});
