// An SLI as event counts: good and total events in a window, or per step of a range. Every kind
// but log ratios is a PromQL pair written with Sloth's `{{.window}}` placeholder (RED series,
// probe_success, a user's pair); a pair of plain counter queries (OpenSLO's `counter: true`) has
// each selector taken as `increase(…[{{.window}}])`. Log ratios count records of two searches.
import type { SloSpec } from '../../../shared/slo.js';
import type { Expr, VectorSelector } from '../signals/metrics/promql/ast.js';
import { instantQuery, parseExpr, rangeQuery, type SeriesStore } from '../signals/metrics/promql/index.js';
import { latencyBoundMs } from './slo-file.js';

export const WINDOW = '{{.window}}';

/** good/bad/total as PromQL with `{{.window}}`. */
export interface PromPair {
  good?: string;
  bad?: string;
  total: string;
}

export interface Counts {
  good: number;
  total: number;
}

export interface StepCounts extends Counts {
  /** The end of the step (ms); the step is (t − step, t]. */
  t: number;
}

/** Where an SLO's events are counted. */
export interface EventCounter {
  /** Events in (fromMs, toMs]. */
  counts(fromMs: number, toMs: number): Counts;
  /** Events per step (t − stepMs, t] for t = fromMs + stepMs … toMs. */
  steps(fromMs: number, toMs: number, stepMs: number): StepCounts[];
}

