// Two traces side by side, in numbers: per operation (service + span name), how many spans and how
// much time each trace spent in it, and the difference — what Jaeger's trace comparison shows as a
// diff of the two span trees, reduced to the question "where did the time go?".
import type { SpanView, TraceView } from '../../../../shared/model.js';

export interface OperationDiff {
  service: string;
  name: string;
  /** Spans of this operation in each trace. */
  countA: number;
  countB: number;
  /** Their summed durations, µs (0 when the trace has none). */
  durationA: number;
  durationB: number;
  /** durationB − durationA */
  diffUs: number;
}

function byOperation(spans: readonly SpanView[]): Map<string, { service: string; name: string; count: number; duration: number }> {
  const out = new Map<string, { service: string; name: string; count: number; duration: number }>();
  for (const s of spans) {
    const service = s.service ?? '';
    const key = `${service}\u0000${s.name}`;
    const o = out.get(key);
    if (o) {
      o.count++;
      o.duration += s.durationUs;
    } else out.set(key, { service, name: s.name, count: 1, duration: s.durationUs });
  }
  return out;
}

/** Every operation of either trace, the largest change first (then by name). */
export function compareTraces(a: TraceView, b: TraceView): OperationDiff[] {
  const opsA = byOperation(a.spans);
  const opsB = byOperation(b.spans);
  const keys = new Set([...opsA.keys(), ...opsB.keys()]);
  const rows = [...keys].map((key): OperationDiff => {
    const x = opsA.get(key);
    const y = opsB.get(key);
    const durationA = x?.duration ?? 0;
    const durationB = y?.duration ?? 0;
    return {
      service: (x ?? y)!.service,
      name: (x ?? y)!.name,
      countA: x?.count ?? 0,
      countB: y?.count ?? 0,
      durationA,
      durationB,
      diffUs: durationB - durationA,
    };
  });
  return rows.sort((p, q) => Math.abs(q.diffUs) - Math.abs(p.diffUs) || p.service.localeCompare(q.service) || p.name.localeCompare(q.name));
}

/** `#/traces/compare?a=…&b=…` */
export function compareLink(a: string, b: string): string {
  return `#/traces/compare?a=${a}&b=${b}`;
}
