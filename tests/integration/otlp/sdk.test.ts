// The OpenTelemetry JS SDK's own exporters (http/json, http/protobuf, gRPC) sending traces, logs
// and metrics to a running engine; what the API returns is checked span for span.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { OTLPTraceExporter as HttpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPLogExporter as HttpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPMetricExporter as HttpJsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import type { LogPage, ServiceMapView, SpanView, TraceSearchView, TraceView } from '../../../shared/model.js';
import { startOtlpEngine, type OtlpEngine } from '../../support/otlp-engine.js';
import { storedBuckets, type StoredBucketColumns } from '../../support/stored-buckets.js';
import { foldPointLog } from '../../../electron/engine/signals/metrics/point-log.js';

let h: OtlpEngine;

beforeAll(async () => {
  h = await startOtlpEngine();
});

afterAll(async () => {
  await h.stop();
});

type Transport = 'http/json' | 'http/protobuf' | 'grpc';
const TRANSPORTS: Transport[] = ['http/json', 'http/protobuf', 'grpc'];

function traceExporter(t: Transport): SpanExporter {
  if (t === 'http/json') return new HttpJsonTraceExporter({ url: `${h.otlpHttp}/v1/traces` });
  if (t === 'http/protobuf') return new ProtoTraceExporter({ url: `${h.otlpHttp}/v1/traces` });
  return new GrpcTraceExporter({ url: `http://127.0.0.1:${h.grpcPort}` });
}

function logExporter(t: Transport): LogRecordExporter {
  if (t === 'http/json') return new HttpJsonLogExporter({ url: `${h.otlpHttp}/v1/logs` });
  if (t === 'http/protobuf') return new ProtoLogExporter({ url: `${h.otlpHttp}/v1/logs` });
  return new GrpcLogExporter({ url: `http://127.0.0.1:${h.grpcPort}` });
}

function metricExporter(t: Transport): PushMetricExporter {
  if (t === 'http/json') return new HttpJsonMetricExporter({ url: `${h.otlpHttp}/v1/metrics` });
  if (t === 'http/protobuf') return new ProtoMetricExporter({ url: `${h.otlpHttp}/v1/metrics` });
  return new GrpcMetricExporter({ url: `http://127.0.0.1:${h.grpcPort}` });
}

