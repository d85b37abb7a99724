// The older tracers sending to a running engine (OTLP off): OpenTelemetry's Zipkin exporter (npm
// @opentelemetry/exporter-zipkin), py_zipkin (Debian's python3-py-zipkin, JSON v2 and v1), Zipkin
// proto3 encoded by protobufjs from zipkin.proto, and Jaeger's thrift written by python3-thrift from
// Jaeger's IDL over the agent's two UDP ports and the collector's /api/traces. What the REST API
// returns is checked: the traces, and each source's counters and last error on GET /api/sources.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import type { SourceView, SpanView, TraceSearchView, TraceView } from '../../../shared/model.js';
import { createEngine, type Engine } from '../../../electron/engine/engine.js';
import { startHttpServer, type RunningServer } from '../../../electron/engine/api/http-server.js';
import { ROOT } from '../../support/serve-process.js';
import { JAEGER_SEND, PYTHON, generateJaegerPython } from '../../support/jaeger-thrift.js';

const TOKEN = 'traces-in-token';
const run = promisify(execFile);
let dir: string;
let engine: Engine;
let server: RunningServer;
let gen: { dir: string; remove(): void };
let zipkinUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-traces-in-'));
  engine = await createEngine({ dataDir: dir, zipkin: { port: 0 }, jaegerAgent: { port: 0 } });
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
  zipkinUrl = `http://127.0.0.1:${engine.zipkin!.port}`;
  gen = generateJaegerPython();
});

