// The PromQL engine's storage over Loupe's metric tables (metric_series, metric_points): OTLP
// points read back as Prometheus series, named as prometheus-names.ts says. A gauge or sum is one
// series; a histogram is `_bucket{le}` (cumulative counts), `_sum` and `_count`; an exponential
// histogram is the same, its buckets turned into `le` bounds at read time; a summary is
// `{quantile}`, `_sum`, `_count`. Delta temporality is turned into a counter, so rate() and
// increase() work: a delta sum is added up from its first point ever (the points before the window
// summed by the index); a delta histogram from the first point of the window read (summing all
// history would decode every row). A point flagged "no recorded value" is
// Prometheus's staleness marker.
//
// Selection never scans the tables: the series catalogue (names, labels: series-catalogue.ts) is
// kept in memory and grows by id (series are never deleted: retention removes points); the points
// of each chosen series are read by the (series_id, ts) index for the window asked. With the
// engine's hints (SelectHints, made a plan by read-plan.ts, read by point-reads.ts) less is read:
// only the windows of the steps when steps are further apart than a window; for an instant
// selector at steps a minute or more apart, the newest point of each step's lookback; and for
// rate()/increase() over a window of 5 slots or more at steps of a slot or more, the 1-minute or
// 1-hour rollups (migration 9), each window's first and last raw points, and the raw points after
// a series' last kept one. What a select built from a stored series is kept while the database is
// unchanged (read-cache.ts), for the other queries of a dashboard or a rule cycle.
// OTLP points not folded out of the point log yet are folded before anything is read (refresh):
// the one place this store meets the log (point-log.ts).
//
// Rollups and Prometheus's answers: a rollup keeps the last point of each slot and the points on
// each side of every counter reset, so the increase between any two kept points is the raw one;
// with each window's first and last raw points read too, rate() and increase() compute the same
// increase over the same edges as over raw points. What differs is the number of samples in a
// window, which only changes the extrapolation where a window holds a series' first or last point
// (a gap): Prometheus extrapolates to the window's edge when the gap is under 1.1 average sample
// intervals, and the average is a slot's rather than a scrape's.
// The edges are read raw, not kept in the rollups: a window [t - range, t] starts and ends in the
// middle of a slot unless t falls on a slot's edge (a chart's steps, 2,016 s over 7 days, seldom
// do), and then its first raw point is any point of that slot after the window's start: keeping
// each slot's first point as well as its last would give it only for aligned windows.
import { checkSearchDeadline } from '../logs/query/deadline.js';
import type { Db } from '../../core/database.js';
import { NO_RECORDED_VALUE } from '../../core/telemetry.js';
import { STALE_NAN, type LabelMatcher, type Labels, type SeriesStore, type StoredSeries } from './promql/index.js';
import { labelsKey, type SelectHints } from './promql/storage.js';
import { BoundSets } from './bucket-codec.js';
import { decodeChunk } from './rollup-chunks.js';
import { foldPointLog } from './point-log.js';
import {
  inGridWindow,
  inTimeOrder,
  NUMBER_COLUMNS,
  POINT_COLUMNS,
  pointReads,
  pointRows,
  type PointColumns,
  type PointReads,
} from './point-reads.js';
import { matchesAll } from './promql/matchers.js';
import type { OtlpMetricType } from './prometheus-names.js';
import { ReadCache } from './read-cache.js';
import { planKeyOf, readPlan, type ReadPlan } from './read-plan.js';
import { SeriesCatalogue, type CatalogEntry, type FamilyMetadata, type Part } from './series-catalogue.js';
import { bucketSeries, expoBucketSeries, merged, msOf, quantileSeries, SeriesBuilder, type PointRow } from './series-from-points.js';

/**
 * How long a series whose distributions a select asked has them read with its numbers too: longer
 * than a dashboard's or a rule cycle's refresh period, so that the next refresh reads it once.
 */
const DISTRIBUTIONS_ASKED_MS = 120_000;
/** Label sets kept for stableLabels at most (past it they start again): a select of every series must not double the catalogue. */
const MAX_STABLE_LABELS = 100_000;

