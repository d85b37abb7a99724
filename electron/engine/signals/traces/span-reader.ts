// Reading traces back: search (newest first; trace-level filters read the per-trace summaries,
// span-level ones walk spans newest first and stop once a page of traces is found), one trace
// with all its spans and resources, the services and their operations, and the service map.
import type {
  ServiceMapEdge,
  ServiceMapNode,
  ServiceMapNodeKind,
  ServiceMapView,
  ServiceView,
  TraceSearchView,
  TraceSummaryView,
  TraceView,
} from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Db } from '../../core/database.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { TraceRow } from './span-writer.js';
import { BadRequestError } from '../../core/errors.js';
import { compileTraceQuery } from './trace-query.js';
import { checkSearchDeadline, deadlineSql, SEARCH_DEADLINE_MS, withSearchDeadline } from '../logs/query/index.js';

export const MAX_TRACE_PAGE = 1000;
export const DEFAULT_TRACE_PAGE = 100;
/** A search with span-level filters reads at most this many spans (newest first) for its page. */
export const MAX_SPANS_SCANNED = 500_000;
/** A search counts its matching traces up to this many (beyond: "at least"). */
export const TRACE_TOTAL_CAP = 10_000;
/** The service map reads at most this many calls (the newest) of its range. */
export const MAX_SERVICE_MAP_CALLS = 200_000;

export interface TraceSearchParams {
  service?: string | undefined;
  operation?: string | undefined;
  /** 'error': traces with at least one error span. */
  status?: string | undefined;
  minDurationUs?: number | undefined;
  maxDurationUs?: number | undefined;
  q?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  limit?: number | undefined;
  /** A previous page's `nextCursor`: the traces after (older than) its last one. */
  cursor?: string | undefined;
}

/**
 * A trace's spans, each as the JSON text of a SpanView in two parts around its `resource` index
 * (numbered in JS: [start_us, id, before, resource_id, after]). Optional fields whose column is NULL
 * are left out; the stored JSON of attributes, events and links goes in as it is. Built by plain
 * concatenation, unsorted: for a 10,000-span trace the JSON functions (json_patch, json_set, json()
 * re-parsing every stored attribute set), the sort of the whole text by group_concat's ORDER BY and
 * a dense_rank window cost ~3x what this does, the sort and the numbering then done in JS.
 */
const SPAN_JSON_PARTS_OF_TRACE = `
  SELECT start_us, id, concat(
    '{"traceId":"', trace_id, '","spanId":"', span_id, '"',
    CASE WHEN parent_span_id IS NOT NULL THEN concat(',"parentSpanId":"', parent_span_id, '"') END,
    CASE WHEN trace_state IS NOT NULL THEN concat(',"traceState":', json_quote(trace_state)) END,
    ',"name":', json_quote(name),
    ',"kind":"', CASE kind WHEN 1 THEN 'internal' WHEN 2 THEN 'server' WHEN 3 THEN 'client'
                           WHEN 4 THEN 'producer' WHEN 5 THEN 'consumer' ELSE 'unspecified' END,
    '","start":"', strftime('%Y-%m-%dT%H:%M:%S', start_us / 1000000, 'unixepoch'), printf('.%06dZ', start_us % 1000000),
    '","startUs":', start_us, ',"endUs":', end_us, ',"durationUs":', duration_us,
    ',"status":{"code":"', CASE status_code WHEN 1 THEN 'ok' WHEN 2 THEN 'error' ELSE 'unset' END, '"',
    CASE WHEN status_message IS NOT NULL THEN concat(',"message":', json_quote(status_message)) END, '}',
    CASE WHEN service IS NOT NULL THEN concat(',"service":', json_quote(service)) END,
    ',"resource":'),
    resource_id,
    concat(
    CASE WHEN scope_name IS NOT NULL THEN concat(',"scope":{"name":', json_quote(scope_name),
      CASE WHEN scope_version IS NOT NULL THEN concat(',"version":', json_quote(scope_version)) END, '}') END,
    ',"attributes":', coalesce(attributes, '{}'), ',"events":', coalesce(events, '[]'),
    ',"links":', coalesce(links, '[]'), ',"flags":', flags, '}')
  FROM spans WHERE trace_id = ?`;

