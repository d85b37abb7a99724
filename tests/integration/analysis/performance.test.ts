// Slow queries, N+1 calls and endpoint time splits on traces made with the OpenTelemetry JS SDK and
// exported to Loupe's OTLP receiver, as an instrumented service would send them: a server span,
// database client spans with db.system / db.statement, HTTP client spans with url.full.
import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PerformanceView } from '../../../shared/model.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { createEngine } from '../../../electron/engine/engine.js';
import { DERIVED_FLUSH_JOB } from '../../../electron/engine/signals/metrics/red/derived-metrics.js';
import { startOtlpEngine, type OtlpEngine } from '../../support/otlp-engine.js';
import { waitFor } from '../../support/serve-process.js';

let h: OtlpEngine;
/** Ten minutes ago, in ms: the spans' times are set, so the splits are known to the millisecond. */
const T0 = Date.now() - 600_000;
const traceIds: Record<'orders' | 'ordersSmall' | 'cart', string> = { orders: '', ordersSmall: '', cart: '' };

function providerOf(service: string): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${h.otlpHttp}/v1/traces` }))],
  });
}

/** A child of `parent` from `start` to `end` ms after T0. */
function child(
  tracer: Tracer,
  parent: Span,
  name: string,
  kind: SpanKind,
  start: number,
  end: number,
  attributes: Record<string, string>,
): Span {
  const span = tracer.startSpan(name, { kind, startTime: T0 + start, attributes }, trace.setSpan(context.active(), parent));
  span.end(T0 + end);
  return span;
}

function query(tracer: Tracer, parent: Span, statement: string, start: number, end: number): void {
  child(tracer, parent, 'SELECT shop', SpanKind.CLIENT, start, end, { 'db.system': 'postgresql', 'db.statement': statement });
}

/** An order page: the order, then its items one query each (an N+1 at `items` ≥ 5), two price calls, rendering. */
function orderPage(tracer: Tracer, prices: Tracer, at: number, orderId: number, items: number): string {
  const root = tracer.startSpan('GET /orders/{id}', {
    kind: SpanKind.SERVER,
    startTime: T0 + at,
    attributes: { 'http.request.method': 'GET', 'http.route': '/orders/{id}' },
  });
  query(tracer, root, `SELECT * FROM orders WHERE id = ${orderId}`, at + 5, at + 15);
  for (let i = 0; i < items; i++)
    query(tracer, root, `SELECT * FROM items WHERE order_id = ${orderId} AND n = ${i}`, at + 20 + 5 * i, at + 24 + 5 * i);
  for (const [i, sku] of ['A1', 'B2'].entries()) {
    const call = child(tracer, root, 'GET', SpanKind.CLIENT, at + 60 + 10 * i, at + 70 + 10 * i, {
      'http.request.method': 'GET',
      'url.full': `http://prices:8080/prices/${sku}?currency=EUR`,
    });
    // The prices service answers: its own endpoint, not the shop's own time.
    const served = prices.startSpan(
      'GET /prices/{sku}',
      {
        kind: SpanKind.SERVER,
        startTime: T0 + at + 61 + 10 * i,
        attributes: { 'http.request.method': 'GET', 'http.route': '/prices/{sku}' },
      },
      trace.setSpan(context.active(), call),
    );
    served.end(T0 + at + 69 + 10 * i);
  }
  child(tracer, root, 'render', SpanKind.INTERNAL, at + 85, at + 95, {});
  root.end(T0 + at + 100);
  return root.spanContext().traceId;
}