export class SqliteSeriesStore implements SeriesStore {
  private readonly catalogue: SeriesCatalogue;
  /** The point reads, with every column and without the distributions (for `_sum`, `_count` and plain values). */
  private readonly reads: Record<'all' | 'numbers', PointReads>;
  private readonly chunks;
  private readonly lastRollupTs;
  private readonly boundSets: BoundSets;
  private readonly newestPoint;
  private readonly deltaTotalBefore;
  private readonly readCache = new ReadCache();
  /** What changes when the database does: this connection's row changes, another connection's commits. */
  private readonly totalChanges;
  private readonly dataVersion;
  /** When a select last asked each series' distributions (performance.now() ms): see select. */
  private readonly distributionsAsked = new Map<number, number>();
  /** A selected series' labels by its key (builtKey), the same object from one select to the next. */
  private readonly stableLabels = new Map<string, Labels>();

  constructor(private readonly db: Db) {
    this.catalogue = new SeriesCatalogue(db);
    this.reads = {
      all: pointReads(db, POINT_COLUMNS),
      numbers: pointReads(db, NUMBER_COLUMNS),
    };
    // The chunks with samples in [from, to]: from the last one starting at or before `from`.
    this.chunks = db
      .prepare(
        `SELECT samples FROM metric_rollups WHERE series_id = @id AND res = @res AND start_ts <= @to AND start_ts >= coalesce(
           (SELECT max(start_ts) FROM metric_rollups WHERE series_id = @id AND res = @res AND start_ts <= @from), 0)
         ORDER BY start_ts`,
      )
      .pluck();
    this.lastRollupTs = db
      .prepare('SELECT end_ts FROM metric_rollups WHERE series_id = ? AND res = ? ORDER BY start_ts DESC LIMIT 1')
      .pluck();
    this.boundSets = new BoundSets(db);
    this.deltaTotalBefore = db
      .prepare('SELECT total(coalesce(value, int_value)) FROM metric_points WHERE series_id = ? AND ts < ? AND (flags & 1) = 0')
      .pluck();
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.newestPoint = db.prepare(
      `SELECT ${POINT_COLUMNS} FROM metric_points WHERE series_id = ? AND ts BETWEEN ? AND ? ORDER BY ts DESC LIMIT 1`,
    );
  }

  /**
   * Folds the point log (every acknowledged point is then in metric_points), and adds the series
   * stored since the last look to the catalogue (by id: an index range, not a scan).
   */
  private refresh(): void {
    foldPointLog(this.db);
    this.catalogue.update();
  }

  /** Every metric name (`__name__` value) there is, sorted. */
  names(): string[] {
    this.refresh();
    return this.catalogue.names();
  }

  /** Type, help and unit per family name, as /api/v1/metadata answers. */
  families(): Map<string, FamilyMetadata> {
    this.refresh();
    return this.catalogue.families();
  }

  select(matchers: readonly LabelMatcher[], startMs: number, endMs: number, hints?: SelectHints): StoredSeries[] {
    const out = new Map<string, SeriesBuilder[]>();
    const plan = readPlan(startMs, endMs, hints);
    // Before the version is read: a fold changes it.
    this.refresh();
    this.readCache.keepIf(`${this.dataVersion.get() as number}:${this.totalChanges.get() as number}`);
    const planKey = planKeyOf(plan);
    for (const [entry, parts] of this.candidates(matchers)) {
      // Bucket and quantile parts need the distributions; the others only the numbers, unless the
      // distributions were asked of this series lately (a dashboard showing its `_count` and its
      // `_bucket`): then one read serves both, as the edges of each step's window cost the same
      // with the distributions as without, and the second read was a third of a RED refresh.
      const asked = parts.some(({ part }) => needsDistributions(entry, part));
      const distributions = asked || this.distributionsAskedLately(entry.id);
      if (asked) this.noteDistributionsAsked(entry.id);
      const built = this.readCache.series(entry.id, planKey, distributions, () => this.partsOf(entry, plan, distributions));
      for (const { name, part } of parts) {
        for (const series of built.get(part) ?? []) {
          if (!matchesAll(matchers, series.labels)) continue;
          const key = builtKey(entry, name, series.labels);
          const same = out.get(key);
          if (same) same.push(series);
          else out.set(key, [series]);
        }
      }
    }
    return [...out].map(([key, builders]) => this.withStableLabels(key, merged(builders)));
  }

  /** Whether a select asked the distributions of a series within DISTRIBUTIONS_ASKED_MS. */
  private distributionsAskedLately(seriesId: number): boolean {
    const at = this.distributionsAsked.get(seriesId);
    return at !== undefined && performance.now() - at < DISTRIBUTIONS_ASKED_MS;
  }

