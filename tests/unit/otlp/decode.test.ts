// The decoders on their own: exact times, ids, both encodings giving the same model.
import { describe, expect, it } from 'vitest';
import { nanosHalvesToUs, nanosTextToUs } from '../../../electron/engine/ingest/otlp/nanos.js';
import { decodeTracesProto } from '../../../electron/engine/ingest/otlp/protobuf/traces.js';
import { decodeTracesJson } from '../../../electron/engine/ingest/otlp/decode-json.js';
import { OtlpDecodeError } from '../../../electron/engine/ingest/otlp/model.js';
import { randomId, traceRequest } from '../../support/otlp-proto.js';

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
    expect(json).toEqual(proto);
    expect(proto.groups[0]!.items[0]).toMatchObject({
      startUs: 1700000000123456,
      endUs: 1700000000223456,
      kind: 2,
      parentSpanId: parent.toString('hex'),
    });
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
