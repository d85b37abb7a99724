// Aggregation operators (sum, avg, topk, quantile, count_values…) with `by`/`without` grouping,
// following Prometheus's arithmetic (incremental mean, Welford variance, NaN ordering in topk).
import type { Aggregate } from './ast.js';
import type { Evaluator } from './engine.js';
import { formatValue } from './format.js';
import { quantile } from './functions.js';
import { labelsKey, type Labels } from './storage.js';
import { groupLabels, PromQLEvalError, type Sample, type Value } from './values.js';

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Group {
  metric: Labels;
  samples: Sample[];
}

/**
 * How an aggregation grouped its input at the previous step: a range query usually gives it the
 * same series (the same label-set objects) in the same order at every step, and then the groups
 * are the same too, found by comparing objects instead of building keys.
 */
interface Grouping {
  inputs: Labels[];
  groupOf: number[];
  metrics: Labels[];
}
const lastGrouping = new WeakMap<Aggregate, Grouping>();

function groupsOf(samples: readonly Sample[], e: Aggregate, extra?: (s: Sample) => [string, string]): Group[] {
  if (extra) {
    const groups = new Map<string, Group>();
    for (const s of samples) {
      const metric = groupLabels(s.metric, e.grouping, e.without);
      const [name, value] = extra(s);
      metric[name] = value;
      const key = labelsKey(metric);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { metric, samples: [] }));
      g.samples.push(s);
    }
    return [...groups.values()];
  }
  const grouping = groupingOf(samples, e);
  const groups: Group[] = grouping.metrics.map((metric) => ({ metric, samples: [] }));
  samples.forEach((s, i) => groups[grouping.groupOf[i]!]!.samples.push(s));
  return groups;
}

function groupingOf(samples: readonly Sample[], e: Aggregate): Grouping {
  let grouping = lastGrouping.get(e);
  if (!grouping || grouping.inputs.length !== samples.length || samples.some((s, i) => s.metric !== grouping!.inputs[i])) {
    const index = new Map<string, number>();
    grouping = { inputs: samples.map((s) => s.metric), groupOf: [], metrics: [] };
    for (const s of samples) {
      const metric = groupLabels(s.metric, e.grouping, e.without);
      const key = labelsKey(metric);
      let g = index.get(key);
      if (g === undefined) {
        index.set(key, (g = grouping.metrics.length));
        grouping.metrics.push(metric);
      }
      grouping.groupOf.push(g);
    }
    lastGrouping.set(e, grouping);
  }
  return grouping;
}

/**
 * sum, min, max, count and group folded sample by sample into one number per group, in the input's
 * order (the same arithmetic as over each group's values): no per-group arrays at each step.
 */
function foldAggregate(op: 'sum' | 'min' | 'max' | 'count' | 'group', samples: readonly Sample[], e: Aggregate): Sample[] {
  const { groupOf, metrics } = groupingOf(samples, e);
  const acc = new Array<number>(metrics.length).fill(op === 'group' ? 1 : 0);
  const seen = new Uint8Array(metrics.length);
  for (let i = 0; i < samples.length; i++) {
    const g = groupOf[i]!;
    const x = samples[i]!.v;
    if (op === 'sum') acc[g]! += x;
    else if (op === 'count') acc[g]!++;
    else if (op === 'min' || op === 'max') {
      const m = acc[g]!;
      if (!seen[g]) acc[g] = x;
      else if (op === 'min' ? m > x || Number.isNaN(m) : m < x || Number.isNaN(m)) acc[g] = x;
      seen[g] = 1;
    }
  }
  return metrics.map((metric, g) => ({ metric, v: acc[g]! }));
}

function mean(values: readonly number[]): number {
  let m = values[0]!;
  for (let i = 1; i < values.length; i++) {
    const v = values[i]!;
    const n = i + 1;
    if (!Number.isFinite(m) && !Number.isNaN(m)) {
      if (!Number.isFinite(v) && !Number.isNaN(v) && m > 0 === v > 0) continue;
      if (Number.isFinite(v)) continue;
    }
    m += v / n - m / n;
  }
  return m;
}

function variance(values: readonly number[]): number {
  let m = 0,
    acc = 0,
    n = 0;
  for (const v of values) {
    n++;
    const delta = v - m;
    m += delta / n;
    acc += delta * (v - m);
  }
  return acc / n;
}

/** Ordering for topk (NaN smallest) or bottomk (NaN largest): best first. */
function rankOrder(top: boolean): (a: Sample, b: Sample) => number {
  return (a, b) => {
    if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
    if (Number.isNaN(b.v)) return -1;
    return top ? b.v - a.v : a.v - b.v;
  };
}

export function evalAggregate(ev: Evaluator, e: Aggregate, t: number): Value {
  const samples = ev.vector(e.expr, t);
  const out: Sample[] = [];
  switch (e.op) {
    case 'topk':
    case 'bottomk': {
      const kf = ev.scalar(e.param!, t);
      if (Number.isNaN(kf)) throw new PromQLEvalError(`Parameter value is NaN`);
      if (Math.abs(kf) > Number.MAX_SAFE_INTEGER) throw new PromQLEvalError(`Scalar value ${formatValue(kf)} overflows int64`);
      const k = Math.trunc(kf);
      if (k < 1) return { type: 'vector', samples: [] };
      for (const g of groupsOf(samples, e)) out.push(...[...g.samples].sort(rankOrder(e.op === 'topk')).slice(0, k));
      return { type: 'vector', samples: out };
    }
    case 'count_values': {
      const label = ev.string(e.param!, t);
      if (!LABEL_NAME_RE.test(label)) throw new PromQLEvalError(`invalid label name "${label}"`);
      for (const g of groupsOf(samples, e, (s) => [label, formatValue(s.v)])) {
        out.push({ metric: g.metric, v: g.samples.length });
      }
      return { type: 'vector', samples: out };
    }
    case 'sum':
    case 'min':
    case 'max':
    case 'count':
    case 'group':
      return { type: 'vector', samples: foldAggregate(e.op, samples, e) };
    default:
      break;
  }
  const phi = e.op === 'quantile' ? ev.scalar(e.param!, t) : NaN;
  for (const g of groupsOf(samples, e)) {
    const values = g.samples.map((s) => s.v);
    let v: number;
    switch (e.op) {
      case 'avg':
        v = mean(values);
        break;
      case 'stdvar':
        v = variance(values);
        break;
      case 'stddev':
        v = Math.sqrt(variance(values));
        break;
      case 'quantile':
        v = quantile(phi, values);
        break;
    }
    out.push({ metric: g.metric, v });
  }
  return { type: 'vector', samples: out };
}