beforeAll(async () => {
  h = await startOtlpEngine();
  const shopProvider = providerOf('shop');
  const pricesProvider = providerOf('prices');
  const shop = shopProvider.getTracer('shop');
  const prices = pricesProvider.getTracer('prices');
  traceIds.orders = orderPage(shop, prices, 0, 7, 6);
  traceIds.ordersSmall = orderPage(shop, prices, 1000, 8, 3);
  // The cart asks for each line's price, one HTTP call per line: an N+1 over HTTP.
  const cart = shop.startSpan('GET /cart', {
    kind: SpanKind.SERVER,
    startTime: T0 + 2000,
    attributes: { 'http.request.method': 'GET', 'http.route': '/cart' },
  });
  for (let i = 0; i < 5; i++) {
    child(shop, cart, 'GET', SpanKind.CLIENT, 2010 + 10 * i, 2018 + 10 * i, {
      'http.request.method': 'GET',
      'url.full': `http://prices:8080/prices/${100 + i}`,
    });
  }
  cart.end(T0 + 2100);
  traceIds.cart = cart.spanContext().traceId;
  await shopProvider.forceFlush();
  await pricesProvider.forceFlush();
  await shopProvider.shutdown();
  await pricesProvider.shutdown();
  // 2 order pages × (1 + 1 + items + 2 + 2 + 1 spans), the cart's 6.
  await waitFor(async () => ((await h.engine.api.table.request('traces.search', { limit: 10 })).traces.length === 3 ? true : undefined));
  await waitFor(async () => ((await performance()).endpoints.find((e) => e.route === 'GET /cart') ? true : undefined));
});

afterAll(async () => {
  await h.stop();
});

function performance(params: Record<string, unknown> = {}): Promise<PerformanceView> {
  return h.engine.api.table.request('performance.get', params);
}

describe('bottlenecks from OpenTelemetry SDK traces', () => {
  it('groups the queries by their statement without literals, slowest total first', async () => {
    const p = await performance();
    expect(p.slowQueries.map((q) => [q.service, q.system, q.statement, q.calls, q.totalMs, q.p95Ms])).toEqual([
      ['shop', 'postgresql', 'SELECT * FROM items WHERE order_id = ? AND n = ?', 9, 36, 4],
      ['shop', 'postgresql', 'SELECT * FROM orders WHERE id = ?', 2, 20, 10],
    ]);
    // The items' 36 ms in two traces of 100 ms.
    expect(p.slowQueries[0]!.traceShare).toBeCloseTo(0.18, 5);
    expect(p.slowQueries[1]!.slowest.map((s) => s.traceId).sort()).toEqual([traceIds.orders, traceIds.ordersSmall].sort());
    expect([p.spansRead, p.complete]).toEqual([13 + 10 + 6, true]);
  });

  it('finds the same query and the same HTTP call repeated under one parent, per endpoint', async () => {
    const p = await performance();
    expect(p.nPlusOneMin).toBe(5);
    expect(
      p.nPlusOne.map((n) => [n.service, n.endpoint, n.kind, n.call, n.occurrences, n.maxRepeats, n.exampleTraceId, n.exampleMs]),
    ).toEqual([
      ['shop', 'GET /orders/{id}', 'database', 'postgresql: SELECT * FROM items WHERE order_id = ? AND n = ?', 1, 6, traceIds.orders, 24],
      ['shop', 'GET /cart', 'http', 'GET prices:8080/prices/{id}', 1, 5, traceIds.cart, 40],
    ]);
    // Three items make one at N = 3; the two price calls of a page never do.
    const lower = await performance({ nPlusOne: 3 });
    const items = lower.nPlusOne.find((n) => n.kind === 'database')!;
    expect([items.occurrences, items.maxRepeats]).toEqual([2, 6]);
    expect(lower.nPlusOne.some((n) => n.endpoint === 'GET /orders/{id}' && n.kind === 'http')).toBe(false);
  });

  it('splits each endpoint time into own code, database and downstream calls', async () => {
    const p = await performance();
    const rows = p.endpoints.map((e) => [e.service, e.route, e.requests, e.totalMs, e.ownMs, e.databaseMs, e.downstreamMs]);
    // Order pages: 100 ms each; the order query 10, items 6×4 and 3×4, two price calls of 10.
    expect(rows).toContainEqual(['shop', 'GET /orders/{id}', 2, 200, 200 - 20 - 36 - 40, 56, 40]);
    expect(rows).toContainEqual(['shop', 'GET /cart', 1, 100, 60, 0, 40]);
    expect(rows).toContainEqual(['prices', 'GET /prices/{sku}', 4, 32, 32, 0, 0]);
  });

  it('narrows to a service and answers over REST', async () => {
    const prices = await performance({ service: 'prices' });
    expect([prices.slowQueries, prices.nPlusOne, prices.endpoints.map((e) => e.route)]).toEqual([[], [], ['GET /prices/{sku}']]);
    const rest = await h.api<PerformanceView>('/api/performance?nPlusOne=3&service=shop');
    expect(rest.status).toBe(200);
    expect(rest.body.nPlusOne.map((n) => n.maxRepeats)).toEqual([6, 5]);
    const bad = await h.api<{ error: { message: string } }>('/api/performance?nPlusOne=1');
    expect([bad.status, bad.body.error.message]).toEqual([400, 'nPlusOne: 1 repetitions are no N+1 (2 or more)']);
  });
});

