// OTLP/HTTP as the Collector answers it: the status-code table, content types, compression,
// limits, CORS, keep-alive, duplicates, exact nanosecond times and the sample payloads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLP_LIMITS } from '../../../electron/engine/ingest/otlp/limits.js';
import type { EngineStatusView, LogPage, TraceSearchView, TraceView } from '../../../shared/model.js';
import { readStatus, randomId, traceRequest } from '../../support/otlp-proto.js';
import { startOtlpEngine, type OtlpEngine } from '../../support/otlp-engine.js';
import { storedBuckets, type StoredBucketColumns } from '../../support/stored-buckets.js';
import { foldPointLog } from '../../../electron/engine/signals/metrics/point-log.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'otlp');
let h: OtlpEngine;

beforeAll(async () => {
  h = await startOtlpEngine();
});
afterAll(async () => {
  await h.stop();
});

interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
}

async function post(path: string, body: Buffer | string, headers: Record<string, string>): Promise<Reply> {
  const res = await fetch(`${h.otlpHttp}${path}`, { method: 'POST', body, headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
const PROTO_TYPE = { 'Content-Type': 'application/x-protobuf' };

function jsonTrace(traceId: string, spanId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'table' } }] },
        scopeSpans: [
          {
            scope: { name: 's' },
            spans: [
              { traceId, spanId, name: 'op', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000001000000', ...extra },
            ],
          },
        ],
      },
    ],
  });
}

const hex = (n: number, len: number): string => n.toString(16).padStart(len, '0');

