// Pattern mining alone (the Drain miner over the ingest bench's messages, in memory) and its
// grouping accuracy on the labelled sample (tests/fixtures/patterns/labelled.tsv, Loghub's metric)
// and on Loghub's 2k-line sets (tests/fixtures/loghub/) beside Drain's published figures.
// Its cost inside ingest is the ingest part's with/without row (run.ts). Then the bottlenecks'
// span analysis over 100k stored spans.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { dbCallKey, dbSystemOf, httpCallKey } from '../../electron/engine/analysis/bottlenecks/normalise.js';
import { PAGE, PAGE_ROWS, SpanBottleneckReader } from '../../electron/engine/analysis/bottlenecks/span-bottlenecks.js';
import { Drain, type Template } from '../../electron/engine/analysis/patterns/drain.js';
import { openDatabase } from '../../electron/engine/core/database.js';
import { ResourceStore } from '../../electron/engine/core/resource-store.js';
import type { AttrValue, OtlpSpan } from '../../electron/engine/core/telemetry.js';
import { SpanWriter } from '../../electron/engine/signals/traces/span-writer.js';
import { groupingAccuracy, labelledSample, LOGHUB_SETS } from '../support/grouping-accuracy.js';
import { percentile, timeIt, type BenchRow } from './bench-row.js';

export function benchPatterns(n: number, message: (i: number) => string): BenchRow[] {
  const messages: string[] = [];
  for (let i = 0; i < n; i++) messages.push(message(i));
  let id = 1;
  const drain = new Drain<Template>(5000, (tokens) => ({ id: id++, tokens }));
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (const m of messages) drain.mine(m);
  const seconds = (performance.now() - t0) / 1000;
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1024 ** 2;
  const accuracyOf = (set?: string): { accuracy: number; lines: number; events: number } => {
    const lines = labelledSample(set);
    let lid = 1;
    const labelled = new Drain<Template>(5000, (tokens) => ({ id: lid++, tokens }));
    const events = lines.map((l) => l.event);
    const accuracy = groupingAccuracy(
      events,
      lines.map((l) => labelled.mine(l.message)!.template.id),
    );
    return { accuracy, lines: lines.length, events: new Set(events).size };
  };
  const own = accuracyOf();
  return [
    {
      what: `Drain mining alone, ${n.toLocaleString('en')} messages`,
      value: `${Math.round(n / seconds).toLocaleString('en')} lines/s, ${drain.size} templates, heap +${heapMb.toFixed(0)} MB`,
      target: 'report',
    },
    {
      what: `pattern grouping accuracy, labelled sample (${own.lines} lines, ${own.events} events)`,
      value: own.accuracy.toFixed(3),
      target: '≥ 0.95',
      ok: own.accuracy >= 0.95,
    },
    // Drain's figures: logpai/logparser's Drain benchmark on the same sets (tests/fixtures/loghub/README.md).
    ...LOGHUB_SETS.map((set) => {
      const r = accuracyOf(set.name);
      return {
        what: `pattern grouping accuracy, Loghub ${set.name}_2k (${r.lines} lines, ${r.events} events)`,
        value: r.accuracy.toFixed(3),
        ceiling: `Drain published ${set.drain}`,
        target: 'report',
      };
    }),
  ];
}

/**
 * The Performance page's span part (slow queries, N+1, endpoint splits) at query time over 100k
 * stored spans (5,000 traces of 20: a server span, an order query, 12 item queries one by one, 3
 * HTTP calls, 3 in-process spans; the statements carry their literals, each one distinct: the
 * normaliser's worst case, as drivers that record placeholders repeat their texts), against the bare read of the same rows (the ceiling), and the
 * per-span work that computing it at ingest instead would add (attributes parsed, keys normalised).
 */
