// A range query's fast path: the parts of an expression that can be, evaluated at all of the
// query's steps at once, a column of values per output series, instead of one instant vector per
// step. rate()/increase()/delta() walk each series' samples once with a cursor per window edge
// (no window objects, no Sample per series per step), `sum`/`min`/`max`/`count`/`group` fold
// those columns into their groups, histogram_quantile reads its buckets' columns step by step. The
// per-step evaluator (engine.ts) then reads a precomputed node's instant vector from its columns.
//
// The arithmetic is the plain evaluation's, in the same order (the same extrapolate(), the same
// sums over the inputs in the same order, the same bucketQuantile()), so the answers are equal to
// the bit. Whatever the plain evaluation would refuse at some step (two output series with one
// label set once names are dropped) is not precomputed: it is left to the plain evaluation, which
// says so as before. Nodes under a subquery or with `@` are evaluated at other times: left out too.
import type { Aggregate, Call, Expr, MatrixSelector, VectorSelector } from './ast.js';
import type { Evaluator } from './engine.js';
import { extrapolate, histogramBuckets } from './functions.js';
import { bucketQuantile, sortedBucketQuantile, type Bucket } from './histogram.js';
import { isStaleNaN, labelsKey, type Labels } from './storage.js';
import { dropName, groupLabels } from './values.js';
import { checkSearchDeadline } from '../../logs/query/deadline.js';

/** One output series over the query's steps: its value at step i where present[i] is 1. */
export interface StepColumn {
  readonly metric: Labels;
  readonly values: Float64Array;
  readonly present: Uint8Array;
}

/** The precomputed nodes of an expression, and the query's step times. */
export interface StepColumns {
  readonly times: readonly number[];
  /** The outermost precomputed nodes (those the per-step evaluator asks for). */
  readonly nodes: Map<Expr, StepColumn[]>;
}

const EXTRAPOLATED: Record<string, [isCounter: boolean, isRate: boolean]> = {
  rate: [true, true],
  increase: [true, false],
  delta: [false, false],
};
const FOLDED = new Set(['sum', 'min', 'max', 'count', 'group']);
/**
 * Values (series × steps) a selector's columns may hold: past it (a query over a million series)
 * the per-step evaluation, which holds one step at a time, is left to do it.
 */
const MAX_CELLS = 4_000_000;

/** The nodes of `expr` that can be evaluated at every time of `times` at once, evaluated. */
export function precomputeSteps(ev: Evaluator, expr: Expr, times: readonly number[]): StepColumns {
  const memo = new Map<Expr, StepColumn[] | null>();
  const nodes = new Map<Expr, StepColumn[]>();
  const columnsOf = (e: Expr): StepColumn[] | null => {
    if (memo.has(e)) return memo.get(e)!;
    const c = evalColumns(ev, e, times, columnsOf);
    memo.set(e, c);
    return c;
  };
  const visit = (e: Expr): void => {
    // A bare instant selector is left to the per-step evaluator: it keeps each sample's own time (timestamp()).
    if (unparen(e).kind !== 'vectorSelector' && columnsOf(e)) {
      nodes.set(e, memo.get(e)!);
      return;
    }
    switch (e.kind) {
      case 'call':
        for (const a of e.args) visit(a);
        return;
      case 'aggregate':
        if (e.param) visit(e.param);
        visit(e.expr);
        return;
      case 'binary':
        visit(e.lhs);
        visit(e.rhs);
        return;
      case 'unary':
      case 'paren':
        visit(e.expr);
        return;
      default:
        return;
    }
  };
  visit(expr);
  return { times, nodes };
}

/** The samples of a precomputed node at step `i`, as the per-step evaluator would have them. */
export function samplesAt(columns: readonly StepColumn[], i: number): { metric: Labels; v: number }[] {
  const out: { metric: Labels; v: number }[] = [];
  for (const c of columns) if (c.present[i]) out.push({ metric: c.metric, v: c.values[i]! });
  return out;
}

