// Each SLO's good and total events per minute (slo_minutes, migration 14), so that a window of any
// length is two running sums read by index (and a chart or time slices a scan of its minutes)
// instead of PromQL reading every raw point of a 28-day window for every burn-rate window. Filled
// from the metric points: once from history, a day per step on the scheduler (never a long block of
// the engine), then each minute once its points are in (SETTLE_MS); the newest minutes, not settled
// yet, are read from the points when asked.
//
// What a minute counts is exact, with no extrapolation: per series, the rise of the counter from its
// last value at or before the minute's start to its last one in the minute (a reset counts the value
// after it, as Prometheus's increase() does); probe results are summed or counted. A series with no
// earlier point starts at its first (Prometheus's rule; the RED series begin with a zero point, so
// their first flush counts). PromQL's increase() over the same window gives the same count when the
// counter's points reach the window's edges at a steady rate; elsewhere it extrapolates to the edges
// (fractional counts), where this counts what was flushed. A window starts at the start of its
// first minute (the minute's events are all in or all out).
//
// Only an SLI whose sides are each `sum(increase|sum_over_time|count_over_time(selector[window]))`
// (the RED and probe SLIs, a pair of counters) is kept here; another query is read by PromQL.
import type { Db } from '../core/database.js';
import type { Expr } from '../signals/metrics/promql/ast.js';
import { parseExpr, type LabelMatcher, type SeriesStore } from '../signals/metrics/promql/index.js';
import { withWindow, type Counts, type EventCounter, type PromPair, type StepCounts } from './sli.js';

export const MINUTE_MS = 60_000;
/** A minute is counted into the table this long after its end, once its points have arrived. */
export const SETTLE_MS = 2 * MINUTE_MS;
/** How far back a counter's last value before a range is looked for: one silent for longer starts again at its next point. */
export const BASE_LOOKBACK_MS = 60 * MINUTE_MS;
/** History counted per step of the backfill. */
export const CHUNK_MS = 24 * 60 * MINUTE_MS;
/** The table is served once it reaches this close to the settled minutes (the job runs every few seconds). */
const READY_SLACK_MS = 2 * MINUTE_MS;
/** Steps longer than this many minutes each are read as running sums at their ends rather than row by row. */
const PREFIX_STEPS_RATIO = 4;
/** Rows older than the SLO's horizon are deleted once this many more have gathered. */
const PRUNE_SLACK_MS = 24 * 60 * MINUTE_MS;

type SourceKind = 'increase' | 'sum_over_time' | 'count_over_time';

/** One side of the SLI: how a minute is counted from the points of the series matched. */
interface Source {
  kind: SourceKind;
  matchers: readonly LabelMatcher[];
}

/** An SLI the table can keep: good (or bad) and total sources, and the pair's text (a change drops the rows). */
export interface MinuteSli {
  good?: Source;
  bad?: Source;
  total: Source;
  definition: string;
}

/** The SLI as minute sources, or null when one side is another kind of query (read by PromQL). */
export function minuteSliOf(pair: PromPair): MinuteSli | null {
  const total = sourceOf(pair.total);
  const sideQuery = pair.good ?? pair.bad;
  const side = sideQuery === undefined ? null : sourceOf(sideQuery);
  if (!total || !side) return null;
  const definition = JSON.stringify(pair);
  return pair.good !== undefined ? { good: side, total, definition } : { bad: side, total, definition };
}

const unparen = (e: Expr): Expr => (e.kind === 'paren' ? unparen(e.expr) : e);

function sourceOf(query: string): Source | null {
  let e: Expr;
  try {
    e = unparen(parseExpr(withWindow(query, MINUTE_MS)));
  } catch {
    return null;
  }
  if (e.kind !== 'aggregate' || e.op !== 'sum' || e.without || e.grouping.length > 0) return null;
  const call = unparen(e.expr);
  if (call.kind !== 'call' || call.args.length !== 1) return null;
  if (call.func !== 'increase' && call.func !== 'sum_over_time' && call.func !== 'count_over_time') return null;
  const m = call.args[0]!;
  if (m.kind !== 'matrixSelector' || m.selector.offsetMs !== 0 || m.selector.at !== undefined) return null;
  return { kind: call.func, matchers: m.selector.matchers };
}

