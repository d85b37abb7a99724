// Exploring traces past the first page and across engines: paging the search with a cursor (ties
// in start time included), exporting a trace as OTLP/JSON and importing it into a fresh engine,
// the service map's database and external nodes, the list of metrics received, and a trace in
// its compact form (what the Traces view opens) holding the same trace as the whole answer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolConnection } from '../../electron/engine/api/protocol-server.js';
import { OTLP_LIMITS } from '../../electron/engine/ingest/otlp/limits.js';
import { traceToOtlpJson } from '../../renderer/src/features/traces/otlp-export.js';
import { traceFromCompact } from '../../renderer/src/features/traces/compact-trace.js';
import { API_LIMITS, type ApiErrorBody, type TraceImportResult } from '../../shared/api.js';
import type { MetricSummaryView, ServiceMapView, SpanView, CompactTraceView, TraceSearchView, TraceView } from '../../shared/model.js';
import { startOtlpEngine, TOKEN, type OtlpEngine } from '../support/otlp-engine.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'otlp');
let h: OtlpEngine;

beforeAll(async () => {
  h = await startOtlpEngine();
});
afterAll(async () => {
  await h.stop();
});

async function postImport(target: OtlpEngine, body: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL('/api/traces/import', target.server.url), {
    method: 'POST',
    body,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
  });
  return { status: res.status, body: await res.json() };
}

const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');

/** `count` one-span traces, `perStart` of them starting in the same microsecond. */
function manyTraces(count: number, perStart: number, t0Us: number): string {
  const spans = Array.from({ length: count }, (_, i) => {
    const startUs = t0Us + Math.floor(i / perStart) * 1000;
    return {
      traceId: hex(i + 1, 32),
      spanId: hex(i + 1, 16),
      name: i % 2 ? 'GET /odd' : 'GET /even',
      kind: 2,
      startTimeUnixNano: `${startUs}000`,
      endTimeUnixNano: `${startUs + 500}000`,
      attributes: [{ key: 'page.test', value: { boolValue: true } }],
    };
  });
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pager' } }] },
        scopeSpans: [{ scope: { name: 't' }, spans }],
      },
    ],
  });
}

describe('trace search pages', () => {
  const t0 = Date.UTC(2026, 0, 5, 10) * 1000;
  const window = `from=${new Date(t0 / 1000 - 1000).toISOString()}&to=${new Date(t0 / 1000 + 3_600_000).toISOString()}`;

  beforeAll(async () => {
    const r = await postImport(h, manyTraces(720, 7, t0));
    expect(r).toMatchObject({ status: 200, body: { spans: 720, duplicateSpans: 0 } });
  });

  for (const [label, filter] of [
    ['trace-level filters', 'service=pager'],
    ['span-level filters', `q=${encodeURIComponent('page.test:true')}`],
  ] as const) {
    it(`walks every trace once, newest first, with ${label} (ties in start time included)`, async () => {
      const seen: string[] = [];
      const starts: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: TraceSearchView = (
          await h.api<TraceSearchView>(`/api/traces?${filter}&${window}&limit=100${cursor ? `&cursor=${cursor}` : ''}`)
        ).body;
        expect(page.total).toBe(720);
        seen.push(...page.traces.map((t) => t.traceId));
        starts.push(...page.traces.map((t) => t.startUs));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 20);
      expect(pages).toBe(8);
      expect(new Set(seen).size).toBe(720);
      expect(starts).toEqual([...starts].sort((a, b) => b - a));
    });
  }

  it('refuses a cursor it did not make', async () => {
    const r = await h.api<ApiErrorBody>('/api/traces?cursor=yesterday');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/not a cursor/);
  });
});

