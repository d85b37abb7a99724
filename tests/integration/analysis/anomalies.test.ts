// Anomalies and "what changed" on a whole engine on a TestClock: two hours of a service's requests
// sent minute by minute with the OpenTelemetry JS SDK to the real OTLP receiver (RED series derived
// at ingest), log records over OTLP (error groups, patterns, log volume). The second hour gets
// slower, fails for ten minutes, has a new error and a new message; a service and a log source stop.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnomaliesView } from '../../../shared/anomalies.js';
import type { PromQueryData } from '../../../shared/model.js';
import { startHttpServer, type RunningServer } from '../../../electron/engine/api/http-server.js';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { createEngine, type Engine } from '../../../electron/engine/engine.js';

const TOKEN = 'anomalies-token';
const MINUTE = 60_000;
const START = Date.UTC(2026, 4, 4, 8, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
let dir: string;
let clock: TestClock;
let engine: Engine;
let server: RunningServer;

async function api<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, server.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

function tracer(service: string) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${engine.otlp!.httpPort}/v1/traces` }))],
  });
  return { provider, tracer: provider.getTracer('anomalies.test') };
}

function logger(service: string) {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    processors: [
      new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `http://127.0.0.1:${engine.otlp!.httpPort}/v1/logs` }) }),
    ],
  });
  return { provider, logger: provider.getLogger('anomalies.test') };
}

/**
 * Waits for an export while moving the clock: the receiver writes what it got after a short delay
 * on the engine's clock (and answers then), which a TestClock only runs when advanced.
 */
async function whileClockRuns(work: Promise<unknown>): Promise<void> {
  let done = false;
  const settled = work.finally(() => (done = true));
  while (!done) {
    await clock.advance(5);
    await new Promise((r) => setTimeout(r, 2));
  }
  await settled;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-anomalies-'));
  clock = new TestClock(START);
  engine = await createEngine({ dataDir: join(dir, 'data'), clock, otlp: { httpPort: 0, grpcPort: 0 } });
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
  const shop = tracer('shop');
  const cron = tracer('cron');
  const shopLogs = logger('shop');
  const billingLogs = logger('billing');
  for (let minute = 0; minute < 120; minute++) {
    const now = START + minute * MINUTE;
    await clock.advance(now - clock.nowMs());
    // shop: 10 requests a minute, 5 ms the first hour, 300 ms the second; half fail in minutes 90–99.
    for (let i = 0; i < 10; i++) {
      const span = shop.tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, startTime: now });
      if (minute >= 90 && minute < 100 && i % 2 === 0) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(now + (minute < 60 ? 5 : 300));
    }
    await whileClockRuns(shop.provider.forceFlush());
    const log = (body: string, error?: { type: string; message: string }) =>
      shopLogs.logger.emit({
        timestamp: now,
        severityNumber: error ? SeverityNumber.ERROR : SeverityNumber.INFO,
        severityText: error ? 'ERROR' : 'INFO',
        body,
        attributes: error ? { 'exception.type': error.type, 'exception.message': error.message } : {},
      });
    log(`served order ${minute}`);
    if (minute === 20 || minute === 80) log('lookup failed', { type: 'ValueError', message: 'bad id' });
    if (minute === 80) {
      log('checkout failed', { type: 'KeyError', message: "'currency'" });
      log('cache warmed in 12 ms after 3 tries');
    }
    await whileClockRuns(shopLogs.provider.forceFlush());
    // cron serves and billing logs for ten minutes of the first hour only.
    if (minute >= 10 && minute < 20) {
      for (let i = 0; i < 3; i++) cron.tracer.startSpan('nightly', { kind: SpanKind.SERVER, startTime: now }).end(now + 1);
      await whileClockRuns(cron.provider.forceFlush());
      for (let i = 0; i < 3; i++)
        billingLogs.logger.emit({ timestamp: now, severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: `invoice ${i} sent` });
      await whileClockRuns(billingLogs.provider.forceFlush());
    }
  }
  await clock.advance(START + 120 * MINUTE - clock.nowMs());
  for (const p of [shop.provider, cron.provider, shopLogs.provider, billingLogs.provider]) await whileClockRuns(p.shutdown());
}, 120_000);

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('anomalies', () => {
  it('marks the minutes shop failed, against its usual, and nothing in its steady first hour', async () => {
    const second = await api<AnomaliesView>(
      `/api/anomalies?${new URLSearchParams({ from: iso(START + 60 * MINUTE), to: iso(clock.nowMs()), service: 'shop' })}`,
    );
    const errors = second.anomalies.filter((a) => a.signal === 'error_ratio');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ service: 'shop', direction: 'up', baseline: 0 });
    // The failures show in the 5-minute windows that hold them: from minute 91 (the first flush after 90) on.
    const from = Date.parse(errors[0]!.from);
    expect(from).toBeGreaterThanOrEqual(START + 90 * MINUTE);
    expect(from).toBeLessThanOrEqual(START + 92 * MINUTE);
    expect(Date.parse(errors[0]!.to)).toBeGreaterThanOrEqual(START + 99 * MINUTE);
    expect(errors[0]!.value).toBeCloseTo(0.5, 1);
    expect(errors[0]!.events).toBeGreaterThanOrEqual(20);
    // …and the slow-down at minute 60 as a latency anomaly.
    expect(second.anomalies.some((a) => a.signal === 'latency_p95' && Date.parse(a.from) <= START + 62 * MINUTE)).toBe(true);

    const first = await api<AnomaliesView>(`/api/anomalies?${new URLSearchParams({ from: iso(START), to: iso(START + 59 * MINUTE) })}`);
    expect(first.anomalies.filter((a) => a.service === 'shop')).toEqual([]);
  });

  it('writes each service’s baseline and score every minute, for rules such as "error ratio 5× its usual"', async () => {
    const query = async (expr: string) => {
      const body = await api<{ data: PromQueryData }>(
        `/api/v1/query?${new URLSearchParams({ query: expr, time: String(clock.nowMs() / 1000) })}`,
      );
      if (body.data.resultType !== 'vector') throw new Error(body.data.resultType);
      return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
    };
    const [rate] = await query('loupe:baseline:request_rate{service_name="shop"}');
    expect(rate!.value).toBeCloseTo(10 / 60, 1);
    // At minute 95 the error ratio was 5× its usual (floored at 1 %): the rule's condition held then.
    const at95 = String((START + 95 * MINUTE) / 1000);
    const rule =
      'sum by (service_name) (rate({"traces.span.metrics.calls_total", "status.code"="STATUS_CODE_ERROR"}[5m])) / sum by (service_name) (rate({"traces.span.metrics.calls_total"}[5m]))' +
      ' > 5 * clamp_min(loupe:baseline:error_ratio, 0.01)';
    const fired = await api<{ data: PromQueryData }>(`/api/v1/query?${new URLSearchParams({ query: rule, time: at95 })}`);
    expect(fired.data.result.map((r) => (r as { metric: Record<string, string> }).metric.service_name)).toEqual(['shop']);
    const score = await api<{ data: PromQueryData }>(
      `/api/v1/query?${new URLSearchParams({ query: 'loupe:anomaly_score:error_ratio{service_name="shop"}', time: at95 })}`,
    );
    expect(Number((score.data.result[0] as { value: [number, string] }).value[1])).toBeGreaterThan(3);
  });
});
