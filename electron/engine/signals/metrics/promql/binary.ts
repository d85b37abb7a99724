// Binary operators: arithmetic, comparison (filtering, or 0/1 with `bool`) and set operators, over
// scalars and instant vectors, with Prometheus's vector matching (`on`/`ignoring`,
// `group_left`/`group_right`) and its errors when a match is ambiguous.
import type { Binary, BinaryOp } from './ast.js';
import { COMPARISON_OPS } from './ast.js';
import type { Evaluator } from './engine.js';
import { labelsKey, type Labels } from './storage.js';
import { assertUniqueLabelSets, dropName, formatLabels, PromQLEvalError, type Sample, type Value } from './values.js';

/** Go's math.Pow where it differs from `**`: 1^y and (-1)^±Inf are 1. */
function pow(x: number, y: number): number {
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return x ** y;
}

/** [value, keep] of `lhs op rhs`: comparisons keep the left value when true. */
function elemBinop(op: BinaryOp, lhs: number, rhs: number): [number, boolean] {
  switch (op) {
    case '+':
      return [lhs + rhs, true];
    case '-':
      return [lhs - rhs, true];
    case '*':
      return [lhs * rhs, true];
    case '/':
      return [lhs / rhs, true];
    case '%':
      return [lhs % rhs, true];
    case '^':
      return [pow(lhs, rhs), true];
    case 'atan2':
      return [Math.atan2(lhs, rhs), true];
    case '==':
      return [lhs, lhs === rhs];
    case '!=':
      return [lhs, lhs !== rhs];
    case '>':
      return [lhs, lhs > rhs];
    case '<':
      return [lhs, lhs < rhs];
    case '>=':
      return [lhs, lhs >= rhs];
    case '<=':
      return [lhs, lhs <= rhs];
    default:
      throw new PromQLEvalError(`operator "${op}" not allowed here`);
  }
}

/** Arithmetic changes what the value means, so the metric name goes (atan2 keeps it in Prometheus 2.x). */
function dropsName(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^';
}

export function evalBinary(ev: Evaluator, e: Binary, t: number): Value {
  const lhs = ev.eval(e.lhs, t);
  const rhs = ev.eval(e.rhs, t);
  if (lhs.type === 'scalar' && rhs.type === 'scalar') {
    const [v, keep] = elemBinop(e.op, lhs.v, rhs.v);
    return { type: 'scalar', v: e.returnBool ? (keep ? 1 : 0) : v };
  }
  if (lhs.type === 'vector' && rhs.type === 'scalar') return vectorScalar(e, lhs.samples, rhs.v, false);
  if (lhs.type === 'scalar' && rhs.type === 'vector') return vectorScalar(e, rhs.samples, lhs.v, true);
  if (lhs.type === 'vector' && rhs.type === 'vector') return vectorVector(e, lhs.samples, rhs.samples);
  throw new PromQLEvalError(`binary operator "${e.op}" between ${lhs.type} and ${rhs.type} is not allowed`);
}