  private noteDistributionsAsked(seriesId: number): void {
    if (this.distributionsAsked.size >= MAX_STABLE_LABELS) this.distributionsAsked.clear();
    this.distributionsAsked.set(seriesId, performance.now());
  }

  /**
   * The series with the labels object the last select of the same series gave: the engine's caches
   * keyed by label-set objects (dropName, labelsKey, the unique-set check, aggregation groups) then
   * hold from one evaluation of a rule to the next, instead of being made again every 15 s.
   */
  private withStableLabels(key: string, series: StoredSeries): StoredSeries {
    const kept = this.stableLabels.get(key);
    if (kept) return { ...series, labels: kept };
    if (this.stableLabels.size >= MAX_STABLE_LABELS) this.stableLabels.clear();
    this.stableLabels.set(key, series.labels);
    return series;
  }

  /**
   * The Prometheus series of every part of a stored series its rows give (all of them with the
   * distributions, else those of the numbers alone): a later query asking another part of the
   * series (`_sum` after `_count`) then finds it in the read cache.
   */
  private partsOf(entry: CatalogEntry, plan: ReadPlan, distributions: boolean): Map<Part, SeriesBuilder[]> {
    const rows = this.rowsOf(entry, plan, this.reads[distributions ? 'all' : 'numbers']);
    checkSearchDeadline(rows.length);
    const byPart = new Map<Part, SeriesBuilder[]>();
    if (rows.length === 0) return byPart;
    for (const [name, part] of entry.parts) {
      if (distributions || !needsDistributions(entry, part)) byPart.set(part, this.seriesOf(entry, name, part, rows));
    }
    return byPart;
  }

  /** The points of one stored series a select needs, in time order (see the header for the choices). */
  private rowsOf(entry: CatalogEntry, plan: ReadPlan, reads: PointReads): PointRow[] {
    const from = plan.startMs * 1000;
    const to = plan.endMs * 1000 + 999;
    const steps = plan.steps;
    // A delta series is added up from its first point: every point counts.
    if (entry.delta || !steps) return pointRows(reads.points.all(entry.id, from, to));
    if (plan.newest) return pointRows(reads.newestPerStep.all({ ...steps, id: entry.id }));
    const grid = plan.windowsOnly ? steps : null;
    const raw = (lo: number): PointRow[] =>
      grid
        ? pointRows(reads.pointsInGrid.all(entry.id, lo, to, grid.last, grid.step, grid.range))
        : pointRows(reads.points.all(entry.id, lo, to));
    const res = entry.rolledUp ? plan.rollupRes : null;
    if (res === null) return raw(from);
    const rows: PointRow[] = [];
    const wanted = (ts: number): boolean => ts >= from && ts <= to && (!grid || inGridWindow(ts, grid));
    for (const blob of this.chunks.all({ id: entry.id, res, from, to }) as Buffer[]) decodeChunk(blob, rows, wanted);
    // Each window's first and last raw points, so rate() extrapolates from the same samples as over raw points.
    const edges = pointRows((reads.edgesPerStep.all({ ...steps, id: entry.id }) as PointColumns[]).sort((a, b) => a[0] - b[0]));
    // The newest slots are not kept yet: the raw points after the last kept one.
    const last = (this.lastRollupTs.get(entry.id, res) as number | undefined) ?? -Infinity;
    const tail = last >= to ? [] : raw(Math.max(from, last + 1));
    return inTimeOrder([rows, edges, tail]);
  }

  /**
   * The label sets of the series the matchers select that have a point in [startMs, endMs]
   * (/api/v1/series, labels, label values): one index seek per stored series, its newest point
   * in the range giving the `le`s or `quantile`s.
   */
  labelSets(matchers: readonly LabelMatcher[], startMs: number, endMs: number): Labels[] {
    const out = new Map<string, Labels>();
    for (const [entry, parts] of this.candidates(matchers)) {
      const row = this.newestPoint.get(entry.id, startMs * 1000, endMs * 1000 + 999) as PointRow | undefined;
      checkSearchDeadline();
      if (!row) continue;
      for (const { name, part } of parts) {
        for (const built of this.seriesOf(entry, name, part, [row])) {
          if (matchesAll(matchers, built.labels)) out.set(labelsKey(built.labels), built.labels);
        }
      }
    }
    return [...out.values()];
  }

