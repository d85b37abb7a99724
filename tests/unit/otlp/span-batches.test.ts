// Spans are stored 64 to an INSERT: a retried export mixed with new spans, over several such
// inserts and a tail stored one by one, must store each span once and tell new from duplicate
// exactly (the trace summaries, the operations, `spans.stored` and the ingest's counters).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { EventBus, type EngineEvents } from '../../../electron/engine/core/events.js';
import { decodeExport } from '../../../electron/engine/ingest/otlp/decode.js';
import { OtlpIngest } from '../../../electron/engine/ingest/otlp/ingest.js';
import { LogWriter } from '../../../electron/engine/signals/logs/log-writer.js';
import { SpanReader } from '../../../electron/engine/signals/traces/span-reader.js';
import { randomId, traceRequest, type TestSpan } from '../../support/otlp-proto.js';

const T0_NS = 1_800_000_000_000_000_000n;

/** Span `i` of trace `t` (span 0 the root); the same (t, i) is the same span, as a retry resends it. */
function span(t: number, i: number): TestSpan {
  return {
    traceId: randomId(16, t),
    spanId: randomId(8, t * 10_000 + i),
    ...(i > 0 ? { parentSpanId: randomId(8, t * 10_000) } : {}),
    name: i === 0 ? 'GET /orders' : `SELECT ${i % 3}`,
    startNs: T0_NS + BigInt(t) * 1_000_000_000n + BigInt(i) * 1000n,
    endNs: T0_NS + BigInt(t) * 1_000_000_000n + BigInt(i) * 1000n + 500n,
    attributes: { 'db.system': 'postgresql', n: i },
  };
}
const hex = (t: number): string => randomId(16, t).toString('hex');

describe('spans stored in multi-row inserts', () => {
  let dir: string;
  let db: Db;
  let ingest: OtlpIngest;
  let reader: SpanReader;
  let stored: EngineEvents['spans.stored'][];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-span-batches-'));
    db = openDatabase(join(dir, 'loupe.db'));
    const events = new EventBus();
    stored = [];
    events.on('spans.stored', (e) => stored.push(e));
    ingest = new OtlpIngest(db, new LogWriter(db), { events });
    reader = new SpanReader(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Requests (one service each) written in one transaction. */
  async function send(...requests: [string, TestSpan[]][]): Promise<void> {
    const done = requests.map(([service, spans]) =>
      ingest.submit('traces', decodeExport('traces', 'protobuf', traceRequest(service, spans))),
    );
    ingest.flush();
    await Promise.all(done);
  }

  it('a retried batch mixed with new spans stores each span once and counts new and duplicate exactly', async () => {
    // Trace 1: its even spans first (100 of 0..199), trace 2 not yet.
    await send(['api', Array.from({ length: 100 }, (_, k) => span(1, 2 * k))]);
    expect(stored.at(-1)?.spans).toBe(100);

    // Then all 200 of trace 1 (100 retries among 100 new ones, interleaved), 70 of trace 2 with
    // 5 of them sent twice in the same transaction, and 3 spans of trace 3: 278 spans in all.
    const trace2 = Array.from({ length: 70 }, (_, i) => span(2, i));
    await send(
      ['api', Array.from({ length: 200 }, (_, i) => span(1, i))],
      ['db', [...trace2, ...trace2.slice(10, 15)]],
      ['db', [span(3, 0), span(3, 1), span(3, 2)]],
    );
    const last = stored.at(-1)!;
    expect(last.spans).toBe(100 + 70 + 3);
    expect(last.duplicates.size).toBe(100 + 5);
    // The duplicates are the retried spans (the even ones of trace 1) and the second copies.
    const dupIds = [...last.duplicates].map((s) => `${s.traceId}/${s.spanId}`);
    const evens = Array.from({ length: 100 }, (_, k) => `${hex(1)}/${randomId(8, 10_000 + 2 * k).toString('hex')}`);
    expect(dupIds.filter((id) => id.startsWith(hex(1))).sort()).toEqual(evens.sort());
    const secondCopies = last.groups[2]!.items.slice(70);
    for (const s of secondCopies) expect(last.duplicates.has(s)).toBe(true);
    for (const s of last.groups[2]!.items.slice(10, 15)) expect(last.duplicates.has(s)).toBe(false);
    expect(ingest.stats.spans).toBe(100 + 173);
    expect(ingest.stats.duplicateSpans).toBe(105);

    // Every span once, with its own fields; the summaries count each once.
    const one = reader.get(hex(1))!;
    expect(one.spans).toHaveLength(200);
    expect(new Set(one.spans.map((s) => s.spanId)).size).toBe(200);
    expect(one.spans[7]).toMatchObject({ name: 'SELECT 1', attributes: { 'db.system': 'postgresql', n: 7 } });
    expect(reader.get(hex(2))!.spans).toHaveLength(70);
    expect(reader.get(hex(3))!.spans).toHaveLength(3);
    const summaries = new Map(reader.search({}).traces.map((t) => [t.traceId, t]));
    expect(summaries.get(hex(1))).toMatchObject({ spanCount: 200, rootService: 'api', rootOperation: 'GET /orders' });
    expect(summaries.get(hex(2))).toMatchObject({ spanCount: 70, services: ['db'] });
    expect(summaries.get(hex(3))).toMatchObject({ spanCount: 3 });
    expect(db.prepare('SELECT count(*) FROM spans').pluck().get()).toBe(273);
    const ops = Object.fromEntries(reader.services().flatMap((s) => s.operations.map((o) => [`${s.name} ${o.name}`, o.spanCount])));
    expect(ops).toEqual({
      'api GET /orders': 1,
      'api SELECT 0': 66,
      'api SELECT 1': 67,
      'api SELECT 2': 66,
      'db GET /orders': 2,
      'db SELECT 0': 23,
      'db SELECT 1': 24,
      'db SELECT 2': 24,
    });
  });

  it('a whole batch sent again stores nothing and counts every span as a duplicate', async () => {
    const spans = Array.from({ length: 130 }, (_, i) => span(4, i));
    await send(['api', spans]);
    await send(['api', spans]);
    expect(stored).toHaveLength(1);
    expect(ingest.stats.duplicateSpans).toBe(130);
    expect(reader.search({}).traces[0]).toMatchObject({ traceId: hex(4), spanCount: 130 });
    expect(reader.get(hex(4))!.spans).toHaveLength(130);
  });

  it('a span twice within one multi-row insert is stored once, the second copy the duplicate', async () => {
    // 40 spans then copies of the first 30: the first 64 go in one INSERT, 24 copies among them.
    const first = Array.from({ length: 40 }, (_, i) => span(5, i));
    const copies = Array.from({ length: 30 }, (_, i) => span(5, i));
    await send(['api', [...first, ...copies]]);
    const last = stored.at(-1)!;
    expect(last.spans).toBe(40);
    const items = last.groups[0]!.items;
    expect(items.slice(0, 40).some((s) => last.duplicates.has(s))).toBe(false);
    expect(items.slice(40).every((s) => last.duplicates.has(s))).toBe(true);
    expect(reader.search({}).traces[0]).toMatchObject({ traceId: hex(5), spanCount: 40 });
    expect(reader.get(hex(5))!.spans).toHaveLength(40);
  });
});