describe('export and import', () => {
  async function sendCheckout(target: OtlpEngine): Promise<string> {
    const exporter = new OTLPTraceExporter({ url: `${target.otlpHttp}/v1/traces` });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop', 'service.version': '2.0.1', 'host.cores': 8 }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('shop.http', '1.2.3');
    const root = tracer.startSpan(
      'GET /cart',
      { kind: SpanKind.SERVER, attributes: { 'http.route': '/cart', 'http.response.status_code': 500, ratio: 0.25, tags: ['a', 'b'] } },
      ROOT_CONTEXT,
    );
    const child = tracer.startSpan(
      'SELECT cart',
      { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM cart WHERE id = $1' } },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    child.addEvent('rows', { n: 3 });
    child.recordException(new Error('timeout'));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'timeout' });
    child.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();
    return root.spanContext().traceId;
  }

  it('exports a trace as OTLP/JSON that a fresh engine imports as the same spans', async () => {
    const traceId = await sendCheckout(h);
    const original = (await h.api<TraceView>(`/api/traces/${traceId}`)).body;
    expect(original.spans).toHaveLength(2);
    const exported = JSON.stringify(traceToOtlpJson(original));
    expect(JSON.parse(exported).resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({
      traceId,
      startTimeUnixNano: expect.stringMatching(/^\d+000$/),
    });

    const fresh = await startOtlpEngine();
    try {
      const r = await postImport(fresh, exported);
      expect(r.body).toEqual({ traceIds: [traceId], spans: 2, duplicateSpans: 0, rejectedSpans: 0 } satisfies TraceImportResult);
      const imported = (await fresh.api<TraceView>(`/api/traces/${traceId}`)).body;
      expect(imported).toEqual(original);
      // Importing it again stores nothing twice.
      expect((await postImport(fresh, exported)).body).toMatchObject({ spans: 0, duplicateSpans: 2 });
    } finally {
      await fresh.stop();
    }
  });

  it('imports an OTLP/JSON file over the protocol, up to the receiver’s size, other messages staying small', async () => {
    const sent: { kind: string; id: number | null; result?: unknown; error?: { code: string; message: string } }[] = [];
    const conn = new ProtocolConnection(h.engine, { send: (text) => sent.push(JSON.parse(text) as (typeof sent)[number]) });
    const padding = 'x'.repeat(API_LIMITS.maxBodyBytes);
    const file = readFileSync(join(FIXTURES, 'trace.json'), 'utf8').replace('"some value"', JSON.stringify(`some value ${padding}`));
    await conn.receive(JSON.stringify({ kind: 'request', id: 1, method: 'traces.import', params: { json: file } }));
    expect(sent.at(-1)).toMatchObject({ id: 1, kind: 'response', result: { traceIds: ['5b8efff798038103d269b633813fc60c'] } });
    await conn.receive(JSON.stringify({ kind: 'request', id: 2, method: 'traces.search', params: { q: padding } }));
    expect(sent.at(-1)).toMatchObject({ id: 2, kind: 'error', error: { code: 'too_large' } });
    await conn.receive(JSON.stringify({ kind: 'request', id: 3, method: 'traces.import', params: { json: '{"resourceLogs": []}' } }));
    expect(sent.at(-1)).toMatchObject({ id: 3, kind: 'error', error: { code: 'bad_request', message: expect.stringMatching(/no spans/) } });
    conn.close();
    expect(API_LIMITS.maxImportBytes).toBe(OTLP_LIMITS.maxWireBodyBytes);
  });

  it('says what is wrong with a file that is not OTLP/JSON', async () => {
    const r = await postImport(h, '{"resourceSpans": [{"scopeSpans": "nope"}]}');
    expect(r.status).toBe(400);
    expect((r.body as ApiErrorBody).error.message).toMatch(/^Not an OTLP\/JSON trace export: malformed OTLP\/JSON/);
    expect((await postImport(h, 'not json')).status).toBe(400);
  });
});

describe('the compact trace (what the Traces view opens)', () => {
  /** A SpanView with every field read (the compact spans read attributes, events and links when asked). */
  const plain = (s: SpanView): Record<string, unknown> => ({
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    traceState: s.traceState,
    name: s.name,
    kind: s.kind,
    start: s.start,
    startUs: s.startUs,
    endUs: s.endUs,
    durationUs: s.durationUs,
    status: s.status,
    service: s.service,
    resource: s.resource,
    scope: s.scope,
    attributes: s.attributes,
    events: s.events,
    links: s.links,
    flags: s.flags,
  });

  it('holds the same trace as traces.get, smaller, and exports the same OTLP/JSON', async () => {
    const traceId = hex(0xc01, 32);
    const t0 = 1_780_000_000_000_000;
    const span = (id: number, name: string, startUs: number, more: Record<string, unknown>): Record<string, unknown> => ({
      traceId,
      spanId: hex(id, 16),
      name,
      kind: 2,
      startTimeUnixNano: `${startUs}000`,
      endTimeUnixNano: `${startUs + 900}000`,
      ...more,
    });
    const doc = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'web' } }] },
          schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
          scopeSpans: [
            {
              scope: { name: 'web.http', version: '1.2.3' },
              spans: [
                span(1, 'GET /cart', t0, {
                  traceState: 'vendor=a',
                  flags: 1,
                  attributes: [
                    { key: 'http.route', value: { stringValue: '/cart' } },
                    { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }] } } },
                  ],
                  status: { code: 2, message: 'upstream failed' },
                  links: [
                    { traceId: hex(0xabc, 32), spanId: hex(9, 16), attributes: [{ key: 'why', value: { stringValue: 'retry of' } }] },
                  ],
                }),
                span(3, 'render', t0 + 300, {
                  parentSpanId: hex(1, 16),
                  events: [
                    { name: 'cache miss', timeUnixNano: `${t0 + 350}000`, attributes: [{ key: 'key', value: { stringValue: 'cart:1' } }] },
                  ],
                }),
              ],
            },
          ],
        },
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'db-proxy' } }] },
          scopeSpans: [
            {
              scope: { name: '' },
              spans: [
                span(2, 'SELECT cart', t0 + 100, { kind: 3, parentSpanId: hex(1, 16), links: [{ traceId, spanId: hex(3, 16) }] }),
                // Its parent never arrived.
                span(4, 'late work', t0 + 200, { parentSpanId: hex(0xdead, 16), status: { code: 1 } }),
              ],
            },
          ],
        },
      ],
    };
    expect((await postImport(h, JSON.stringify(doc))).body).toMatchObject({ spans: 4 });

    const full = await h.api<TraceView>(`/api/traces/${traceId}`);
    const compact = await fetch(new URL(`/api/traces/${traceId}/compact`, h.server.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
    const text = await compact.text();
    expect(compact.status).toBe(200);
    const opened = traceFromCompact(JSON.parse(text) as CompactTraceView);
    const { spans, ...rest } = opened;
    const { spans: fullSpans, ...fullRest } = full.body;
    expect(rest).toEqual(fullRest);
    expect(spans.map(plain)).toEqual(fullSpans.map(plain));
    expect(spans.map((s) => s.name)).toEqual(['GET /cart', 'SELECT cart', 'late work', 'render']);
    expect(spans[2]!.parentSpanId).toBe(hex(0xdead, 16));
    expect(text.length).toBeLessThan(JSON.stringify(full.body).length);
    expect(traceToOtlpJson(opened)).toEqual(traceToOtlpJson(full.body));
    expect((await h.api<ApiErrorBody>(`/api/traces/${hex(0xc02, 32)}/compact`)).status).toBe(404);
  });
});

