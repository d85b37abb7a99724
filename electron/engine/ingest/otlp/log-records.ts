// OTLP log records → rows of the `logs` table (the same table as file lines, so the Logs view and
// its search show both): severity number and text, the body as text (JSON when it is not a
// string), the scope name as the logger (OpenTelemetry's logging bridges name the scope after the
// logger), the resource's service.name as the service, and the trace and span ids.
import type { LogInsert } from '../../signals/logs/log-writer.js';
import { serviceOf } from '../../core/resource-store.js';
import type { OtlpLogRecord, ScopeGroup } from '../../core/telemetry.js';

export function logInsertsOf(groups: ScopeGroup<OtlpLogRecord>[], nowUs: number): LogInsert[] {
  const out: LogInsert[] = [];
  for (const g of groups) {
    const service = serviceOf(g.resource.attributes);
    const logger = g.scope.name || undefined;
    for (const r of g.items) {
      const attributes = r.eventName !== undefined ? { ...r.attributes, 'event.name': r.eventName } : r.attributes;
      out.push({
        // The record's time, else when it was observed, else now (both are optional in OTLP).
        ts: r.timeUs || r.observedUs || nowUs,
        severity: r.severityNumber >= 1 && r.severityNumber <= 24 ? r.severityNumber : 0,
        levelText: r.severityText,
        fileId: null,
        sourceId: null,
        logger,
        service,
        message: typeof r.body === 'string' ? r.body : r.body === null ? (r.eventName ?? '') : JSON.stringify(r.body),
        attributes,
        traceId: r.traceId,
        spanId: r.spanId,
        flags: 0,
      });
    }
  }
  return out;
}
