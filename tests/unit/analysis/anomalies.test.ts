// Anomaly detection on synthetic per-minute series: known spikes and drops are found where they
// are, flat noise of a day gives none, a handful of requests never makes one, and the same hour
// yesterday is part of the usual; then the golden signals read with PromQL from RED-shaped series,
// and the list taking the baseline job's memory of the last day for what the store has.
import { describe, expect, it } from 'vitest';
import {
  baselines,
  readSignals,
  SIGNAL_RULES,
  STEP_MS,
  type GoldenSignal,
} from '../../../electron/engine/analysis/anomalies/golden-signals.js';
import { DEFAULT_DETECT, detect, type SignalPoint } from '../../../electron/engine/analysis/anomalies/robust-baseline.js';
import { Anomalies } from '../../../electron/engine/analysis/anomalies/anomalies.js';
import type { Clock } from '../../../electron/engine/core/clock.js';
import { MemorySeriesStore } from '../../../electron/engine/signals/metrics/promql/index.js';
import { noise } from '../../support/seeded-noise.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 2, 2, 0, 0);

/** `hours` of minutes: value(t) and events(t). */
function series(hours: number, value: (t: number) => number, events: (t: number) => number = () => 500): SignalPoint[] {
  return Array.from({ length: hours * 60 }, (_, i) => {
    const t = T0 + i * MINUTE;
    return { t, v: value(t), events: events(t) };
  });
}

function anomaliesOf(points: SignalPoint[], signal: GoldenSignal, fromMs = T0) {
  const rule = SIGNAL_RULES[signal];
  const judged = points.filter((p) => p.t >= fromMs);
  return detect(judged, baselines(points, rule, DEFAULT_DETECT.minHistory), rule, STEP_MS);
}

const SPIKE_FROM = T0 + 7 * HOUR;
const SPIKE_TO = T0 + 7 * HOUR + 9 * MINUTE;
const inSpike = (t: number): boolean => t >= SPIKE_FROM && t <= SPIKE_TO;

describe('anomaly detection', () => {
  it('finds a spike of errors and a slow-down where they are, and nothing around them', () => {
    const n = noise(1);
    const errors = series(8, (t) => (inSpike(t) ? 0.3 : Math.max(0, 0.01 + 0.003 * n())));
    const found = anomaliesOf(errors, 'error_ratio');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ fromMs: SPIKE_FROM, toMs: SPIKE_TO, direction: 'up', value: 0.3 });
    expect(found[0]!.baseline).toBeCloseTo(0.01, 2);
    expect(found[0]!.score).toBeGreaterThanOrEqual(3);

    const latency = series(8, (t) => (inSpike(t) ? 900 : 120 + 10 * n()));
    expect(anomaliesOf(latency, 'latency_p95').map((s) => [s.fromMs, s.toMs])).toEqual([[SPIKE_FROM, SPIKE_TO]]);
  });

  it('finds traffic that stopped, a drop only the rates are judged on', () => {
    const n = noise(2);
    const rate = series(
      8,
      (t) => (inSpike(t) ? 0.2 : 10 + 0.5 * n()),
      (t) => (inSpike(t) ? 60 : 3000),
    );
    const found = anomaliesOf(rate, 'request_rate');
    expect(found.map((s) => [s.fromMs, s.toMs, s.direction])).toEqual([[SPIKE_FROM, SPIKE_TO, 'down']]);
    // Latency falling is good news, not an anomaly.
    expect(
      anomaliesOf(
        series(8, (t) => (inSpike(t) ? 5 : 120 + 10 * n())),
        'latency_p95',
      ),
    ).toEqual([]);
  });

  it('gives no anomaly on a day of flat noise, for any signal', () => {
    const n = noise(3);
    const day = 24;
    expect(
      anomaliesOf(
        series(day, () => 10 * (1 + 0.1 * n())),
        'request_rate',
      ),
    ).toEqual([]);
    expect(
      anomaliesOf(
        series(day, () => Math.max(0, 0.02 + 0.01 * n())),
        'error_ratio',
      ),
    ).toEqual([]);
    expect(
      anomaliesOf(
        series(day, () => 80 * (1 + 0.15 * n())),
        'latency_p95',
      ),
    ).toEqual([]);
    expect(
      anomaliesOf(
        series(day, () => Math.max(0, 3 + n())),
        'log_rate',
      ),
    ).toEqual([]);
  });

  it('never makes an anomaly of a handful of requests (the minimum-volume guard)', () => {
    const n = noise(4);
    // One failed request of three: a ratio of 0.33 against a usual 0, behind too few requests.
    const few = series(
      8,
      (t) => (inSpike(t) ? 1 / 3 : 0),
      (t) => (inSpike(t) ? 3 : 2 + Math.round(Math.abs(n()))),
    );
    expect(anomaliesOf(few, 'error_ratio')).toEqual([]);
    // The same ratio behind 30 requests is one.
    const enough = series(
      8,
      (t) => (inSpike(t) ? 1 / 3 : 0),
      (t) => (inSpike(t) ? 30 : 25),
    );
    expect(anomaliesOf(enough, 'error_ratio')).toHaveLength(1);
  });

  it('takes the same hour yesterday as usual too: a daily peak is no anomaly, a new one is', () => {
    const n = noise(5);
    // A nightly batch between 02:00 and 02:30 sends ten times the traffic, every day.
    const batch = (t: number): boolean => {
      const inDay = (t - T0) % (24 * HOUR);
      return inDay >= 2 * HOUR && inDay < 2 * HOUR + 30 * MINUTE;
    };
    const twoDays = series(48, (t) => (batch(t) ? 100 : 10) * (1 + 0.05 * n()));
    const secondDay = T0 + 24 * HOUR;
    // On the first day there is no yesterday: the batch is an anomaly then…
    const first = anomaliesOf(
      twoDays.filter((p) => p.t < secondDay),
      'request_rate',
      T0 + HOUR,
    );
    expect(first.map((s) => new Date(s.fromMs).toISOString())).toEqual(['2026-03-02T02:00:00.000Z']);
    // …and on the second, with yesterday's same hour, it is the usual.
    expect(anomaliesOf(twoDays, 'request_rate', secondDay)).toEqual([]);
  });
});