/** A Prometheus duration text for ms (`1h`, `4m40s`, `2d19h12m`). */
export function promDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = Math.round(ms);
  let out = '';
  for (const [u, size] of units) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${u}`;
      rest %= size;
    }
  }
  return out || '0s';
}

const RED_CALLS = '"traces.span.metrics.calls_total"';
const RED_BUCKETS = '"traces.span.metrics.duration_milliseconds_bucket"';
const RED_COUNT = '"traces.span.metrics.duration_milliseconds_count"';
const quote = (v: string): string => JSON.stringify(v);

/** The SLI's PromQL pair, or null for a log ratio. */
export function promPairOf(slo: SloSpec): PromPair | null {
  const sli = slo.sli;
  const server = `service_name=${quote(slo.service)}, "span.kind"="SPAN_KIND_SERVER"`;
  const op = (spanName: string | undefined): string => (spanName ? `, "span.name"=${quote(spanName)}` : '');
  const inc = (selector: string): string => `sum(increase({${selector}}[${WINDOW}]))`;
  if (sli.ratio) {
    const counters = (q: string | undefined): string | undefined => (q === undefined || q.includes(WINDOW) ? q : asIncreases(q));
    return {
      ...(sli.ratio.good !== undefined ? { good: counters(sli.ratio.good)! } : { bad: counters(sli.ratio.bad)! }),
      total: counters(sli.ratio.total)!,
    };
  }
  if (sli.availability) {
    const sel = `${RED_CALLS}, ${server}${op(sli.availability.spanName)}`;
    return { bad: inc(`${sel}, "status.code"="STATUS_CODE_ERROR"`), total: inc(sel) };
  }
  if (sli.latency) {
    const le = latencyBoundMs(sli.latency.threshold) ?? 0;
    const rest = `${server}${op(sli.latency.spanName)}`;
    return { good: inc(`${RED_BUCKETS}, ${rest}, le="${le}"`), total: inc(`${RED_COUNT}, ${rest}`) };
  }
  if (sli.probe) {
    const sel = `probe_success{probe=${quote(sli.probe.name)}}[${WINDOW}]`;
    return { good: `sum(sum_over_time(${sel}))`, total: `sum(count_over_time(${sel}))` };
  }
  return null;
}

/** A counter query with each instant selector read as its increase over `{{.window}}`. */
export function asIncreases(query: string): string {
  const selectors: VectorSelector[] = [];
  const walk = (e: Expr): void => {
    switch (e.kind) {
      case 'vectorSelector':
        selectors.push(e);
        return;
      case 'matrixSelector':
        return;
      case 'subquery':
      case 'paren':
      case 'unary':
        return walk(e.expr);
      case 'call':
        return e.args.forEach(walk);
      case 'aggregate':
        walk(e.expr);
        if (e.param) walk(e.param);
        return;
      case 'binary':
        walk(e.lhs);
        walk(e.rhs);
        return;
      default:
        return;
    }
  };
  walk(parseExpr(query));
  let out = query;
  for (const s of selectors.sort((a, b) => b.pos.start - a.pos.start))
    out = `${out.slice(0, s.pos.start)}increase(${out.slice(s.pos.start, s.pos.end)}[${WINDOW}])${out.slice(s.pos.end)}`;
  return out;
}

/** The query with its window filled in. */
export const withWindow = (template: string, ms: number): string => template.replaceAll(WINDOW, promDuration(ms));

/** Sum of an instant query's samples (no samples: 0 events). */
function instantSum(store: SeriesStore, query: string, atMs: number): number {
  const r = instantQuery(store, query, atMs);
  if (r.resultType === 'scalar') return Number.isFinite(r.value) ? r.value : 0;
  if (r.resultType !== 'vector') return 0;
  return r.samples.reduce((n, s) => n + (Number.isFinite(s.v) ? s.v : 0), 0);
}

/** Prometheus refuses range queries longer than 11,000 steps: longer ones are asked in pieces. */
const MAX_STEPS = 10_000;

function rangeSums(store: SeriesStore, query: string, fromMs: number, toMs: number, stepMs: number): Map<number, number> {
  const out = new Map<number, number>();
  for (let start = fromMs + stepMs; start <= toMs; start += MAX_STEPS * stepMs) {
    const end = Math.min(toMs, start + (MAX_STEPS - 1) * stepMs);
    const r = rangeQuery(store, query, start, end, stepMs);
    if (r.resultType !== 'matrix') continue;
    for (const s of r.series) for (const p of s.points) if (Number.isFinite(p.v)) out.set(p.t, (out.get(p.t) ?? 0) + p.v);
  }
  return out;
}

export function promCounter(store: SeriesStore, pair: PromPair): EventCounter {
  const goodOf = (good: number | undefined, bad: number | undefined, total: number): number => good ?? Math.max(0, total - (bad ?? 0));
  return {
    counts(fromMs, toMs) {
      const w = toMs - fromMs;
      const total = instantSum(store, withWindow(pair.total, w), toMs);
      const good = pair.good !== undefined ? instantSum(store, withWindow(pair.good, w), toMs) : undefined;
      const bad = pair.bad !== undefined ? instantSum(store, withWindow(pair.bad, w), toMs) : undefined;
      return { good: Math.min(goodOf(good, bad, total), total), total };
    },
    steps(fromMs, toMs, stepMs) {
      const totals = rangeSums(store, withWindow(pair.total, stepMs), fromMs, toMs, stepMs);
      const goods = pair.good !== undefined ? rangeSums(store, withWindow(pair.good, stepMs), fromMs, toMs, stepMs) : null;
      const bads = pair.bad !== undefined ? rangeSums(store, withWindow(pair.bad, stepMs), fromMs, toMs, stepMs) : null;
      const out: StepCounts[] = [];
      for (let t = fromMs + stepMs; t <= toMs; t += stepMs) {
        const total = totals.get(t) ?? 0;
        out.push({ t, total, good: Math.min(goodOf(goods?.get(t) ?? (goods ? 0 : undefined), bads?.get(t), total), total) });
      }
      return out;
    },
  };
}

/** Counts log records of a search in [fromUs, toUs]. */
export type CountLogs = (q: string, fromUs: number, toUs: number) => number;

/** A log ratio: records of `good` (or `bad`) / records of `total`; at most `maxSteps` searches per side for a range. */
export function logCounter(count: CountLogs, spec: { good?: string; bad?: string; total: string }, maxSteps = 500): EventCounter {
  const counts = (fromMs: number, toMs: number): Counts => {
    // (from, to]: a record at the boundary belongs to the step it ends.
    const from = fromMs * 1000 + 1;
    const to = toMs * 1000;
    const total = count(spec.total, from, to);
    const good = spec.good !== undefined ? count(spec.good, from, to) : Math.max(0, total - count(spec.bad ?? '', from, to));
    return { good: Math.min(good, total), total };
  };
  return {
    counts,
    steps(fromMs, toMs, stepMs) {
      if ((toMs - fromMs) / stepMs > maxSteps)
        throw new Error(`a log ratio SLI is counted in at most ${maxSteps} steps: ask a longer step`);
      const out: StepCounts[] = [];
      for (let t = fromMs + stepMs; t <= toMs; t += stepMs) out.push({ t, ...counts(t - stepMs, t) });
      return out;
    },
  };
}
