// The writer of spans: each call stores a batch in the caller's transaction, skips spans already
// stored (an exporter's retry), and keeps the per-trace summaries and the operation list current.
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Db } from '../../core/database.js';
import { ResourceStore, serviceOf } from '../../core/resource-store.js';
import type { OtlpSpan, ScopeGroup } from '../../core/telemetry.js';

export const STATUS_ERROR = 2;

declare module '../../core/events.js' {
  interface EngineEvents {
    /**
     * Spans were stored (committed); `spans` counts the new ones (retries of stored spans are not).
     * `groups` are the spans written, `duplicates` those of them already stored before (skipped).
     */
    'spans.stored': { spans: number; groups: readonly ScopeGroup<OtlpSpan>[]; duplicates: ReadonlySet<OtlpSpan> };
  }
}

interface TraceDelta {
  start: number;
  end: number;
  count: number;
  errors: number;
  rootService: string | null;
  rootName: string | null;
  hasRoot: boolean;
  services: Set<string>;
}

/** A row of `traces`, the per-trace summary kept as spans are written. */
export interface TraceRow {
  trace_id: string;
  start_us: number;
  end_us: number;
  span_count: number;
  error_count: number;
  root_service: string | null;
  root_name: string | null;
  services: string;
}

/** The columns of a span in `spans`, in the order the inserts bind them. */
const SPAN_COLUMNS =
  'trace_id, span_id, parent_span_id, trace_state, name, kind, start_us, end_us, duration_us, status_code, status_message, service, resource_id, scope_name, scope_version, attributes, events, links, flags';
const VALUES_PER_ROW = 19;
/**
 * Spans one INSERT statement stores: one call binds them all, so the cost of a call into SQLite
 * (reset, step, the JS↔C++ crossing) is shared by 64 spans, as the log writer does (README, Speed).
 * The values go as the call's arguments (`run(...values)`): better-sqlite3 reads those directly.
 */
const ROWS_PER_INSERT = 64;
const ON_CONFLICT = 'ON CONFLICT (trace_id, span_id) DO NOTHING';

/** A span bound into the pending multi-row insert, with what its trace and operation need. */
interface Bound {
  span: OtlpSpan;
  service: string | null;
  end: number;
}

export class SpanWriter {
  private readonly insertSpan;
  /** Inserts ROWS_PER_INSERT spans in one call. */
  private readonly insertSpans;
  /** The (trace, span) ids of the rows with ids in a range: which spans of a multi-row insert were new. */
  private readonly idsInRange;
  private readonly mergeTrace;
  private readonly upsertOperation;
  /** Reused for every multi-row insert (its values, row after row), and the spans bound to it. */
  private readonly rowValues: unknown[] = new Array(ROWS_PER_INSERT * VALUES_PER_ROW);
  private readonly rowSpans: Bound[] = [];

  constructor(
    db: Db,
    private readonly resources: ResourceStore,
  ) {
    const row = `(${new Array(VALUES_PER_ROW).fill('?').join(', ')})`;
    this.insertSpan = db.prepare(`INSERT INTO spans (${SPAN_COLUMNS}) VALUES ${row} ${ON_CONFLICT}`);
    this.insertSpans = db.prepare(
      `INSERT INTO spans (${SPAN_COLUMNS}) VALUES ${new Array(ROWS_PER_INSERT).fill(row).join(', ')} ${ON_CONFLICT}`,
    );
    this.idsInRange = db.prepare('SELECT trace_id, span_id FROM spans WHERE id > ? AND id <= ?').raw();
    // The batch's part of a trace merged into its summary in one statement, without reading the row
    // back into JS. A root already known stays; a root arriving late (children first) fills it in
    // (SET's right-hand sides see the row as it was). The services are merged only when they differ
    // (the usual case: a trace's later batches come from the services already seen).
    this.mergeTrace = db.prepare(
      `INSERT INTO traces (trace_id, start_us, end_us, span_count, error_count, root_service, root_name, services)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (trace_id) DO UPDATE SET
         start_us = min(start_us, excluded.start_us),
         end_us = max(end_us, excluded.end_us),
         span_count = span_count + excluded.span_count,
         error_count = error_count + excluded.error_count,
         root_service = CASE WHEN root_name IS NULL THEN excluded.root_service ELSE root_service END,
         root_name = coalesce(root_name, excluded.root_name),
         services = CASE WHEN services = excluded.services THEN services ELSE (
           SELECT json_group_array(value ORDER BY value) FROM (
             SELECT value FROM json_each(services) UNION SELECT value FROM json_each(excluded.services))) END`,
    );
    this.upsertOperation = db.prepare(
      `INSERT INTO span_operations (service, name, span_count, last_us) VALUES (?, ?, ?, ?)
       ON CONFLICT (service, name) DO UPDATE SET span_count = span_count + excluded.span_count, last_us = max(last_us, excluded.last_us)`,
    );
  }

