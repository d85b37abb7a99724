// --forward: what one Loupe receives is re-exported to an upstream OTLP/HTTP endpoint (here another
// engine); a dead upstream is counted as failures, never blocks the receiver.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceView } from '../../../shared/model.js';
import { waitFor } from '../../support/serve-process.js';
import { startOtlpEngine } from '../../support/otlp-engine.js';
import { randomId, traceRequest } from '../../support/otlp-proto.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'otlp');

describe('forwarding', () => {
  it('re-exports JSON and protobuf requests upstream, and counts failures', async () => {
    const upstream = await startOtlpEngine();
    const front = await startOtlpEngine({ forward: upstream.otlpHttp });
    const dead = await startOtlpEngine({ forward: 'http://127.0.0.1:9' });
    try {
      const json = await fetch(`${front.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: readFileSync(join(FIXTURES, 'trace.json')),
      });
      expect(json.status).toBe(200);
      const proto = traceRequest('fwd', [{ traceId: randomId(16, 42), spanId: randomId(8, 42), name: 'p', startNs: 1n, endNs: 2n }]);
      expect(
        (await fetch(`${front.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: proto }))
          .status,
      ).toBe(200);
      await waitFor(
        async () => ((await upstream.api<TraceView>('/api/traces/5b8efff798038103d269b633813fc60c')).status === 200 ? true : undefined),
        10_000,
      );
      await waitFor(
        async () => ((await upstream.api<TraceView>(`/api/traces/${randomId(16, 42).toString('hex')}`)).status === 200 ? true : undefined),
        10_000,
      );
      expect(front.engine.otlp!.forwardStats).toMatchObject({ sent: 2, failed: 0 });

      expect(
        (await fetch(`${dead.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: proto }))
          .status,
      ).toBe(200);
      await waitFor(() => (dead.engine.otlp!.forwardStats!.failed === 1 ? true : undefined), 10_000);
    } finally {
      await Promise.all([front.stop(), dead.stop()]);
      await upstream.stop();
    }
  });
});