  /**
   * Every Prometheus series (`_bucket`/`_sum`/`_count`… included) that some points of one stored
   * series make, as a query reading just those points would see them (remote write sends the points
   * stored since its last send this way). `rows` in time order; an unknown series makes none.
   */
  seriesOfPoints(seriesId: number, rows: readonly PointRow[]): { labels: Labels; timestamps: Float64Array; values: Float64Array }[] {
    this.refresh();
    const known = this.catalogue.entry(seriesId);
    if (!known || rows.length === 0) return [];
    return known.parts.flatMap(([name, part]) =>
      this.seriesOf(known, name, part, rows).map((s) => ({ labels: s.labels, timestamps: s.timestamps, values: s.values })),
    );
  }

  /** The stored series whose name and labels (those known without reading points) the matchers accept, with the parts asked. */
  private candidates(matchers: readonly LabelMatcher[]): Map<CatalogEntry, { name: string; part: Part }[]> {
    this.refresh();
    return this.catalogue.candidates(matchers);
  }

  /** The Prometheus series one part of a stored series makes, over the rows read. */
  private seriesOf(entry: CatalogEntry, name: string, part: Part, rows: readonly PointRow[]): SeriesBuilder[] {
    const base: Labels = { ...entry.labels, __name__: name };
    if (part === 'sum' || part === 'count') {
      const s = new SeriesBuilder(base, rows.length);
      let total = 0;
      for (const r of rows) {
        const t = msOf(r.ts);
        if (r.flags & NO_RECORDED_VALUE) {
          s.add(t, STALE_NAN);
          continue;
        }
        const v = (part === 'sum' ? r.sum : r.count) ?? NaN;
        total = entry.delta ? total + v : v;
        s.add(t, total);
      }
      return [s];
    }
    if (entry.type === 'gauge' || entry.type === 'sum') {
      const s = new SeriesBuilder(base, rows.length);
      // A delta sum is the running total since its first point, as if it had been cumulative.
      let total = entry.delta && rows.length > 0 ? (this.deltaTotalBefore.get(entry.id, rows[0]!.ts) as number) : 0;
      for (const r of rows) {
        const t = msOf(r.ts);
        if (r.flags & NO_RECORDED_VALUE) {
          s.add(t, STALE_NAN);
          continue;
        }
        const v = r.value ?? r.int_value ?? NaN;
        total = entry.delta ? total + v : v;
        s.add(t, total);
      }
      return [s];
    }
    if (entry.type === 'summary') return quantileSeries(base, rows);
    if (entry.type === 'histogram') return bucketSeries(base, rows, entry.delta, this.boundSets);
    return expoBucketSeries(base, rows, entry.delta);
  }

  /**
   * The stored series the matchers may select, judged on their name and the labels known without
   * reading points (`le` and `quantile` are not judged), one row per Prometheus series name asked:
   * query_exemplars reads the exemplars of these ids itself.
   */
  selectedSeries(matchers: readonly LabelMatcher[]): { id: number; type: OtlpMetricType; delta: boolean; part: Part; labels: Labels }[] {
    return [...this.candidates(matchers)].flatMap(([entry, parts]) =>
      parts.map(({ name, part }) => ({
        id: entry.id,
        type: entry.type,
        delta: entry.delta,
        part,
        labels: { ...entry.labels, __name__: name },
      })),
    );
  }
}

/** Bucket and quantile series are made from the distributions; the others from the numbers alone. */
function needsDistributions(entry: CatalogEntry, part: Part): boolean {
  return part === 'bucket' || (part === 'value' && entry.type === 'summary');
}

/**
 * The key of a series built from a catalogue entry, equal for equal label sets as labelsKey's: the
 * entry's key (made once per entry) with the name and the `le` or `quantile` the part adds, rather
 * than sorting the labels of each of the tens of thousands of series a cycle of rules builds.
 */
function builtKey(entry: CatalogEntry, name: string, labels: Labels): string {
  const own = entry.labels;
  // An attribute named `le` or `quantile` is replaced by the part's: only the whole set says.
  if (own.le !== undefined || own.quantile !== undefined || own.__name__ !== undefined) return labelsKey(labels);
  return `${labelsKey(own)}\xfd${name}\xfd${labels.le ?? ''}\xfd${labels.quantile ?? ''}`;
}
