// PromQL functions: instant-vector math, range-vector functions (rate and its family with
// Prometheus's extrapolation, *_over_time), label manipulation, histogram_quantile and the rest of
// signatures.ts. Most drop the metric name, as Prometheus does, since the result is no longer that metric.
import type { Call, Expr, MatrixSelector, Subquery } from './ast.js';
import type { Evaluator, RangeArg } from './engine.js';
import { bucketQuantile, type Bucket } from './histogram.js';
import { compileAnchored } from './matchers.js';
import { typeOf } from './parse.js';
import { labelsKey, type Labels } from './storage.js';
import { assertUniqueLabelSets, dropName, PromQLEvalError, type Point, type Sample, type Value } from './values.js';

type Impl = (ev: Evaluator, call: Call, t: number) => Value;

const vec = (samples: Sample[]): Value => {
  assertUniqueLabelSets(samples, labelsKey);
  return { type: 'vector', samples };
};

function mathFn(f: (v: number) => number): Impl {
  return (ev, call, t) => vec(ev.vector(call.args[0]!, t).map((s) => ({ metric: dropName(s.metric), v: f(s.v) })));
}

function rangeOf(ev: Evaluator, arg: Expr, t: number): RangeArg {
  let e = arg;
  while (e.kind === 'paren') e = e.expr;
  if (e.kind !== 'matrixSelector' && e.kind !== 'subquery') throw new PromQLEvalError('expected a range vector selector or subquery');
  return ev.rangeArg(e as MatrixSelector | Subquery, t);
}

/** A function of each series' points in the window; `keepName` for last_over_time. */
function overTime(f: (points: Point[], ev: Evaluator, call: Call, t: number) => number | undefined, keepName = false): Impl {
  return (ev, call, t) => {
    const arg = rangeOf(
      ev,
      call.args.find((a) => typeOf(a) === 'matrix')!,
      t,
    );
    const out: Sample[] = [];
    for (const s of arg.series) {
      const v = f(s.points, ev, call, t);
      if (v !== undefined) out.push({ metric: keepName ? s.metric : dropName(s.metric), v });
    }
    return vec(out);
  };
}

/** rate, increase, delta: the change over the window, extrapolated towards its edges. */
function extrapolated(isCounter: boolean, isRate: boolean): Impl {
  return (ev, call, t) => {
    const out: Sample[] = [];
    let e = call.args[0]!;
    while (e.kind === 'paren') e = e.expr;
    if (e.kind === 'matrixSelector') {
      // The stored samples as they are: no copy per step.
      const { rangeStart, rangeEnd, windows } = ev.windowsOf(e, t);
      for (const w of windows) {
        const v = extrapolate(w.ts, w.vs, w.from, w.to, rangeStart, rangeEnd, e.rangeMs, isCounter, isRate);
        if (v !== undefined) out.push({ metric: dropName(w.metric), v });
      }
      return vec(out);
    }
    const arg = rangeOf(ev, e, t);
    for (const s of arg.series) {
      const ts = s.points.map((p) => p.t);
      const vs = s.points.map((p) => p.v);
      const v = extrapolate(ts, vs, 0, ts.length, arg.rangeStart, arg.rangeEnd, arg.rangeMs, isCounter, isRate);
      if (v !== undefined) out.push({ metric: dropName(s.metric), v });
    }
    return vec(out);
  };
}

/**
 * Prometheus's extrapolatedRate over samples [from, to) of ts/vs, in a window [rangeStart, rangeEnd].
 * `mayReset` false: the caller knows no sample of the window is below the one before (the loop
 * that adds resets back would add nothing).
 */
export function extrapolate(
  ts: ArrayLike<number>,
  vs: ArrayLike<number>,
  from: number,
  to: number,
  rangeStart: number,
  rangeEnd: number,
  rangeMs: number,
  isCounter: boolean,
  isRate: boolean,
  mayReset = true,
): number | undefined {
  const n = to - from;
  if (n < 2) return undefined;
  const firstT = ts[from]!;
  const firstV = vs[from]!;
  const lastT = ts[to - 1]!;
  let result = vs[to - 1]! - firstV;
  if (isCounter && mayReset) {
    let prev = 0;
    for (let i = from; i < to; i++) {
      const v = vs[i]!;
      if (v < prev) result += prev;
      prev = v;
    }
  }
  let toStart = (firstT - rangeStart) / 1000;
  const toEnd = (rangeEnd - lastT) / 1000;
  const sampled = (lastT - firstT) / 1000;
  const avgStep = sampled / (n - 1);
  // A counter cannot go below zero: extrapolate at most to where it would have been 0.
  if (isCounter && result > 0 && firstV >= 0) toStart = Math.min(toStart, sampled * (firstV / result));
  const threshold = avgStep * 1.1;
  let interval = sampled;
  interval += toStart < threshold ? toStart : avgStep / 2;
  interval += toEnd < threshold ? toEnd : avgStep / 2;
  result *= interval / sampled;
  if (isRate) result /= rangeMs / 1000;
  return result;
}

