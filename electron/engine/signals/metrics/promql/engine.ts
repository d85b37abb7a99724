// Evaluates a PromQL AST over a SeriesStore. A range query is the instant evaluation repeated at
// each step (that is Prometheus's definition); the store is asked once per selector for the whole
// window the query needs, found by a pass over the tree before evaluation. Semantics follow
// Prometheus 2.x (the version Debian ships): closed range windows [t - range, t], a sample seen up
// to 5 minutes (lookback delta) after its timestamp unless a staleness marker came after it.
// Each step checks the engine's query deadline (signals/logs/query/deadline.ts), a no-op outside one.
import type { AtModifier, Expr, MatrixSelector, Subquery, VectorSelector } from './ast.js';
import { evalAggregate } from './aggregations.js';
import { evalBinary } from './binary.js';
import { evalCall } from './functions.js';
import { precomputeSteps, samplesAt, type StepColumns } from './step-columns.js';
import { checkSearchDeadline } from '../../logs/query/deadline.js';
import { parseExpr, typeOf } from './parse.js';
import { isStaleNaN, labelsKey, lowerBound, type Labels, type SelectHints, type SeriesStore, type StoredSeries } from './storage.js';
import { assertUniqueLabelSets, dropName, PromQLEvalError, type Point, type Sample, type Series, type Value } from './values.js';

export interface EngineOptions {
  /** How far back an instant selector looks for the latest sample (Prometheus: 5 m). */
  readonly lookbackDeltaMs?: number;
  /** Resolution of a subquery written without a step, `[1h:]` (Prometheus: the global evaluation interval, 1 m). */
  readonly defaultSubqueryStepMs?: number;
  /** Refuse a range query with more steps than this (Prometheus refuses over 11,000). */
  readonly maxSteps?: number;
  /**
   * Evaluate a range query step by step only, without step-columns.ts's fast path (the plain
   * evaluation the fast path is tested against).
   */
  readonly stepwise?: boolean;
}

export type QueryResult =
  | { readonly resultType: 'scalar'; readonly timeMs: number; readonly value: number }
  | { readonly resultType: 'string'; readonly timeMs: number; readonly value: string }
  | { readonly resultType: 'vector'; readonly timeMs: number; readonly samples: Sample[] }
  | { readonly resultType: 'matrix'; readonly series: Series[] };

/** The samples of a range-vector argument and the window they were taken from (for extrapolation). */
export interface RangeArg {
  readonly series: Series[];
  readonly rangeStart: number;
  readonly rangeEnd: number;
  readonly rangeMs: number;
}

/** The samples [from, to) of `ts`/`vs` in one series' window. */
export interface SampleWindow {
  readonly metric: Labels;
  readonly ts: ArrayLike<number>;
  readonly vs: ArrayLike<number>;
  readonly from: number;
  readonly to: number;
}

export class Evaluator {
  readonly lookbackMs: number;
  private readonly subqueryStepMs: number;
  private readonly windows = new Map<VectorSelector, { min: number; max: number }>();
  /** Per selector, how it will be read (null: not at the query's steps, or planned more than once). */
  private readonly hints = new Map<VectorSelector, SelectHints | null>();
  private readonly fetched = new Map<VectorSelector, StoredSeries[]>();
  /**
   * Per matrix selector read by windowsOf, per series: whether it holds a staleness marker at all,
   * and where its previous window began and ended (a range query's next window is a little later:
   * found by stepping from there rather than by two binary searches over the whole series).
   */
  private readonly cursors = new Map<VectorSelector, { hasStale: Uint8Array; from: Uint32Array; to: Uint32Array }>();
  /** A range query's nodes evaluated at all its steps at once (step-columns.ts), and each step's index by time. */
  private precomputed: StepColumns | null = null;
  private readonly stepIndex = new Map<number, number>();

  constructor(
    private readonly store: SeriesStore,
    /** Start and end of the query, for `@ start()` and `@ end()`. */
    private readonly startMs: number,
    private readonly endMs: number,
    options: EngineOptions,
  ) {
    this.lookbackMs = options.lookbackDeltaMs ?? 5 * 60_000;
    this.subqueryStepMs = options.defaultSubqueryStepMs ?? 60_000;
  }

  private atTime(at: AtModifier | undefined): number | undefined {
    if (!at) return undefined;
    return at.kind === 'time' ? at.ms : at.kind === 'start' ? this.startMs : this.endMs;
  }

