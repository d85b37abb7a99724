// Prometheus's /api/v1/query_exemplars over Loupe's metric tables: the exemplars (a traced
// measurement: trace id, span id, value, time) kept with the metric points of the series a PromQL
// query's selectors choose, grouped by series as Prometheus answers them. Exemplars sit where
// Prometheus's own OTLP translation puts them: on a gauge's or a sum's series, and on a
// histogram's `_bucket` series whose `le` is the first bound at or above the exemplar's value
// (never on `_sum`/`_count`). The same exemplar stored with several points (a cumulative series
// re-exported, a scrape repeated) is answered once, as Prometheus's exemplar storage keeps it once.
import type { PromExemplarSeries } from '../../../../shared/model.js';
import type { Db } from '../../core/database.js';
import { BadRequestError } from '../../core/errors.js';
import type { AttrValue } from '../../core/telemetry.js';
import { checkSearchDeadline, withSearchDeadline } from '../logs/query/deadline.js';
import type { Expr } from './promql/ast.js';
import { formatValue, parseExpr, PromQLParseError, type LabelMatcher, type Labels } from './promql/index.js';
import { matchesAll } from './promql/matchers.js';
import { labelsKey } from './promql/storage.js';
import { parsePromTime } from './prometheus-api.js';
import type { SqliteSeriesStore } from './sqlite-series-store.js';
import { BoundSets } from './bucket-codec.js';

/** At most this many exemplars in one answer: a chart draws them as dots, a few thousand at most. */
export const MAX_EXEMPLARS = 5000;

/**
 * An exemplar is recorded before the point that carries it is exported (up to one export interval
 * earlier): points this much past the range's end are read too, for the exemplars inside the range.
 */
const EXPORT_SLACK_US = 5 * 60 * 1_000_000;

/** An exemplar as the writer stores it (OtlpExemplar as JSON, a bigint value as its decimal text). */
interface StoredExemplar {
  timeUs: number;
  value: number | string;
  traceId?: string;
  spanId?: string;
  attributes?: Record<string, AttrValue>;
}

interface ExemplarRow {
  /** An exponential histogram's (and, before migration 9, a classic one's) distribution as JSON. */
  distribution: string | null;
  /** A classic histogram's bound set (metric_bounds), since migration 9. */
  bounds_id: number | null;
  exemplars: string;
}

/** The selectors of an expression, wherever they sit (in a range, a subquery, a function's argument…). */
function selectorsOf(expr: Expr): LabelMatcher[][] {
  switch (expr.kind) {
    case 'vectorSelector':
      return [[...expr.matchers]];
    case 'matrixSelector':
      return selectorsOf(expr.selector);
    case 'subquery':
    case 'paren':
    case 'unary':
      return selectorsOf(expr.expr);
    case 'call':
      return expr.args.flatMap(selectorsOf);
    case 'aggregate':
      return [...selectorsOf(expr.expr), ...(expr.param ? selectorsOf(expr.param) : [])];
    case 'binary':
      return [...selectorsOf(expr.lhs), ...selectorsOf(expr.rhs)];
    case 'number':
    case 'string':
      return [];
  }
}

