// Dynamic baselines and anomaly scoring for one signal's per-minute values, without seasonality
// models: the baseline is the median of the hours before (and of the same hour yesterday when there
// is history), its spread the MAD; a value is an anomaly when it is both far from the baseline in
// robust standard deviations (the z-score) and a multiple of it (the signal's ratio), and enough events
// stand behind it (three requests never make an anomaly). Pure functions: golden-signals.ts reads
// the values, anomalies.ts runs them over services and time.

/** One step of a signal: its value (NaN: undefined, e.g. an error ratio without requests) and the events behind it. */
export interface SignalPoint {
  t: number;
  v: number;
  /** Requests (or log records) in the step's window: the minimum-volume guard counts these. */
  events: number;
}

/** How a signal is judged. */
export interface SignalRule {
  /** 'up': only a rise is an anomaly (errors, latency); 'both': a drop too (traffic, log volume). */
  direction: 'up' | 'both';
  /**
   * The smallest spread (and baseline, for the ratio) that counts, in the signal's unit: a flat
   * series (MAD 0) would make any wiggle infinitely many deviations away.
   */
  floor: number;
  /** The value must be at least this multiple of the baseline (or, for a drop, at most its inverse). */
  minRatio: number;
}

export interface DetectOptions {
  /** Robust z-score at or beyond which a value may be an anomaly. */
  minScore: number;
  /** Events behind the value (for a drop: behind the baseline) below which nothing is an anomaly. */
  minEvents: number;
  /** Values needed in the history before there is a baseline at all. */
  minHistory: number;
  /**
   * Consecutive anomalous steps a span needs. A real change shows in several steps (each step's
   * window overlaps the next ones); one odd step in a day of noise is not news.
   */
  minSteps: number;
}

export const DEFAULT_DETECT: DetectOptions = { minScore: 3, minEvents: 20, minHistory: 15, minSteps: 2 };

/** The MAD of normally distributed values times this is their standard deviation. */
const MAD_TO_SIGMA = 1.4826;
/** The spread is never taken below this share of the baseline (a steady series' ordinary jitter). */
const RELATIVE_FLOOR = 0.1;

export interface Baseline {
  /** The usual value: the median of the history. */
  median: number;
  /** The robust standard deviation (1.4826 × MAD), floored. */
  sigma: number;
  /** The usual events in a window (the median), for a drop's volume guard. */
  events: number;
  /** Values it was made of. */
  samples: number;
}

function medianOfSorted(sorted: Float64Array): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of the values (NaN for none). */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  return medianOfSorted(Float64Array.from(values).sort());
}

/** The baseline of the history's defined values, or null when there are fewer than `minHistory`. */
export function baselineOf(history: readonly SignalPoint[], rule: SignalRule, minHistory: number): Baseline | null {
  const values: number[] = [];
  const events: number[] = [];
  for (const p of history) {
    if (!Number.isFinite(p.v)) continue;
    values.push(p.v);
    events.push(p.events);
  }
  if (values.length < minHistory || values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const m = medianOfSorted(sorted);
  const deviations = sorted.map((v) => Math.abs(v - m)).sort();
  const sigma = Math.max(MAD_TO_SIGMA * medianOfSorted(deviations), RELATIVE_FLOOR * Math.abs(m), rule.floor);
  return { median: m, sigma, events: median(events), samples: values.length };
}

export interface Score {
  /** Robust z-score: deviations from the baseline (negative: below). */
  score: number;
  anomalous: boolean;
  direction: 'up' | 'down';
}

/** How far a value is from its baseline, and whether it makes an anomaly under the options. */
export function scoreOf(p: SignalPoint, base: Baseline, rule: SignalRule, o: DetectOptions): Score {
  const score = (p.v - base.median) / base.sigma;
  const usual = Math.max(base.median, rule.floor);
  if (score >= 0) {
    const anomalous = score >= o.minScore && p.v >= rule.minRatio * usual && p.events >= o.minEvents;
    return { score, anomalous, direction: 'up' };
  }
  const anomalous = rule.direction === 'both' && -score >= o.minScore && p.v * rule.minRatio <= base.median && base.events >= o.minEvents;
  return { score, anomalous, direction: 'down' };
}

/** A run of anomalous steps of one signal. */
export interface AnomalySpan {
  fromMs: number;
  toMs: number;
  direction: 'up' | 'down';
  /** The most extreme step's value, its baseline and score, and the events behind it. */
  value: number;
  baseline: number;
  score: number;
  events: number;
  /** Its anomalous steps. */
  steps: number;
}

/**
 * A value judged against each of its baselines (the hours before, the same hour yesterday): it is
 * anomalous only when it is so against every one, and the closest one (the smallest |score|) is
 * reported, so a daily peak seen yesterday at this hour is its own usual.
 */
export function judge(p: SignalPoint, bases: readonly Baseline[], rule: SignalRule, o: DetectOptions): (Score & { base: Baseline }) | null {
  let closest: (Score & { base: Baseline }) | null = null;
  let all = true;
  for (const base of bases) {
    const s = scoreOf(p, base, rule, o);
    all &&= s.anomalous;
    if (!closest || Math.abs(s.score) < Math.abs(closest.score)) closest = { ...s, base };
  }
  return closest && { ...closest, anomalous: all };
}

/**
 * The anomalies of `points` (in time order, `stepMs` apart): each step is judged against the
 * baselines `baselinesAt(t)` gives (the values before it), and anomalous steps at most one step
 * apart, in the same direction, join one span (kept when it has `minSteps` steps).
 */
export function detect(
  points: readonly SignalPoint[],
  baselinesAt: (t: number) => Baseline[],
  rule: SignalRule,
  stepMs: number,
  o: DetectOptions = DEFAULT_DETECT,
): AnomalySpan[] {
  const spans: AnomalySpan[] = [];
  let open: AnomalySpan | null = null;
  for (const p of points) {
    if (!Number.isFinite(p.v)) continue;
    const s = judge(p, baselinesAt(p.t), rule, o);
    if (!s?.anomalous) continue;
    const step = { value: p.v, baseline: s.base.median, score: s.score, events: p.events };
    if (open && open.direction === s.direction && p.t - open.toMs <= stepMs) {
      open.toMs = p.t;
      open.steps++;
      if (Math.abs(s.score) > Math.abs(open.score)) Object.assign(open, step);
      continue;
    }
    open = { fromMs: p.t, toMs: p.t, direction: s.direction, steps: 1, ...step };
    spans.push(open);
  }
  return spans.filter((x) => x.steps >= o.minSteps);
}
