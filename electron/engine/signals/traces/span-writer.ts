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

export class SpanWriter {
  private readonly insertSpan;
  private readonly mergeTrace;
  private readonly upsertOperation;

  constructor(
    db: Db,
    private readonly resources: ResourceStore,
  ) {
    this.insertSpan = db.prepare(
      `INSERT INTO spans (trace_id, span_id, parent_span_id, trace_state, name, kind, start_us, end_us, duration_us,
         status_code, status_message, service, resource_id, scope_name, scope_version, attributes, events, links, flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (trace_id, span_id) DO NOTHING`,
    );
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

  /** Store the spans of a request (inside the caller's transaction); returns how many were new, adding the others to `duplicates`. */
  write(groups: ScopeGroup<OtlpSpan>[], duplicates?: Set<OtlpSpan>): number {
    const traces = new Map<string, TraceDelta>();
    const operations = new Map<string, { service: string; name: string; count: number; last: number }>();
    let stored = 0;
    for (const g of groups) {
      if (g.items.length === 0) continue;
      const resourceId = this.resources.idOf(g.resource);
      const service = serviceOf(g.resource.attributes) ?? null;
      const scopeName = g.scope.name || null;
      const scopeVersion = g.scope.version ?? null;
      for (const s of g.items) {
        const end = s.endUs >= s.startUs ? s.endUs : s.startUs;
        const changes = this.insertSpan.run(
          s.traceId,
          s.spanId,
          s.parentSpanId ?? null,
          s.traceState ?? null,
          s.name,
          s.kind,
          s.startUs,
          end,
          end - s.startUs,
          s.statusCode,
          s.statusMessage ?? null,
          service,
          resourceId,
          scopeName,
          scopeVersion,
          s.attributesJson !== undefined ? s.attributesJson : jsonOrNull(s.attributes),
          // Stored as the API shows them (with the RFC 3339 time), so a trace is read without re-encoding.
          s.events.length > 0 ? JSON.stringify(s.events.map((e) => ({ time: usToRfc3339(e.timeUs), ...e }))) : null,
          s.links.length > 0 ? JSON.stringify(s.links) : null,
          s.flags,
        ).changes;
        if (changes === 0) {
          duplicates?.add(s);
          continue;
        }
        stored++;
        let t = traces.get(s.traceId);
        if (!t) {
          t = { start: s.startUs, end, count: 0, errors: 0, rootService: null, rootName: null, hasRoot: false, services: new Set() };
          traces.set(s.traceId, t);
        }
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
        const opKey = `${service ?? ''}\u0000${s.name}`;
        const op = operations.get(opKey);
        if (op) {
          op.count++;
          if (s.startUs > op.last) op.last = s.startUs;
        } else operations.set(opKey, { service: service ?? '', name: s.name, count: 1, last: s.startUs });
      }
    }
    for (const [traceId, t] of traces) {
      const services = t.services.size === 0 ? '[]' : JSON.stringify([...t.services].sort());
      this.mergeTrace.run(traceId, t.start, t.end, t.count, t.errors, t.rootService, t.rootName, services);
    }
    for (const op of operations.values()) this.upsertOperation.run(op.service, op.name, op.count, op.last);
    return stored;
  }
}

function jsonOrNull(o: Record<string, unknown>): string | null {
  for (const _ in o) return JSON.stringify(o);
  return null;
}