function evalColumns(ev: Evaluator, e: Expr, times: readonly number[], columnsOf: (e: Expr) => StepColumn[] | null): StepColumn[] | null {
  switch (e.kind) {
    case 'paren':
      return columnsOf(e.expr);
    case 'vectorSelector':
      return e.at ? null : selectorColumns(ev, e, times);
    case 'call': {
      if (e.func in EXTRAPOLATED) {
        const arg = unparen(e.args[0]!);
        if (arg.kind !== 'matrixSelector' || arg.selector.at) return null;
        const [isCounter, isRate] = EXTRAPOLATED[e.func]!;
        return extrapolatedColumns(ev, arg, times, isCounter, isRate);
      }
      if (e.func === 'histogram_quantile') {
        const buckets = columnsOf(e.args[1]!);
        return buckets && quantileColumns(ev, e, buckets, times);
      }
      return null;
    }
    case 'aggregate': {
      if (!FOLDED.has(e.op) || e.param) return null;
      const inputs = columnsOf(e.expr);
      return inputs && foldColumns(e, inputs, times.length);
    }
    default:
      return null;
  }
}

function unparen(e: Expr): Expr {
  while (e.kind === 'paren') e = e.expr;
  return e;
}

/** Whether the label sets are distinct (the plain evaluation's check at each step, made once for all of them). */
function distinct(metrics: readonly Labels[]): boolean {
  const keys = new Set<string>();
  for (const m of metrics) keys.add(labelsKey(m));
  return keys.size === metrics.length;
}

/** The stored samples without staleness markers (a window's samples are then those of the plain evaluation). */
function withoutStale(ts: ArrayLike<number>, vs: ArrayLike<number>): { ts: ArrayLike<number>; vs: ArrayLike<number> } {
  let stale = 0;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    if (v !== v && isStaleNaN(v)) stale++;
  }
  if (stale === 0) return { ts, vs };
  const keptT = new Float64Array(vs.length - stale);
  const keptV = new Float64Array(vs.length - stale);
  for (let i = 0, k = 0; i < vs.length; i++) {
    if (isStaleNaN(vs[i]!)) continue;
    keptT[k] = ts[i]!;
    keptV[k++] = vs[i]!;
  }
  return { ts: keptT, vs: keptV };
}

/** rate/increase/delta of each series at every step: its window's edges advance with the steps. */
function extrapolatedColumns(
  ev: Evaluator,
  e: MatrixSelector,
  times: readonly number[],
  isCounter: boolean,
  isRate: boolean,
): StepColumn[] | null {
  const all = ev.seriesOf(e.selector);
  const n = times.length;
  if (all.length * n > MAX_CELLS) return null;
  const metrics = all.map((s) => dropName(s.labels));
  if (!distinct(metrics)) return null;
  return all.map((s, k) => {
    checkSearchDeadline();
    const { ts, vs } = withoutStale(s.timestamps, s.values);
    // Resets up to each sample (a sample below the one before): a window without one skips
    // extrapolate()'s loop over its samples, which would add nothing.
    const resets = isCounter ? new Uint32Array(vs.length) : null;
    if (resets) for (let j = 1; j < vs.length; j++) resets[j] = resets[j - 1]! + (vs[j]! < vs[j - 1]! ? 1 : 0);
    const values = new Float64Array(n);
    const present = new Uint8Array(n);
    let from = 0;
    let to = 0;
    for (let i = 0; i < n; i++) {
      const ref = times[i]! - e.selector.offsetMs;
      const start = ref - e.rangeMs;
      // The window is [start, ref]: ms timestamps, so "at most ref" is "before ref + 1" (as the plain evaluation seeks).
      while (from < ts.length && ts[from]! < start) from++;
      while (to < ts.length && ts[to]! < ref + 1) to++;
      const mayReset = resets !== null && to - from >= 2 && resets[to - 1]! !== resets[from]!;
      const v = extrapolate(ts, vs, from, to, start, ref, e.rangeMs, isCounter, isRate, mayReset);
      if (v === undefined) continue;
      values[i] = v;
      present[i] = 1;
    }
    return { metric: metrics[k]!, values, present };
  });
}