function vectorScalar(e: Binary, samples: readonly Sample[], scalar: number, scalarOnLeft: boolean): Value {
  const out: Sample[] = [];
  for (const s of samples) {
    const [l, r] = scalarOnLeft ? [scalar, s.v] : [s.v, scalar];
    let [value, keep] = elemBinop(e.op, l, r);
    // A comparison filters the vector: the kept value is the vector's, whichever side it is on.
    if (COMPARISON_OPS.has(e.op) && scalarOnLeft) value = r;
    if (e.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (keep) out.push({ metric: dropsName(e.op) || e.returnBool ? dropName(s.metric) : s.metric, v: value });
  }
  assertUniqueLabelSets(out, labelsKey);
  return { type: 'vector', samples: out };
}

/**
 * Per binary expression, what vector matching derived from an input label set: its signature, and
 * the result's labels per (many, one) pair. A range query matches the same label-set objects at
 * every step; computing these once keeps the result's labels the same objects too (so their keys,
 * cached by object, are computed once). Label sets are never changed once made.
 */
interface MatchCache {
  signatures: WeakMap<Labels, string>;
  results: WeakMap<Labels, WeakMap<Labels, Labels>>;
}
const matchCaches = new WeakMap<Binary, MatchCache>();

function matchCacheOf(e: Binary): MatchCache {
  let cache = matchCaches.get(e);
  if (!cache) matchCaches.set(e, (cache = { signatures: new WeakMap(), results: new WeakMap() }));
  return cache;
}

function vectorVector(e: Binary, lhs: readonly Sample[], rhs: readonly Sample[]): Value {
  const matching = e.matching!;
  const cache = matchCacheOf(e);
  const signature = (l: Labels): string => {
    let sig = cache.signatures.get(l);
    if (sig !== undefined) return sig;
    const picked: Labels = {};
    if (matching.on) {
      for (const n of matching.labels) if (l[n] !== undefined) picked[n] = l[n];
    } else {
      for (const [k, v] of Object.entries(l)) if (k !== '__name__' && !matching.labels.includes(k)) picked[k] = v;
    }
    cache.signatures.set(l, (sig = labelsKey(picked)));
    return sig;
  };
  const resultOf = (many: Labels, one: Labels): Labels => {
    let byOne = cache.results.get(many);
    if (!byOne) cache.results.set(many, (byOne = new WeakMap()));
    let metric = byOne.get(one);
    if (!metric) byOne.set(one, (metric = resultMetric(e, many, one)));
    return metric;
  };
  switch (e.op) {
    case 'and': {
      const right = new Set(rhs.map((s) => signature(s.metric)));
      return { type: 'vector', samples: lhs.filter((s) => right.has(signature(s.metric))) };
    }
    case 'unless': {
      const right = new Set(rhs.map((s) => signature(s.metric)));
      return { type: 'vector', samples: lhs.filter((s) => !right.has(signature(s.metric))) };
    }
    case 'or': {
      const left = new Set(lhs.map((s) => signature(s.metric)));
      return { type: 'vector', samples: [...lhs, ...rhs.filter((s) => !left.has(signature(s.metric)))] };
    }
    default:
      break;
  }
  const swapped = matching.card === 'one-to-many';
  const [many, one] = swapped ? [rhs, lhs] : [lhs, rhs];
  const oneBySig = new Map<string, Sample>();
  for (const s of one) {
    const sig = signature(s.metric);
    const dup = oneBySig.get(sig);
    if (dup) {
      throw new PromQLEvalError(
        `found duplicate series for the match group ${formatLabels(matchGroup(s.metric, matching.on, matching.labels))} on the ${swapped ? 'left' : 'right'} hand-side of the operation: ` +
          `[${formatLabels(dup.metric)}, ${formatLabels(s.metric)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    oneBySig.set(sig, s);
  }
  const matchedSigs = new Set<string>();
  const resultKeys = new Set<string>();
  const out: Sample[] = [];
  for (const s of many) {
    const sig = signature(s.metric);
    const other = oneBySig.get(sig);
    if (!other) continue;
    const [vl, vr] = swapped ? [other.v, s.v] : [s.v, other.v];
    let [value, keep] = elemBinop(e.op, vl, vr);
    if (e.returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const metric = resultOf(s.metric, other.metric);
    if (matching.card === 'one-to-one') {
      if (matchedSigs.has(sig)) {
        throw new PromQLEvalError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      }
      matchedSigs.add(sig);
    } else {
      const key = labelsKey(metric);
      if (resultKeys.has(key)) throw new PromQLEvalError('multiple matches for labels: grouping labels must ensure unique matches');
      resultKeys.add(key);
    }
    out.push({ metric, v: value });
  }
  return { type: 'vector', samples: out };
}

function matchGroup(l: Labels, on: boolean, names: readonly string[]): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(l)) if (on ? names.includes(k) : k !== '__name__' && !names.includes(k)) out[k] = v;
  return out;
}

/** Labels of a vector-vector result: the "many" side's, reduced for one-to-one, plus `group_x(…)` labels. */
function resultMetric(e: Binary, many: Labels, one: Labels): Labels {
  const matching = e.matching!;
  let metric: Labels = dropsName(e.op) || e.returnBool ? dropName(many) : { ...many };
  if (matching.card === 'one-to-one') metric = matchGroup(metric, matching.on, matching.labels);
  else metric = { ...metric };
  if (matching.card === 'one-to-one' && !matching.on && '__name__' in many && !(dropsName(e.op) || e.returnBool))
    metric.__name__ = many.__name__!;
  for (const n of matching.include) {
    const v = one[n];
    if (v !== undefined && v !== '') metric[n] = v;
    else delete metric[n];
  }
  return metric;
}
