// Slow queries, N+1 repetitions and per-endpoint time splits of a time range, computed when asked
// from the spans table (newest first through spans_by_start, up to MAX_SPANS_READ), in one pass per
// trace. Query time rather than at ingest: the three need whole span trees, which arrive over
// several batches in any order, and the bench measures the read (README, Speed).
import type { EndpointView, NPlusOneView, SlowQueryView } from '../../../../shared/model.js';
import type { Db } from '../../core/database.js';
import type { AttrValue } from '../../core/telemetry.js';
import { dbCallKey, dbSystemOf, httpCallKey } from './normalise.js';
import { callCategory, KIND_CLIENT, KIND_CONSUMER, KIND_SERVER, splitTime, type TreeSpan } from './time-split.js';

/** A range with more spans than this is read from its newest end (and said incomplete). */
export const MAX_SPANS_READ = 500_000;
/** The repetitions under one parent that make an N+1, unless asked otherwise. */
export const DEFAULT_N_PLUS_ONE = 5;
/** Rows per list by default. */
export const DEFAULT_LIMIT = 50;
const SLOWEST_KEPT = 5;
const STATUS_ERROR = 2;

/** A span as the page query gives it (a JSON array, see PAGE); attributes only where a detector reads them. */
type Row = [
  id: number,
  traceId: string,
  spanId: string,
  parentSpanId: string | null,
  kind: number,
  startUs: number,
  endUs: number,
  statusCode: number,
  service: string | null,
  name: string,
  attributes: Record<string, AttrValue> | null,
];

/** Rows per page: one JSON text each, so a big range never makes one huge string. */
export const PAGE_ROWS = 10_000;

/**
 * A page of spans, newest first from a (start, id) cursor along spans_by_start, as one JSON array
 * of arrays: SQLite builds it and JSON.parse reads it about 8 times faster than better-sqlite3
 * makes row objects (measured: tests/bench/analysis.bench.ts). In-process spans bring no attributes unless they
 * are a database call: nothing else of theirs is read.
 */
export const PAGE = `
  SELECT '[' || coalesce(group_concat(j, ','), '') || ']' FROM (
    SELECT json_array(id, trace_id, span_id, parent_span_id, kind, start_us, end_us, status_code, service, name,
      CASE WHEN kind <> 1 OR instr(attributes, '"db.system') > 0 THEN json(attributes) END) AS j
    FROM spans WHERE start_us >= ? AND (start_us, id) < (?, ?)
    ORDER BY start_us DESC, id DESC LIMIT ?
  )`;

/** A span as the detectors need it: its tree links, and its call key when it is a call. */
interface Span extends TreeSpan {
  children: Span[];
  traceId: string;
  error: boolean;
  /** `system: statement` for a database call, `METHOD host/path` for an HTTP client call. */
  callKey?: string | undefined;
  /** The normalised statement, for database calls. */
  statement?: string | undefined;
  /** The endpoint's name, for entry spans (server and consumer spans, roots). */
  route?: string | undefined;
}

export interface BottleneckParams {
  fromUs: number;
  toUs: number;
  service?: string | undefined;
  nPlusOneMin?: number | undefined;
  limit?: number | undefined;
}

export interface SpanBottlenecks {
  slowQueries: SlowQueryView[];
  nPlusOne: NPlusOneView[];
  endpoints: EndpointView[];
  /** The longest served span per service (µs). */
  maxServedUs: Map<string, number>;
  spansRead: number;
  complete: boolean;
}

interface QueryAcc {
  view: Omit<SlowQueryView, 'calls' | 'totalMs' | 'p95Ms' | 'maxMs' | 'traceShare' | 'slowest'>;
  durations: number[];
  traces: Set<string>;
  slowest: { traceId: string; spanId: string; durationUs: number }[];
}

interface EndpointAcc {
  service: string;
  route: string;
  operation: string;
  durations: number[];
  errors: number;
  own: number;
  database: number;
  downstream: number;
  slowest: { traceId: string; durationUs: number };
}

interface RepeatAcc {
  view: Omit<NPlusOneView, 'exampleMs' | 'exampleTraceId' | 'exampleSpanId'>;
  exampleUs: number;
  exampleTraceId: string;
  exampleSpanId: string;
}

/** The endpoint name of a server span: `GET /users/{id}` from its method and route, else its name. */
function routeOf(attrs: Readonly<Record<string, AttrValue>>, name: string): string {
  const route = attrs['http.route'];
  if (typeof route !== 'string' || route === '') return name;
  const method = attrs['http.request.method'] ?? attrs['http.method'];
  return typeof method === 'string' ? `${method} ${route}` : route;
}