describe('the status-code table', () => {
  it('accepts gzip and deflate bodies', async () => {
    const gz = await post('/v1/traces', gzipSync(jsonTrace(hex(1, 32), hex(1, 16))), { ...JSON_TYPE, 'Content-Encoding': 'gzip' });
    expect(gz.status).toBe(200);
    expect(JSON.parse(gz.body.toString())).toEqual({});
    const df = await post('/v1/traces', deflateSync(jsonTrace(hex(2, 32), hex(2, 16))), { ...JSON_TYPE, 'Content-Encoding': 'deflate' });
    expect(df.status).toBe(200);
  });

  it('400 for a corrupt gzip body, with a google.rpc.Status in the request type', async () => {
    const r = await post('/v1/traces', Buffer.from('this is not gzip at all'), { ...PROTO_TYPE, 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/x-protobuf');
    expect(readStatus(r.body).code).toBe(3);
  });

  it('413 for a gzip bomb, cut off at the decompressed limit', async () => {
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(OTLP_LIMITS.maxWireBodyBytes);
    const before = process.memoryUsage().arrayBuffers;
    const r = await post('/v1/traces', bomb, { ...JSON_TYPE, 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body.toString())).toMatchObject({ code: 8 });
    // Nowhere near the 100 MB it would inflate to stayed allocated.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('413 for a body over the wire limit, answered from its Content-Length', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: Number(new URL(h.otlpHttp).port),
          path: '/v1/traces',
          method: 'POST',
          headers: { ...PROTO_TYPE, 'Content-Length': String(OTLP_LIMITS.maxWireBodyBytes + 1) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
    });
    expect(status).toBe(413);
  });

  it('405 for a wrong method, 415 for a wrong content type or encoding, 404 elsewhere', async () => {
    const get = await fetch(`${h.otlpHttp}/v1/traces`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toContain('POST');
    expect((await post('/v1/traces', 'x', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await post('/v1/traces', 'x', { ...JSON_TYPE, 'Content-Encoding': 'br' })).status).toBe(415);
    expect((await post('/v2/traces', '{}', JSON_TYPE)).status).toBe(404);
  });

  it('400 for malformed protobuf and malformed JSON', async () => {
    const proto = await post('/v1/traces', Buffer.from([0x0a, 0xff, 0x01, 0x02]), PROTO_TYPE);
    expect(proto.status).toBe(400);
    expect(readStatus(proto.body)).toMatchObject({ code: 3 });
    const json = await post('/v1/logs', '{"resourceLogs": [', JSON_TYPE);
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body.toString())).toMatchObject({ code: 3, message: expect.stringContaining('malformed JSON') });
    const shape = await post('/v1/metrics', '{"resourceMetrics": 5}', JSON_TYPE);
    expect(shape.status).toBe(400);
    // Each refusal is counted where the user looks, with the last reason.
    const status = await h.api<EngineStatusView>('/api/status');
    expect(status.body.otlp!.invalidRequests).toBeGreaterThanOrEqual(3);
    expect(status.body.otlp!.lastInvalidRequest).toMatch(/^HTTP 400: /);
  });

  it('200 with partial_success for invalid ids, keeping the valid spans', async () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ids' } }] },
          scopeSpans: [
            {
              spans: [
                { traceId: 'ABCDEF0123456789ABCDEF0123456789', spanId: 'ABCDEF0123456789', name: 'good-upper' },
                { traceId: '', spanId: '0123456789abcdef', name: 'empty' },
                { traceId: '00000000000000000000000000000000', spanId: '0123456789abcdef', name: 'zero' },
                { traceId: 'abcdef', spanId: '0123456789abcdef', name: 'short' },
                { traceId: 'W47/95gDgQPSabYzgT/GDA==', spanId: '0123456789abcdef', name: 'base64' },
              ],
            },
          ],
        },
      ],
    });
    const r = await post('/v1/traces', body, JSON_TYPE);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toMatchObject({ partialSuccess: { rejectedSpans: '4', errorMessage: expect.any(String) } });
    const got = await h.api<TraceView>('/api/traces/abcdef0123456789abcdef0123456789');
    expect(got.body.spans.map((s) => [s.name, s.spanId])).toEqual([['good-upper', 'abcdef0123456789']]);
  });

  it('200 for empty requests, in the request type', async () => {
    const proto = await post('/v1/traces', Buffer.alloc(0), PROTO_TYPE);
    expect(proto.status).toBe(200);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
    expect(proto.body.length).toBe(0);
    const json = await post('/v1/logs', '{}', JSON_TYPE);
    expect(json.status).toBe(200);
    expect(JSON.parse(json.body.toString())).toEqual({});
  });

  it('503 with Retry-After under backpressure', async () => {
    const small = await startOtlpEngine({ maxPendingItems: 1 });
    try {
      const res = await fetch(`${small.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: PROTO_TYPE,
        body: traceRequest(
          'bp',
          [1, 2].map((i) => ({ traceId: randomId(16, i), spanId: randomId(8, i), name: 'x', startNs: 1n, endNs: 2n })),
        ),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe(String(OTLP_LIMITS.retryAfterSeconds));
      expect(readStatus(Buffer.from(await res.arrayBuffer())).code).toBe(14);
    } finally {
      await small.stop();
    }
  });
});

describe('HTTP behaviour', () => {
  it('keeps connections alive longer than the SDKs’ 5 s batch interval', async () => {
    const res = await post('/v1/logs', '{}', JSON_TYPE);
    const keepAlive = /timeout=(\d+)/.exec(res.headers.get('keep-alive') ?? '');
    expect(Number(keepAlive?.[1])).toBeGreaterThan(5);
  });

  it('grants no CORS preflight unless the origin was listed (as the Collector: CORS off by default)', async () => {
    // Any page on another local port (a dev server showing untrusted content) is refused.
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:8000', 'http://evil.example']) {
      const res = await fetch(`${h.otlpHttp}/v1/traces`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(((await res.json()) as { message: string }).message).toContain('--otlp-cors-origin');
    }
    // A JSON post from such a page (the browser would have needed the preflight) gets no CORS header either.
    const posted = await post('/v1/logs', '{}', { ...JSON_TYPE, Origin: 'http://localhost:5173' });
    expect(posted.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('grants CORS to the origins listed with --otlp-cors-origin, patterns with * included', async () => {
    const listed = await startOtlpEngine({ corsOrigins: ['http://localhost:5173', 'http://127.0.0.1:*'] });
    try {
      for (const origin of ['http://localhost:5173', 'http://127.0.0.1:3000']) {
        const res = await fetch(`${listed.otlpHttp}/v1/traces`, {
          method: 'OPTIONS',
          headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
        });
        expect(res.status).toBe(204);
        expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      }
      for (const origin of ['http://localhost:5174', 'http://127.0.0.1.evil.example:80x', 'http://evil.example']) {
        const res = await fetch(`${listed.otlpHttp}/v1/traces`, {
          method: 'OPTIONS',
          headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
        });
        expect(res.status, origin).toBe(403);
      }
    } finally {
      await listed.stop();
    }
  });

  it('stores a span retried three times once', async () => {
    const body = traceRequest('dup', [
      {
        traceId: randomId(16, 99),
        spanId: randomId(8, 99),
        name: 'once',
        startNs: 1_700_000_000_000_000_000n,
        endNs: 1_700_000_000_500_000_000n,
      },
    ]);
    for (let i = 0; i < 3; i++) expect((await post('/v1/traces', body, PROTO_TYPE)).status).toBe(200);
    const got = await h.api<TraceView>(`/api/traces/${randomId(16, 99).toString('hex')}`);
    expect(got.body.spans).toHaveLength(1);
    const found = await h.api<TraceSearchView>('/api/traces?service=dup');
    expect(found.body.traces[0]).toMatchObject({ spanCount: 1 });
  });

  it('counts every matching trace while listing only a page of the newest', async () => {
    const spans = Array.from({ length: 30 }, (_, i) => ({
      traceId: randomId(16, 1000 + i),
      spanId: randomId(8, 1000 + i),
      name: i % 3 === 0 ? 'slow one' : 'fast one',
      startNs: 1_700_000_100_000_000_000n + BigInt(i) * 1_000_000_000n,
      endNs: 1_700_000_100_500_000_000n + BigInt(i) * 1_000_000_000n,
    }));
    expect((await post('/v1/traces', traceRequest('counted', spans), PROTO_TYPE)).status).toBe(200);
    const page = await h.api<TraceSearchView>('/api/traces?service=counted&limit=5');
    expect(page.body.traces).toHaveLength(5);
    expect(page.body.total).toBe(30);
    expect(page.body.totalCapped).toBeUndefined();
    // A span-level filter counts the same way (distinct traces).
    const slow = await h.api<TraceSearchView>(`/api/traces?service=counted&operation=${encodeURIComponent('slow one')}&limit=4`);
    expect(slow.body.traces).toHaveLength(4);
    expect(slow.body.total).toBe(10);
    // Trace-level filters only (a time range): counted from the per-trace summaries.
    const range = await h.api<TraceSearchView>('/api/traces?from=1700000100000&to=1700000129999&limit=3');
    expect(range.body.traces).toHaveLength(3);
    expect(range.body.total).toBe(30);
  });

  it('converts nanoseconds to µs exactly, protobuf and JSON alike', async () => {
    const proto = traceRequest('ns', [
      {
        traceId: randomId(16, 7),
        spanId: randomId(8, 7),
        name: 'p',
        startNs: 1_700_000_000_123_456_789n,
        endNs: 1_700_000_000_123_999_999n,
      },
    ]);
    expect((await post('/v1/traces', proto, PROTO_TYPE)).status).toBe(200);
    const p = (await h.api<TraceView>(`/api/traces/${randomId(16, 7).toString('hex')}`)).body.spans[0]!;
    expect(p.startUs).toBe(1_700_000_000_123_456);
    expect(p.endUs).toBe(1_700_000_000_123_999);
    expect(p.start).toBe('2023-11-14T22:13:20.123456Z');

    const json = jsonTrace(hex(77, 32), hex(77, 16), {
      startTimeUnixNano: '1700000000123456789',
      endTimeUnixNano: 1700000000123999 * 1000,
    });
    expect((await post('/v1/traces', json, JSON_TYPE)).status).toBe(200);
    const j = (await h.api<TraceView>(`/api/traces/${hex(77, 32)}`)).body.spans[0]!;
    expect(j.startUs).toBe(1_700_000_000_123_456);
  });

  it('reads snake_case keys, enum names and int64 as numbers', async () => {
    const body = JSON.stringify({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }] },
          scope_spans: [
            {
              spans: [
                {
                  trace_id: hex(55, 32),
                  span_id: hex(55, 16),
                  name: 'snake op',
                  kind: 'SPAN_KIND_CONSUMER',
                  start_time_unix_nano: 1700000000000000,
                  end_time_unix_nano: '1700000001000000000',
                  status: { code: 'STATUS_CODE_ERROR', message: 'bad' },
                  attributes: [{ key: 'n', value: { int_value: 7 } }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect((await post('/v1/traces', body, JSON_TYPE)).status).toBe(200);
    const s = (await h.api<TraceView>(`/api/traces/${hex(55, 32)}`)).body.spans[0]!;
    expect(s).toMatchObject({
      name: 'snake op',
      kind: 'consumer',
      status: { code: 'error', message: 'bad' },
      attributes: { n: 7 },
      service: 'snake',
    });
  });
});

describe('the sample payloads (opentelemetry-proto examples, the spec’s file-exporter lines)', () => {
  it('stores trace.json with its upper-case ids', async () => {
    expect((await post('/v1/traces', readFileSync(join(FIXTURES, 'trace.json')), JSON_TYPE)).status).toBe(200);
    const t = (await h.api<TraceView>('/api/traces/5b8efff798038103d269b633813fc60c')).body;
    expect(t.spans[0]).toMatchObject({
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: 'eee19b7ec3c1b173',
      name: "I'm a server span",
      kind: 'server',
      startUs: 1544712660000000,
      durationUs: 1_000_000,
      service: 'my.service',
      scope: { name: 'my.library', version: '1.0.0' },
      attributes: { 'my.span.attr': 'some value' },
    });
  });

  it('stores logs.json and events.json in the logs table', async () => {
    expect((await post('/v1/logs', readFileSync(join(FIXTURES, 'logs.json')), JSON_TYPE)).status).toBe(200);
    expect((await post('/v1/logs', readFileSync(join(FIXTURES, 'events.json')), JSON_TYPE)).status).toBe(200);
    const page = (await h.api<LogPage>(`/api/logs?q=${encodeURIComponent('service:my.service')}`)).body;
    const log = page.records.find((r) => r.message === 'Example log record')!;
    expect(log).toMatchObject({
      timestamp: '2018-12-13T14:51:00.300000Z',
      severityNumber: 10,
      severityText: 'Information',
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      logger: 'my.library',
      attributes: {
        'string.attribute': 'some string',
        'boolean.attribute': true,
        'int.attribute': 10,
        'double.attribute': 637.704,
        'array.attribute': ['many', 'values'],
        'map.attribute': { 'some.map.key': 'some value' },
      },
    });
    const event = page.records.find((r) => r.attributes?.['event.name'] === 'browser.page_view')!;
    expect(JSON.parse(event.message)).toMatchObject({ type: 0, title: 'Free Online GUID Generator' });
  });

  it('stores every metric type of metrics.json', async () => {
    expect((await post('/v1/metrics', readFileSync(join(FIXTURES, 'metrics.json')), JSON_TYPE)).status).toBe(200);
    const types = h.engine.db.prepare("SELECT name, type, temporality FROM metric_series WHERE service = 'my.service' ORDER BY name").all();
    expect(types).toEqual([
      { name: 'my.counter', type: 'sum', temporality: 1 },
      { name: 'my.exponential.histogram', type: 'exponential_histogram', temporality: 1 },
      { name: 'my.gauge', type: 'gauge', temporality: 0 },
      { name: 'my.histogram', type: 'histogram', temporality: 1 },
    ]);
    // Read as the engine's readers do: the point log folded first.
    foldPointLog(h.engine.db);
    const hist = h.engine.db
      .prepare(
        "SELECT p.count, p.sum, p.min, p.max, p.bounds_id, p.bucket_counts FROM metric_points p JOIN metric_series s ON s.id = p.series_id WHERE s.name = 'my.histogram'",
      )
      .get() as StoredBucketColumns & Record<string, unknown>;
    expect(hist).toMatchObject({ count: 2, sum: 2, min: 0, max: 2 });
    expect(storedBuckets(h.engine.db, hist)).toEqual({ bounds: [1], counts: [1, 1] });
  });

  it('answers the file-exporter lines: empty ids are rejected per span, logs and metrics kept', async () => {
    for (const [signal, file] of [
      ['traces', 'spec_file_exporter_traces.jsonl'],
      ['logs', 'spec_file_exporter_logs.jsonl'],
      ['metrics', 'spec_file_exporter_metrics.jsonl'],
    ] as const) {
      for (const line of readFileSync(join(FIXTURES, file), 'utf8').split('\n').filter(Boolean)) {
        const r = await post(`/v1/${signal}`, line, JSON_TYPE);
        expect(r.status).toBe(200);
        if (signal === 'traces') expect(JSON.parse(r.body.toString()).partialSuccess.rejectedSpans).not.toBe('0');
      }
    }
    const logs = (await h.api<LogPage>(`/api/logs?q=${encodeURIComponent('"This is a log message"')}`)).body;
    expect(logs.records.length).toBeGreaterThan(0);
  });
});

describe('the protocol methods', () => {
  it('answers traces.search, traces.get, services.list and serviceMap', async () => {
    const { ProtocolConnection } = await import('../../../electron/engine/api/protocol-server.js');
    const sent: { kind: string; id: number | null; result?: unknown }[] = [];
    const conn = new ProtocolConnection(h.engine, { send: (text) => sent.push(JSON.parse(text) as (typeof sent)[number]) });
    const call = async (method: string, params: Record<string, unknown>): Promise<unknown> => {
      const id = sent.length + 1000;
      await conn.receive(JSON.stringify({ kind: 'request', id, method, params }));
      const reply = sent.find((m) => m.id === id)!;
      expect(reply.kind).toBe('response');
      return reply.result;
    };
    expect((await post('/v1/traces', readFileSync(join(FIXTURES, 'trace.json')), JSON_TYPE)).status).toBe(200);
    const search = (await call('traces.search', { service: 'my.service', minDuration: '500ms' })) as TraceSearchView;
    expect(search.traces.map((t) => t.traceId)).toContain('5b8efff798038103d269b633813fc60c');
    const got = (await call('traces.get', { traceId: '5B8EFFF798038103D269B633813FC60C' })) as TraceView;
    expect(got.spans).toHaveLength(1);
    expect(await call('services.list', {})).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'my.service' })]));
    expect(await call('serviceMap', { from: '2018-01-01T00:00:00Z' })).toMatchObject({ edges: expect.any(Array) });
    conn.close();
  });
});

describe('a request that fails to store', () => {
  it('keeps nothing of it: metric points and log records sharing a failed transaction are not stored twice by the retry', async () => {
    const fresh = await startOtlpEngine();
    try {
      const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
      const metrics = fixture('metrics.json');
      const logs = fixture('logs.json');
      const postTo = (path: string, body: string): Promise<number> =>
        fetch(`${fresh.otlpHttp}${path}`, { method: 'POST', body, headers: JSON_TYPE }).then((r) => r.status);
      const points = (): number => {
        foldPointLog(fresh.engine.db);
        return fresh.engine.db.prepare('SELECT count(*) FROM metric_points').pluck().get() as number;
      };
      const records = (): number => fresh.engine.db.prepare('SELECT count(*) FROM logs').pluck().get() as number;
      // Storing log records fails (a real SQLite error, as a full disk gives): both requests of
      // the batch answer 503 and nothing of either is kept.
      fresh.engine.db.exec("CREATE TEMP TRIGGER fail_logs BEFORE INSERT ON logs BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END");
      expect(await Promise.all([postTo('/v1/metrics', metrics), postTo('/v1/logs', logs)])).toEqual([503, 503]);
      expect(points()).toBe(0);
      expect(records()).toBe(0);
      // The SDK retries once writes work again: everything once.
      fresh.engine.db.exec('DROP TRIGGER fail_logs');
      expect(await Promise.all([postTo('/v1/metrics', metrics), postTo('/v1/logs', logs)])).toEqual([200, 200]);
      const once = { points: points(), records: records() };
      expect(once.points).toBeGreaterThan(0);
      expect(once.records).toBeGreaterThan(0);
      expect(fresh.engine.otlp!.stats.metricPoints).toBe(once.points);
    } finally {
      await fresh.stop();
    }
  });
});