/** irate and idelta: from the last two samples only. */
function instantDelta(isRate: boolean): Impl {
  return overTime((p) => {
    if (p.length < 2) return undefined;
    const last = p[p.length - 1]!;
    const prev = p[p.length - 2]!;
    const result = isRate && last.v < prev.v ? last.v : last.v - prev.v;
    if (!isRate) return result;
    const interval = last.t - prev.t;
    return interval === 0 ? undefined : result / (interval / 1000);
  });
}

function kahanInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

/** Least-squares slope and intercept of v over seconds since `interceptT`. */
function linearRegression(p: readonly Point[], interceptT: number): [number, number] {
  let n = 0,
    sumX = 0,
    cX = 0,
    sumY = 0,
    cY = 0,
    sumXY = 0,
    cXY = 0,
    sumX2 = 0,
    cX2 = 0;
  const initY = p[0]!.v;
  let constY = true;
  for (let i = 0; i < p.length; i++) {
    const pt = p[i]!;
    if (constY && i > 0 && pt.v !== initY) constY = false;
    n++;
    const x = (pt.t - interceptT) / 1000;
    [sumX, cX] = kahanInc(x, sumX, cX);
    [sumY, cY] = kahanInc(pt.v, sumY, cY);
    [sumXY, cXY] = kahanInc(x * pt.v, sumXY, cXY);
    [sumX2, cX2] = kahanInc(x * x, sumX2, cX2);
  }
  if (constY) return Number.isFinite(initY) ? [0, initY] : [NaN, NaN];
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

function avg(p: readonly Point[]): number {
  let mean = 0,
    c = 0,
    count = 0;
  for (const { v } of p) {
    count++;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      // An infinite mean stays as it is unless a NaN or the opposite infinity comes along.
      if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) continue;
      if (Number.isFinite(v)) continue;
    }
    [mean, c] = kahanInc(v / count - mean / count, mean, c);
  }
  return Number.isFinite(mean) ? mean + c : mean;
}