  /**
   * Records, for every selector, the widest time window evaluation over [mint, maxt] will read,
   * and (for selectors evaluated at the query's steps, `stepMs` apart) the hints of SelectHints.
   * `stepMs` is null inside a subquery; `func` is the call a range selector is the argument of.
   */
  plan(e: Expr, mint: number, maxt: number, stepMs: number | null = 0, func?: string): void {
    switch (e.kind) {
      case 'vectorSelector':
      case 'matrixSelector': {
        const vs = e.kind === 'vectorSelector' ? e : e.selector;
        const at = this.atTime(vs.at);
        const rangeMs = e.kind === 'vectorSelector' ? this.lookbackMs : e.rangeMs;
        const hi = (at ?? maxt) - vs.offsetMs;
        const lo = (at ?? mint) - vs.offsetMs - rangeMs;
        const w = this.windows.get(vs);
        this.windows.set(vs, w ? { min: Math.min(w.min, lo), max: Math.max(w.max, hi) } : { min: lo, max: hi });
        const direct = !w && at === undefined && stepMs !== null;
        this.hints.set(
          vs,
          direct
            ? {
                firstMs: mint - vs.offsetMs,
                lastMs: hi,
                stepMs,
                rangeMs,
                instant: e.kind === 'vectorSelector',
                ...(e.kind === 'matrixSelector' && func ? { func } : {}),
              }
            : null,
        );
        return;
      }
      case 'subquery': {
        const at = this.atTime(e.at);
        const hi = (at ?? maxt) - e.offsetMs;
        this.plan(e.expr, (at ?? mint) - e.offsetMs - e.rangeMs, hi, null);
        return;
      }
      case 'call':
        for (const a of e.args) this.plan(a, mint, maxt, stepMs, e.func);
        return;
      case 'aggregate':
        if (e.param) this.plan(e.param, mint, maxt, stepMs);
        this.plan(e.expr, mint, maxt, stepMs);
        return;
      case 'binary':
        this.plan(e.lhs, mint, maxt, stepMs);
        this.plan(e.rhs, mint, maxt, stepMs);
        return;
      case 'unary':
      case 'paren':
        this.plan(e.expr, mint, maxt, stepMs);
        return;
      default:
        return;
    }
  }

  /** Evaluates what step-columns.ts can of `e` at every time of `times` (a range query's steps) at once. */
  precompute(e: Expr, times: readonly number[]): void {
    times.forEach((t, i) => this.stepIndex.set(t, i));
    this.precomputed = precomputeSteps(this, e, times);
  }

  /** The series a selector selects over the planned window (read once per query). */
  seriesOf(vs: VectorSelector): StoredSeries[] {
    let s = this.fetched.get(vs);
    if (!s) {
      const w = this.windows.get(vs);
      if (!w) throw new Error('selector evaluated outside the planned query');
      s = this.store.select(vs.matchers, w.min, w.max, this.hints.get(vs) ?? undefined);
      for (const series of s) {
        if (series.histograms?.length)
          throw new PromQLEvalError(`native histograms are not supported (series ${JSON.stringify(series.labels)})`);
      }
      this.fetched.set(vs, s);
    }
    return s;
  }

  eval(e: Expr, t: number): Value {
    const columns = this.precomputed?.nodes.get(e);
    const step = columns && this.stepIndex.get(t);
    if (columns && step !== undefined) return { type: 'vector', samples: samplesAt(columns, step) };
    switch (e.kind) {
      case 'number':
        return { type: 'scalar', v: e.value };
      case 'string':
        return { type: 'string', v: e.value };
      case 'paren':
        return this.eval(e.expr, t);
      case 'vectorSelector':
        return { type: 'vector', samples: this.instantSelect(e, t) };
      case 'matrixSelector':
        return { type: 'matrix', series: this.rangeArg(e, t).series };
      case 'subquery':
        return { type: 'matrix', series: this.rangeArg(e, t).series };
      case 'unary': {
        const v = this.eval(e.expr, t);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', v: -v.v };
        if (v.type !== 'vector') throw new PromQLEvalError('unary minus on a non-numeric value');
        const samples = v.samples.map((s) => ({ metric: dropName(s.metric), v: -s.v }));
        assertUniqueLabelSets(samples, labelsKey);
        return { type: 'vector', samples };
      }
      case 'call':
        return evalCall(this, e, t);
      case 'aggregate':
        return evalAggregate(this, e, t);
      case 'binary':
        return evalBinary(this, e, t);
    }
  }