/** An instant selector at every step: each series' newest sample within the lookback, unless it is a staleness marker. */
function selectorColumns(ev: Evaluator, vs: VectorSelector, times: readonly number[]): StepColumn[] | null {
  const n = times.length;
  const all = ev.seriesOf(vs);
  if (all.length * n > MAX_CELLS) return null;
  return all.map((s) => {
    checkSearchDeadline();
    const values = new Float64Array(n);
    const present = new Uint8Array(n);
    const ts = s.timestamps;
    let next = 0;
    for (let i = 0; i < n; i++) {
      const ref = times[i]! - vs.offsetMs;
      while (next < ts.length && ts[next]! < ref + 1) next++;
      if (next === 0 || ts[next - 1]! < ref - ev.lookbackMs) continue;
      const v = s.values[next - 1]!;
      if (isStaleNaN(v)) continue;
      values[i] = v;
      present[i] = 1;
    }
    return { metric: s.labels, values, present };
  });
}

/** sum, min, max, count, group by groups, each step's inputs folded in their order (as foldAggregate). */
function foldColumns(e: Aggregate, inputs: readonly StepColumn[], n: number): StepColumn[] {
  const index = new Map<string, number>();
  const groups: { metric: Labels; values: Float64Array; present: Uint8Array }[] = [];
  for (const input of inputs) {
    const metric = groupLabels(input.metric, e.grouping, e.without);
    const key = labelsKey(metric);
    let g = index.get(key);
    if (g === undefined) {
      index.set(key, (g = groups.length));
      groups.push({ metric, values: new Float64Array(n).fill(e.op === 'group' ? 1 : 0), present: new Uint8Array(n) });
    }
    const acc = groups[g]!.values;
    const seen = groups[g]!.present;
    const { values, present } = input;
    for (let i = 0; i < n; i++) {
      if (!present[i]) continue;
      const x = values[i]!;
      if (e.op === 'sum') acc[i]! += x;
      else if (e.op === 'count') acc[i]!++;
      else if (e.op === 'min' || e.op === 'max') {
        const m = acc[i]!;
        if (!seen[i]) acc[i] = x;
        else if (e.op === 'min' ? m > x || Number.isNaN(m) : m < x || Number.isNaN(m)) acc[i] = x;
      }
      seen[i] = 1;
    }
  }
  return groups;
}

/** histogram_quantile at every step over its buckets' columns (grouped once for all steps). */
function quantileColumns(ev: Evaluator, call: Call, inputs: readonly StepColumn[], times: readonly number[]): StepColumn[] | null {
  const grouping = histogramBuckets(inputs.map((c) => c.metric));
  if (!distinct(grouping.metrics)) return null;
  const n = times.length;
  const out = grouping.metrics.map((metric) => ({ metric, values: new Float64Array(n), present: new Uint8Array(n) }));
  // Each group's buckets in bound order (the stable sort bucketQuantile makes at every step), once.
  const members: number[][] = grouping.metrics.map(() => []);
  grouping.groupOf.forEach((g, k) => {
    if (g >= 0) members[g]!.push(k);
  });
  for (const m of members) m.sort((a, b) => grouping.bounds[a]! - grouping.bounds[b]!);
  // A NaN bound (`le="NaN"`) makes the order the sort's own: such a group is sorted at each step, as before.
  const presorted = members.map((m) => m.every((k) => !Number.isNaN(grouping.bounds[k]!)));
  const buckets: Bucket[] = [];
  for (let i = 0; i < n; i++) {
    const q = ev.scalar(call.args[0]!, times[i]!);
    for (let g = 0; g < members.length; g++) {
      buckets.length = 0;
      for (const k of members[g]!) {
        const c = inputs[k]!;
        if (c.present[i]) buckets.push({ upperBound: grouping.bounds[k]!, count: c.values[i]! });
      }
      if (buckets.length === 0) continue;
      const plain = !presorted[g] || Number.isNaN(q) || q < 0 || q > 1;
      out[g]!.values[i] = plain ? bucketQuantile(q, buckets) : sortedBucketQuantile(q, buckets);
      out[g]!.present[i] = 1;
    }
  }
  return out;
}