function spanOf([, traceId, spanId, parentSpanId, kind, startUs, endUs, statusCode, service, name, attributes]: Row): Span {
  const attrs = attributes ?? {};
  const span: Span = {
    spanId,
    parentSpanId,
    kind,
    startUs,
    endUs,
    service,
    name,
    children: [],
    traceId,
    error: statusCode === STATUS_ERROR,
  };
  const system = dbSystemOf(attrs);
  if (system !== undefined) {
    span.dbSystem = system;
    span.statement = dbCallKey(attrs, name);
    span.callKey = `${system}: ${span.statement}`;
  } else if (kind === KIND_CLIENT) span.callKey = httpCallKey(attrs);
  if (kind === KIND_SERVER || kind === KIND_CONSUMER || parentSpanId === null) span.route = routeOf(attrs, name);
  return span;
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

const ms = (us: number): number => Math.round(us) / 1000;

export class SpanBottleneckReader {
  private readonly page;

  constructor(db: Db) {
    this.page = db.prepare(PAGE).pluck();
  }

  /** The range's spans by trace, newest first up to MAX_SPANS_READ; `complete`: the range had no more. */
  private spansByTrace(fromUs: number, toUs: number): { traces: Map<string, Span[]>; spansRead: number; complete: boolean } {
    const traces = new Map<string, Span[]>();
    let spansRead = 0;
    // Newest first, so a range past the cap keeps its newest spans.
    let cursor: [number, number] = [toUs, 0];
    for (;;) {
      const want = Math.min(PAGE_ROWS, MAX_SPANS_READ + 1 - spansRead);
      const rows = JSON.parse(this.page.get(fromUs, cursor[0], cursor[1], want) as string) as Row[];
      for (const r of rows) {
        const s = spanOf(r);
        const list = traces.get(s.traceId);
        if (list) list.push(s);
        else traces.set(s.traceId, [s]);
      }
      spansRead += rows.length;
      const last = rows[rows.length - 1];
      if (rows.length < want || last === undefined) return { traces, spansRead, complete: true };
      if (spansRead > MAX_SPANS_READ) return { traces, spansRead: MAX_SPANS_READ, complete: false };
      cursor = [last[5], last[0]];
    }
  }

  read(p: BottleneckParams): SpanBottlenecks {
    const { traces, spansRead, complete } = this.spansByTrace(p.fromUs, p.toUs);
    const minRepeats = p.nPlusOneMin ?? DEFAULT_N_PLUS_ONE;
    const queries = new Map<string, QueryAcc>();
    const endpoints = new Map<string, EndpointAcc>();
    const repeats = new Map<string, RepeatAcc>();
    const maxServedUs = new Map<string, number>();
    const traceUs = new Map<string, number>();
    const wanted = (service: string | null): boolean => p.service === undefined || service === p.service;

    for (const [traceId, spans] of traces) {
      const byId = new Map<string, Span>();
      let start = Infinity;
      let end = -Infinity;
      for (const s of spans) {
        byId.set(s.spanId, s);
        if (s.startUs < start) start = s.startUs;
        if (s.endUs > end) end = s.endUs;
      }
      traceUs.set(traceId, end - start);
      for (const s of spans) if (s.parentSpanId !== null) byId.get(s.parentSpanId)?.children.push(s);

      // The endpoint above a span: the nearest server/consumer span or root, walking up.
      const endpointOf = (s: Span): Span | undefined => {
        let at: Span | undefined = s;
        for (let hops = 0; at && hops < 1000; hops++) {
          if (at.route !== undefined) return at;
          at = at.parentSpanId === null ? undefined : byId.get(at.parentSpanId);
        }
        return undefined;
      };

      for (const s of spans) {
        const durationUs = s.endUs - s.startUs;
        if (s.dbSystem !== undefined && s.service !== null && wanted(s.service)) {
          const key = `${s.service}\u0000${s.callKey!}`;
          let q = queries.get(key);
          if (!q) {
            q = {
              view: { service: s.service, system: s.dbSystem, statement: s.statement! },
              durations: [],
              traces: new Set(),
              slowest: [],
            };
            queries.set(key, q);
          }
          q.durations.push(durationUs);
          q.traces.add(traceId);
          keepSlowest(q.slowest, { traceId, spanId: s.spanId, durationUs });
        }
        if (s.route !== undefined && s.service !== null && wanted(s.service)) {
          if (s.kind === KIND_SERVER || s.kind === KIND_CONSUMER) {
            maxServedUs.set(s.service, Math.max(maxServedUs.get(s.service) ?? 0, durationUs));
          }
          // A root that is itself a call (a script's client span) has no time of its own to split.
          if (callCategory(s) === 'own') this.addEndpoint(endpoints, s, durationUs);
        }
        if (s.children.length >= minRepeats) this.findRepeats(repeats, s, minRepeats, endpointOf, wanted);
      }
    }

    const limit = p.limit ?? DEFAULT_LIMIT;
    const slowQueries = [...queries.values()].map((q) => {
      const sorted = q.durations.sort((a, b) => a - b);
      let total = 0;
      for (const d of sorted) total += d;
      let tracesTotal = 0;
      for (const t of q.traces) tracesTotal += traceUs.get(t) ?? 0;
      return {
        ...q.view,
        calls: sorted.length,
        totalMs: ms(total),
        p95Ms: ms(percentile(sorted, 0.95)),
        maxMs: ms(sorted[sorted.length - 1] ?? 0),
        traceShare: tracesTotal > 0 ? Math.min(1, total / tracesTotal) : 0,
        slowest: q.slowest.map((x) => ({ traceId: x.traceId, spanId: x.spanId, durationMs: ms(x.durationUs) })),
      };
    });
    slowQueries.sort((a, b) => b.totalMs - a.totalMs);
    const endpointViews = [...endpoints.values()].map((e): EndpointView => {
      const sorted = e.durations.sort((a, b) => a - b);
      let total = 0;
      for (const d of sorted) total += d;
      return {
        service: e.service,
        route: e.route,
        operation: e.operation,
        requests: sorted.length,
        errors: e.errors,
        p95Ms: ms(percentile(sorted, 0.95)),
        totalMs: ms(total),
        ownMs: ms(e.own),
        databaseMs: ms(e.database),
        downstreamMs: ms(e.downstream),
        slowestTraceId: e.slowest.traceId,
      };
    });
    endpointViews.sort((a, b) => b.totalMs - a.totalMs);
    const nPlusOne = [...repeats.values()].map((r): NPlusOneView => ({
      ...r.view,
      exampleMs: ms(r.exampleUs),
      exampleTraceId: r.exampleTraceId,
      exampleSpanId: r.exampleSpanId,
    }));
    nPlusOne.sort((a, b) => b.occurrences * b.maxRepeats - a.occurrences * a.maxRepeats);
    return {
      slowQueries: slowQueries.slice(0, limit),
      nPlusOne: nPlusOne.slice(0, limit),
      endpoints: endpointViews.slice(0, limit),
      maxServedUs,
      spansRead,
      complete,
    };
  }

  private addEndpoint(endpoints: Map<string, EndpointAcc>, s: Span, durationUs: number): void {
    const key = `${s.service!}\u0000${s.route!}`;
    let e = endpoints.get(key);
    if (!e) {
      e = {
        service: s.service!,
        route: s.route!,
        operation: s.name,
        durations: [],
        errors: 0,
        own: 0,
        database: 0,
        downstream: 0,
        slowest: { traceId: s.traceId, durationUs },
      };
      endpoints.set(key, e);
    }
    const split = splitTime(s);
    e.durations.push(durationUs);
    if (s.error) e.errors++;
    e.own += split.ownUs;
    e.database += split.databaseUs;
    e.downstream += split.downstreamUs;
    if (durationUs > e.slowest.durationUs) e.slowest = { traceId: s.traceId, durationUs };
  }

  /** The calls repeated at least `min` times directly under `parent`, filed under its endpoint. */
  private findRepeats(
    repeats: Map<string, RepeatAcc>,
    parent: Span,
    min: number,
    endpointOf: (s: Span) => Span | undefined,
    wanted: (service: string | null) => boolean,
  ): void {
    const byCall = new Map<string, { count: number; us: number; database: boolean }>();
    for (const c of parent.children) {
      if (c.callKey === undefined) continue;
      const seen = byCall.get(c.callKey);
      if (seen) {
        seen.count++;
        seen.us += c.endUs - c.startUs;
      } else byCall.set(c.callKey, { count: 1, us: c.endUs - c.startUs, database: c.dbSystem !== undefined });
    }
    const endpoint = endpointOf(parent);
    const service = endpoint?.service ?? parent.service;
    if (service === null || !wanted(service)) return;
    const route = endpoint?.route ?? parent.name;
    for (const [call, { count, us, database }] of byCall) {
      if (count < min) continue;
      const key = `${service}\u0000${route}\u0000${call}`;
      const r = repeats.get(key);
      if (!r) {
        repeats.set(key, {
          view: { service, endpoint: route, kind: database ? 'database' : 'http', call, occurrences: 1, maxRepeats: count },
          exampleUs: us,
          exampleTraceId: parent.traceId,
          exampleSpanId: parent.spanId,
        });
        continue;
      }
      r.view.occurrences++;
      if (count > r.view.maxRepeats) {
        r.view.maxRepeats = count;
        r.exampleUs = us;
        r.exampleTraceId = parent.traceId;
        r.exampleSpanId = parent.spanId;
      }
    }
  }
}

/** Keep the SLOWEST_KEPT longest calls, longest first. */
function keepSlowest<T extends { durationUs: number }>(list: T[], item: T): void {
  if (list.length === SLOWEST_KEPT && item.durationUs <= list[list.length - 1]!.durationUs) return;
  let i = list.length;
  while (i > 0 && list[i - 1]!.durationUs < item.durationUs) i--;
  list.splice(i, 0, item);
  if (list.length > SLOWEST_KEPT) list.pop();
}
