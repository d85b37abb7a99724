// Jaeger's thrift → spans, on bytes written by the real thrift library from Jaeger's IDL (compact and
// binary Agent.emitBatch messages, the collector's binary Batch), checked against the golden table of
// field mappings (the OpenTelemetry Collector's jaeger receiver's), and the bounds of the reader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAgentMessage, decodeCollectorBatch } from '../../../electron/engine/ingest/traces-in/jaeger-thrift.js';
import { ThriftDecodeError } from '../../../electron/engine/ingest/traces-in/thrift-reader.js';
import type { OtlpSpan } from '../../../electron/engine/core/telemetry.js';
import { generateJaegerPython, jaegerBytes } from '../../support/jaeger-thrift.js';

const START = 1_700_000_000_123_456;
let gen: { dir: string; remove(): void };
const bytes: Record<'compact' | 'binary' | 'http', Buffer> = { compact: Buffer.alloc(0), binary: Buffer.alloc(0), http: Buffer.alloc(0) };

beforeAll(() => {
  gen = generateJaegerPython();
  for (const what of ['compact', 'binary', 'http'] as const) bytes[what] = jaegerBytes(gen.dir, what);
});
afterAll(() => gen.remove());

function spanNamed(spans: OtlpSpan[], name: string): OtlpSpan {
  const s = spans.find((x) => x.name === name);
  if (!s) throw new Error(`no span ${name}`);
  return s;
}

describe('Jaeger thrift from python3-thrift and the IDL', () => {
  it('reads the same batch from the compact, binary and collector encodings', () => {
    const compact = decodeAgentMessage(bytes.compact, 'compact');
    expect(decodeAgentMessage(bytes.binary, 'binary')).toEqual(compact);
    expect(decodeCollectorBatch(bytes.http)).toEqual(compact);
  });

  it('maps every field as the golden table says', () => {
    const decoded = decodeAgentMessage(bytes.compact, 'compact');
    expect(decoded.rejected).toBe(0);
    // Process → resource (hostname → host.name, jaeger.version → opencensus.exporterversion).
    const resources = decoded.groups.map((g) => g.resource.attributes);
    expect(resources[0]).toEqual({
      'service.name': 'checkout',
      'host.name': 'laptop',
      'opencensus.exporterversion': 'Jaeger-Python-4.8.0',
      ip: '10.0.0.7',
      'client-uuid': '6b1f',
    });
    expect(decoded.groups.map((g) => g.scope)).toEqual([{ name: '' }, { name: 'my-lib', version: '1.2' }]);
    const spans = decoded.groups.flatMap((g) => g.items);

    const root = spanNamed(spans, 'GET /cart');
    expect(root).toMatchObject({
      traceId: '7edcba98765432100123456789abcdef',
      spanId: '1111111111111111',
      kind: 2,
      startUs: START,
      endUs: START + 25_000,
      statusCode: 0,
      flags: 1,
      links: [],
    });
    expect(root.parentSpanId).toBeUndefined();
    expect(root.attributes).toEqual({
      'http.status_code': 200,
      'http.method': 'GET',
      'sampler.param': true,
      ratio: 0.25,
      blob: 'AAH/',
      big: '-9223372036854775808',
    });
    expect(root.events).toEqual([{ timeUs: START + 1_000, name: 'cache miss', attributes: { key: 'cart:42' } }]);

    const child = spanNamed(spans, 'SELECT cart');
    expect(child).toMatchObject({
      spanId: 'fffffffffffffffe',
      parentSpanId: '1111111111111111',
      kind: 3,
      statusCode: 2,
      statusMessage: 'connection reset',
      links: [
        { traceId: '00000000000000000000000000000005', spanId: '0000000000000006', attributes: { 'opentracing.ref_type': 'follows_from' } },
      ],
    });
    expect(child.attributes).toEqual({ 'db.system': 'postgresql', 'peer.service': 'postgres' });
    expect(child.events[0]).toEqual({ timeUs: START + 3_000, name: 'error', attributes: { 'error.kind': 'ConnectionResetError' } });

    const short = spanNamed(spans, 'legacy');
    expect(short).toMatchObject({
      traceId: '000000000000000000000000000000ab',
      spanId: '0000000000000022',
      parentSpanId: '0000000000000021',
      statusCode: 1,
    });
    expect(short.attributes).toEqual({});
  });
});

describe('the thrift reader refuses bad input without allocating', () => {
  it('refuses a list header announcing a billion elements', () => {
    // Compact: emitBatch message, args struct field 1 (Batch), Batch field 2 (list<Span>) with size 1e9.
    const header = Buffer.from([0x82, 0x81, 0x00, 0x09, ...Buffer.from('emitBatch')]);
    const billion = [0x80, 0x94, 0xeb, 0xdc, 0x03];
    const compact = Buffer.concat([header, Buffer.from([0x1c, 0x29, 0xfc, ...billion])]);
    expect(() => decodeAgentMessage(compact, 'compact')).toThrow(/announces 1000000000 elements/);
    // Binary: Batch { 2: list<struct> size 1e9 }.
    const binary = Buffer.from([0x0f, 0x00, 0x02, 0x0c, 0x3b, 0x9a, 0xca, 0x00]);
    expect(() => decodeCollectorBatch(binary)).toThrow(ThriftDecodeError);
  });

  it('refuses truncated payloads at every length', () => {
    for (const what of ['compact', 'binary'] as const) {
      const full = bytes[what];
      for (let n = 0; n < full.length; n++) expect(() => decodeAgentMessage(full.subarray(0, n), what)).toThrow(ThriftDecodeError);
    }
    for (let n = 1; n < bytes.http.length; n++) expect(() => decodeCollectorBatch(bytes.http.subarray(0, n))).toThrow(ThriftDecodeError);
  });

  it('refuses other methods and other protocols', () => {
    expect(() => decodeAgentMessage(bytes.binary, 'compact')).toThrow(/not a thrift compact message/);
    expect(() => decodeAgentMessage(Buffer.from('{"spans":[]}'), 'compact')).toThrow(ThriftDecodeError);
    const zipkinBatch = Buffer.from([0x82, 0x81, 0x00, 0x0f, ...Buffer.from('emitZipkinBatch'), 0x00, 0x00]);
    expect(() => decodeAgentMessage(zipkinBatch, 'compact')).toThrow(/emitZipkinBatch is not supported/);
  });

  it('refuses structs nested past the depth bound', () => {
    // Binary Batch whose unknown field 9 is a struct nested 100 deep.
    const deep = Buffer.concat([Buffer.alloc(100 * 3, 0), Buffer.alloc(101, 0)]);
    for (let i = 0; i < 100; i++) deep.set([0x0c, 0x00, 0x09], i * 3);
    expect(() => decodeCollectorBatch(deep)).toThrow(/nested deeper/);
  });
});