afterAll(async () => {
  await server.close();
  await engine.close();
  gen.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function api<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, server.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function source(kind: 'zipkin' | 'jaeger'): Promise<SourceView> {
  const { sources } = await api<{ sources: SourceView[] }>('/api/sources');
  return sources.find((s) => s.kind === kind)!;
}

/** The stored trace once it has `spans` spans (UDP and the ingest's flush are asynchronous). */
async function traceWith(traceId: string, spans: number): Promise<TraceView> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(new URL(`/api/traces/${traceId}`, server.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
    if (res.status === 200) {
      const t = (await res.json()) as TraceView;
      if (t.spans.length >= spans) return t;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`trace ${traceId} never had ${spans} spans`);
}

const byName = (t: TraceView, name: string): SpanView => t.spans.find((s) => s.name === name)!;

describe('Zipkin', () => {
  it("stores what OpenTelemetry's Zipkin exporter sends", async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'zipkin-shop', 'deployment.environment': 'test' }),
      spanProcessors: [new SimpleSpanProcessor(new ZipkinExporter({ url: `${zipkinUrl}/api/v2/spans` }))],
    });
    const tracer = provider.getTracer('shop.http');
    const root = tracer.startSpan('GET /cart', {
      kind: SpanKind.SERVER,
      attributes: { 'http.route': '/cart', 'http.response.status_code': 500 },
    });
    const child = tracer.startSpan(
      'SELECT cart',
      { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    child.addEvent('retry');
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
    child.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();

    const traceId = root.spanContext().traceId;
    const t = await traceWith(traceId, 2);
    const r = byName(t, 'GET /cart');
    const c = byName(t, 'SELECT cart');
    expect(r).toMatchObject({ spanId: root.spanContext().spanId, kind: 'server', service: 'zipkin-shop', status: { code: 'unset' } });
    expect(r.parentSpanId).toBeUndefined();
    // Tags are text in Zipkin; the resource's attributes, copied into every span's tags, went back to the resource.
    expect(r.attributes).toEqual({ 'http.route': '/cart', 'http.response.status_code': '500' });
    expect(t.resources[r.resource]!.attributes).toEqual({ 'service.name': 'zipkin-shop', 'deployment.environment': 'test' });
    expect(c).toMatchObject({ parentSpanId: r.spanId, kind: 'client', status: { code: 'error', message: 'connection reset' } });
    expect(c.attributes).toEqual({ 'db.system': 'postgresql' });
    expect(c.events.map((e) => e.name)).toEqual(['retry']);

    const summary = (await api<TraceSearchView>('/api/traces?service=zipkin-shop')).traces.find((x) => x.traceId === traceId);
    expect(summary).toMatchObject({ rootService: 'zipkin-shop', rootOperation: 'GET /cart', spanCount: 2, errorCount: 1 });
    expect((await source('zipkin')).counters).toMatchObject({ 'spans.zipkin-json': 2 });
  });

  it.each(['V2_JSON', 'V1_JSON'])('stores what py_zipkin sends as %s', async (encoding) => {
    const path = encoding === 'V2_JSON' ? '/api/v2/spans' : '/api/v1/spans';
    const service = `py-${encoding.toLowerCase().replace('_', '-')}`;
    const { stdout } = await run(PYTHON, [
      join(ROOT, 'tests', 'fixtures', 'jaeger-idl', 'py_zipkin_send.py'),
      `${zipkinUrl}${path}`,
      encoding,
      service,
    ]);
    const t = await traceWith(stdout.trim(), 2);
    const r = byName(t, 'GET /orders');
    const c = byName(t, 'fetch stock');
    expect(r).toMatchObject({ kind: 'server', service, status: { code: 'unset' } });
    expect(r.attributes).toMatchObject({ 'http.path': '/orders', 'net.host.ip': '127.0.0.1' });
    expect(c).toMatchObject({
      parentSpanId: r.spanId,
      kind: 'client',
      service,
      status: { code: 'error', message: 'stock service timed out' },
    });
    expect(c.attributes).toMatchObject({ 'peer.service': 'stock', 'net.peer.ip': '127.0.0.1', 'net.peer.port': 8080 });
    expect(c.endUs).toBeGreaterThanOrEqual(c.startUs);
  });

  it('stores proto3 ListOfSpans (protobufjs from zipkin.proto), gzip-compressed', async () => {
    const root = await protobuf.load(join(ROOT, 'tests', 'fixtures', 'jaeger-idl', 'zipkin.proto'));
    const ListOfSpans = root.lookupType('zipkin.proto3.ListOfSpans');
    const traceId = Buffer.from('00000000000000000000000000abcdef', 'hex').subarray(8); // a 64-bit trace id
    const message = ListOfSpans.create({
      spans: [
        {
          traceId,
          id: Buffer.from('00000000000000aa', 'hex'),
          kind: 2,
          name: 'proto root',
          timestamp: 1_700_000_000_000_000,
          duration: 1500,
          localEndpoint: { serviceName: 'proto-svc', ipv4: Buffer.from([10, 0, 0, 1]), port: 8000 },
          remoteEndpoint: { serviceName: 'caller', ipv6: Buffer.from('20010db8000000000000000000000001', 'hex') },
          annotations: [{ timestamp: 1_700_000_000_000_500, value: 'wr' }],
          tags: { 'http.method': 'GET', 'otel.status_code': 'ERROR', 'otel.status_description': 'boom' },
        },
      ],
    });
    const body = gzipSync(ListOfSpans.encode(message).finish());
    const res = await fetch(`${zipkinUrl}/api/v2/spans`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' },
      body,
    });
    expect(res.status).toBe(202);
    const t = await traceWith('00000000000000000000000000abcdef', 1);
    expect(t.spans[0]).toMatchObject({
      spanId: '00000000000000aa',
      kind: 'server',
      service: 'proto-svc',
      startUs: 1_700_000_000_000_000,
      durationUs: 1500,
      status: { code: 'error', message: 'boom' },
      attributes: {
        'http.method': 'GET',
        'net.host.ip': '10.0.0.1',
        'net.host.port': 8000,
        'peer.service': 'caller',
        'net.peer.ip': '2001:db8:0:0:0:0:0:1',
      },
    });
    expect(t.spans[0]!.events).toMatchObject([{ name: 'wr' }]);
  });

  it('refuses malformed JSON, a wrong content type and a 100 MB body with a reason and a counter, and goes on', async () => {
    const before = (await source('zipkin')).counters!;
    const bad = await fetch(`${zipkinUrl}/api/v2/spans`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '[{"traceId": ',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/not valid JSON/);
    expect((await source('zipkin')).lastError).toMatch(/HTTP 400: zipkin-json: the body is not valid JSON/);
    const xml = await fetch(`${zipkinUrl}/api/v2/spans`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: '<spans/>' });
    expect(xml.status).toBe(415);
    const huge = await fetch(`${zipkinUrl}/api/v2/spans`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.alloc(100 * 1024 * 1024, 0x20),
    }).catch((err: unknown) => err as Error);
    // The server answers 413 and closes; the client may see the answer or the closed socket.
    if (!(huge instanceof Error)) expect(huge.status).toBe(413);
    const after = (await source('zipkin')).counters!;
    expect(after.badPayloads! - before.badPayloads!).toBe(2);
    expect(after.refusedPayloads! - before.refusedPayloads!).toBe(1);
    // A span with a bad id is rejected alone; the rest of its request is stored.
    const mixed = [
      { traceId: 'xyz', id: '1', name: 'bad' },
      {
        traceId: '5af7183fb1d4cf5f',
        id: '352bff9a74ca9ad2',
        name: 'good',
        timestamp: 1_700_000_000_000_000,
        duration: 5,
        localEndpoint: { serviceName: 'after-bad' },
      },
    ];
    const ok = await fetch(`${zipkinUrl}/api/v2/spans`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(mixed),
    });
    expect(ok.status).toBe(202);
    const t = await traceWith('00000000000000005af7183fb1d4cf5f', 1);
    expect(t.spans[0]).toMatchObject({ name: 'good', service: 'after-bad', spanId: '352bff9a74ca9ad2' });
    expect((await source('zipkin')).counters!.rejectedSpans! - before.rejectedSpans!).toBe(1);
  });
});