type SpanJsonParts = [startUs: number, id: number, before: string, resourceId: number | null, after: string];

/**
 * A trace's spans as the JSON text of CompactSpan arrays, in the same two parts around the resource
 * index as SPAN_JSON_PARTS_OF_TRACE, unsorted; `?` 1 is the trace's start (starts are sent after it).
 * json_quote(NULL) is null; the attributes, events and links go in as strings of their stored text.
 */
const COMPACT_SPAN_PARTS_OF_TRACE = `
  SELECT start_us, id, concat(
    '["', span_id, '",', json_quote(parent_span_id), ',', json_quote(name), ',', kind, ',', start_us - ?, ',', duration_us, ',',
    status_code, ',', json_quote(service), ','),
    resource_id,
    concat(',', json_quote(scope_name), ',', json_quote(scope_version), ',', json_quote(coalesce(attributes, '{}')),
      CASE WHEN events IS NOT NULL OR links IS NOT NULL OR status_message IS NOT NULL OR trace_state IS NOT NULL OR flags <> 0
        THEN concat(',', json_quote(events), ',', json_quote(links), ',', json_quote(status_message), ',', json_quote(trace_state), ',', flags)
      END, ']')
  FROM spans WHERE trace_id = ?`;

const TRACE_ID = /^[0-9a-f]{32}$/;
const CURSOR = /^(\d+):([0-9a-f]{32})$/;

/**
 * Pages of a search follow (start, trace id), newest first: the id breaks ties between traces
 * that started in the same microsecond, so no trace is shown twice or skipped between pages.
 */
function cursorOf(r: TraceRow): string {
  return `${r.start_us}:${r.trace_id}`;
}

function parseCursor(cursor: string): { startUs: number; traceId: string } {
  const m = CURSOR.exec(cursor);
  if (!m) throw new BadRequestError(`cursor: "${cursor}" is not a cursor of a trace search (pass back nextCursor)`);
  return { startUs: Number(m[1]), traceId: m[2]! };
}

/** Newest first, ties by trace id (descending), as the pages go. */
function newestFirst(a: TraceRow, b: TraceRow): number {
  return b.start_us - a.start_us || (a.trace_id < b.trace_id ? 1 : a.trace_id > b.trace_id ? -1 : 0);
}

function totalOf(counted: number, lowerBound = false): { total: number; totalCapped?: true } {
  const capped = lowerBound || counted > TRACE_TOTAL_CAP;
  return { total: Math.min(counted, TRACE_TOTAL_CAP), ...(capped ? { totalCapped: true as const } : {}) };
}

export class SpanReader {
  private readonly traceById;
  private readonly spanJsonPartsOfTrace;
  private readonly compactSpanPartsOfTrace;
  private readonly resourceById;
  private readonly operations;

  constructor(
    private readonly db: Db,
    /** How long one search may run (SEARCH_DEADLINE_MS; tests shorten it). */
    private readonly deadlineMs = SEARCH_DEADLINE_MS,
    /** Where open-ended ranges end. */
    private readonly clock: Clock = systemClock,
  ) {
    this.traceById = db.prepare('SELECT * FROM traces WHERE trace_id = ?');
    this.spanJsonPartsOfTrace = db.prepare(SPAN_JSON_PARTS_OF_TRACE).raw();
    this.compactSpanPartsOfTrace = db.prepare(COMPACT_SPAN_PARTS_OF_TRACE).raw();
    this.resourceById = db.prepare('SELECT service, attributes, schema_url FROM resources WHERE id = ?');
    this.operations = db.prepare('SELECT service, name, span_count FROM span_operations WHERE last_us >= ? ORDER BY service, name');
  }

