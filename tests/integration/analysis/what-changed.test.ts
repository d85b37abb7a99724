// "What changed" in the last hour versus the hour before, on data with known times: OTLP/HTTP JSON
// log records (errors and messages) and the spanmetrics connector's duration histogram (as a
// Collector sends it), and a watched JSON-lines file that stopped writing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../electron/engine/engine.js';
import type { ChangesView } from '../../../shared/model.js';
import { waitFor } from '../../support/serve-process.js';

const MINUTE = 60_000;
/** The range's end, on a minute (the per-minute counts' grain); the range is the hour before it. */
const T = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
const FROM = T - 60 * MINUTE;
const PREVIOUS = T - 120 * MINUTE;
const BOUNDS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000];

let dir: string;
let engine: Engine;
let otlp: string;

const nanos = (ms: number): string => `${ms}000000`;
const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));

function record(ms: number, body: string, error?: { type: string; message: string }) {
  return {
    timeUnixNano: nanos(ms),
    severityNumber: error ? 17 : 9,
    severityText: error ? 'ERROR' : 'INFO',
    body: { stringValue: body },
    attributes: error ? attrs({ 'exception.type': error.type, 'exception.message': error.message }) : [],
  };
}

/**
 * A route's cumulative duration histogram every 5 minutes over the two hours: 10 more requests each
 * time, in the bucket of `before` ms during the first hour and of `after` ms during the second.
 */
function histogram(route: string, before: number, after: number) {
  const counts = new Array<number>(BOUNDS.length + 1).fill(0);
  const bucketOf = (ms: number): number => BOUNDS.findIndex((b) => ms <= b);
  const dataPoints = [];
  for (let t = PREVIOUS; t <= T; t += 5 * MINUTE) {
    if (t > PREVIOUS) counts[bucketOf(t <= FROM ? before : after)]! += 10;
    const count = counts.reduce((a, b) => a + b, 0);
    dataPoints.push({
      startTimeUnixNano: nanos(PREVIOUS - MINUTE),
      timeUnixNano: nanos(t),
      count: String(count),
      sum: count * 10,
      bucketCounts: counts.map(String),
      explicitBounds: BOUNDS,
      attributes: attrs({ 'span.name': route, 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_UNSET' }),
    });
  }
  return { name: 'traces.span.metrics.duration', unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints } };
}

async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${otlp}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-changes-'));
  // A worker that logged during the hour before, then nothing.
  const quiet = join(dir, 'worker.jsonl');
  writeFileSync(
    quiet,
    [5, 10, 15]
      .map((m) => JSON.stringify({ event: 'job done', level: 'info', timestamp: new Date(PREVIOUS + m * MINUTE).toISOString() }))
      .join('\n') + '\n',
  );
  engine = await createEngine({ dataDir: join(dir, 'data'), paths: [quiet], pollMs: 50, otlp: { httpPort: 0, grpcPort: 0 } });
  otlp = `http://127.0.0.1:${engine.otlp!.httpPort}`;
  const before = [10, 20, 30].map((m) => record(PREVIOUS + m * MINUTE, `cache warmed in ${m} ms`));
  const now = [
    ...[10, 20, 30].map((m) => record(FROM + m * MINUTE, `cache warmed in ${m + 1} ms`)),
    record(FROM + 40 * MINUTE, 'disk almost full on /var/lib'),
    record(FROM + 41 * MINUTE, 'disk almost full on /srv'),
    record(FROM + 42 * MINUTE, 'lookup failed', { type: 'KeyError', message: "'currency'" }),
    record(FROM + 43 * MINUTE, 'parse failed', { type: 'ValueError', message: 'bad amount' }),
  ];
  before.push(record(PREVIOUS + 43 * MINUTE, 'parse failed', { type: 'ValueError', message: 'bad amount' }));
  await post('/v1/logs', {
    resourceLogs: [
      {
        resource: { attributes: attrs({ 'service.name': 'shop' }) },
        scopeLogs: [{ scope: { name: 'shop' }, logRecords: [...before, ...now] }],
      },
    ],
  });
  await post('/v1/metrics', {
    resourceMetrics: [
      {
        resource: { attributes: attrs({ 'service.name': 'shop' }) },
        scopeMetrics: [
          { scope: { name: 'spanmetricsconnector' }, metrics: [histogram('GET /slow', 30, 300), histogram('GET /steady', 30, 30)] },
        ],
      },
    ],
  });
  await waitFor(async () =>
    (await engine.api.table.request('logs.search', { from: new Date(PREVIOUS).toISOString() })).records.length === 14 ? true : undefined,
  );
});

afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('what changed', () => {
  it('lists the new error groups and templates, the route whose p95 moved, and the source that went quiet', async () => {
    const c: ChangesView = await engine.api.table.request('changes.get', {
      from: new Date(FROM).toISOString(),
      to: new Date(T).toISOString(),
    });
    expect(c.previousFrom).toBe(new Date(PREVIOUS).toISOString().replace('.000Z', '.000000Z'));
    expect(c.newErrorGroups.map((g) => g.title)).toEqual(["KeyError: 'currency'"]);
    expect(c.newPatterns.map((p) => p.template)).toEqual(['disk almost full on <*>', 'lookup failed']);
    // GET /slow: p95 of the 30 ms bucket (10–50) before, of the 300 ms one (200–400) now; GET /steady did not move.
    expect(c.routes.map((r) => [r.service, r.operation, r.previousP95Ms, r.p95Ms])).toEqual([['shop', 'GET /slow', 48, 390]]);
    expect(c.routes[0]!.ratio).toBeCloseTo(390 / 48, 9);
    expect(c.quietSources.map((s) => [s.name, s.previousCount, s.lastSeen])).toEqual([
      [join(dir, 'worker.jsonl'), 3, new Date(PREVIOUS + 15 * MINUTE).toISOString().replace('.000Z', '.000000Z')],
    ]);
  });

  it('refuses a range that ends before it starts', async () => {
    const bad = engine.api.table.request('changes.get', { from: new Date(T).toISOString(), to: new Date(FROM).toISOString() });
    await expect(bad).rejects.toThrow('from: the range must start before it ends');
  });
});
