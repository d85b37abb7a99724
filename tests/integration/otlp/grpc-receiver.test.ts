// OTLP/gRPC status codes, with a raw grpc-js client (the SDK's gRPC exporters are in sdk.test.ts).
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceView } from '../../../shared/model.js';
import { randomId, traceRequest } from '../../support/otlp-proto.js';
import { startOtlpEngine, type OtlpEngine } from '../../support/otlp-engine.js';

const identity = (b: Buffer): Buffer => b;
const TRACE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

let h: OtlpEngine;
beforeAll(async () => {
  h = await startOtlpEngine();
});
afterAll(async () => {
  await h.stop();
});

function exportTraces(
  port: number,
  body: Buffer,
  options: grpc.ClientOptions = {},
): Promise<{ error: grpc.ServiceError | null; response?: Buffer }> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
  return new Promise((resolve) => {
    client.makeUnaryRequest(TRACE_EXPORT, identity, identity, body, (error, response) => {
      client.close();
      resolve({ error: error ?? null, ...(response ? { response } : {}) });
    });
  });
}

describe('OTLP/gRPC', () => {
  it('stores a gzip-compressed export', async () => {
    const body = traceRequest('grpc-raw', [
      {
        traceId: randomId(16, 5),
        spanId: randomId(8, 5),
        name: 'gz',
        startNs: 1_700_000_000_000_000_000n,
        endNs: 1_700_000_000_000_000_001n,
      },
    ]);
    const r = await exportTraces(h.grpcPort, body, { 'grpc.default_compression_algorithm': 2 });
    expect(r.error).toBeNull();
    const got = await h.api<TraceView>(`/api/traces/${randomId(16, 5).toString('hex')}`);
    expect(got.body.spans[0]).toMatchObject({ name: 'gz', service: 'grpc-raw' });
  });

  it('takes messages well above gRPC’s 4 MiB default', async () => {
    const spans = Array.from({ length: 3000 }, (_, i) => ({
      traceId: randomId(16, 1000),
      spanId: randomId(8, 1000 + i),
      name: `big ${i}`,
      startNs: 1_700_000_000_000_000_000n + BigInt(i),
      endNs: 1_700_000_000_000_000_000n + BigInt(i) + 1000n,
      attributes: { payload: 'x'.repeat(2000) },
    }));
    const body = traceRequest('grpc-big', spans);
    expect(body.length).toBeGreaterThan(5 * 1024 * 1024);
    const r = await exportTraces(h.grpcPort, body, { 'grpc.max_send_message_length': -1 });
    expect(r.error).toBeNull();
  });

  it('INVALID_ARGUMENT for a malformed message', async () => {
    const r = await exportTraces(h.grpcPort, Buffer.from([0x0a, 0xff, 0x01]));
    expect(r.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('UNAVAILABLE under backpressure', async () => {
    const small = await startOtlpEngine({ maxPendingItems: 1 });
    try {
      const body = traceRequest(
        'bp',
        [1, 2].map((i) => ({ traceId: randomId(16, i), spanId: randomId(8, i), name: 'x', startNs: 1n, endNs: 2n })),
      );
      const r = await exportTraces(small.grpcPort, body);
      expect(r.error?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      await small.stop();
    }
  });
});
