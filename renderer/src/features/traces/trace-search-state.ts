// The Traces view's search as it lives in the URL hash (`#/traces?service=…&min=…&q=…&last=1h`),
// and as the engine's `traces.search` params.
import type { TraceQueryParams } from '../../../../shared/api.js';
import { rangeParams, type TimeRange } from '../../lib/time-range.js';

export interface TraceFilters {
  service: string;
  operation: string;
  errorsOnly: boolean;
  minDuration: string;
  maxDuration: string;
  /** Attribute filters and words, in the engine's trace query language. */
  q: string;
}

/** The view's hash params (the query itself is the location's `q`). */
export function filtersFromParams(q: string, params: Record<string, string> | undefined): TraceFilters {
  const p = params ?? {};
  return {
    service: p.service ?? '',
    operation: p.operation ?? '',
    errorsOnly: p.status === 'error',
    minDuration: p.min ?? '',
    maxDuration: p.max ?? '',
    q,
  };
}

export function filtersToParams(f: TraceFilters, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { ...extra };
  if (f.service) out.service = f.service;
  if (f.operation) out.operation = f.operation;
  if (f.errorsOnly) out.status = 'error';
  if (f.minDuration.trim()) out.min = f.minDuration.trim();
  if (f.maxDuration.trim()) out.max = f.maxDuration.trim();
  return out;
}

export function searchRequest(f: TraceFilters, range: TimeRange, limit = 500, now = Date.now()): TraceQueryParams {
  const req: TraceQueryParams = { ...rangeParams(range, now), limit };
  if (f.service) req.service = f.service;
  if (f.operation) req.operation = f.operation;
  if (f.errorsOnly) req.status = 'error';
  if (f.minDuration.trim()) req.minDuration = f.minDuration.trim();
  if (f.maxDuration.trim()) req.maxDuration = f.maxDuration.trim();
  if (f.q.trim()) req.q = f.q.trim();
  return req;
}

/**
 * The Logs view's hash for the logs of a trace (or one span of it), over the trace's time ±5 min;
 * with `recordId`, that record's detail open among them.
 */
export function logsLink(traceId: string, spanId: string | undefined, startUs: number, endUs: number, recordId?: number): string {
  const pad = 5 * 60e3;
  const params = new URLSearchParams();
  params.set('q', spanId ? `trace:${traceId} span:${spanId}` : `trace:${traceId}`);
  params.set('from', new Date(Math.floor(startUs / 1000) - pad).toISOString());
  params.set('to', new Date(Math.ceil(endUs / 1000) + pad).toISOString());
  if (recordId !== undefined) params.set('record', String(recordId));
  return `#/logs?${params.toString()}`;
}

export function traceLink(traceId: string, spanId?: string): string {
  return `#/traces/${encodeURIComponent(traceId)}${spanId ? `?span=${encodeURIComponent(spanId)}` : ''}`;
}

/** The status line's count: "1 trace", "37 traces", "1,234 traces · newest 500 shown", "10,000+ traces · …". */
export function matchesText(total: number, capped: boolean, shown: number): string {
  const count = `${total.toLocaleString('en-US')}${capped ? '+' : ''} trace${total === 1 && !capped ? '' : 's'}`;
  return shown < total || capped ? `${count} · newest ${shown.toLocaleString('en-US')} shown` : count;
}
