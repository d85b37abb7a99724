// Pure helpers of the Traces view's exploring: time-axis ticks, the comparison of two traces, the
// service map's rates, and the naming of what a client span calls.
import { describe, expect, it } from 'vitest';
import { externalName } from '../../../electron/engine/signals/traces/span-reader.js';
import { formatCallRate, formatErrorRate } from '../../../renderer/src/features/traces/service-map/service-map-layout.js';
import { compareTraces } from '../../../renderer/src/features/traces/trace-compare.js';
import { fitTimeAxis, formatTimeTick, timeTicks } from '../../../renderer/src/lib/time-ticks.js';
import type { SpanView, TraceView } from '../../../shared/model.js';

describe('time axis ticks', () => {
  const at = (h: number, m: number, s = 0, ms = 0): number => new Date(2026, 2, 4, h, m, s, ms).getTime();

  it('fall on round local times, inside the axis, with labels that never repeat', () => {
    for (const [from, to] of [
      [at(11, 49, 23, 417), at(12, 49, 59, 2)],
      [at(12, 0, 1, 500), at(12, 0, 9)],
      [at(12, 3, 7), at(12, 17, 41)],
      [at(0, 20), at(23, 50) + 2 * 86_400_000],
    ] as const) {
      const { stepMs, ticks, multiDay } = timeTicks(from, to, 6);
      expect(ticks.length).toBeGreaterThan(0);
      expect(ticks.length).toBeLessThanOrEqual(6);
      for (const t of ticks) {
        expect(t).toBeGreaterThanOrEqual(from);
        expect(t).toBeLessThanOrEqual(to);
        const d = new Date(t);
        // Round: a whole number of steps since local midnight.
        expect((t - new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()) % Math.min(stepMs, 86_400_000)).toBe(0);
      }
      const labels = ticks.map((t) => formatTimeTick(t, stepMs, multiDay));
      expect(new Set(labels).size).toBe(labels.length);
    }
    const hour = timeTicks(at(11, 49, 23), at(12, 49, 59), 6);
    expect(hour.ticks.map((t) => formatTimeTick(t, hour.stepMs))).toEqual(['12:00', '12:15', '12:30', '12:45']);
    const seconds = timeTicks(at(12, 0, 1, 500), at(12, 0, 9), 6);
    expect(seconds.ticks.map((t) => formatTimeTick(t, seconds.stepMs))).toEqual(['12:00:02', '12:00:04', '12:00:06', '12:00:08']);
  });

  it('fits the axis to the data inside the range, at least a minute wide', () => {
    const range = { from: at(11, 0), to: at(12, 0) };
    expect(fitTimeAxis([], range.from, range.to)).toEqual(range);
    const one = fitTimeAxis([at(11, 30)], range.from, range.to);
    expect(one).toEqual({ from: at(11, 29, 30), to: at(11, 30, 30) });
    const spread = fitTimeAxis([at(11, 10), at(11, 50)], range.from, range.to);
    expect(spread).toEqual({ from: at(11, 8), to: at(11, 52) });
    // A point the range's end would cut off (a clock ahead) stays on the axis.
    expect(fitTimeAxis([at(12, 0, 5)], range.from, range.to).to).toBe(at(12, 0, 5));
  });
});

function span(service: string, name: string, durationUs: number, spanId: string): SpanView {
  return {
    traceId: 't',
    spanId,
    name,
    kind: 'internal',
    start: '',
    startUs: 0,
    endUs: durationUs,
    durationUs,
    status: { code: 'unset' },
    service,
    resource: 0,
    attributes: {},
    events: [],
    links: [],
    flags: 0,
  };
}

function traceOf(spans: SpanView[]): TraceView {
  return {
    traceId: 't',
    spans,
    resources: [],
    start: '',
    startUs: 0,
    durationUs: Math.max(...spans.map((s) => s.durationUs)),
    services: [],
  };
}

describe('comparing two traces', () => {
  it('gives each operation its spans and time in both traces and the difference, largest change first', () => {
    const a = traceOf([
      span('web', 'GET /', 300, 'a1'),
      span('db', 'SELECT', 50, 'a2'),
      span('db', 'SELECT', 50, 'a3'),
      span('web', 'render', 10, 'a4'),
    ]);
    const b = traceOf([span('web', 'GET /', 900, 'b1'), span('db', 'SELECT', 700, 'b2'), span('cache', 'GET', 5, 'b3')]);
    expect(compareTraces(a, b)).toEqual([
      { service: 'db', name: 'SELECT', countA: 2, countB: 1, durationA: 100, durationB: 700, diffUs: 600 },
      { service: 'web', name: 'GET /', countA: 1, countB: 1, durationA: 300, durationB: 900, diffUs: 600 },
      { service: 'web', name: 'render', countA: 1, countB: 0, durationA: 10, durationB: 0, diffUs: -10 },
      { service: 'cache', name: 'GET', countA: 0, countB: 1, durationA: 0, durationB: 5, diffUs: 5 },
    ]);
  });
});

describe('the service map', () => {
  it('names what a client span calls: peer.service, else the database, else the host', () => {
    expect(externalName('stripe', undefined, undefined, 'api.stripe.com')).toBe('stripe');
    expect(externalName(undefined, 'postgresql', 'shop', 'db.local')).toBe('postgresql shop');
    expect(externalName(undefined, 'redis', undefined, 'cache.local')).toBe('redis cache.local');
    expect(externalName(undefined, 'sqlite', undefined, undefined)).toBe('sqlite');
    expect(externalName(undefined, undefined, undefined, 'hooks.example.com')).toBe('hooks.example.com');
    expect(externalName(undefined, undefined, 'orphan-db-name', undefined)).toBeUndefined();
    expect(externalName('', undefined, undefined, undefined)).toBeUndefined();
  });

  it('labels rates far below one a second, and error rates', () => {
    expect([25.4, 1.5, 1, 0.25, 0.05, 0.001, 0].map(formatCallRate)).toEqual([
      '25/s',
      '1.5/s',
      '1/s',
      '0.25/s',
      '0.05/s',
      '<0.01/s',
      '0/s',
    ]);
    expect([0, 0.25, 0.033, 1].map(formatErrorRate)).toEqual(['', '25%', '3.3%', '100%']);
  });
});