describe('the golden signals read with PromQL', () => {
  it('gives each service its rate, error ratio, p95 and log rate per minute, with the events behind them', () => {
    const store = new MemorySeriesStore();
    const served = { service_name: 'shop', 'span.kind': 'SPAN_KIND_SERVER', 'span.name': 'GET /' };
    // 10 requests a second, one in ten failing, all under 50 ms; 2 log records a second.
    for (let s = 0; s <= 20 * 60; s += 15) {
      const t = T0 + s * 1000;
      store.append({ __name__: 'traces.span.metrics.calls_total', ...served, 'status.code': 'STATUS_CODE_UNSET' }, t, 9 * s);
      store.append({ __name__: 'traces.span.metrics.calls_total', ...served, 'status.code': 'STATUS_CODE_ERROR' }, t, s);
      for (const le of ['10', '50', '+Inf'])
        store.append({ __name__: 'traces.span.metrics.duration_milliseconds_bucket', ...served, le }, t, le === '10' ? 0 : 10 * s);
      store.append({ __name__: 'loupe.log.records_total', service_name: 'shop', source: 'otlp', level: 'info' }, t, 2 * s);
    }
    const got = readSignals(store, T0 + 10 * MINUTE, T0 + 12 * MINUTE).get('shop')!;
    expect(got.request_rate.map((p) => p.t)).toEqual([T0 + 10 * MINUTE, T0 + 11 * MINUTE, T0 + 12 * MINUTE]);
    expect(got.request_rate[0]!.v).toBeCloseTo(10, 6);
    expect(got.request_rate[0]!.events).toBeCloseTo(3000, 6);
    expect(got.error_ratio[0]!.v).toBeCloseTo(0.1, 6);
    expect(got.latency_p95[0]!.v).toBeGreaterThan(10);
    expect(got.latency_p95[0]!.v).toBeLessThanOrEqual(50);
    expect(got.log_rate[0]!.v).toBeCloseTo(2, 6);
    expect(got.log_rate[0]!.events).toBeCloseTo(600, 6);
  });
});

describe('anomalies.list beside the baseline job', () => {
  it("finds the same anomalies from the job's memory of the last day as from the store", () => {
    const store = new MemorySeriesStore();
    const served = { service_name: 'shop', 'span.kind': 'SPAN_KIND_SERVER', 'span.name': 'GET /' };
    const n = noise(6);
    let ok = 0;
    let failed = 0;
    // 600 requests a minute for 12 hours, 1% failing; 30% in minutes 600–609 (10:00, before the
    // job's run at 11:00: in its memory) and 690–699 (11:30, after it: in the store only).
    const write = (minute: number): void => {
      const t = T0 + minute * MINUTE;
      const spike = (minute >= 600 && minute < 610) || (minute >= 690 && minute < 700);
      const errors = spike ? 180 : Math.max(0, Math.round(6 + 2 * n()));
      ok += 600 - errors;
      failed += errors;
      store.append({ __name__: 'traces.span.metrics.calls_total', ...served, 'status.code': 'STATUS_CODE_UNSET' }, t, ok);
      store.append({ __name__: 'traces.span.metrics.calls_total', ...served, 'status.code': 'STATUS_CODE_ERROR' }, t, failed);
    };
    for (let m = 0; m <= 11 * 60; m++) write(m);
    let now = T0 + 11 * 60 * MINUTE;
    const clock = { nowMs: () => now, nowUs: () => now * 1000 } as Clock;
    const fresh = (): Anomalies => new Anomalies({ store, clock, writeSeries: () => {} });
    const withJob = fresh();
    withJob.writeBaselines();
    // Minutes the job has not read yet: the list reads them from the store.
    for (let m = 11 * 60 + 1; m <= 12 * 60; m++) write(m);
    now = T0 + 12 * 60 * MINUTE;
    const range = { from: (T0 + 9 * 60 * MINUTE) * 1000, to: now * 1000 };
    const fromStore = fresh().list(range).anomalies;
    expect(fromStore.map((a) => [a.signal, a.from.slice(11, 16)])).toEqual([
      ['error_ratio', '10:00'],
      ['error_ratio', '11:30'],
    ]);
    expect(withJob.list(range).anomalies).toEqual(fromStore);
    expect(withJob.list({ ...range, service: 'shop' }).anomalies).toEqual(fromStore);
    expect(withJob.list({ ...range, service: 'cart' }).anomalies).toEqual([]);
  });
});
