// An SLO's numbers from its minutes (slo_minutes) against the PromQL path on the same data: two
// days of RED call counters in a real SQLite file — steady rates, a counter reset (a restart), and
// an operation first seen three hours ago (its series starting at a zero point) — where PromQL's
// increase() needs no extrapolation guess, so both must agree on every window, burn rate, the
// time slices and the history. Then a burst, where the minutes give the hand-counted events and
// PromQL an extrapolated fraction; and an SLI change, which drops the old minutes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { ResourceStore } from '../../../electron/engine/core/resource-store.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import type { OtlpMetric, ScopeGroup } from '../../../electron/engine/core/telemetry.js';
import { MetricWriter } from '../../../electron/engine/signals/metrics/metric-writer.js';
import { SqliteSeriesStore } from '../../../electron/engine/signals/metrics/sqlite-series-store.js';
import { Slos, SLOS_FILE } from '../../../electron/engine/slo/slos.js';
import type { SloStatusView } from '../../../shared/slo.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// On a multiple of the history's 8-minute steps (a day's window over 200 steps), as a minute's end.
const END = Math.floor(Date.UTC(2026, 2, 10, 12) / (8 * MINUTE)) * 8 * MINUTE;
const START = END - 2 * 24 * HOUR;

let dir: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-slo-minutes-'));
  db = openDatabase(join(dir, 'loupe.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One point a minute of the shop's RED calls counters: `value(op, status, minuteMs)` or undefined (no point). */
function writeCalls(value: (op: string, status: string, ms: number) => number | undefined): void {
  const writer = new MetricWriter(db, new ResourceStore(db));
  const series = [
    ['GET /items', 'STATUS_CODE_UNSET'],
    ['GET /items', 'STATUS_CODE_ERROR'],
    ['POST /pay', 'STATUS_CODE_UNSET'],
  ] as const;
  db.transaction(() => {
    for (let t = START; t <= END; t += MINUTE) {
      const points = series.flatMap(([op, status]) => {
        const v = value(op, status, t);
        if (v === undefined) return [];
        const attributes = { 'span.name': op, 'span.kind': 'SPAN_KIND_SERVER', 'status.code': status };
        return [{ startUs: START * 1000, timeUs: t * 1000, attributes, flags: 0, value: v, exemplars: [] }];
      });
      const groups: ScopeGroup<OtlpMetric>[] = [
        {
          resource: { attributes: { 'service.name': 'shop' } },
          scope: { name: 'loupe/red' },
          items: [{ name: 'traces.span.metrics.calls', type: 'sum', temporality: 2, monotonic: true, points }],
        },
      ];
      writer.write(groups);
    }
  })();
}

function slos(yaml: string, clock: TestClock): Slos {
  writeFileSync(join(dir, SLOS_FILE), yaml);
  return new Slos({
    clock,
    scheduler: new Scheduler(clock),
    series: new SqliteSeriesStore(db),
    db,
    countLogs: () => 0,
    writeSeries: () => {},
    dataDir: dir,
    extraFiles: [],
  });
}

const AVAILABILITY = `slos:
  - name: availability
    service: shop
    objective: 99
    window: 1d
    sli:
      availability: {}
  - name: slices
    service: shop
    objective: 99
    window: 1d
    budgeting: timeslices
    timeSlice: { window: 5m, target: 97 }
    sli:
      availability: {}
  - name: minute-slices
    service: shop
    objective: 99
    window: 1d
    budgeting: timeslices
    timeSlice: { window: 1m, target: 97.6 }
    sli:
      availability: {}
`;

/** The numbers a user reads in the view, rounded past floating-point noise. */
function numbers(s: SloStatusView): Record<string, unknown> {
  const r = (v: number | null): number | null => (v === null ? null : Math.round(v * 1e6) / 1e6);
  return {
    error: s.error,
    good: r(s.good),
    total: r(s.total),
    sli: r(s.sli),
    consumed: r(s.consumed),
    burnRates: s.burnRates.map((b) => [b.window, r(b.rate)]),
    burnRateNow: r(s.burnRateNow),
  };
}

describe('SLO minutes', () => {
  it('give the PromQL path’s numbers where its increase() needs no extrapolation', () => {
    const RESTART = START + 30 * HOUR;
    const PAY_FROM = END - 3 * HOUR;
    writeCalls((op, status, t) => {
      const m = (t - START) / MINUTE;
      if (op === 'POST /pay') return t < PAY_FROM ? undefined : ((t - PAY_FROM) / MINUTE) * 4; // a zero point, then 4 a minute
      if (status === 'STATUS_CODE_ERROR') return m; // 1 failed a minute
      // 40 ok a minute; the service restarted at RESTART (its counter from 0 again).
      return t < RESTART ? 40 * m : 40 * ((t - RESTART) / MINUTE + 1);
    });
    const clock = new TestClock(END);
    const s = slos(AVAILABILITY, clock);
    // Not counted yet: the PromQL path.
    expect(s.status().backfilling).toBe(3);
    const viaPromQL = s.list().slos.map(numbers);
    const historyViaPromQL = s.get('shop-availability').history;
    s.countMinutes(Infinity);
    expect(s.status().backfilling).toBe(0);
    const viaMinutes = s.list().slos.map(numbers);
    expect(viaMinutes).toEqual(viaPromQL);
    // By hand: a day of 40 ok, 1 failed a minute, and 3 h of 4 a minute on /pay: 1,440 of 64,080 failed.
    expect(viaMinutes[0]).toMatchObject({ total: 1440 * 41 + 180 * 4, good: 1440 * 40 + 180 * 4 });
    expect(viaMinutes[0]!.burnRates).toContainEqual(['1h', Math.round((60 / (60 * 45) / 0.01) * 1e6) / 1e6]);
    const history = s.get('shop-availability').history;
    expect(history.length).toBeGreaterThan(100);
    expect(history.map((h) => [h.t, h.burnRate, h.consumed.toFixed(9)])).toEqual(
      historyViaPromQL.map((h) => [h.t, h.burnRate, h.consumed.toFixed(9)]),
    );
  });

  it('count a burst as the events flushed, where PromQL extrapolates a fraction', () => {
    const BURST = END - 20 * MINUTE;
    writeCalls((op, status, t) => {
      if (op === 'POST /pay') return undefined;
      const m = (t - START) / MINUTE;
      if (status === 'STATUS_CODE_ERROR') return t < BURST ? 3 : 10; // 7 failed at once
      return 10 * m;
    });
    // Half a minute past the last points: PromQL extrapolates to both edges of the window.
    const clock = new TestClock(END + 30_000);
    const s = slos(AVAILABILITY, clock);
    const before = s.evaluate('shop-availability', END - HOUR + 30_000, END + 30_000);
    s.countMinutes(Infinity);
    const after = s.evaluate('shop-availability', END - HOUR + 30_000, END + 30_000);
    // By hand: 600 ok and 7 failed in the hour.
    expect([after.total, after.total - after.good]).toEqual([607, 7]);
    expect(before.total - before.good).not.toBe(7);
    expect(before.total - before.good).toBeCloseTo(7 * (60 / 59), 6); // PromQL: extrapolated past the first point to the edge
  });

  it('drops an SLO’s minutes when its SLI changes, and counts the new one', () => {
    writeCalls((op, status, t) => (op === 'POST /pay' ? undefined : status === 'STATUS_CODE_ERROR' ? 0 : (t - START) / MINUTE));
    const clock = new TestClock(END);
    let s = slos(AVAILABILITY, clock);
    s.countMinutes(Infinity);
    expect(s.evaluate('shop-availability', END - HOUR, END).total).toBe(60);
    s = slos(AVAILABILITY.replace('availability: {}', 'availability: { spanName: "POST /pay" }'), clock);
    s.countMinutes(Infinity);
    expect(s.evaluate('shop-availability', END - HOUR, END).total).toBe(0);
    const rows = db.prepare("SELECT count(*) AS n FROM slo_minutes WHERE slo = 'shop-availability'").get() as { n: number };
    expect(rows.n).toBe(0);
  });
});