  vector(e: Expr, t: number): Sample[] {
    const v = this.eval(e, t);
    if (v.type !== 'vector') throw new PromQLEvalError(`expected an instant vector, got ${v.type}`);
    return v.samples;
  }

  scalar(e: Expr, t: number): number {
    const v = this.eval(e, t);
    if (v.type !== 'scalar') throw new PromQLEvalError(`expected a scalar, got ${v.type}`);
    return v.v;
  }

  string(e: Expr, t: number): string {
    const v = this.eval(e, t);
    if (v.type !== 'string') throw new PromQLEvalError(`expected a string, got ${v.type}`);
    return v.v;
  }

  private instantSelect(vs: VectorSelector, t: number): Sample[] {
    const ref = (this.atTime(vs.at) ?? t) - vs.offsetMs;
    const out: Sample[] = [];
    for (const s of this.seriesOf(vs)) {
      const i = lowerBound(s.timestamps, s.timestamps.length, ref + 1) - 1;
      if (i < 0) continue;
      const ts = s.timestamps[i]!;
      if (ts < ref - this.lookbackMs) continue;
      const v = s.values[i]!;
      if (isStaleNaN(v)) continue;
      out.push({ metric: s.labels, v, t: ts });
    }
    return out;
  }

  /**
   * A matrix selector's window at `t`, series by series, without copying samples (rate() and its
   * family read each sample once): the stored arrays and the index range in them, or arrays of
   * its own when stale markers had to be left out.
   */
  windowsOf(e: MatrixSelector, t: number): { rangeStart: number; rangeEnd: number; windows: SampleWindow[] } {
    const vs = e.selector;
    const ref = (this.atTime(vs.at) ?? t) - vs.offsetMs;
    const start = ref - e.rangeMs;
    const windows: SampleWindow[] = [];
    const all = this.seriesOf(vs);
    let cursor = this.cursors.get(vs);
    if (!cursor) {
      const hasStale = new Uint8Array(all.length);
      all.forEach((s, k) => {
        for (let i = 0; i < s.values.length && !hasStale[k]; i++) hasStale[k] = isStaleNaN(s.values[i]!) ? 1 : 0;
      });
      this.cursors.set(vs, (cursor = { hasStale, from: new Uint32Array(all.length), to: new Uint32Array(all.length) }));
    }
    for (let k = 0; k < all.length; k++) {
      const s = all[k]!;
      const from = (cursor.from[k] = seek(s.timestamps, start, cursor.from[k]!));
      const to = (cursor.to[k] = seek(s.timestamps, ref + 1, cursor.to[k]!));
      if (from >= to) continue;
      let stale = false;
      for (let i = from; i < to && !stale && cursor.hasStale[k]; i++) {
        const v = s.values[i]!;
        stale = v !== v && isStaleNaN(v);
      }
      if (!stale) {
        windows.push({ metric: s.labels, ts: s.timestamps, vs: s.values, from, to });
        continue;
      }
      const keptT: number[] = [];
      const keptV: number[] = [];
      for (let i = from; i < to; i++) {
        if (isStaleNaN(s.values[i]!)) continue;
        keptT.push(s.timestamps[i]!);
        keptV.push(s.values[i]!);
      }
      if (keptT.length > 0) windows.push({ metric: s.labels, ts: keptT, vs: keptV, from: 0, to: keptT.length });
    }
    return { rangeStart: start, rangeEnd: ref, windows };
  }

  /** A range vector argument: a matrix selector's samples or a subquery's evaluated points. */
  rangeArg(e: MatrixSelector | Subquery, t: number): RangeArg {
    if (e.kind === 'matrixSelector') {
      const vs = e.selector;
      const ref = (this.atTime(vs.at) ?? t) - vs.offsetMs;
      const start = ref - e.rangeMs;
      const series: Series[] = [];
      for (const s of this.seriesOf(vs)) {
        const from = lowerBound(s.timestamps, s.timestamps.length, start);
        const to = lowerBound(s.timestamps, s.timestamps.length, ref + 1);
        const points: Point[] = [];
        for (let i = from; i < to; i++) {
          const v = s.values[i]!;
          if (!isStaleNaN(v)) points.push({ t: s.timestamps[i]!, v });
        }
        if (points.length > 0) series.push({ metric: s.labels, points });
      }
      return { series, rangeStart: start, rangeEnd: ref, rangeMs: e.rangeMs };
    }
    const ref = (this.atTime(e.at) ?? t) - e.offsetMs;
    const start = ref - e.rangeMs;
    const step = e.stepMs ?? this.subqueryStepMs;
    const bySeries = new Map<string, Series>();
    for (let ti = Math.ceil(start / step) * step; ti <= ref; ti += step) {
      checkSearchDeadline();
      const v = this.eval(e.expr, ti);
      const samples = v.type === 'scalar' ? [{ metric: {}, v: v.v }] : v.type === 'vector' ? v.samples : [];
      for (const s of samples) {
        const key = labelsKey(s.metric);
        let series = bySeries.get(key);
        if (!series) bySeries.set(key, (series = { metric: s.metric, points: [] }));
        series.points.push({ t: ti, v: s.v });
      }
    }
    return { series: [...bySeries.values()], rangeStart: start, rangeEnd: ref, rangeMs: e.rangeMs };
  }
}

