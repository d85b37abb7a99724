// Structured fields -> record parts: trace/span ids and service lifted out of the attributes.
import type { ParsedRecord } from './types.js';

const TRACE_KEYS = ['trace_id', 'traceId', 'traceid', 'otelTraceID', 'trace.id', 'dd.trace_id', 'traceID'];
const SPAN_KEYS = ['span_id', 'spanId', 'spanid', 'otelSpanID', 'span.id', 'dd.span_id', 'spanID'];
const SERVICE_KEYS = ['service.name', 'service', 'otelServiceName', 'service_name'];

const HEX_RE = /^[0-9a-fA-F]+$/;

/** Trace ids as lowercase hex; Datadog writes decimal 64-bit ids, converted to 16 hex digits. */
function normalizeId(v: unknown, hexLength: number): string | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v.toString(16).padStart(16, '0');
  if (typeof v !== 'string' || v.length === 0) return undefined;
  const t = v.trim();
  if (/^\d+$/.test(t) && t.length > 0 && t.length <= 20 && !(t.length === hexLength && HEX_RE.test(t))) {
    try {
      return BigInt(t).toString(16).padStart(16, '0');
    } catch {
      return undefined;
    }
  }
  const dashless = t.indexOf('-') === -1 ? t : t.replace(/-/g, '');
  if (!HEX_RE.test(dashless) || /^0+$/.test(dashless)) return undefined;
  return dashless.toLowerCase();
}

/** Move trace/span/service fields from `attrs` into the record; drop them from the attributes. */
export function liftWellKnown(rec: ParsedRecord, attrs: Record<string, unknown>): void {
  for (const k of TRACE_KEYS) {
    if (k in attrs) {
      const id = normalizeId(attrs[k], 32);
      if (id !== undefined) {
        rec.traceId ??= id;
        delete attrs[k];
      }
    }
  }
  for (const k of SPAN_KEYS) {
    if (k in attrs) {
      const id = normalizeId(attrs[k], 16);
      if (id !== undefined) {
        rec.spanId ??= id;
        delete attrs[k];
      }
    }
  }
  for (const k of SERVICE_KEYS) {
    const v = attrs[k];
    if (typeof v === 'string' && v.length > 0) {
      rec.service ??= v;
      delete attrs[k];
    }
  }
  // Nested spellings: {"service": {"name": …}}, {"dd": {"trace_id": …}}, {"trace": {"id": …}}
  const svc = attrs['service'];
  if (svc && typeof svc === 'object' && typeof (svc as Record<string, unknown>)['name'] === 'string') {
    rec.service ??= (svc as Record<string, string>)['name'];
  }
  const dd = attrs['dd'];
  if (dd && typeof dd === 'object') {
    const d = dd as Record<string, unknown>;
    rec.traceId ??= normalizeId(d['trace_id'], 32);
    rec.spanId ??= normalizeId(d['span_id'], 16);
  }
  const trace = attrs['trace'];
  if (trace && typeof trace === 'object') rec.traceId ??= normalizeId((trace as Record<string, unknown>)['id'], 32);
  const span = attrs['span'];
  if (span && typeof span === 'object') rec.spanId ??= normalizeId((span as Record<string, unknown>)['id'], 16);
  if (rec.traceId === undefined) delete rec.traceId;
  if (rec.spanId === undefined) delete rec.spanId;
  if (rec.service === undefined) delete rec.service;
}

const NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Text that is a number becomes a number (ids with leading zeros and huge integers stay text). */
export function coerceScalar(text: string): string | number {
  if (text.length === 0 || text.length > 22 || !NUMBER_RE.test(text)) return text;
  const n = Number(text);
  if (!Number.isFinite(n)) return text;
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return text;
  return n;
}