  /** Throws SearchTimeoutError past SEARCH_DEADLINE_MS. */
  search(p: TraceSearchParams): TraceSearchView {
    return withSearchDeadline(() => this.searchNow(p), this.deadlineMs);
  }

  private searchNow(p: TraceSearchParams): TraceSearchView {
    const limit = p.limit ?? DEFAULT_TRACE_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRACE_PAGE) throw new BadRequestError(`limit must be 1–${MAX_TRACE_PAGE}`);
    const status = p.status?.toLowerCase();
    if (status !== undefined && status !== '' && status !== 'error') throw new BadRequestError('status: only "error" filters traces');
    const from = p.from ?? 0;
    const to = p.to ?? Number.MAX_SAFE_INTEGER;
    const after = p.cursor ? parseCursor(p.cursor) : undefined;
    const spanConditions = compileTraceQuery(p.q ?? '');
    if (p.service) spanConditions.push({ sql: 's.service = ?', params: [p.service], needsResource: false });
    if (p.operation) spanConditions.push({ sql: 's.name = ?', params: [p.operation], needsResource: false });

    const traceWhere = ['start_us >= ?', 'start_us <= ?'];
    const traceParams: unknown[] = [from, to];
    if (status === 'error') traceWhere.push('error_count > 0');
    if (p.minDurationUs !== undefined) {
      traceWhere.push('end_us - start_us >= ?');
      traceParams.push(p.minDurationUs);
    }
    if (p.maxDurationUs !== undefined) {
      traceWhere.push('end_us - start_us <= ?');
      traceParams.push(p.maxDurationUs);
    }

    if (spanConditions.length === 0) {
      const where = traceWhere.join(' AND ');
      // The total counts every match; the page starts after the cursor.
      const pageWhere = after ? `${where} AND (start_us < ? OR (start_us = ? AND trace_id < ?))` : where;
      const pageParams = after ? [...traceParams, after.startUs, after.startUs, after.traceId] : traceParams;
      const rows = this.db
        .prepare(`SELECT * FROM traces WHERE ${pageWhere} ORDER BY start_us DESC, trace_id DESC LIMIT ?`)
        .all(...pageParams, limit + 1) as TraceRow[];
      const total = this.db
        .prepare(`SELECT count(*) FROM (SELECT 1 FROM traces WHERE ${where} LIMIT ?)`)
        .pluck()
        .get(...traceParams, TRACE_TOTAL_CAP + 1) as number;
      return pageOf(rows, limit, totalOf(total));
    }

