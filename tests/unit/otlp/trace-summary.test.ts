// The per-trace summary (the `traces` row the search lists) kept as a trace's spans arrive over
// several requests and transactions: children before their root, other services later, retries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { decodeExport } from '../../../electron/engine/ingest/otlp/decode.js';
import { OtlpIngest } from '../../../electron/engine/ingest/otlp/ingest.js';
import { LogWriter } from '../../../electron/engine/signals/logs/log-writer.js';
import { SpanReader } from '../../../electron/engine/signals/traces/span-reader.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const T0_US = 1_800_000_000_000_000;

interface Span {
  id: string;
  parent?: string;
  name: string;
  startUs: number;
  endUs: number;
  error?: boolean;
}

/** An OTLP/JSON request of one service's spans of TRACE. */
function request(service: string, spans: Span[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [
            {
              scope: { name: 'test' },
              spans: spans.map((s) => ({
                traceId: TRACE,
                spanId: s.id,
                ...(s.parent ? { parentSpanId: s.parent } : {}),
                name: s.name,
                kind: 2,
                startTimeUnixNano: `${T0_US + s.startUs}000`,
                endTimeUnixNano: `${T0_US + s.endUs}000`,
                status: s.error ? { code: 2 } : {},
              })),
            },
          ],
        },
      ],
    }),
  );
}

describe('the per-trace summary', () => {
  let dir: string;
  let db: Db;
  let ingest: OtlpIngest;
  let reader: SpanReader;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-trace-summary-'));
    db = openDatabase(join(dir, 'loupe.db'));
    ingest = new OtlpIngest(db, new LogWriter(db));
    reader = new SpanReader(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One request in its own transaction. */
  async function send(service: string, spans: Span[]): Promise<void> {
    const done = ingest.submit('traces', decodeExport('traces', 'json', request(service, spans)));
    ingest.flush();
    await done;
  }
  const summary = () => reader.search({}).traces.find((t) => t.traceId === TRACE);

  it('adds up spans sent in several transactions, the root filled in when it arrives late', async () => {
    const root = 'a000000000000001';
    await send('orders', [
      { id: 'b000000000000001', parent: root, name: 'SELECT orders', startUs: 200, endUs: 400, error: true },
      { id: 'b000000000000002', parent: root, name: 'SELECT items', startUs: 450, endUs: 500 },
    ]);
    expect(summary()).toEqual({
      traceId: TRACE,
      start: expect.any(String),
      startUs: T0_US + 200,
      durationUs: 300,
      spanCount: 2,
      errorCount: 1,
      services: ['orders'],
    });

    await send('gateway', [{ id: root, name: 'GET /orders', startUs: 100, endUs: 1000 }]);
    await send('orders', [
      // A retry of a stored span counts once; a new span of a known service keeps the services as they are.
      { id: 'b000000000000001', parent: root, name: 'SELECT orders', startUs: 200, endUs: 400, error: true },
      { id: 'b000000000000003', parent: root, name: 'UPDATE orders', startUs: 600, endUs: 1200, error: true },
    ]);
    await send('audit', [{ id: 'c000000000000001', parent: root, name: 'record', startUs: 700, endUs: 800 }]);

    expect(summary()).toEqual({
      traceId: TRACE,
      rootService: 'gateway',
      rootOperation: 'GET /orders',
      start: new Date((T0_US + 100) / 1000).toISOString().replace('Z', '100Z'),
      startUs: T0_US + 100,
      durationUs: 1100,
      spanCount: 5,
      errorCount: 2,
      services: ['audit', 'gateway', 'orders'],
    });
    expect(reader.get(TRACE)?.spans).toHaveLength(5);
  });

  it('keeps the first root when another span without a parent comes later', async () => {
    await send('gateway', [{ id: 'a000000000000001', name: 'GET /first', startUs: 100, endUs: 200 }]);
    await send('worker', [{ id: 'a000000000000002', name: 'orphan', startUs: 50, endUs: 300 }]);
    expect(summary()).toMatchObject({ rootService: 'gateway', rootOperation: 'GET /first', startUs: T0_US + 50, spanCount: 2 });
  });
});
