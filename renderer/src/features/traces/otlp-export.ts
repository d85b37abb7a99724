// A trace as an OTLP/JSON document (`{"resourceSpans": …}`, the form OTLP/HTTP and the
// Collector's file exporter use): ids in hex, times as nanosecond strings, attributes as AnyValue.
// The Traces view downloads it ("Export"), and `traces.import` reads it back.
import type { SpanKind, SpanStatusCode, SpanView, TraceView } from '../../../../shared/model.js';

type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | Record<string, never>;

interface KeyValue {
  key: string;
  value: AnyValue;
}

const KINDS: Record<SpanKind, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUS: Record<SpanStatusCode, number> = { unset: 0, ok: 1, error: 2 };

/** Stored attribute values are plain JSON: whole numbers go back as intValue, the rest as doubleValue. */
export function anyValue(v: unknown): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (v !== null && typeof v === 'object') return { kvlistValue: { values: keyValues(v as Record<string, unknown>) } };
  return {};
}

function keyValues(attributes: Record<string, unknown> | undefined): KeyValue[] {
  return Object.entries(attributes ?? {}).map(([key, value]) => ({ key, value: anyValue(value) }));
}

/** µs → the nanosecond string OTLP/JSON writes 64-bit times as. */
function nanos(us: number): string {
  return us === 0 ? '0' : `${us}000`;
}

function otlpSpan(s: SpanView): Record<string, unknown> {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    ...(s.traceState ? { traceState: s.traceState } : {}),
    ...(s.flags ? { flags: s.flags } : {}),
    name: s.name,
    kind: KINDS[s.kind],
    startTimeUnixNano: nanos(s.startUs),
    endTimeUnixNano: nanos(s.endUs),
    attributes: keyValues(s.attributes),
    events: s.events.map((e) => ({ timeUnixNano: nanos(e.timeUs), name: e.name, attributes: keyValues(e.attributes) })),
    links: s.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      ...(l.traceState ? { traceState: l.traceState } : {}),
      attributes: keyValues(l.attributes),
    })),
    status: { code: STATUS[s.status.code], ...(s.status.message ? { message: s.status.message } : {}) },
  };
}

/** The trace as one OTLP/JSON export request: a resourceSpans entry per resource, a scopeSpans entry per scope. */
export function traceToOtlpJson(trace: TraceView): { resourceSpans: unknown[] } {
  const byResource = new Map<number, Map<string, SpanView[]>>();
  for (const s of trace.spans) {
    let scopes = byResource.get(s.resource);
    if (!scopes) byResource.set(s.resource, (scopes = new Map()));
    const key = JSON.stringify([s.scope?.name ?? '', s.scope?.version ?? null]);
    const list = scopes.get(key);
    if (list) list.push(s);
    else scopes.set(key, [s]);
  }
  return {
    resourceSpans: [...byResource].map(([index, scopes]) => {
      const resource = trace.resources[index];
      return {
        resource: { attributes: keyValues(resource?.attributes) },
        ...(resource?.schemaUrl ? { schemaUrl: resource.schemaUrl } : {}),
        scopeSpans: [...scopes.values()].map((spans) => {
          const scope = spans[0]?.scope;
          return { scope: { name: scope?.name ?? '', ...(scope?.version ? { version: scope.version } : {}) }, spans: spans.map(otlpSpan) };
        }),
      };
    }),
  };
}

/** The file name an export is saved as. */
export function exportFileName(trace: TraceView): string {
  return `trace-${trace.traceId}.otlp.json`;
}