describe('golden signals from the RED series', () => {
  it('gives each service its rate, error ratio, latency and Apdex with its own T', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-golden-'));
    // The RED series are flushed every 15 s: two flushes make the range's increase.
    const clock = new TestClock(Date.now() - 3_600_000);
    const engine = await createEngine({ dataDir: dir, otlp: { httpPort: 0, grpcPort: 0 }, clock });
    try {
      const send = async (service: string, spans: { ms: number; error?: boolean; at: number }[]): Promise<void> => {
        const provider = new BasicTracerProvider({
          resource: resourceFromAttributes({ 'service.name': service }),
          spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${engine.otlp!.httpPort}/v1/traces` }))],
        });
        const tracer = provider.getTracer('golden');
        for (const s of spans) {
          const span = tracer.startSpan('GET /x', { kind: SpanKind.SERVER, startTime: s.at });
          if (s.error) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end(s.at + s.ms);
        }
        // The receiver commits after a delay on the engine's clock: move it along until the exporter has its answer.
        let done = false;
        const flushed = provider.forceFlush().finally(() => (done = true));
        while (!done) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          await clock.advance(10);
        }
        await flushed;
        await provider.shutdown();
      };
      const start = clock.nowMs();
      // Before the range: the series begin (from zero, at their first span's arrival), and their
      // first flush two seconds later falls inside it, so its spans are no increase of the range.
      await send('shop', [
        { ms: 5, at: start - 60_000 },
        { ms: 5, error: true, at: start - 60_000 },
      ]);
      await send('prices', [{ ms: 5, at: start - 60_000 }]);
      await clock.advance(2_000);
      await engine.scheduler.job(DERIVED_FLUSH_JOB)!.runNow();
      const flushedAt = clock.nowMs();
      const from = flushedAt - 1_000;
      // In the range: shop's 100, 300, 700 and 3000 ms (the last failed); prices' two 8 ms.
      await send('shop', [
        { ms: 100, at: flushedAt + 1000 },
        { ms: 300, at: flushedAt + 2000 },
        { ms: 700, at: flushedAt + 3000 },
        { ms: 3000, error: true, at: flushedAt + 4000 },
      ]);
      await send('prices', [
        { ms: 8, at: flushedAt + 1000 },
        { ms: 8, at: flushedAt + 2000 },
      ]);
      // The second flush 14 s after the first (before the job's own timer, 15 s after the first).
      await clock.advance(flushedAt + 14_000 - clock.nowMs());
      await engine.scheduler.job(DERIVED_FLUSH_JOB)!.runNow();
      const range = { from: new Date(from).toISOString(), to: new Date(flushedAt + 14_000).toISOString() };
      const signals = async (apdexT: string[]) =>
        Object.fromEntries(
          (await engine.api.table.request('performance.get', { ...range, apdexT })).services.map((s) => [
            s.service,
            // Apdex from extrapolated bucket counts: equal to a few ulps.
            [s.requests, s.errorRatio, s.maxMs, s.apdex === null ? null : Number(s.apdex.toFixed(9)), s.apdexT],
          ]),
        );
      // T = 0.2 s: 100 satisfied; 300 and 700 tolerating (≤ 0.8 s); 3000 frustrated → (1 + 2/2) / 4.
      // prices with T = 2 ms: both 8 ms answers tolerating (≤ 8 ms) → (0 + 2/2) / 2.
      expect(await signals(['0.2', 'prices=0.002'])).toEqual({ shop: [4, 0.25, 3000, 0.5, 0.2], prices: [2, 0, 8, 0.5, 0.002] });
      // The default T (0.5 s) falls inside the 400–800 ms bucket: its 700 ms call counts a quarter satisfied.
      expect((await signals([])).shop![3]).toBeCloseTo((2.25 + 0.75 / 2) / 4, 9);
      const p = await engine.api.table.request('performance.get', range);
      const shop = p.services.find((s) => s.service === 'shop')!;
      expect([shop.p50Ms, shop.p99Ms! > 2000]).toEqual([400, true]);
      // Four requests in 14 s (Prometheus's extrapolation to the range's edges moves it by a hair).
      expect(shop.rate).toBeCloseTo(4 / 14, 2);
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pool, memory and CPU findings from the semantic-convention metrics', () => {
  /** Points every minute for 20 minutes up to `end` (ms): `value(i)` at minute i. */
  function points(end: number, value: (i: number) => number, attributes: Record<string, string | number> = {}) {
    return Array.from({ length: 21 }, (_, i) => ({
      startTimeUnixNano: `${end - 20 * 60_000 - 1000}000000`,
      timeUnixNano: `${end - (20 - i) * 60_000}000000`,
      asDouble: value(i),
      attributes: Object.entries(attributes).map(([key, v]) => ({
        key,
        value: typeof v === 'number' ? { intValue: v } : { stringValue: v },
      })),
    }));
  }

  it('flags a pool at its maximum with requests waiting, memory that grows and a busy core, with the series that show it', async () => {
    const end = Date.now() - 1000;
    const sum = (name: string, unit: string, monotonic: boolean, dataPoints: unknown[]) => ({
      name,
      unit,
      sum: { aggregationTemporality: 2, isMonotonic: monotonic, dataPoints },
    });
    const pool = { 'db.client.connection.pool.name': 'main' };
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ledger' } }] },
          scopeMetrics: [
            {
              scope: { name: 'sqlalchemy' },
              metrics: [
                sum('db.client.connection.count', '{connection}', false, [
                  ...points(end, (i) => Math.min(10, 2 + i), { ...pool, 'db.client.connection.state': 'used' }),
                  ...points(end, (i) => Math.max(0, 8 - i), { ...pool, 'db.client.connection.state': 'idle' }),
                ]),
                sum(
                  'db.client.connection.max',
                  '{connection}',
                  false,
                  points(end, () => 10, pool),
                ),
                sum(
                  'db.client.connection.pending_requests',
                  '{request}',
                  false,
                  points(end, (i) => (i > 15 ? 3 : 0), pool),
                ),
                // 5 MB more every minute from 100 MB; 57 of every 60 s on the CPU.
                sum(
                  'process.memory.usage',
                  'By',
                  false,
                  points(end, (i) => 100 * 2 ** 20 + i * 5 * 2 ** 20, { 'process.pid': 4242, 'process.executable.name': 'python3' }),
                ),
                sum(
                  'process.cpu.time',
                  's',
                  true,
                  points(end, (i) => i * 57, { 'process.pid': 4242, 'process.executable.name': 'python3', state: 'user' }),
                ),
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${h.otlpHttp}/v1/metrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const range = { from: new Date(end - 20 * 60_000).toISOString(), to: new Date(end).toISOString() };
    const found = await waitFor(async () => {
      const r = (await performance({ ...range, service: 'ledger' })).resources;
      return r.length === 3 ? r : undefined;
    });
    const byKind = Object.fromEntries(found.map((f) => [f.kind, f]));
    expect(byKind.pool).toMatchObject({
      service: 'ledger',
      subject: 'main',
      flagged: true,
      summary: 'up to 10 connections in use of 10, up to 3 requests waiting for one',
    });
    expect(byKind.pool!.evidence[0]).toBe('{"db.client.connection.count", service_name="ledger", "db.client.connection.pool.name"="main"}');
    expect(byKind.memory).toMatchObject({ subject: 'python3 pid 4242', flagged: true });
    expect(byKind.memory!.summary).toMatch(/^resident memory grew by 100\.0 MB over the range \(300\.0 MB\/h\)/);
    expect(byKind.cpu).toMatchObject({
      subject: 'python3 pid 4242',
      flagged: true,
      summary: '0.95 cores busy on average, 0.95 at its busiest minute',
    });
    // The evidence is PromQL the Metrics view runs as it is.
    const evidence = await h.engine.api.table.request('metrics.query', { query: byKind.memory!.evidence[0]!, time: String(end / 1000) });
    expect(evidence.resultType === 'vector' && evidence.result.length).toBe(1);
  });
});
