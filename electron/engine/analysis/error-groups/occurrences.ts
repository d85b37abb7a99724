// The errors in what was stored: log records with an exception (a file parser found a traceback
// and folded it under the message; an OTLP record with the `exception.*` attributes of the
// semantic conventions) and the `exception` events of spans. Read from the `logs.stored` and
// `spans.stored` payloads, never by scanning the tables.
import type { LogInsert } from '../../signals/logs/log-writer.js';
import { serviceOf } from '../../core/resource-store.js';
import type { AttrValue, OtlpSpan, ScopeGroup } from '../../core/telemetry.js';
import { parseTracebacks, rootCause, type ChainedException } from './traceback.js';

export interface ErrorOccurrence {
  ts: number;
  /** The root cause's type and message (or the record's own when there is no traceback). */
  type: string;
  message: string;
  root: ChainedException | undefined;
  /** The whole traceback as printed, when there is one. */
  traceback: string | null;
  logId: number | null;
  traceId: string | null;
  spanId: string | null;
  service: string | null;
  sourceId: number | null;
}

function text(v: AttrValue | undefined): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The traceback part of a folded message (from its `Traceback` line on), or null. */
function tracebackOf(message: string): string | null {
  const at = message.indexOf('Traceback (most recent call last):');
  if (at === -1) return null;
  const lineStart = message.lastIndexOf('\n', at) + 1;
  return message.slice(lineStart);
}

function occurrence(
  base: Omit<ErrorOccurrence, 'type' | 'message' | 'root'>,
  type: string | undefined,
  message: string,
): ErrorOccurrence | undefined {
  const chain = base.traceback !== null ? parseTracebacks(base.traceback) : [];
  const root = rootCause(chain);
  const t = root?.type ?? type;
  if (t === undefined) return undefined;
  return { ...base, type: t, message: root?.message ?? message, root };
}

/** The error a stored log record carries, or undefined. */
export function errorOfLog(r: LogInsert, id: number): ErrorOccurrence | undefined {
  const attrs = r.attributes as Record<string, AttrValue> | undefined;
  const otelType = attrs ? text(attrs['exception.type']) : undefined;
  const stack = attrs ? text(attrs['exception.stacktrace']) : undefined;
  if (r.exception === undefined && otelType === undefined && stack === undefined) return undefined;
  const base = {
    ts: r.ts,
    traceback: stack ?? tracebackOf(r.message),
    logId: id,
    traceId: r.traceId ?? null,
    spanId: r.spanId ?? null,
    service: r.service ?? null,
    sourceId: r.sourceId,
  };
  const type = r.exception?.type ?? otelType;
  const message = r.exception?.message ?? (attrs ? text(attrs['exception.message']) : undefined) ?? r.message.split('\n', 1)[0] ?? '';
  const found = occurrence(base, type, message);
  // A Sentry SDK's in_app=false frames (in_app_exclude) are library frames wherever their file is.
  const libraryFiles = attrs?.['exception.library_files'];
  if (found?.root && Array.isArray(libraryFiles)) {
    for (const frame of found.root.frames) if (libraryFiles.includes(frame.file)) frame.library = true;
  }
  return found;
}

/** The `exception` events of the spans written (a retried span, already stored, is skipped). */
export function errorsOfSpans(groups: readonly ScopeGroup<OtlpSpan>[], duplicates: ReadonlySet<OtlpSpan>): ErrorOccurrence[] {
  const out: ErrorOccurrence[] = [];
  for (const g of groups) {
    let service: string | null | undefined;
    for (const span of g.items) {
      if (span.events.length === 0 || duplicates.has(span)) continue;
      for (const e of span.events) {
        if (e.name !== 'exception') continue;
        const a = e.attributes ?? {};
        service ??= serviceOf(g.resource.attributes) ?? null;
        const found = occurrence(
          {
            ts: e.timeUs || span.endUs,
            traceback: text(a['exception.stacktrace']) ?? null,
            logId: null,
            traceId: span.traceId,
            spanId: span.spanId,
            service,
            sourceId: null,
          },
          text(a['exception.type']),
          text(a['exception.message']) ?? '',
        );
        if (found) out.push(found);
      }
    }
  }
  return out;
}