function variance(p: readonly Point[]): number {
  let count = 0,
    mean = 0,
    cMean = 0,
    aux = 0,
    cAux = 0;
  for (const { v } of p) {
    count++;
    const delta = v - (mean + cMean);
    [mean, cMean] = kahanInc(delta / count, mean, cMean);
    [aux, cAux] = kahanInc(delta * (v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

/** φ-quantile of values with linear interpolation between ranks, as Prometheus's quantile(). */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...values].sort((a, b) => (Number.isNaN(a) ? -1 : Number.isNaN(b) ? 1 : a - b));
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

/** Labels `absent()` gives its one sample: the selector's `=` matchers, except names matched twice. */
function absentLabels(arg: Expr): Labels {
  let e = arg;
  while (e.kind === 'paren') e = e.expr;
  const vs = e.kind === 'vectorSelector' ? e : e.kind === 'matrixSelector' ? e.selector : undefined;
  if (!vs) return {};
  const out: Labels = {};
  const ambiguous = new Set<string>();
  for (const m of vs.matchers) {
    if (m.name === '__name__') continue;
    if (m.type === '=' && !(m.name in out)) out[m.name] = m.value;
    else ambiguous.add(m.name);
  }
  for (const n of ambiguous) delete out[n];
  return out;
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; unknown groups expand to "". */
function expandTemplate(template: string, groups: (string | null)[], names: Map<string, number>): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (whole, dollar: string, braced?: string, bare?: string) => {
    if (dollar === '$') return '$';
    const name = braced ?? bare!;
    const idx = /^\d+$/.test(name) ? Number(name) : names.get(name);
    return idx === undefined ? '' : (groups[idx] ?? '');
  });
}

function labelReplace(ev: Evaluator, call: Call, t: number): Value {
  const [vArg, dstArg, replArg, srcArg, reArg] = call.args;
  const dst = ev.string(dstArg!, t);
  const replacement = ev.string(replArg!, t);
  const src = ev.string(srcArg!, t);
  const pattern = ev.string(reArg!, t);
  let re;
  try {
    re = compileAnchored(pattern);
  } catch (e) {
    throw new PromQLEvalError(`invalid regular expression in label_replace(): ${(e as Error).message}`);
  }
  if (!LABEL_NAME_RE.test(dst)) throw new PromQLEvalError(`invalid destination label name in label_replace(): ${dst}`);
  const names = new Map<string, number>();
  for (const [name, idx] of Object.entries(re.namedGroups())) names.set(name, idx);
  const out = ev.vector(vArg!, t).map((s) => {
    const m = re.matcher(s.metric[src] ?? '');
    if (!m.matches()) return s;
    const groups: (string | null)[] = [];
    for (let i = 0; i <= m.groupCount(); i++) groups.push(m.group(i));
    const value = expandTemplate(replacement, groups, names);
    const metric = { ...s.metric };
    if (value === '') delete metric[dst];
    else metric[dst] = value;
    return { metric, v: s.v };
  });
  return vec(out);
}

function labelJoin(ev: Evaluator, call: Call, t: number): Value {
  const [vArg, dstArg, sepArg, ...srcArgs] = call.args;
  const dst = ev.string(dstArg!, t);
  const sep = ev.string(sepArg!, t);
  const srcs = srcArgs.map((a) => ev.string(a, t));
  if (!LABEL_NAME_RE.test(dst)) throw new PromQLEvalError(`invalid destination label name in label_join(): ${dst}`);
  for (const src of srcs) if (!LABEL_NAME_RE.test(src)) throw new PromQLEvalError(`invalid source label name in label_join(): ${src}`);
  const out = ev.vector(vArg!, t).map((s) => {
    const value = srcs.map((src) => s.metric[src] ?? '').join(sep);
    const metric = { ...s.metric };
    if (value === '') delete metric[dst];
    else metric[dst] = value;
    return { metric, v: s.v };
  });
  return vec(out);
}

/** A bucket's labels without `le`, by label set (the same object at every step of a range query). */
const withoutLe = new WeakMap<Labels, Labels>();
const parsedLe = new Map<string, number | undefined>();

/**
 * histogram_quantile's grouping of bucket series: per input label set, its group (-1: no readable
 * `le`) and bound; per group, the result's labels.
 */
export interface BucketGrouping {
  groupOf: number[];
  bounds: number[];
  metrics: Labels[];
}

/** The groups of bucket series by their labels without `le` (each label set's `le` parsed once). */
export function histogramBuckets(inputs: readonly Labels[]): BucketGrouping {
  const index = new Map<string, number>();
  const grouping: BucketGrouping = { groupOf: [], bounds: [], metrics: [] };
  for (const metric of inputs) {
    const le = metric.le;
    let upperBound: number | undefined;
    if (le !== undefined) {
      upperBound = parsedLe.get(le);
      if (!parsedLe.has(le)) {
        // Bounded: `le` values come from the data.
        if (parsedLe.size > 10_000) parsedLe.clear();
        parsedLe.set(le, (upperBound = parseLe(le)));
      }
    }
    if (upperBound === undefined) {
      grouping.groupOf.push(-1);
      grouping.bounds.push(NaN);
      continue;
    }
    let rest = withoutLe.get(metric);
    if (!rest) {
      const { le: _le, ...others } = metric;
      withoutLe.set(metric, (rest = others));
    }
    // Grouped with the metric name, which is dropped only after: two histograms with different
    // names and the same labels give the duplicate-labelset error, as in Prometheus.
    const key = labelsKey(rest);
    let g = index.get(key);
    if (g === undefined) {
      index.set(key, (g = grouping.metrics.length));
      grouping.metrics.push(dropName(rest));
    }
    grouping.groupOf.push(g);
    grouping.bounds.push(upperBound);
  }
  return grouping;
}

/**
 * How histogram_quantile grouped its input at the previous step: a range query usually gives it
 * the same bucket series (the same label-set objects) in the same order at every step, and then
 * the bounds and groups are the same too (as aggregations.ts does for `by`).
 */
const lastBucketGrouping = new WeakMap<Call, BucketGrouping & { inputs: Labels[] }>();

function bucketGrouping(call: Call, samples: readonly Sample[]): BucketGrouping {
  const last = lastBucketGrouping.get(call);
  if (last && last.inputs.length === samples.length && samples.every((s, i) => s.metric === last.inputs[i])) return last;
  const inputs = samples.map((s) => s.metric);
  const grouping = { ...histogramBuckets(inputs), inputs };
  lastBucketGrouping.set(call, grouping);
  return grouping;
}

function histogramQuantile(ev: Evaluator, call: Call, t: number): Value {
  const q = ev.scalar(call.args[0]!, t);
  const samples = ev.vector(call.args[1]!, t);
  const grouping = bucketGrouping(call, samples);
  const buckets: Bucket[][] = grouping.metrics.map(() => []);
  for (let i = 0; i < samples.length; i++) {
    const g = grouping.groupOf[i]!;
    if (g >= 0) buckets[g]!.push({ upperBound: grouping.bounds[i]!, count: samples[i]!.v });
  }
  return vec(grouping.metrics.map((metric, g) => ({ metric, v: bucketQuantile(q, buckets[g]!) })));
}

/** An `le` bound as Go's ParseFloat reads it ("+Inf", "0.5", "1e3"); undefined if unreadable. */
function parseLe(le: string): number | undefined {
  const lower = le.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(le)) return undefined;
  return Number(le);
}

function dateFn(f: (d: Date) => number): Impl {
  return (ev, call, t) => {
    const samples = call.args.length === 0 ? [{ metric: {}, v: t / 1000 }] : ev.vector(call.args[0]!, t);
    return vec(samples.map((s) => ({ metric: dropName(s.metric), v: f(new Date(s.v * 1000)) })));
  };
}

function sortBy(desc: boolean): Impl {
  return (ev, call, t) => {
    const samples = [...ev.vector(call.args[0]!, t)];
    // NaN goes last in both directions, as in Prometheus.
    samples.sort((a, b) => (Number.isNaN(a.v) ? 1 : Number.isNaN(b.v) ? -1 : desc ? b.v - a.v : a.v - b.v));
    return { type: 'vector', samples };
  };
}

const IMPLS = new Map<string, Impl>([
  ['abs', mathFn(Math.abs)],
  ['ceil', mathFn(Math.ceil)],
  ['floor', mathFn(Math.floor)],
  ['exp', mathFn(Math.exp)],
  ['ln', mathFn(Math.log)],
  ['log2', mathFn(Math.log2)],
  ['log10', mathFn(Math.log10)],
  ['sqrt', mathFn(Math.sqrt)],
  ['sgn', mathFn((v) => (v > 0 ? 1 : v < 0 ? -1 : v))],
  ['sin', mathFn(Math.sin)],
  ['cos', mathFn(Math.cos)],
  ['tan', mathFn(Math.tan)],
  ['asin', mathFn(Math.asin)],
  ['acos', mathFn(Math.acos)],
  ['atan', mathFn(Math.atan)],
  ['sinh', mathFn(Math.sinh)],
  ['cosh', mathFn(Math.cosh)],
  ['tanh', mathFn(Math.tanh)],
  ['asinh', mathFn(Math.asinh)],
  ['acosh', mathFn(Math.acosh)],
  ['atanh', mathFn(Math.atanh)],
  ['deg', mathFn((v) => (v * 180) / Math.PI)],
  ['rad', mathFn((v) => (v * Math.PI) / 180)],
  ['pi', () => ({ type: 'scalar', v: Math.PI })],
  ['time', (_ev, _call, t) => ({ type: 'scalar', v: t / 1000 })],
  ['vector', (ev, call, t) => ({ type: 'vector', samples: [{ metric: {}, v: ev.scalar(call.args[0]!, t) }] })],
  [
    'scalar',
    (ev, call, t) => {
      const s = ev.vector(call.args[0]!, t);
      return { type: 'scalar', v: s.length === 1 ? s[0]!.v : NaN };
    },
  ],
  ['timestamp', (ev, call, t) => vec(ev.vector(call.args[0]!, t).map((s) => ({ metric: dropName(s.metric), v: (s.t ?? t) / 1000 })))],
  [
    'round',
    (ev, call, t) => {
      const toNearest = call.args[1] ? ev.scalar(call.args[1], t) : 1;
      const inverse = 1 / toNearest;
      return vec(ev.vector(call.args[0]!, t).map((s) => ({ metric: dropName(s.metric), v: Math.floor(s.v * inverse + 0.5) / inverse })));
    },
  ],
  [
    'clamp',
    (ev, call, t) => {
      const min = ev.scalar(call.args[1]!, t);
      const max = ev.scalar(call.args[2]!, t);
      if (max < min) return { type: 'vector', samples: [] };
      return vec(ev.vector(call.args[0]!, t).map((s) => ({ metric: dropName(s.metric), v: Math.max(min, Math.min(max, s.v)) })));
    },
  ],
  [
    'clamp_min',
    (ev, call, t) => {
      const min = ev.scalar(call.args[1]!, t);
      return vec(ev.vector(call.args[0]!, t).map((s) => ({ metric: dropName(s.metric), v: Math.max(min, s.v) })));
    },
  ],
  [
    'clamp_max',
    (ev, call, t) => {
      const max = ev.scalar(call.args[1]!, t);
      return vec(ev.vector(call.args[0]!, t).map((s) => ({ metric: dropName(s.metric), v: Math.min(max, s.v) })));
    },
  ],
  [
    'absent',
    (ev, call, t) =>
      ev.vector(call.args[0]!, t).length > 0
        ? { type: 'vector', samples: [] }
        : { type: 'vector', samples: [{ metric: absentLabels(call.args[0]!), v: 1 }] },
  ],
  [
    'absent_over_time',
    (ev, call, t) =>
      rangeOf(ev, call.args[0]!, t).series.length > 0
        ? { type: 'vector', samples: [] }
        : { type: 'vector', samples: [{ metric: absentLabels(call.args[0]!), v: 1 }] },
  ],
  ['label_replace', labelReplace],
  ['label_join', labelJoin],
  ['sort', sortBy(false)],
  ['sort_desc', sortBy(true)],
  ['histogram_quantile', histogramQuantile],
  ['rate', extrapolated(true, true)],
  ['increase', extrapolated(true, false)],
  ['delta', extrapolated(false, false)],
  ['irate', instantDelta(true)],
  ['idelta', instantDelta(false)],
  ['deriv', overTime((p) => (p.length < 2 ? undefined : linearRegression(p, p[0]!.t)[0]))],
  [
    'predict_linear',
    overTime((p, ev, call, t) => {
      if (p.length < 2) return undefined;
      const duration = ev.scalar(call.args[1]!, t);
      const [slope, intercept] = linearRegression(p, t);
      return slope * duration + intercept;
    }),
  ],
  [
    'resets',
    overTime((p) => {
      let n = 0;
      for (let i = 1; i < p.length; i++) if (p[i]!.v < p[i - 1]!.v) n++;
      return n;
    }),
  ],
  [
    'changes',
    overTime((p) => {
      let n = 0;
      for (let i = 1; i < p.length; i++) {
        const cur = p[i]!.v;
        const prev = p[i - 1]!.v;
        if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) n++;
      }
      return n;
    }),
  ],
  ['avg_over_time', overTime(avg)],
  [
    'sum_over_time',
    overTime((p) => {
      let sum = 0,
        c = 0;
      for (const { v } of p) [sum, c] = kahanInc(v, sum, c);
      return Number.isFinite(sum) ? sum + c : sum;
    }),
  ],
  ['count_over_time', overTime((p) => p.length)],
  ['min_over_time', overTime((p) => p.reduce((m, { v }) => (m > v || Number.isNaN(m) ? v : m), p[0]!.v))],
  ['max_over_time', overTime((p) => p.reduce((m, { v }) => (m < v || Number.isNaN(m) ? v : m), p[0]!.v))],
  ['last_over_time', overTime((p) => p[p.length - 1]!.v, true)],
  ['present_over_time', overTime(() => 1)],
  ['stdvar_over_time', overTime(variance)],
  ['stddev_over_time', overTime((p) => Math.sqrt(variance(p)))],
  [
    'quantile_over_time',
    overTime((p, ev, call, t) =>
      quantile(
        ev.scalar(call.args[0]!, t),
        p.map((pt) => pt.v),
      ),
    ),
  ],
  ['year', dateFn((d) => d.getUTCFullYear())],
  ['month', dateFn((d) => d.getUTCMonth() + 1)],
  ['day_of_month', dateFn((d) => d.getUTCDate())],
  ['day_of_week', dateFn((d) => d.getUTCDay())],
  [
    'day_of_year',
    dateFn(
      (d) =>
        Math.round((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400_000) + 1,
    ),
  ],
  ['days_in_month', dateFn((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate())],
  ['hour', dateFn((d) => d.getUTCHours())],
  ['minute', dateFn((d) => d.getUTCMinutes())],
]);

export function evalCall(ev: Evaluator, call: Call, t: number): Value {
  const impl = IMPLS.get(call.func);
  if (!impl) throw new PromQLEvalError(`function ${call.func} is not supported`);
  return impl(ev, call, t);
}
