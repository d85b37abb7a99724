// The golden signals per service, read with PromQL from the series Loupe derives at ingest (the
// spanmetrics connector's RED series of served spans, and the log volume): request rate, error
// ratio, p95 latency and log rate, one value a step over a 5-minute window, with the events behind
// each (requests, or log records) for the minimum-volume guard. And where the history for a
// baseline is taken: the hours just before a time and the same hour yesterday.
import { rangeQuery, type SeriesStore } from '../../signals/metrics/promql/index.js';
import { CALLS_METRIC, DURATION_METRIC } from '../../signals/metrics/red/span-metrics.js';
import { LOG_RECORDS_METRIC } from '../../signals/metrics/red/log-volume.js';
import { baselineOf, type Baseline, type SignalPoint, type SignalRule } from './robust-baseline.js';

export const SIGNALS = ['request_rate', 'error_ratio', 'latency_p95', 'log_rate'] as const;
export type GoldenSignal = (typeof SIGNALS)[number];

/**
 * How each signal is judged: floors in its unit (requests/s, a ratio, ms, records/s), and the
 * multiple of its usual a value must reach. An error ratio is noisy (a few failures more or less
 * in a window): it must triple.
 */
export const SIGNAL_RULES: Record<GoldenSignal, SignalRule> = {
  request_rate: { direction: 'both', floor: 0.05, minRatio: 2 },
  error_ratio: { direction: 'up', floor: 0.01, minRatio: 3 },
  latency_p95: { direction: 'up', floor: 1, minRatio: 2 },
  log_rate: { direction: 'both', floor: 0.05, minRatio: 2 },
};

export const STEP_MS = 60_000;
/** The window each step's value is taken over, as the overview's `rate(…[5m])`. */
export const WINDOW_MS = 5 * 60_000;
/** The recent history of a baseline: the hours before the value… */
export const RECENT_MS = 6 * 3_600_000;
/** …and the same hour yesterday (this far on each side of the time a day before), when stored. */
export const DAY_MS = 24 * 3_600_000;
export const YESTERDAY_HALF_MS = 30 * 60_000;
/** A baseline is the same for the steps of one block (recomputed every 5 minutes, not every step). */
export const BLOCK_MS = 5 * 60_000;

const SERVICE = 'service_name';
const SERVED = `"span.kind"=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"`;
const ERROR = `"status.code"="STATUS_CODE_ERROR"`;

/** A PromQL string literal (the service a caller asks for). */
const quoted = (s: string): string => JSON.stringify(s);

/** The queries of the signals' parts, per service; `service` narrows to one. */
export function signalQueries(service?: string): { calls: string; errors: string; p95: string; logs: string } {
  const only = service === undefined ? '' : `, ${SERVICE}=${quoted(service)}`;
  const w = `${WINDOW_MS / 60_000}m`;
  const calls = `{"${CALLS_METRIC}_total", ${SERVED}${only}}`;
  const errors = `{"${CALLS_METRIC}_total", ${SERVED}, ${ERROR}${only}}`;
  const buckets = `{"${DURATION_METRIC}_milliseconds_bucket", ${SERVED}${only}}`;
  return {
    calls: `sum by (${SERVICE}) (increase(${calls}[${w}]))`,
    errors: `sum by (${SERVICE}) (increase(${errors}[${w}]))`,
    p95: `histogram_quantile(0.95, sum by (le, ${SERVICE}) (rate(${buckets}[${w}])))`,
    logs: `sum by (${SERVICE}) (increase({"${LOG_RECORDS_METRIC}_total"${only}}[${w}]))`,
  };
}

/** Per service, per signal: its points in time order. */
export type ServiceSignals = Map<string, Record<GoldenSignal, SignalPoint[]>>;

/** Each series' values by time, per service (records without a service are not a service's). */
function byService(store: SeriesStore, query: string, fromMs: number, toMs: number): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  const r = rangeQuery(store, query, fromMs, toMs, STEP_MS);
  if (r.resultType !== 'matrix') return out;
  for (const s of r.series) {
    const service = s.metric[SERVICE];
    if (!service) continue;
    const m = out.get(service) ?? new Map<number, number>();
    for (const p of s.points) if (Number.isFinite(p.v)) m.set(p.t, p.v);
    out.set(service, m);
  }
  return out;
}

