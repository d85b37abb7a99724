// Passive health: the dependencies client spans call become health rows (error rate, latency) and
// a service's health routes seen in its server spans become probe suggestions — with no probe run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine.js';

let engine: Engine;

function span(i: number, kind: number, attributes: Record<string, string | number>, error = false, durationMs = 10): object {
  const start = BigInt(Date.now() - 60_000 + i) * 1_000_000n;
  return {
    traceId: `${'ab'.repeat(15)}${String(i).padStart(2, '0')}`,
    spanId: `${'cd'.repeat(7)}${String(i).padStart(2, '0')}`,
    name: `op ${i}`,
    kind,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + BigInt(durationMs) * 1_000_000n),
    attributes: Object.entries(attributes).map(([key, v]) => ({
      key,
      value: typeof v === 'number' ? { intValue: v } : { stringValue: v },
    })),
    status: { code: error ? 2 : 0 },
  };
}

beforeAll(async () => {
  engine = await createEngine({ dataDir: join(mkdtempSync(join(tmpdir(), 'loupe-passive-')), 'data') });
  const spans = [
    span(1, 3, { 'db.system': 'postgresql', 'server.address': 'db.local', 'server.port': 5432 }, false, 4),
    span(2, 3, { 'db.system': 'postgresql', 'server.address': 'db.local', 'server.port': 5432 }, true, 12),
    span(3, 3, { 'server.address': 'payments.example.com', 'server.port': 443 }),
    span(4, 2, { 'http.route': '/healthz', 'server.address': '127.0.0.1', 'server.port': 8000 }),
  ];
  await engine.api.table.request('traces.import', {
    json: JSON.stringify({
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] }, scopeSpans: [{ spans }] }],
    }),
  });
});

afterAll(async () => {
  await engine?.close();
});

it('lists the dependencies seen in client spans with their error rate, and suggests probes without running any', async () => {
  const view = await engine.api.table.request('health.list', {});
  expect(view.passive.map((d) => [d.name, d.seenAs, d.callers, d.calls, d.errorRate, d.avgMs])).toEqual([
    ['postgresql', 'db.system', ['shop'], 2, 0.5, 8],
    ['payments.example.com:443', 'server.address', ['shop'], 1, 0, 10],
  ]);
  expect(view.passive[0]!.suggestion).toMatchObject({ name: 'postgresql-tcp', tcp: { host: 'db.local', port: 5432 } });
  expect(view.suggestions).toEqual([
    {
      reason: 'shop answers /healthz (seen in its server spans)',
      probe: expect.objectContaining({ name: 'shop-healthz', service: 'shop', http: { url: 'http://127.0.0.1:8000/healthz' } }) as object,
    },
  ]);
  expect(view.services).toEqual([]);
});