    const join = spanConditions.some((c) => c.needsResource) ? 'LEFT JOIN resources r ON r.id = s.resource_id' : '';
    const spans = this.db
      .prepare(
        `SELECT s.trace_id FROM spans s ${join}
         WHERE s.start_us >= ? AND ${deadlineSql('s.id')} AND ${spanConditions.map((c) => c.sql).join(' AND ')}
         ORDER BY s.start_us DESC LIMIT ${MAX_SPANS_SCANNED}`,
      )
      .pluck();
    const traceOk = this.db.prepare(`SELECT * FROM traces WHERE trace_id = ? AND ${traceWhere.join(' AND ')}`);
    const seen = new Set<string>();
    // Every match counted (up to the cap) is kept: the page is the newest of them by trace start,
    // which is not the order the walk meets them in (a trace's matching span may start late).
    const matched: TraceRow[] = [];
    let walkedAll = true;
    let spansRead = 0;
    for (const traceId of spans.iterate(from, ...spanConditions.flatMap((c) => c.params)) as IterableIterator<string>) {
      spansRead++;
      checkSearchDeadline();
      if (seen.has(traceId)) continue;
      seen.add(traceId);
      const row = traceOk.get(traceId, ...traceParams) as TraceRow | undefined;
      if (!row) continue;
      matched.push(row);
      if (matched.length > TRACE_TOTAL_CAP) {
        walkedAll = false;
        break;
      }
    }
    matched.sort(newestFirst);
    const rest = after
      ? matched.filter((r) => r.start_us < after.startUs || (r.start_us === after.startUs && r.trace_id < after.traceId))
      : matched;
    // The span budget ran out before the cap: what was counted is a lower bound too.
    return pageOf(rest.slice(0, limit + 1), limit, totalOf(matched.length, !walkedAll || spansRead >= MAX_SPANS_SCANNED));
  }

  get(traceId: string): TraceView | undefined {
    const json = this.getJson(traceId);
    return json === undefined ? undefined : (JSON.parse(json) as TraceView);
  }

  /**
   * One trace as the JSON text of a TraceView, built by SQLite's JSON functions in one statement:
   * a 10,000-span trace is ~6 MB of JSON, and making it in C is 2-3x faster than row objects and
   * string building in JS (the stored attributes, events and links go in as they are).
   */
  getJson(traceId: string): string | undefined {
    const id = checkTraceId(traceId);
    const summary = this.traceById.get(id) as TraceRow | undefined;
    if (!summary) return undefined;
    const { spans, resources } = this.spansAndResources(this.spanJsonPartsOfTrace.all(id) as SpanJsonParts[]);
    return (
      `{"traceId":"${id}","spans":[${spans}],"resources":[${resources}]` +
      `,"start":"${usToRfc3339(summary.start_us)}","startUs":${summary.start_us}` +
      `,"durationUs":${summary.end_us - summary.start_us},"services":${summary.services}}`
    );
  }

  /** One trace as the JSON text of a CompactTraceView, built as getJson builds a TraceView. */
  getCompactJson(traceId: string): string | undefined {
    const id = checkTraceId(traceId);
    const summary = this.traceById.get(id) as TraceRow | undefined;
    if (!summary) return undefined;
    const { spans, resources } = this.spansAndResources(this.compactSpanPartsOfTrace.all(summary.start_us, id) as SpanJsonParts[]);
    return (
      `{"traceId":"${id}","start":"${usToRfc3339(summary.start_us)}","startUs":${summary.start_us}` +
      `,"durationUs":${summary.end_us - summary.start_us},"services":${summary.services},"resources":[${resources}],"spans":[${spans}]}`
    );
  }

  /**
   * The spans' JSON parts sorted by start and joined with their resource index, and the trace's
   * resources (numbered in the order of their ids, NULL first) as the JSON text of ResourceViews.
   */
  private spansAndResources(parts: SpanJsonParts[]): { spans: string; resources: string } {
    parts.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const resourceIds = [...new Set(parts.map((p) => p[3]))].sort((x, y) => (x === null ? -1 : y === null ? 1 : x - y));
    const indexOf = new Map(resourceIds.map((r, i) => [r, i]));
    type ResourceRow = { service: string | null; attributes: string | null; schema_url: string | null };
    const resources = resourceIds.map((rid) => {
      const r = rid === null ? undefined : (this.resourceById.get(rid) as ResourceRow | undefined);
      return (
        '{' +
        (r?.service ? `"service":${JSON.stringify(r.service)},` : '') +
        `"attributes":${r?.attributes ?? '{}'}` +
        (r?.schema_url ? `,"schemaUrl":${JSON.stringify(r.schema_url)}` : '') +
        '}'
      );
    });
    return { spans: parts.map((p) => p[2] + String(indexOf.get(p[3])) + p[4]).join(','), resources: resources.join(',') };
  }

  /** Services and their operations (seen since `sinceUs`, when given). */
  services(sinceUs = 0): ServiceView[] {
    const byService = new Map<string, ServiceView>();
    for (const row of this.operations.all(sinceUs) as { service: string; name: string; span_count: number }[]) {
      let s = byService.get(row.service);
      if (!s) {
        s = { name: row.service, spanCount: 0, operations: [] };
        byService.set(row.service, s);
      }
      s.spanCount += row.span_count;
      s.operations.push({ name: row.name, spanCount: row.span_count });
    }
    return [...byService.values()];
  }

  serviceMap(from = 0, to = Number.MAX_SAFE_INTEGER): ServiceMapView {
    const calls = this.db
      .prepare(
        `SELECT p.service AS parent, c.service AS child, c.duration_us AS d, c.status_code AS st, c.start_us AS t
         FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
         WHERE c.start_us >= ? AND c.start_us <= ? AND c.parent_span_id IS NOT NULL
           AND p.service IS NOT NULL AND c.service IS NOT NULL AND p.service <> c.service
         ORDER BY c.start_us DESC LIMIT ?`,
      )
      .raw()
      .all(from, to, MAX_SERVICE_MAP_CALLS + 1) as Call[];
    // Client spans no span of another service answered: calls to a database or to something that
    // sends no spans, named by what the span says about the other end.
    const outbound = this.db
      .prepare(
        `SELECT c.service, c.duration_us, c.status_code, c.start_us,
           json_extract(c.attributes, '$."peer.service"'),
           coalesce(json_extract(c.attributes, '$."db.system"'), json_extract(c.attributes, '$."db.system.name"')),
           coalesce(json_extract(c.attributes, '$."db.namespace"'), json_extract(c.attributes, '$."db.name"')),
           coalesce(json_extract(c.attributes, '$."server.address"'), json_extract(c.attributes, '$."net.peer.name"'))
         FROM spans c
         WHERE c.kind = 3 AND c.start_us >= ? AND c.start_us <= ? AND c.service IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM spans k WHERE k.trace_id = c.trace_id AND k.parent_span_id = c.span_id AND k.service IS NOT c.service)
         ORDER BY c.start_us DESC LIMIT ?`,
      )
      .raw()
      .all(from, to, MAX_SERVICE_MAP_CALLS + 1) as [string, number, number, number, unknown, unknown, unknown, unknown][];
    // What each service was asked to do: its spans called from outside it (another service, or no parent).
    const entries = this.db
      .prepare(
        `SELECT c.service, count(*), sum(c.status_code = 2) FROM (
           SELECT c.service, c.status_code FROM spans c LEFT JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
           WHERE c.start_us >= ? AND c.start_us <= ? AND c.service IS NOT NULL AND (p.service IS NULL OR p.service <> c.service)
           ORDER BY c.start_us DESC LIMIT ?) c
         GROUP BY c.service`,
      )
      .raw()
      .all(from, to, MAX_SERVICE_MAP_CALLS) as [string, number, number][];
    const truncated = calls.length > MAX_SERVICE_MAP_CALLS || outbound.length > MAX_SERVICE_MAP_CALLS;
    if (calls.length > MAX_SERVICE_MAP_CALLS) calls.pop();
    if (outbound.length > MAX_SERVICE_MAP_CALLS) outbound.pop();

    const services = new Set(entries.map(([service]) => service));
    for (const [parent, child] of calls) services.add(parent).add(child);
    const kinds = new Map<string, ServiceMapNodeKind>();
    for (const [service, d, st, t, peer, system, db, address] of outbound) {
      const target = externalName(peer, system, db, address);
      if (target === undefined) continue;
      if (!services.has(target)) kinds.set(target, typeof peer !== 'string' && typeof system === 'string' ? 'database' : 'external');
      calls.push([service, target, d, st, t]);
    }

    const edges = new Map<string, { parent: string; child: string; durations: number[]; errors: number }>();
    let oldest = Infinity;
    let newest = -Infinity;
    for (const [parent, child, d, st, t] of calls) {
      const key = `${parent}\u0000${child}`;
      let e = edges.get(key);
      if (!e) {
        e = { parent, child, durations: [], errors: 0 };
        edges.set(key, e);
      }
      e.durations.push(d);
      if (st === 2) e.errors++;
      oldest = Math.min(oldest, t);
      newest = Math.max(newest, t);
    }
    // Rates are over the range asked (its end no later than now), or over the calls' own extent.
    const start = from > 0 ? from : oldest;
    const end = Math.min(to, this.clock.nowUs());
    const windowSeconds = Number.isFinite(start) ? Math.max(1, (Math.max(end, newest) - start) / 1e6) : 1;
    const out: ServiceMapEdge[] = [...edges.values()].map((e) => {
      const sorted = Float64Array.from(e.durations).sort();
      return {
        parent: e.parent,
        child: e.child,
        count: sorted.length,
        rate: sorted.length / windowSeconds,
        errorCount: e.errors,
        errorRate: e.errors / sorted.length,
        // Nearest rank.
        p95DurationUs: sorted[Math.max(0, Math.ceil(sorted.length * 0.95) - 1)] ?? 0,
      };
    });
    out.sort((a, b) => b.count - a.count);

    const nodes = new Map<string, ServiceMapNode>();
    const node = (name: string, kind: ServiceMapNodeKind): ServiceMapNode => {
      let n = nodes.get(name);
      if (!n) {
        n = { name, kind, count: 0, rate: 0, errorCount: 0, errorRate: 0 };
        nodes.set(name, n);
      }
      return n;
    };
    for (const s of services) node(s, 'service');
    for (const [service, count, errors] of entries) Object.assign(node(service, 'service'), { count, errorCount: errors });
    // What sends no spans is known by the calls it received.
    for (const e of out) {
      const kind = kinds.get(e.child);
      if (!kind) continue;
      const n = node(e.child, kind);
      n.count += e.count;
      n.errorCount += e.errorCount;
    }
    for (const n of nodes.values()) {
      n.rate = n.count / windowSeconds;
      n.errorRate = n.count ? n.errorCount / n.count : 0;
    }
    return {
      services: [...services].sort(),
      nodes: [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name)),
      edges: out,
      windowSeconds,
      truncated,
    };
  }
}