/** A source's events in the buckets (fromMs + i·bucketMs, fromMs + (i+1)·bucketMs] up to toMs, from the raw points. */
export function bucketSums(store: SeriesStore, src: Source, fromMs: number, toMs: number, bucketMs: number): Float64Array {
  const out = new Float64Array(Math.ceil((toMs - fromMs) / bucketMs));
  if (out.length === 0) return out;
  const readFrom = src.kind === 'increase' ? fromMs - BASE_LOOKBACK_MS : fromMs;
  for (const s of store.select(src.matchers, readFrom, toMs)) {
    let prev: number | undefined;
    for (let i = 0; i < s.timestamps.length; i++) {
      const t = s.timestamps[i]!;
      const v = s.values[i]!;
      // Staleness markers (and NaN values) are no samples, as in a range vector.
      if (Number.isNaN(v) || t > toMs) continue;
      if (t <= fromMs) {
        prev = v;
        continue;
      }
      const k = Math.ceil((t - fromMs) / bucketMs) - 1;
      if (src.kind === 'sum_over_time') out[k]! += v;
      else if (src.kind === 'count_over_time') out[k]! += 1;
      else {
        if (prev !== undefined) out[k]! += v >= prev ? v - prev : v;
        prev = v;
      }
    }
  }
  return out;
}

interface Mark {
  definition: string;
  fromMs: number;
  toMs: number;
}

/** Good and total of the SLI's sides as counted (good: total − bad when given by bad), clamped as the PromQL path does. */
function finish(sli: MinuteSli, side: number, total: number): Counts {
  const good = sli.good ? side : total - side;
  return { good: Math.min(Math.max(0, good), total), total };
}

export class SloMinutes {
  private readonly q;

