// The RED aggregation's bounds and its flush rules: the overflow series past the series limit, a
// quiet series written for the lookback and then not, the point before a change after a gap, and a
// failed write retried whole.
import { describe, expect, it } from 'vitest';
import type { OtlpMetric, OtlpSpan, ScopeGroup } from '../../../electron/engine/core/telemetry.js';
import { IDLE_WRITE_US } from '../../../electron/engine/signals/metrics/red/cumulative-table.js';
import { SpanMetrics } from '../../../electron/engine/signals/metrics/red/span-metrics.js';

const S = 1_000_000;
const T = 1_800_000_000 * S;

function spans(service: string | null, names: string[], ms = 5): ScopeGroup<OtlpSpan>[] {
  const items = names.map((name, i) => ({
    traceId: 'a'.repeat(32),
    spanId: i.toString(16).padStart(16, '0'),
    name,
    kind: 2,
    startUs: T,
    endUs: T + ms * 1000,
    attributes: {},
    events: [],
    links: [],
    statusCode: 0,
    flags: 0,
  }));
  return [{ resource: { attributes: service ? { 'service.name': service } : {} }, scope: { name: 's' }, items }];
}

/** calls per series (by span name, or `overflow`) and the times written, from one flush. */
function written(groups: ScopeGroup<OtlpMetric>[]): { name: string; at: number; calls: number }[] {
  const calls = groups.flatMap((g) => g.items.filter((m) => m.name === 'traces.span.metrics.calls'));
  return calls.flatMap((m) =>
    m.points.map((p) => ({
      name: p.attributes['otel.metric.overflow'] === true ? 'overflow' : String(p.attributes['span.name']),
      at: (p.timeUs - T) / S,
      calls: Number(p.intValue),
    })),
  );
}

describe('SpanMetrics', () => {
  it('puts new combinations past the limit into the overflow series, and counts them', () => {
    const m = new SpanMetrics(2);
    m.observe(spans('shop', ['a', 'b', 'c', 'd', 'a']), new Set(), T);
    const flush = m.collect(T + 15 * S);
    // Each new series starts with a zero point at its start, so increase() counts its first flush.
    expect(written(flush.groups)).toEqual([
      { name: 'a', at: 0, calls: 0 },
      { name: 'a', at: 15, calls: 2 },
      { name: 'b', at: 0, calls: 0 },
      { name: 'b', at: 15, calls: 1 },
      { name: 'overflow', at: 0, calls: 0 },
      { name: 'overflow', at: 15, calls: 2 },
    ]);
    expect(m.overflowedSpans).toBe(2);
    expect(m.seriesCount).toBe(3);
  });

  it('skips spans without service.name, as the connector does, and stored duplicates', () => {
    const m = new SpanMetrics();
    const dup = spans('shop', ['a', 'a']);
    m.observe(spans(null, ['x']), new Set(), T);
    m.observe(dup, new Set([dup[0]!.items[1]!]), T);
    expect(written(m.collect(T + 15 * S).groups)).toEqual([
      { name: 'a', at: 0, calls: 0 },
      { name: 'a', at: 15, calls: 1 },
    ]);
  });

  it('writes a quiet series for the lookback only, then the point before its next change', () => {
    const m = new SpanMetrics();
    m.observe(spans('shop', ['a']), new Set(), T);
    const times = [15, 30, 15 + IDLE_WRITE_US / S, 30 + IDLE_WRITE_US / S, 600];
    const out: { name: string; at: number; calls: number }[][] = [];
    for (const t of times) {
      if (t === 600) m.observe(spans('shop', ['a']), new Set(), T + t * S);
      const f = m.collect(T + t * S);
      f.commit();
      out.push(written(f.groups));
    }
    expect(out).toEqual([
      [
        { name: 'a', at: 0, calls: 0 },
        { name: 'a', at: 15, calls: 1 },
      ],
      [{ name: 'a', at: 30, calls: 1 }],
      [{ name: 'a', at: 315, calls: 1 }],
      [],
      // The flush at 330 s wrote nothing: its value is written with the change, so increase() sees 1.
      [
        { name: 'a', at: 330, calls: 1 },
        { name: 'a', at: 600, calls: 2 },
      ],
    ]);
  });

  it('writes again what a failed flush did not store', () => {
    const m = new SpanMetrics();
    m.observe(spans('shop', ['a']), new Set(), T);
    m.collect(T + 15 * S); // not committed: the write failed
    m.observe(spans('shop', ['a']), new Set(), T + 20 * S);
    // Its zero point too: nothing of the series was stored.
    expect(written(m.collect(T + 30 * S).groups)).toEqual([
      { name: 'a', at: 0, calls: 0 },
      { name: 'a', at: 30, calls: 2 },
    ]);
  });
});