/** [caller, callee, duration µs, status code, start µs] */
type Call = [string, string, number, number, number];

/** The other end of a client span: peer.service, else the database (system and name or host), else the host. */
export function externalName(peer: unknown, system: unknown, db: unknown, address: unknown): string | undefined {
  if (typeof peer === 'string' && peer !== '') return peer;
  const where = typeof db === 'string' && db !== '' ? db : typeof address === 'string' && address !== '' ? address : undefined;
  if (typeof system === 'string' && system !== '') return where ? `${system} ${where}` : system;
  return typeof address === 'string' && address !== '' ? address : undefined;
}

function checkTraceId(traceId: string): string {
  const id = traceId.toLowerCase();
  if (!TRACE_ID.test(id)) throw new BadRequestError(`"${traceId}" is not a trace id (32 hex digits)`);
  return id;
}

/** A page of `limit` rows out of `limit + 1` read: the extra one says whether another page follows. */
function pageOf(rows: TraceRow[], limit: number, total: { total: number; totalCapped?: true }): TraceSearchView {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { traces: page.map(summaryOf), ...total, nextCursor: rows.length > limit && last ? cursorOf(last) : null };
}

function summaryOf(r: TraceRow): TraceSummaryView {
  return {
    traceId: r.trace_id,
    ...(r.root_service !== null ? { rootService: r.root_service } : {}),
    ...(r.root_name !== null ? { rootOperation: r.root_name } : {}),
    start: usToRfc3339(r.start_us),
    startUs: r.start_us,
    durationUs: r.end_us - r.start_us,
    spanCount: r.span_count,
    errorCount: r.error_count,
    services: JSON.parse(r.services) as string[],
  };
}
