// The decoders on their own: exact times, ids, both encodings giving the same model.
import { describe, expect, it } from 'vitest';
import { nanosHalvesToUs, nanosTextToUs } from '../../../electron/engine/ingest/otlp/nanos.js';
import { decodeTracesProto } from '../../../electron/engine/ingest/otlp/protobuf/traces.js';
import { decodeTracesJson } from '../../../electron/engine/ingest/otlp/decode-json.js';
import { OtlpDecodeError } from '../../../electron/engine/ingest/otlp/model.js';
import { OTLP_LIMITS } from '../../../electron/engine/ingest/otlp/limits.js';
import { bytes, field, randomId, str, traceRequest, varint } from '../../support/otlp-proto.js';

function halves(ns: bigint): [number, number] {
  return [Number(ns & 0xffffffffn), Number(ns >> 32n)];
}

describe('nanoseconds → µs', () => {
  it('is exact where a double is not', () => {
    const cases = [
      1700000000123456789n,
      1700000000123456999n,
      18446744073709551615n / 2049n,
      999n,
      1000n,
      1544712660300000000n,
      1581452773000000789n,
    ];
    for (const ns of cases) {
      const expected = Number(ns / 1000n);
      expect(nanosHalvesToUs(...halves(ns))).toBe(expected);
      expect(nanosTextToUs(ns.toString())).toBe(expected);
    }
    // What going through a double would give instead.
    expect(Math.floor(Number(1700000000123456999n) / 1000)).not.toBe(1700000000123456);
  });

  it('refuses what is not a count', () => {
    expect(nanosTextToUs('-5')).toBeUndefined();
    expect(nanosTextToUs('1.5e18')).toBeUndefined();
  });
});

describe('protobuf and JSON', () => {
  it('decode the same request to the same spans', () => {
    const traceId = randomId(16, 3);
    const spanId = randomId(8, 4);
    const parent = randomId(8, 5);
    const proto = decodeTracesProto(
      traceRequest('svc', [
        {
          traceId,
          spanId,
          parentSpanId: parent,
          name: 'op',
          startNs: 1700000000123456789n,
          endNs: 1700000000223456789n,
          attributes: { a: 'b', n: 5 },
        },
      ]),
    );
    const json = decodeTracesJson(
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
            scopeSpans: [
              {
                scope: { name: 'test.scope' },
                spans: [
                  {
                    traceId: traceId.toString('hex').toUpperCase(),
                    spanId: spanId.toString('hex'),
                    parentSpanId: parent.toString('hex'),
                    name: 'op',
                    kind: 'SPAN_KIND_SERVER',
                    startTimeUnixNano: '1700000000123456789',
                    endTimeUnixNano: '1700000000223456789',
                    attributes: [
                      { key: 'a', value: { stringValue: 'b' } },
                      { key: 'n', value: { intValue: '5' } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    // The protobuf span keeps its attributes as JSON text, made an object when read.
    const protoSpan = proto.groups[0]!.items[0]!;
    expect(protoSpan.attributesJson).toBe('{"a":"b","n":5}');
    const { attributesJson: _, ...asRead } = { ...protoSpan, attributes: protoSpan.attributes };
    expect(json).toEqual({ ...proto, groups: [{ ...proto.groups[0]!, items: [asRead] }] });
    expect(proto.groups[0]!.items[0]).toMatchObject({
      startUs: 1700000000123456,
      endUs: 1700000000223456,
      kind: 2,
      parentSpanId: parent.toString('hex'),
    });
  });

  it('writes span attributes as the JSON of their values, whatever the values', () => {
    const kv = (key: string | Buffer, any: Buffer | null): Buffer =>
      Buffer.concat([bytes(1, typeof key === 'string' ? Buffer.from(key) : key), ...(any ? [bytes(2, any)] : [])]);
    const double = Buffer.alloc(8);
    double.writeDoubleLE(Number.NaN);
    const long = 'x'.repeat(OTLP_LIMITS.maxAttributeValueChars + 10);
    const rawAttributes = [
      kv('quote"back\\slash', str(1, 'line\nbreak\ttab "quoted" \u0001')),
      kv('unicode', str(1, 'héllo 🚀 ✓')),
      kv('not utf-8', bytes(1, Buffer.from([0x61, 0xff, 0xfe, 0x62]))),
      kv('bool', field(2, 0, varint(1))),
      kv('negative', field(3, 0, varint(-42n & 0xffffffffffffffffn))),
      kv('big', field(3, 0, varint(9223372036854775807n))),
      kv('nan', field(4, 1, double)),
      kv('array', bytes(5, Buffer.concat([bytes(1, str(1, 'a')), bytes(1, field(3, 0, varint(2)))]))),
      kv('kvlist', bytes(6, bytes(1, kv('inner', str(1, 'v'))))),
      kv('bytes', bytes(7, Buffer.from([1, 2, 3]))),
      kv('no value', null),
      kv('empty value', Buffer.alloc(0)),
      kv('long', str(1, long)),
      kv('__proto__', str(1, 'just a key')),
    ];
    const decode = (extra: Buffer[]): { json: string | null | undefined; attributes: unknown } => {
      const span = decodeTracesProto(
        traceRequest('svc', [
          { traceId: randomId(16, 1), spanId: randomId(8, 1), name: 'op', startNs: 1n, endNs: 2n, rawAttributes: extra },
        ]),
      ).groups[0]!.items[0]!;
      return { json: span.attributesJson, attributes: span.attributes };
    };
    const expected = {
      'quote"back\\slash': 'line\nbreak\ttab "quoted" \u0001',
      unicode: 'héllo 🚀 ✓',
      'not utf-8': 'a\ufffd\ufffdb',
      bool: true,
      negative: -42,
      big: '9223372036854775807',
      nan: 'NaN',
      array: ['a', 2],
      kvlist: { inner: 'v' },
      bytes: 'AQID',
      'no value': null,
      'empty value': null,
      long: long.slice(0, OTLP_LIMITS.maxAttributeValueChars),
      ['__proto__']: 'just a key',
    };
    const all = decode(rawAttributes);
    expect(JSON.parse(all.json!)).toEqual(JSON.parse(JSON.stringify(expected)));
    // The same text JSON.stringify gives for the decoded values (no integer-like keys here).
    expect(all.json).toBe(JSON.stringify(all.attributes));
    expect(Object.getOwnPropertyNames(all.attributes)).toContain('__proto__');
    // A repeated key keeps its last value, in its first place.
    const repeated = decode([kv('a', str(1, 'first')), kv('b', str(1, 'x')), kv('a', str(1, 'last'))]);
    expect(repeated.json).toBe('{"a":"last","b":"x"}');
    expect(decode([]).json).toBeNull();
    // A malformed value fails the request as before.
    expect(() => decode([kv('bad', field(1, 0, varint(1)))])).toThrow(/string_value has wire type 0/);
  });

  it('rejects truncated protobuf as a whole', () => {
    const good = traceRequest('svc', [{ traceId: randomId(16, 1), spanId: randomId(8, 1), name: 'op', startNs: 1n, endNs: 2n }]);
    expect(() => decodeTracesProto(good.subarray(0, good.length - 3))).toThrow(OtlpDecodeError);
  });

  it('keeps int64 attributes beyond 2^53 exact, as text', () => {
    const d = decodeTracesJson(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '0102030405060708090a0b0c0d0e0f10',
                    spanId: '0102030405060708',
                    attributes: [{ key: 'big', value: { intValue: '9223372036854775807' } }],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(d.groups[0]!.items[0]!.attributes.big).toBe('9223372036854775807');
  });
});