describe('Jaeger', () => {
  const TRACE = '7edcba98765432100123456789abcdef';

  it.each(['compact', 'binary', 'http'] as const)('stores the golden batch sent over %s', async (transport) => {
    // Each transport's spans replace nothing (same ids are the same spans): check the counters moved.
    const before =
      transport === 'http'
        ? ((await source('zipkin')).counters!['spans.jaeger-thrift-http'] ?? 0)
        : ((await source('jaeger')).counters![`spans.jaeger-${transport}`] ?? 0);
    const target =
      transport === 'http'
        ? `${zipkinUrl}/api/traces`
        : String(transport === 'compact' ? engine.jaeger!.compactPort : engine.jaeger!.binaryPort);
    await run(PYTHON, [JAEGER_SEND, gen.dir, transport, target]);
    for (let i = 0; i < 200; i++) {
      const now =
        transport === 'http'
          ? ((await source('zipkin')).counters!['spans.jaeger-thrift-http'] ?? 0)
          : ((await source('jaeger')).counters![`spans.jaeger-${transport}`] ?? 0);
      if (now - before === 3) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const t = await traceWith(TRACE, 2);
    const root = byName(t, 'GET /cart');
    const child = byName(t, 'SELECT cart');
    expect(root).toMatchObject({ kind: 'server', service: 'checkout', status: { code: 'unset' }, durationUs: 25_000 });
    expect(t.resources[root.resource]!.attributes).toMatchObject({
      'host.name': 'laptop',
      'opencensus.exporterversion': 'Jaeger-Python-4.8.0',
    });
    expect(child).toMatchObject({ parentSpanId: root.spanId, kind: 'client', status: { code: 'error', message: 'connection reset' } });
    expect(child.links).toMatchObject([{ traceId: '00000000000000000000000000000005', spanId: '0000000000000006' }]);
  });

  it('counts a datagram with a billion-element list header and a truncated one as bad, and goes on', async () => {
    const before = (await source('jaeger')).counters!;
    const header = Buffer.from([0x82, 0x81, 0x00, 0x09, ...Buffer.from('emitBatch')]);
    const billion = Buffer.concat([header, Buffer.from([0x1c, 0x29, 0xfc, 0x80, 0x94, 0xeb, 0xdc, 0x03])]);
    const socket = createSocket('udp4');
    const send = (b: Buffer): Promise<void> =>
      new Promise((r, j) => socket.send(b, engine.jaeger!.compactPort!, '127.0.0.1', (err) => (err ? j(err) : r())));
    await send(billion);
    await send(header);
    socket.close();
    let view = await source('jaeger');
    for (let i = 0; i < 200 && view.counters!.badPayloads! - before.badPayloads! < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
      view = await source('jaeger');
    }
    expect(view.counters!.badPayloads! - before.badPayloads!).toBe(2);
    expect(view.lastError).toMatch(/compact datagram: truncated thrift/);
    expect(view.state).toBe('watching');
    await run(PYTHON, [JAEGER_SEND, gen.dir, 'compact', String(engine.jaeger!.compactPort)]);
    for (let i = 0; i < 200 && (await source('jaeger')).counters!.spans! - before.spans! < 3; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect((await source('jaeger')).counters!.spans! - before.spans!).toBe(3);
  });
});