/** How far seek() steps forward from its hint before it falls back to a binary search. */
const SEEK_STEPS = 8;

/** lowerBound(arr, arr.length, t), starting from `hint` (a previous answer for an earlier or equal t). */
function seek(arr: ArrayLike<number>, t: number, hint: number): number {
  const length = arr.length;
  if (hint > length || (hint > 0 && arr[hint - 1]! >= t)) return lowerBound(arr, length, t);
  for (let i = hint, n = 0; n < SEEK_STEPS; i++, n++) if (i === length || arr[i]! >= t) return i;
  return lowerBound(arr, length, t);
}

function toExpr(query: string | Expr): Expr {
  return typeof query === 'string' ? parseExpr(query) : query;
}

/** Evaluates `query` at one instant (`/api/v1/query`). */
export function instantQuery(store: SeriesStore, query: string | Expr, timeMs: number, options: EngineOptions = {}): QueryResult {
  const expr = toExpr(query);
  const ev = new Evaluator(store, timeMs, timeMs, options);
  ev.plan(expr, timeMs, timeMs);
  const v = ev.eval(expr, timeMs);
  switch (v.type) {
    case 'scalar':
      return { resultType: 'scalar', timeMs, value: v.v };
    case 'string':
      return { resultType: 'string', timeMs, value: v.v };
    case 'vector':
      return { resultType: 'vector', timeMs, samples: v.samples };
    case 'matrix':
      return { resultType: 'matrix', series: v.series };
  }
}

/** Evaluates `query` at every step from start to end (`/api/v1/query_range`): always a matrix. */
export function rangeQuery(
  store: SeriesStore,
  query: string | Expr,
  startMs: number,
  endMs: number,
  stepMs: number,
  options: EngineOptions = {},
): QueryResult {
  const expr = toExpr(query);
  const type = typeOf(expr);
  if (type !== 'scalar' && type !== 'vector') {
    throw new PromQLEvalError(
      `invalid expression type "${type === 'matrix' ? 'range vector' : type}" for range query, must be Scalar or instant Vector`,
    );
  }
  if (!(stepMs > 0)) throw new PromQLEvalError('zero or negative query resolution step widths are not accepted. Try a positive integer');
  if (endMs < startMs) throw new PromQLEvalError('end timestamp must not be before start time');
  const maxSteps = options.maxSteps ?? 11_000;
  if ((endMs - startMs) / stepMs > maxSteps) {
    throw new PromQLEvalError(
      `exceeded maximum resolution of ${maxSteps} points per timeseries. Try decreasing the query resolution (?step=XX)`,
    );
  }
  const ev = new Evaluator(store, startMs, endMs, options);
  ev.plan(expr, startMs, endMs, stepMs);
  const times: number[] = [];
  for (let t = startMs; t <= endMs; t += stepMs) times.push(t);
  if (!options.stepwise) ev.precompute(expr, times);
  const bySeries = new Map<string, Series>();
  for (const t of times) {
    checkSearchDeadline();
    const v = ev.eval(expr, t);
    const samples: readonly { metric: Labels; v: number }[] =
      v.type === 'scalar' ? [{ metric: {}, v: v.v }] : v.type === 'vector' ? v.samples : [];
    for (const s of samples) {
      const key = labelsKey(s.metric);
      let series = bySeries.get(key);
      if (!series) bySeries.set(key, (series = { metric: s.metric, points: [] }));
      series.points.push({ t, v: s.v });
    }
  }
  // Prometheus sorts a matrix by label set, so the order does not depend on evaluation.
  const series = [...bySeries.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, s]) => s);
  return { resultType: 'matrix', series };
}