  /**
   * Store spans (inside the caller's transaction; pass all of a transaction's groups in one call,
   * so that most go in full multi-row inserts); returns how many were new, adding the others to
   * `duplicates`. A span is new when its (trace, span) id was not stored before, by this call
   * included: of two copies in one batch the second is the duplicate, as stored row by row.
   */
  write(groups: readonly ScopeGroup<OtlpSpan>[], duplicates?: Set<OtlpSpan>): number {
    const batch = new Batch();
    const values = this.rowValues;
    const bound = this.rowSpans;
    bound.length = 0;
    let v = 0;
    for (const g of groups) {
      if (g.items.length === 0) continue;
      const resourceId = this.resources.idOf(g.resource);
      const service = serviceOf(g.resource.attributes) ?? null;
      const scopeName = g.scope.name || null;
      const scopeVersion = g.scope.version ?? null;
      for (const s of g.items) {
        const end = s.endUs >= s.startUs ? s.endUs : s.startUs;
        values[v++] = s.traceId;
        values[v++] = s.spanId;
        values[v++] = s.parentSpanId ?? null;
        values[v++] = s.traceState ?? null;
        values[v++] = s.name;
        values[v++] = s.kind;
        values[v++] = s.startUs;
        values[v++] = end;
        values[v++] = end - s.startUs;
        values[v++] = s.statusCode;
        values[v++] = s.statusMessage ?? null;
        values[v++] = service;
        values[v++] = resourceId;
        values[v++] = scopeName;
        values[v++] = scopeVersion;
        values[v++] = s.attributesJson !== undefined ? s.attributesJson : jsonOrNull(s.attributes);
        // Stored as the API shows them (with the RFC 3339 time), so a trace is read without re-encoding.
        values[v++] = s.events.length > 0 ? JSON.stringify(s.events.map((e) => ({ time: usToRfc3339(e.timeUs), ...e }))) : null;
        values[v++] = s.links.length > 0 ? JSON.stringify(s.links) : null;
        values[v++] = s.flags;
        bound.push({ span: s, service, end });
        if (bound.length === ROWS_PER_INSERT) {
          this.storeBound(this.insertSpans.run(...values), batch, duplicates);
          v = 0;
        }
      }
    }
    // The last spans (fewer than a multi-row insert holds), one by one.
    for (let k = 0; k < bound.length; k++) {
      const b = bound[k]!;
      if (this.insertSpan.run(...values.slice(k * VALUES_PER_ROW, (k + 1) * VALUES_PER_ROW)).changes === 1) batch.add(b);
      else duplicates?.add(b.span);
    }
    bound.length = 0;
    for (const [traceId, t] of batch.traces) {
      const services = t.services.size === 0 ? '[]' : JSON.stringify([...t.services].sort());
      this.mergeTrace.run(traceId, t.start, t.end, t.count, t.errors, t.rootService, t.rootName, services);
    }
    for (const ops of batch.operations.values())
      for (const op of ops.values()) this.upsertOperation.run(op.service, op.name, op.count, op.last);
    return batch.stored;
  }

  /**
   * Count the spans of a multi-row insert that were stored. All of them, usually; when some were
   * already there (a retried export), the new ones are the rows the insert added — their ids are
   * the `changes` ids up to the last one given (each new row takes the largest id + 1) — and of
   * the spans bound, the first with each of those (trace, span) ids.
   */
  private storeBound(result: { changes: number; lastInsertRowid: number | bigint }, batch: Batch, duplicates?: Set<OtlpSpan>): void {
    const bound = this.rowSpans;
    if (result.changes === bound.length) {
      for (const b of bound) batch.add(b);
    } else {
      const last = Number(result.lastInsertRowid);
      const added = new Set<string>();
      if (result.changes > 0) {
        for (const [traceId, spanId] of this.idsInRange.all(last - result.changes, last) as [string, string][]) {
          added.add(`${traceId}/${spanId}`);
        }
      }
      for (const b of bound) {
        if (added.delete(`${b.span.traceId}/${b.span.spanId}`)) batch.add(b);
        else duplicates?.add(b.span);
      }
    }
    bound.length = 0;
  }
}

/** An operation's share of the new spans. */
interface OperationDelta {
  service: string;
  name: string;
  count: number;
  last: number;
}

/**
 * What one write stored: the count, and each trace's and operation's share of the new spans. A
 * batch's spans come in runs of one trace and one service: the last trace and the last service's
 * operations are kept at hand, so most spans cost no hashing of their 32-digit trace id.
 */
class Batch {
  stored = 0;
  readonly traces = new Map<string, TraceDelta>();
  /** By service ('' for none), then by span name. */
  readonly operations = new Map<string, Map<string, OperationDelta>>();
  private lastTraceId = '';
  private lastTrace: TraceDelta | undefined;
  private lastService: string | null = null;
  private lastOperations: Map<string, OperationDelta> | undefined;

  add({ span: s, service, end }: Bound): void {
    this.stored++;
    let t = s.traceId === this.lastTraceId ? this.lastTrace : this.traces.get(s.traceId);
    if (!t) {
      t = { start: s.startUs, end, count: 0, errors: 0, rootService: null, rootName: null, hasRoot: false, services: new Set() };
      this.traces.set(s.traceId, t);
    }
    this.lastTraceId = s.traceId;
    this.lastTrace = t;
    if (s.startUs < t.start) t.start = s.startUs;
    if (end > t.end) t.end = end;
    t.count++;
    if (s.statusCode === STATUS_ERROR) t.errors++;
    if (service !== null) t.services.add(service);
    if (s.parentSpanId === undefined && !t.hasRoot) {
      t.hasRoot = true;
      t.rootService = service;
      t.rootName = s.name;
    }
    let ops = service === this.lastService ? this.lastOperations : undefined;
    if (!ops) {
      ops = this.operations.get(service ?? '');
      if (!ops) this.operations.set(service ?? '', (ops = new Map()));
      this.lastService = service;
      this.lastOperations = ops;
    }
    const op = ops.get(s.name);
    if (op) {
      op.count++;
      if (s.startUs > op.last) op.last = s.startUs;
    } else ops.set(s.name, { service: service ?? '', name: s.name, count: 1, last: s.startUs });
  }
}

function jsonOrNull(o: Record<string, unknown>): string | null {
  for (const _ in o) return JSON.stringify(o);
  return null;
}