describe('the service map', () => {
  it('draws databases and services that send no spans, from the client spans that call them', async () => {
    const exporter = new OTLPTraceExporter({ url: `${h.otlpHttp}/v1/traces` });
    const provider = (service: string): BasicTracerProvider =>
      new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service }),
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      });
    const web = provider('map-web');
    const api = provider('map-api');
    for (let i = 0; i < 3; i++) {
      const root = web.getTracer('w').startSpan('GET /', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
      const call = web
        .getTracer('w')
        .startSpan('GET /items', { kind: SpanKind.CLIENT, attributes: { 'server.address': 'map-api' } }, trace.setSpan(ROOT_CONTEXT, root));
      const served = api.getTracer('a').startSpan('GET /items', { kind: SpanKind.SERVER }, trace.setSpan(ROOT_CONTEXT, call));
      const under = trace.setSpan(ROOT_CONTEXT, served);
      api
        .getTracer('a')
        .startSpan('SELECT items', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql', 'db.namespace': 'shop' } }, under)
        .end();
      const cache = api
        .getTracer('a')
        .startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'redis', 'server.address': 'cache.local' } }, under);
      if (i === 0) cache.setStatus({ code: SpanStatusCode.ERROR });
      cache.end();
      api
        .getTracer('a')
        .startSpan('charge', { kind: SpanKind.CLIENT, attributes: { 'peer.service': 'stripe', 'server.address': 'api.stripe.com' } }, under)
        .end();
      api
        .getTracer('a')
        .startSpan('POST /hook', { kind: SpanKind.CLIENT, attributes: { 'server.address': 'hooks.example.com' } }, under)
        .end();
      served.end();
      call.end();
      root.end();
    }
    await Promise.all([web.forceFlush(), api.forceFlush()]);
    const map = (await h.api<ServiceMapView>('/api/service-map')).body;
    const edge = (parent: string, child: string) => map.edges.find((e) => e.parent === parent && e.child === child);
    // The call the api service answered is an edge between services, not one to a host.
    expect(edge('map-web', 'map-api')).toMatchObject({ count: 3 });
    expect(edge('map-web', 'map-api')!.rate).toBeGreaterThan(0);
    expect(map.nodes.find((n) => n.name === 'map-api')).toMatchObject({ kind: 'service', count: 3, errorCount: 0 });
    expect(map.nodes.find((n) => n.name === 'map-web')).toMatchObject({ kind: 'service', count: 3 });
    expect(edge('map-api', 'postgresql shop')).toMatchObject({ count: 3, errorCount: 0 });
    expect(edge('map-api', 'redis cache.local')).toMatchObject({ count: 3, errorCount: 1 });
    expect(edge('map-api', 'stripe')).toMatchObject({ count: 3 });
    expect(edge('map-api', 'hooks.example.com')).toMatchObject({ count: 3 });
    expect(map.nodes.find((n) => n.name === 'redis cache.local')).toMatchObject({
      kind: 'database',
      count: 3,
      errorCount: 1,
      errorRate: 1 / 3,
    });
    expect(map.nodes.find((n) => n.name === 'stripe')).toMatchObject({ kind: 'external', count: 3 });
    expect(map.nodes.find((n) => n.name === 'hooks.example.com')).toMatchObject({ kind: 'external' });
    expect(map.services).not.toContain('stripe');
    expect(map.windowSeconds).toBeGreaterThan(0);
    await Promise.all([web.shutdown(), api.shutdown()]);
  });
});

describe('the metrics list', () => {
  it('lists each metric received with its type, unit, service, series and newest value', async () => {
    const res = await fetch(`${h.otlpHttp}/v1/metrics`, {
      method: 'POST',
      body: readFileSync(join(FIXTURES, 'metrics.json')),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(200);
    const { metrics } = (await h.api<{ metrics: MetricSummaryView[] }>('/api/metrics')).body;
    const byName = new Map(metrics.map((m) => [m.name, m]));
    expect(byName.get('my.counter')).toMatchObject({
      type: 'sum',
      unit: '1',
      service: 'my.service',
      series: 1,
      lastValue: 5,
      lastTime: '2018-12-13T14:51:00.300000Z',
    });
    expect(byName.get('my.gauge')).toMatchObject({ type: 'gauge', lastValue: 10 });
    expect(byName.get('my.histogram')).toMatchObject({ type: 'histogram', lastCount: 2, lastSum: 2 });
  });
});