describe.each(TRANSPORTS)('the SDK over %s', (transport) => {
  const service = `shop-${transport.replace('/', '-')}`;

  it('stores a trace span for span: parent/child, kinds, attributes, events, status, resource', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }),
      spanProcessors: [new SimpleSpanProcessor(traceExporter(transport))],
    });
    const tracer = provider.getTracer('shop.http', '1.2.3');
    const root: Span = tracer.startSpan('GET /users/{id}', {
      kind: SpanKind.SERVER,
      attributes: { 'http.route': '/users/{id}', 'http.response.status_code': 500, 'user.ids': [1, 2, 3] },
    });
    const child = tracer.startSpan(
      'SELECT users',
      { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.query.text': 'SELECT * FROM users WHERE id = $1' } },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    child.addEvent('retry', { attempt: 2 });
    child.recordException(new Error('connection reset'));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
    child.end();
    root.setStatus({ code: SpanStatusCode.ERROR });
    root.end();
    await provider.forceFlush();
    await provider.shutdown();

    const traceId = root.spanContext().traceId;
    const found = await h.api<TraceSearchView>(`/api/traces?service=${service}`);
    expect(found.status).toBe(200);
    const summary = found.body.traces.find((t) => t.traceId === traceId);
    expect(summary).toMatchObject({
      rootService: service,
      rootOperation: 'GET /users/{id}',
      spanCount: 2,
      errorCount: 2,
      services: [service],
    });

    const got = await h.api<TraceView>(`/api/traces/${traceId}`);
    expect(got.status).toBe(200);
    const spans = got.body.spans;
    expect(spans).toHaveLength(2);
    const byName = (n: string): SpanView => spans.find((s) => s.name === n)!;
    const r = byName('GET /users/{id}');
    const c = byName('SELECT users');
    expect(r.parentSpanId).toBeUndefined();
    expect(r.spanId).toBe(root.spanContext().spanId);
    expect(r.kind).toBe('server');
    expect(r.attributes).toEqual({ 'http.route': '/users/{id}', 'http.response.status_code': 500, 'user.ids': [1, 2, 3] });
    expect(r.status).toEqual({ code: 'error' });
    expect(r.service).toBe(service);
    expect(r.scope).toEqual({ name: 'shop.http', version: '1.2.3' });
    expect(c.parentSpanId).toBe(r.spanId);
    expect(c.kind).toBe('client');
    expect(c.status).toEqual({ code: 'error', message: 'connection reset' });
    expect(c.events.map((e) => e.name)).toEqual(['retry', 'exception']);
    expect(c.events[0]!.attributes).toEqual({ attempt: 2 });
    expect(c.events[1]!.attributes).toMatchObject({ 'exception.type': 'Error', 'exception.message': 'connection reset' });
    expect(c.startUs).toBeGreaterThanOrEqual(r.startUs);
    expect(c.durationUs).toBe(c.endUs - c.startUs);
    expect(got.body.resources[r.resource]!.attributes).toMatchObject({ 'service.name': service, 'deployment.environment': 'test' });

    // Attribute filters in q, on the span's attributes and on numbers.
    const byRoute = await h.api<TraceSearchView>(
      `/api/traces?q=${encodeURIComponent('http.route:/users/{id} http.response.status_code:>=500')}&service=${service}`,
    );
    expect(byRoute.body.traces.map((t) => t.traceId)).toContain(traceId);
    const none = await h.api<TraceSearchView>(`/api/traces?q=${encodeURIComponent('http.response.status_code:<500')}&service=${service}`);
    expect(none.body.traces.map((t) => t.traceId)).not.toContain(traceId);
    const errors = await h.api<TraceSearchView>(
      `/api/traces?status=error&operation=${encodeURIComponent('GET /users/{id}')}&service=${service}`,
    );
    expect(errors.body.traces.map((t) => t.traceId)).toContain(traceId);
  });

  it('stores log records in the logs table, with service, severity and trace ids', async () => {
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      processors: [new SimpleLogRecordProcessor({ exporter: logExporter(transport) })],
    });
    const logger = provider.getLogger('app.payments');
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const spanId = 'b7ad6b7169203331';
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: 1 });
    logger.emit({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARNING',
      body: `card declined via ${transport}`,
      attributes: { 'user.id': 42 },
      context: ctx,
    });
    logger.emit({ severityNumber: SeverityNumber.INFO, body: { structured: true, n: 1 } });
    await provider.forceFlush();
    await provider.shutdown();

    const page = await h.api<LogPage>(`/api/logs?q=${encodeURIComponent(`service:${service}`)}`);
    expect(page.status).toBe(200);
    expect(page.body.records).toHaveLength(2);
    const warn = page.body.records.find((r) => r.message.startsWith('card declined'))!;
    expect(warn).toMatchObject({
      level: 'warn',
      severityNumber: 13,
      severityText: 'WARNING',
      logger: 'app.payments',
      service,
      traceId,
      spanId,
      attributes: { 'user.id': 42 },
    });
    const structured = page.body.records.find((r) => r !== warn)!;
    expect(JSON.parse(structured.message)).toEqual({ structured: true, n: 1 });
    const ofTrace = await h.api<LogPage>(`/api/logs?q=trace:${traceId}`);
    expect(ofTrace.body.records.map((r) => r.message)).toContain(`card declined via ${transport}`);
  });

  it('stores metric series and points', async () => {
    const reader = new PeriodicExportingMetricReader({ exporter: metricExporter(transport), exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service }), readers: [reader] });
    const meter = provider.getMeter('shop.metrics');
    meter.createCounter('orders', { unit: '1' }).add(5, { region: 'eu' });
    meter.createHistogram('latency', { unit: 'ms' }).record(12, { route: '/a' });
    meter.createUpDownCounter('queue.depth').add(-3);
    await provider.forceFlush();
    await provider.shutdown();

    // Read as the engine's readers do: the point log folded first.
    foldPointLog(h.engine.db);
    const series = h.engine.db
      .prepare(
        'SELECT s.name, s.type, s.unit, s.temporality, s.monotonic, s.attributes, p.value, p.int_value, p.count, p.sum, p.bounds_id, p.bucket_counts FROM metric_series s JOIN metric_points p ON p.series_id = s.id WHERE s.service = ? ORDER BY s.name',
      )
      .all(service) as Record<string, unknown>[];
    const byName = new Map(series.map((s) => [s.name, s]));
    expect(byName.get('orders')).toMatchObject({ type: 'sum', unit: '1', temporality: 2, monotonic: 1, attributes: '{"region":"eu"}' });
    expect(Number(byName.get('orders')!.value ?? byName.get('orders')!.int_value)).toBe(5);
    expect(byName.get('latency')).toMatchObject({ type: 'histogram', unit: 'ms', count: 1, sum: 12 });
    const buckets = storedBuckets(h.engine.db, byName.get('latency') as unknown as StoredBucketColumns);
    expect(buckets!.counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(byName.get('queue.depth')).toMatchObject({ type: 'sum', monotonic: 0 });
  });
});

describe('across services', () => {
  it('draws the service map from parent/child spans of different services', async () => {
    const frontend = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'map-frontend' }),
      spanProcessors: [new SimpleSpanProcessor(traceExporter('http/protobuf'))],
    });
    const backend = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'map-backend' }),
      spanProcessors: [new SimpleSpanProcessor(traceExporter('http/protobuf'))],
    });
    for (let i = 0; i < 4; i++) {
      const parent = frontend.getTracer('f').startSpan('call backend', { kind: SpanKind.CLIENT });
      const child = backend.getTracer('b').startSpan('handle', { kind: SpanKind.SERVER }, trace.setSpan(ROOT_CONTEXT, parent));
      if (i === 0) child.setStatus({ code: SpanStatusCode.ERROR });
      child.end();
      parent.end();
    }
    await Promise.all([frontend.forceFlush(), backend.forceFlush()]);
    const map = await h.api<ServiceMapView>('/api/service-map');
    expect(map.body.edges.find((e) => e.parent === 'map-frontend' && e.child === 'map-backend')).toMatchObject({
      count: 4,
      errorCount: 1,
      errorRate: 0.25,
    });
    const services = await h.api<{ services: { name: string; operations: { name: string }[] }[] }>('/api/services');
    expect(services.body.services.find((s) => s.name === 'map-backend')?.operations.map((o) => o.name)).toEqual(['handle']);
    // Only what was seen since a time: nothing since tomorrow.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    expect((await h.api<{ services: unknown[] }>(`/api/services?since=${tomorrow}`)).body.services).toEqual([]);
    await Promise.all([frontend.shutdown(), backend.shutdown()]);
  });
});