/** The signals of every service (or one) at each step in [fromMs, toMs] (aligned to the minute). */
export function readSignals(store: SeriesStore, fromMs: number, toMs: number, service?: string): ServiceSignals {
  const start = Math.ceil(fromMs / STEP_MS) * STEP_MS;
  const end = Math.floor(toMs / STEP_MS) * STEP_MS;
  const out: ServiceSignals = new Map();
  if (end < start) return out;
  const q = signalQueries(service);
  const calls = byService(store, q.calls, start, end);
  const errors = byService(store, q.errors, start, end);
  const p95 = byService(store, q.p95, start, end);
  const logs = byService(store, q.logs, start, end);
  const windowS = WINDOW_MS / 1000;
  for (const name of new Set([...calls.keys(), ...logs.keys()])) {
    const c = calls.get(name);
    const e = errors.get(name);
    const l = logs.get(name);
    const p = p95.get(name);
    const signals: Record<GoldenSignal, SignalPoint[]> = { request_rate: [], error_ratio: [], latency_p95: [], log_rate: [] };
    for (let t = start; t <= end; t += STEP_MS) {
      const n = c?.get(t);
      if (n !== undefined) {
        signals.request_rate.push({ t, v: n / windowS, events: n });
        signals.error_ratio.push({ t, v: n > 0 ? (e?.get(t) ?? 0) / n : NaN, events: n });
        signals.latency_p95.push({ t, v: n > 0 ? (p?.get(t) ?? NaN) : NaN, events: n });
      }
      const records = l?.get(t);
      if (records !== undefined) signals.log_rate.push({ t, v: records / windowS, events: records });
    }
    out.set(name, signals);
  }
  return out;
}

/** The ranges of history the baselines of [fromMs, toMs] need: the hours before, and yesterday's. */
export function historyRanges(fromMs: number, toMs: number): { fromMs: number; toMs: number }[] {
  const recent = { fromMs: fromMs - RECENT_MS - BLOCK_MS, toMs };
  const yesterday = { fromMs: fromMs - DAY_MS - YESTERDAY_HALF_MS - BLOCK_MS, toMs: toMs - DAY_MS + YESTERDAY_HALF_MS };
  // Overlapping (a range of 18 hours or more): one read.
  if (yesterday.toMs >= recent.fromMs) return [{ fromMs: yesterday.fromMs, toMs }];
  return [yesterday, recent];
}

/** The index of the first point at or after t (points in time order). */
function firstAtOrAfter(points: readonly SignalPoint[], t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The points in [fromMs, toMs). */
function slice(points: readonly SignalPoint[], fromMs: number, toMs: number): readonly SignalPoint[] {
  return points.slice(firstAtOrAfter(points, fromMs), firstAtOrAfter(points, toMs));
}

/**
 * The baselines at a time, from `points` (the signal's history, in time order): one of the
 * RECENT_MS before it — but the last window, which overlaps the value judged — and one of the hour
 * around the same time yesterday, each when it has enough values. One pair per BLOCK_MS (cached),
 * taken at the block's start.
 */
export function baselines(points: readonly SignalPoint[], rule: SignalRule, minHistory: number): (t: number) => Baseline[] {
  const cache = new Map<number, Baseline[]>();
  return (t) => {
    const block = Math.floor(t / BLOCK_MS) * BLOCK_MS;
    let b = cache.get(block);
    if (b === undefined) {
      const recent = baselineOf(slice(points, block - RECENT_MS, block - WINDOW_MS + 1), rule, minHistory);
      const yesterday = baselineOf(slice(points, block - DAY_MS - YESTERDAY_HALF_MS, block - DAY_MS + YESTERDAY_HALF_MS), rule, minHistory);
      b = [recent, yesterday].filter((x): x is Baseline => x !== null);
      cache.set(block, b);
    }
    return b;
  };
}
