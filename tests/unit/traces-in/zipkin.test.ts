// Zipkin → spans on the example of Zipkin's own API docs (tests/fixtures/zipkin), checked against
// the golden mapping (the OpenTelemetry Collector's zipkin receiver's), and what is refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeZipkinJsonV1, decodeZipkinJsonV2 } from '../../../electron/engine/ingest/traces-in/zipkin.js';
import { OtlpDecodeError } from '../../../electron/engine/ingest/otlp/model.js';
import { ROOT } from '../../support/serve-process.js';

const EXAMPLE = readFileSync(join(ROOT, 'tests', 'fixtures', 'zipkin', 'api-example-v2.json'), 'utf8');

describe('Zipkin JSON v2', () => {
  it("maps the Zipkin API's example span field by field", () => {
    const decoded = decodeZipkinJsonV2(EXAMPLE);
    expect(decoded.rejected).toBe(0);
    expect(decoded.groups).toHaveLength(1);
    const g = decoded.groups[0]!;
    expect(g.resource.attributes).toEqual({ 'service.name': 'backend' });
    expect(g.scope).toEqual({ name: '' });
    expect(g.items).toEqual([
      {
        traceId: '00000000000000005af7183fb1d4cf5f',
        spanId: '352bff9a74ca9ad2',
        parentSpanId: '6b221d5bc9e6496c',
        name: 'get /api',
        kind: 2,
        startUs: 1556604172355737,
        endUs: 1556604172355737 + 1431,
        attributes: {
          'http.method': 'GET',
          'http.path': '/api',
          'net.host.ip': '192.168.99.1',
          'net.host.port': 3306,
          'net.peer.ip': '172.19.0.2',
          'net.peer.port': 58648,
        },
        events: [],
        links: [],
        statusCode: 0,
        flags: 0,
      },
    ]);
  });

  it('maps status, scope, resource tags, trace state and a span without a timestamp', () => {
    const [span] = decodeZipkinJsonV2(
      JSON.stringify([
        {
          traceId: 'ABC',
          id: 'd',
          parentId: 'd',
          name: 'local work',
          duration: 7,
          tags: {
            'span.kind': 'internal',
            'otel.status_code': 'ERROR',
            error: 'disk full',
            'otel.library.name': 'lib',
            'otel.library.version': '2',
            'process.pid': '42',
            'w3c.tracestate': 'k=v',
          },
        },
      ]),
    ).groups.flatMap((g) => g.items.map((item) => ({ item, g })));
    expect(span!.g.resource.attributes).toEqual({ 'process.pid': '42' });
    expect(span!.g.scope).toEqual({ name: 'lib', version: '2' });
    expect(span!.item).toMatchObject({
      traceId: '00000000000000000000000000000abc',
      spanId: '000000000000000d',
      kind: 1,
      startUs: 0,
      endUs: 7,
      statusCode: 2,
      statusMessage: 'disk full',
      traceState: 'k=v',
      attributes: { 'otel.zipkin.absentField.startTime': true },
    });
    expect(span!.item.parentSpanId).toBeUndefined();
  });

  it('rejects a span with bad ids alone, and a body that is not an array of spans whole', () => {
    const d = decodeZipkinJsonV2(JSON.stringify([{ traceId: 'not hex', id: '1' }, { traceId: '1', id: '0' }, 7]));
    expect(d.rejected).toBe(3);
    expect(d.rejectReason).toMatch(/traceId "not hex" is not up to 32 hex digits/);
    expect(() => decodeZipkinJsonV2('{"spans": []}')).toThrow(OtlpDecodeError);
    expect(() => decodeZipkinJsonV2('[{')).toThrow(/not valid JSON/);
  });
});

describe('Zipkin JSON v1', () => {
  it('takes kind, endpoints and times from the core annotations', () => {
    const v1 = [
      {
        traceId: '5af7183fb1d4cf5f',
        id: '352bff9a74ca9ad2',
        name: 'get',
        annotations: [
          { timestamp: 100, value: 'cs', endpoint: { serviceName: 'frontend', ipv4: '10.0.0.1' } },
          { timestamp: 150, value: 'ws' },
          { timestamp: 300, value: 'cr', endpoint: { serviceName: 'frontend', ipv4: '10.0.0.1' } },
        ],
        binaryAnnotations: [
          { key: 'sa', value: true, endpoint: { serviceName: 'backend', ipv4: '10.0.0.2', port: 8080 } },
          { key: 'http.path', value: '/api', endpoint: { serviceName: 'frontend' } },
        ],
      },
    ];
    const g = decodeZipkinJsonV1(JSON.stringify(v1)).groups[0]!;
    expect(g.resource.attributes).toEqual({ 'service.name': 'frontend' });
    expect(g.items[0]).toMatchObject({
      kind: 3,
      startUs: 100,
      endUs: 300,
      events: [{ timeUs: 150, name: 'ws' }],
      attributes: {
        'http.path': '/api',
        'net.host.ip': '10.0.0.1',
        'peer.service': 'backend',
        'net.peer.ip': '10.0.0.2',
        'net.peer.port': 8080,
      },
    });
  });
});