export function benchBottlenecks(dir: string, spans = 100_000): BenchRow[] {
  const db = openDatabase(join(dir, 'bottlenecks.db'));
  const writer = new SpanWriter(db, new ResourceStore(db));
  const t0 = Date.UTC(2026, 10, 30, 10) * 1000;
  const perTrace = 20;
  const group = { resource: { attributes: { 'service.name': 'shop' } }, scope: { name: 'bench' }, items: [] as OtlpSpan[] };
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
  for (let t = 0; t < spans / perTrace; t++) {
    const traceId = hex(t + 1, 32);
    const start = t0 + t * 10_000;
    const span = (i: number, kind: number, from: number, to: number, name: string, attributes: OtlpSpan['attributes']): OtlpSpan => ({
      traceId,
      spanId: hex(t * perTrace + i + 1, 16),
      ...(i > 0 ? { parentSpanId: hex(t * perTrace + 1, 16) } : {}),
      name,
      kind,
      startUs: start + from,
      endUs: start + to,
      attributes,
      events: [],
      links: [],
      statusCode: 0,
      flags: 0,
    });
    const items = group.items;
    items.push(span(0, 2, 0, 9000, 'GET /orders/{id}', { 'http.request.method': 'GET', 'http.route': '/orders/{id}' }));
    items.push(span(1, 3, 100, 900, 'SELECT', { 'db.system': 'postgresql', 'db.statement': `SELECT * FROM orders WHERE id = ${t}` }));
    for (let i = 0; i < 12; i++) {
      const statement = `SELECT * FROM items WHERE order_id = ${t} AND line = ${i}`;
      items.push(span(2 + i, 3, 1000 + i * 300, 1250 + i * 300, 'SELECT', { 'db.system': 'postgresql', 'db.statement': statement }));
    }
    for (let i = 0; i < 3; i++) {
      const url = `http://prices:8080/prices/${t * 3 + i}?currency=EUR`;
      items.push(span(14 + i, 3, 5000 + i * 1000, 5800 + i * 1000, 'GET', { 'http.request.method': 'GET', 'url.full': url }));
    }
    for (let i = 0; i < 3; i++) items.push(span(17 + i, 1, 8000 + i * 300, 8200 + i * 300, `render ${i}`, {}));
    if (items.length >= 10_000) {
      db.transaction(() => writer.write([group]))();
      group.items = [];
    }
  }
  if (group.items.length > 0) db.transaction(() => writer.write([group]))();
  const range = { fromUs: t0, toUs: t0 + (spans / perTrace) * 10_000 };
  const reader = new SpanBottleneckReader(db);
  const bare = db.prepare(
    `SELECT trace_id, span_id, parent_span_id, kind, start_us, end_us, status_code, service, name, attributes
     FROM spans WHERE start_us >= ? AND start_us < ? ORDER BY start_us DESC`,
  );
  const pages = db.prepare(PAGE).pluck();
  let found = 0;
  const read = percentile(
    timeIt(3, () => (found = reader.read(range).nPlusOne.length)),
    50,
  );
  // The ceiling: the same pages read and parsed, nothing analysed.
  const ceiling = percentile(
    timeIt(3, () => {
      let cursor = [range.toUs, 0];
      for (;;) {
        const rows = JSON.parse(pages.get(range.fromUs, cursor[0], cursor[1], PAGE_ROWS) as string) as number[][];
        if (rows.length < PAGE_ROWS) break;
        const last = rows[rows.length - 1]!;
        cursor = [last[5]!, last[0]!];
      }
    }),
    50,
  );
  // Row objects from better-sqlite3 instead: what the JSON pages save.
  const objects = percentile(
    timeIt(3, () => {
      for (const _ of bare.iterate(range.fromUs, range.toUs));
    }),
    50,
  );
  // What ingest would add per span to keep these incrementally (its attributes are parsed already there), before any tree work.
  const parsed = (bare.all(range.fromUs, range.toUs) as { attributes: string | null; name: string; kind: number }[]).map((r) => ({
    ...r,
    attrs: r.attributes === null ? {} : (JSON.parse(r.attributes) as Record<string, AttrValue>),
  }));
  const perSpan = percentile(
    timeIt(3, () => {
      for (const r of parsed) {
        if (dbSystemOf(r.attrs) !== undefined) dbCallKey(r.attrs, r.name);
        else if (r.kind === 3) httpCallKey(r.attrs);
      }
    }),
    50,
  );
  db.close();
  const n = spans.toLocaleString('en');
  return [
    {
      what: `slow queries + N+1 + endpoint splits at query time, ${n} spans`,
      value: `${read.toFixed(0)} ms (${found} N+1 found)`,
      ceiling: `${ceiling.toFixed(0)} ms reading the pages alone`,
      ratio: (read / ceiling).toFixed(1),
      target: 'report',
    },
    {
      what: `the same spans as better-sqlite3 row objects (iterate), ${n} spans`,
      value: `${objects.toFixed(0)} ms`,
      ceiling: `${ceiling.toFixed(0)} ms as JSON pages`,
      ratio: (objects / ceiling).toFixed(1),
      target: 'report',
    },
    {
      what: `at ingest instead: the call keys alone, per span, ${n} spans`,
      value: `${((perSpan / spans) * 1e6).toFixed(0)} ns/span (${Math.round(spans / (perSpan / 1000)).toLocaleString('en')} spans/s)`,
      target: 'report',
    },
  ];
}