  constructor(
    private readonly db: Db,
    private readonly store: SeriesStore,
  ) {
    this.q = {
      mark: db.prepare<[string], { definition: string; from_us: number; to_us: number }>(
        'SELECT definition, from_us, to_us FROM slo_minute_marks WHERE slo = ?',
      ),
      setMark: db.prepare<[string, string, number, number]>(
        'INSERT OR REPLACE INTO slo_minute_marks (slo, definition, from_us, to_us) VALUES (?, ?, ?, ?)',
      ),
      marks: db.prepare<[], { slo: string }>('SELECT slo FROM slo_minute_marks'),
      dropMark: db.prepare<[string]>('DELETE FROM slo_minute_marks WHERE slo = ?'),
      dropRows: db.prepare<[string]>('DELETE FROM slo_minutes WHERE slo = ?'),
      pruneRows: db.prepare<[string, number]>('DELETE FROM slo_minutes WHERE slo = ? AND minute_us <= ?'),
      last: db.prepare<[string], { good_sum: number; total_sum: number }>(
        'SELECT good_sum, total_sum FROM slo_minutes WHERE slo = ? ORDER BY minute_us DESC LIMIT 1',
      ),
      sumsAt: db.prepare<[string, number], { good_sum: number; total_sum: number }>(
        'SELECT good_sum, total_sum FROM slo_minutes WHERE slo = ? AND minute_us <= ? ORDER BY minute_us DESC LIMIT 1',
      ),
      rows: db
        .prepare<[string, number, number], [number, number, number]>(
          'SELECT minute_us, good, total FROM slo_minutes WHERE slo = ? AND minute_us > ? AND minute_us <= ? ORDER BY minute_us',
        )
        .raw(),
      insert: db.prepare<[string, number, number, number, number, number]>(
        'INSERT INTO slo_minutes (slo, minute_us, good, total, good_sum, total_sum) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  private mark(id: string): Mark | null {
    const m = this.q.mark.get(id);
    return m ? { definition: m.definition, fromMs: m.from_us / 1000, toMs: m.to_us / 1000 } : null;
  }

  /** Forget the SLOs not in `ids` (deleted, or now read by PromQL). */
  retain(ids: ReadonlySet<string>): void {
    for (const { slo } of this.q.marks.all())
      if (!ids.has(slo))
        this.db.transaction(() => {
          this.q.dropRows.run(slo);
          this.q.dropMark.run(slo);
        })();
  }

  /**
   * Count the SLO's minutes settled by `nowMs`, a chunk of history at a time until `deadline`
   * (performance.now()); `horizonMs`: how far back its windows read. True once caught up.
   */
  advance(id: string, sli: MinuteSli, nowMs: number, horizonMs: number, deadline: number): boolean {
    const target = Math.floor((nowMs - SETTLE_MS) / MINUTE_MS) * MINUTE_MS;
    let mark = this.mark(id);
    if (!mark || mark.definition !== sli.definition) {
      const start = Math.floor((nowMs - horizonMs) / MINUTE_MS) * MINUTE_MS;
      mark = { definition: sli.definition, fromMs: start, toMs: start };
      this.db.transaction(() => {
        this.q.dropRows.run(id);
        this.q.setMark.run(id, sli.definition, start * 1000, start * 1000);
      })();
    }
    const oldest = Math.floor((nowMs - horizonMs) / MINUTE_MS) * MINUTE_MS;
    if (mark.fromMs < oldest - PRUNE_SLACK_MS) {
      // Earlier rows only shift both running sums of a window: dropping them changes no answer.
      this.db.transaction(() => {
        this.q.pruneRows.run(id, oldest * 1000);
        this.q.setMark.run(id, sli.definition, oldest * 1000, mark!.toMs * 1000);
      })();
      mark.fromMs = oldest;
    }
    while (mark.toMs < target) {
      if (performance.now() > deadline) return false;
      const end = Math.min(target, mark.toMs + CHUNK_MS);
      this.countInto(id, sli, mark, end);
    }
    return true;
  }

  /** Count (mark.toMs, endMs] into rows, with the mark moved in the same transaction. */
  private countInto(id: string, sli: MinuteSli, mark: Mark, endMs: number): void {
    const from = mark.toMs;
    const totals = bucketSums(this.store, sli.total, from, endMs, MINUTE_MS);
    const sides = bucketSums(this.store, (sli.good ?? sli.bad)!, from, endMs, MINUTE_MS);
    this.db.transaction(() => {
      const last = this.q.last.get(id);
      let goodSum = last?.good_sum ?? 0;
      let totalSum = last?.total_sum ?? 0;
      for (let k = 0; k < totals.length; k++) {
        const total = totals[k]!;
        const side = sides[k]!;
        if (total === 0 && side === 0) continue;
        const good = sli.good ? side : total - side;
        goodSum += good;
        totalSum += total;
        this.q.insert.run(id, (from + (k + 1) * MINUTE_MS) * 1000, good, total, goodSum, totalSum);
      }
      this.q.setMark.run(id, sli.definition, mark.fromMs * 1000, endMs * 1000);
    })();
    mark.toMs = endMs;
  }

  /**
   * The SLO's events from the table (and the points for what it does not hold yet), or `fallback`
   * while it is still being filled, or for a range before what it covers.
   */
  counter(id: string, sli: MinuteSli, nowMs: number, fallback: EventCounter): EventCounter {
    const mark = this.mark(id);
    const target = Math.floor((nowMs - SETTLE_MS) / MINUTE_MS) * MINUTE_MS;
    if (!mark || mark.definition !== sli.definition || mark.toMs < target - READY_SLACK_MS) return fallback;
    const side = (sli.good ?? sli.bad)!;
    const sumsAt = (ms: number): { good: number; total: number } => {
      const r = this.q.sumsAt.get(id, ms * 1000);
      return { good: r?.good_sum ?? 0, total: r?.total_sum ?? 0 };
    };
    // (fromMs, toMs] from the points, one bucket; the newest part is asked for every window ending
    // at the same time, so it is read once.
    const tails = new Map<string, { side: number; total: number }>();
    const fromPoints = (fromMs: number, toMs: number): { side: number; total: number } => {
      const key = `${fromMs}:${toMs}`;
      let t = tails.get(key);
      if (!t) {
        t = {
          side: bucketSums(this.store, side, fromMs, toMs, toMs - fromMs)[0] ?? 0,
          total: bucketSums(this.store, sli.total, fromMs, toMs, toMs - fromMs)[0] ?? 0,
        };
        tails.set(key, t);
      }
      return t;
    };
    return {
      counts(fromMs, toMs) {
        const a = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS;
        if (a < mark.fromMs) return fallback.counts(fromMs, toMs);
        const b = Math.max(a, Math.min(Math.floor(toMs / MINUTE_MS) * MINUTE_MS, mark.toMs));
        const lo = sumsAt(a);
        const hi = sumsAt(b);
        const tail = toMs > b ? fromPoints(b, toMs) : { side: 0, total: 0 };
        // good_sum holds good events (or total − bad): the side's count is recovered from it.
        const goodInTable = hi.good - lo.good;
        const totalInTable = hi.total - lo.total;
        const sideInTable = sli.good ? goodInTable : totalInTable - goodInTable;
        return finish(sli, sideInTable + tail.side, totalInTable + tail.total);
      },
      steps: (fromMs, toMs, stepMs) => {
        if (fromMs < mark.fromMs || fromMs % MINUTE_MS !== 0 || stepMs % MINUTE_MS !== 0) return fallback.steps(fromMs, toMs, stepMs);
        const n = Math.max(0, Math.floor((toMs - fromMs) / stepMs));
        const sides = new Float64Array(n);
        const totals = new Float64Array(n);
        const tableEnd = Math.min(fromMs + n * stepMs, mark.toMs);
        const add = (k: number, good: number, total: number): void => {
          sides[k]! += sli.good ? good : total - good;
          totals[k]! += total;
        };
        if (tableEnd > fromMs && (tableEnd - fromMs) / MINUTE_MS > PREFIX_STEPS_RATIO * n) {
          // Steps of many minutes (a chart's): the running sums at each step's end, by index.
          let lo = sumsAt(fromMs);
          for (let k = 0; fromMs + k * stepMs < tableEnd; k++) {
            const hi = sumsAt(Math.min(tableEnd, fromMs + (k + 1) * stepMs));
            add(k, hi.good - lo.good, hi.total - lo.total);
            lo = hi;
          }
        } else {
          // Short steps (time slices): the minutes' rows, once.
          for (const [minuteUs, good, total] of this.q.rows.all(id, fromMs * 1000, tableEnd * 1000))
            add(Math.ceil((minuteUs / 1000 - fromMs) / stepMs) - 1, good, total);
        }
        // The minutes after the table's end, from the points.
        const restFrom = Math.max(fromMs, mark.toMs);
        const restTo = fromMs + n * stepMs;
        if (restTo > restFrom) {
          const rs = bucketSums(this.store, side, restFrom, restTo, MINUTE_MS);
          const rt = bucketSums(this.store, sli.total, restFrom, restTo, MINUTE_MS);
          for (let i = 0; i < rt.length; i++) {
            const k = Math.ceil((restFrom + (i + 1) * MINUTE_MS - fromMs) / stepMs) - 1;
            sides[k]! += rs[i]!;
            totals[k]! += rt[i]!;
          }
        }
        const out: StepCounts[] = [];
        for (let k = 0; k < n; k++) out.push({ t: fromMs + (k + 1) * stepMs, ...finish(sli, sides[k]!, totals[k]!) });
        return out;
      },
    };
  }
}