/** Prometheus's exemplar labels: trace_id and span_id (OpenMetrics's names), then the exemplar's filtered attributes. */
function exemplarLabels(e: StoredExemplar): Labels {
  const labels: Labels = {};
  if (e.traceId) labels.trace_id = e.traceId;
  if (e.spanId) labels.span_id = e.spanId;
  for (const [k, v] of Object.entries(e.attributes ?? {})) labels[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return labels;
}

/** The upper bound of the bucket a value falls in, as an `le` label: explicit bounds, or an exponential histogram's scale. */
function bucketBound(value: number, distribution: string | null, bounds: readonly number[] | null): string {
  if (bounds) return formatValue(bounds.find((b) => value <= b) ?? Infinity);
  if (!distribution) return '+Inf';
  const d = JSON.parse(distribution) as { bounds?: number[]; scale?: number; zeroThreshold?: number };
  if (d.bounds) return formatValue(d.bounds.find((b) => value <= b) ?? Infinity);
  if (d.scale === undefined) return '+Inf';
  const magnitude = Math.abs(value);
  if (magnitude <= (d.zeroThreshold ?? 0)) return formatValue(d.zeroThreshold ?? 0);
  // Bucket i holds (base^i, base^(i+1)] with base = 2^(2^-scale): upper bound of a positive value's bucket.
  const index = Math.ceil(Math.log2(magnitude) * 2 ** d.scale) - 1;
  const upper = 2 ** ((index + 1) / 2 ** d.scale);
  // A negative value's bucket is bounded above by the lower bound of its mirror bucket.
  return formatValue(value > 0 ? upper : -(2 ** (index / 2 ** d.scale)));
}

export class ExemplarReader {
  private readonly rows;
  private readonly boundSets: BoundSets;

  constructor(
    db: Db,
    private readonly store: SqliteSeriesStore,
  ) {
    this.boundSets = new BoundSets(db);
    this.rows = db.prepare(
      `SELECT distribution, bounds_id, exemplars FROM metric_points
       WHERE series_id = ? AND ts BETWEEN ? AND ? AND exemplars IS NOT NULL ORDER BY ts`,
    );
  }

  /** The exemplars in [start, end] (RFC 3339 or Unix seconds; all time when absent, as Prometheus) of the series `query` selects. */
  query(p: { query: string; start?: string | number | undefined; end?: string | number | undefined }): PromExemplarSeries[] {
    const startMs = p.start === undefined || p.start === '' ? Number.MIN_SAFE_INTEGER / 1000 : parsePromTime(p.start, 'start');
    const endMs = p.end === undefined || p.end === '' ? Number.MAX_SAFE_INTEGER / 1000 : parsePromTime(p.end, 'end');
    if (endMs < startMs) throw new BadRequestError('invalid parameter "end": end timestamp must not be before start time');
    let expr: Expr;
    try {
      expr = parseExpr(p.query);
    } catch (err) {
      if (err instanceof PromQLParseError) throw new BadRequestError(`invalid parameter "query": ${err.message}`);
      throw err;
    }
    return withSearchDeadline(() => this.read(selectorsOf(expr), startMs * 1000, endMs * 1000 + 999));
  }

  private read(selectors: LabelMatcher[][], startUs: number, endUs: number): PromExemplarSeries[] {
    const bySeries = new Map<string, { seriesLabels: Labels; seen: Set<string>; exemplars: PromExemplarSeries['exemplars'] }>();
    let total = 0;
    for (const matchers of selectors) {
      for (const series of this.store.selectedSeries(matchers)) {
        // Prometheus keeps exemplars on a value series and on histogram buckets only.
        if (series.part !== 'value' && series.part !== 'bucket') continue;
        if (series.type === 'summary') continue;
        const rows = this.rows.all(series.id, startUs, endUs + EXPORT_SLACK_US) as ExemplarRow[];
        checkSearchDeadline(rows.length);
        for (const row of rows) {
          for (const e of JSON.parse(row.exemplars) as StoredExemplar[]) {
            if (e.timeUs < startUs || e.timeUs > endUs) continue;
            const value = Number(e.value);
            const seriesLabels =
              series.part === 'bucket'
                ? {
                    ...series.labels,
                    le: bucketBound(value, row.distribution, row.bounds_id === null ? null : this.boundSets.get(row.bounds_id).bounds),
                  }
                : series.labels;
            if (!matchesAll(matchers, seriesLabels)) continue;
            const key = labelsKey(seriesLabels);
            let group = bySeries.get(key);
            if (!group) bySeries.set(key, (group = { seriesLabels, seen: new Set(), exemplars: [] }));
            const labels = exemplarLabels(e);
            const identity = `${e.timeUs}\u0000${value}\u0000${labelsKey(labels)}`;
            if (group.seen.has(identity)) continue;
            group.seen.add(identity);
            group.exemplars.push({ labels, value: formatValue(value), timestamp: e.timeUs / 1e6 });
            if (++total >= MAX_EXEMPLARS) return finish(bySeries);
          }
        }
      }
    }
    return finish(bySeries);
  }
}

/** Each series' exemplars in time order (a series met by two selectors, or two stored series of one label set, may interleave). */
function finish(bySeries: Map<string, { seriesLabels: Labels; exemplars: PromExemplarSeries['exemplars'] }>): PromExemplarSeries[] {
  return [...bySeries.values()].map(({ seriesLabels, exemplars }) => ({
    seriesLabels,
    exemplars: exemplars.sort((a, b) => a.timestamp - b.timestamp),
  }));
}
