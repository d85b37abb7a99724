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
// Selection never scans the tables: the series catalogue (names, labels) is kept in memory and
// grows by id (series are never deleted: retention removes points); the points of each chosen
// series are read by the (series_id, ts) index for the window asked. With the engine's hints
// (SelectHints) less is read: only the windows of the steps when steps are further apart than a
// window; for an instant selector at steps a minute or more apart, the newest point of each
// step's lookback; and for rate()/increase() over a window of 5 slots or more at steps of a slot or
// more, the 1-minute or 1-hour rollups (migration 9), each window's first and last raw points, and
// the raw points after a series' last kept one. What a select built from a stored series is kept
// while the database is unchanged (ReadCache), for the other queries of a dashboard or a rule cycle.
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
import type { Statement } from 'better-sqlite3';
import { NO_RECORDED_VALUE, type AttrValue } from '../../core/telemetry.js';
import { STALE_NAN, type LabelMatcher, type Labels, type SeriesStore, type StoredSeries } from './promql/index.js';
import { labelsKey, type SelectHints } from './promql/storage.js';
import { BoundSets } from './bucket-codec.js';
import { ROLLUP_RESOLUTIONS } from './metric-writer.js';
import { decodeChunk } from './rollup-chunks.js';
import { foldPointLog } from './point-log.js';
import { matches, matchesAll } from './promql/matchers.js';
import { prometheusName, prometheusType, seriesLabels, unitWords, type OtlpMetricType } from './prometheus-names.js';
import { bucketSeries, expoBucketSeries, merged, msOf, quantileSeries, SeriesBuilder, type PointRow } from './series-from-points.js';

const DELTA = 1;

/** Which Prometheus series of a stored OTLP series a name designates. */
type Part = 'value' | 'bucket' | 'sum' | 'count';

/** One OTLP series as the catalogue knows it. */
interface CatalogEntry {
  readonly id: number;
  /** Prometheus name of the family (`x_seconds` for the histogram `x_seconds_bucket`). */
  readonly family: string;
  readonly type: OtlpMetricType;
  readonly delta: boolean;
  /** Has rollups: a cumulative counter or histogram (what metric-writer.ts rolls up). */
  readonly rolledUp: boolean;
  /** Labels from attributes and resource, without `__name__`, `le` or `quantile`. */
  readonly labels: Labels;
  /** The Prometheus series names it makes and which part each is (shared by the family's series). */
  readonly parts: readonly (readonly [string, Part])[];
}

/** What series of one family (name, type, unit, monotonicity) share. */
interface Family {
  readonly family: string;
  readonly parts: readonly (readonly [string, Part])[];
}

/** The parts of a family's series (a name may have parts of several families: a gauge `x_sum` and a histogram `x`). */
interface NamedPart {
  readonly part: Part;
  readonly entries: CatalogEntry[];
  /**
   * Per label name asked with `=`, its entries by value: made on the first such selector, kept up
   * to date as series come. A selector for one of a million customers then reads one list instead of
   * judging every entry (500 rules every 15 s made that most of a cycle).
   */
  readonly byLabel: Map<string, LabelIndex>;
}

/** Entries by a label's value: the entry itself while it is the only one (a customer's), saving an array per value. */
type LabelIndex = Map<string, CatalogEntry | CatalogEntry[]>;

/** `entries` by their value of `label` (entries without it are left out: `label="v"` needs a value). */
function indexEntries(index: LabelIndex, label: string, entries: readonly CatalogEntry[]): void {
  for (const entry of entries) {
    const value = entry.labels[label];
    if (value === undefined) continue;
    const same = index.get(value);
    if (same === undefined) index.set(value, entry);
    else if (Array.isArray(same)) same.push(entry);
    else index.set(value, [same, entry]);
  }
}

/**
 * The entries of a name's part the matchers may accept: through the smallest `=` index (a
 * non-empty value: `=""` also accepts a missing label), or all of them when none is asked.
 */
function entriesFor(group: NamedPart, matchers: readonly LabelMatcher[]): readonly CatalogEntry[] {
  let fewest: readonly CatalogEntry[] = group.entries;
  for (const m of matchers) {
    if (m.type !== '=' || m.value === '') continue;
    let index = group.byLabel.get(m.name);
    if (!index) {
      group.byLabel.set(m.name, (index = new Map()));
      indexEntries(index, m.name, group.entries);
    }
    const found = index.get(m.value);
    const some = found === undefined ? [] : Array.isArray(found) ? found : [found];
    if (some.length < fewest.length) fewest = some;
  }
  return fewest;
}

/** What /api/v1/metadata says of a family. */
export interface FamilyMetadata {
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  help: string;
  unit: string;
}

interface SeriesRow {
  id: number;
  name: string;
  description: string | null;
  type: OtlpMetricType;
  unit: string | null;
  temporality: number;
  monotonic: number;
  attributes: string | null;
  resource: string | null;
}

export type { PointRow } from './series-from-points.js';

/** The columns of PointRow, as metric_points has them (the bucket counts as hex: see decodeCounts). */
export const POINT_COLUMNS = 'ts, value, int_value, count, sum, distribution, bounds_id, hex(bucket_counts) AS bucket_counts, flags';
/** The same without the distributions (for `_sum`, `_count` and plain values). */
const NUMBER_COLUMNS = 'ts, value, int_value, count, sum, NULL AS distribution, NULL AS bounds_id, NULL AS bucket_counts, flags';

/**
 * Rollups serve a window of at least this many of their slots, at steps of at least one slot (a
 * chart's point spans a slot or more: finer steps would show the slots).
 */
const ROLLUP_MIN_SLOTS = 5;
/** An instant selector's steps at least this far apart read the newest point of each step. */
const NEWEST_PER_STEP_MIN_MS = 60_000;
/**
 * How long a series whose distributions a select asked has them read with its numbers too: longer
 * than a dashboard's or a rule cycle's refresh period, so that the next refresh reads it once.
 */
const DISTRIBUTIONS_ASKED_MS = 120_000;
/** Label sets kept for stableLabels at most (past it they start again): a select of every series must not double the catalogue. */
const MAX_STABLE_LABELS = 100_000;

/** How one select reads: the window, and what the hints allow. */
/** The windows a selector is read in: [t - range, t] for t = first, first + step, … last (ms). */
interface Steps {
  first: number;
  last: number;
  step: number;
  range: number;
}

interface ReadPlan {
  startMs: number;
  endMs: number;
  /** The steps' windows, when the hints gave them. */
  steps: Steps | null;
  /** Read only the points inside the windows (they leave gaps: steps further apart than a window). */
  windowsOnly: boolean;
  /** Read the newest point of each window (an instant selector). */
  newest: boolean;
  /** The rollup resolution rate()/increase() may read, seconds. */
  rollupRes: number | null;
}

function readPlan(startMs: number, endMs: number, hints: SelectHints | undefined): ReadPlan {
  const plan: ReadPlan = { startMs, endMs, steps: null, windowsOnly: false, newest: false, rollupRes: null };
  if (!hints || hints.stepMs <= 0) return plan;
  const { firstMs, stepMs, rangeMs } = hints;
  // The SQL below does integer arithmetic on the steps.
  if (![firstMs, stepMs, rangeMs, hints.lastMs].every(Number.isSafeInteger)) return plan;
  const last = firstMs + Math.floor((hints.lastMs - firstMs) / stepMs) * stepMs;
  plan.steps = { first: firstMs, last, step: stepMs, range: rangeMs };
  if (hints.instant) {
    plan.newest = stepMs >= NEWEST_PER_STEP_MIN_MS;
    return plan;
  }
  plan.windowsOnly = stepMs > rangeMs;
  if (hints.func === 'rate' || hints.func === 'increase') {
    plan.rollupRes =
      [...ROLLUP_RESOLUTIONS].reverse().find((res) => res * 1000 <= stepMs && res * 1000 * ROLLUP_MIN_SLOTS <= rangeMs) ?? null;
  }
  return plan;
}

export class SqliteSeriesStore implements SeriesStore {
  // The catalogue holds every series ever stored (a million active ones, or more): per series one
  // entry and its labels object, the strings of its family and resource shared with its siblings.
  private readonly byName = new Map<string, NamedPart[]>();
  private readonly byId = new Map<number, CatalogEntry>();
  private readonly familiesByKey = new Map<string, Family>();
  /** Per resource (its JSON), its attributes and the labels they make, each made once. */
  private readonly resourceLabels = new Map<string, { attributes: Record<string, AttrValue>; labels: Labels }>();
  private readonly metadata = new Map<string, FamilyMetadata>();
  private lastId = 0;
  private readonly newSeries;
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
    this.newSeries = db.prepare(
      `SELECT s.id, s.name, s.description, s.type, s.unit, s.temporality, s.monotonic, s.attributes, r.attributes AS resource
       FROM metric_series s LEFT JOIN resources r ON r.id = s.resource_id WHERE s.id > ? ORDER BY s.id`,
    );
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
    for (const r of this.newSeries.iterate(this.lastId) as IterableIterator<SeriesRow>) {
      this.lastId = r.id;
      const named = { name: r.name, type: r.type, unit: r.unit, monotonic: r.monotonic === 1 };
      const familyKey = `${r.name}\0${r.type}\0${r.unit ?? ''}\0${r.monotonic}`;
      let shared = this.familiesByKey.get(familyKey);
      if (!shared) {
        const family = prometheusName(named);
        const parts: [string, Part][] =
          r.type === 'gauge' || r.type === 'sum'
            ? [[family, 'value']]
            : r.type === 'summary'
              ? [
                  [family, 'value'],
                  [`${family}_sum`, 'sum'],
                  [`${family}_count`, 'count'],
                ]
              : [
                  [`${family}_bucket`, 'bucket'],
                  [`${family}_sum`, 'sum'],
                  [`${family}_count`, 'count'],
                ];
        this.familiesByKey.set(familyKey, (shared = { family, parts }));
        if (!this.metadata.has(family)) {
          this.metadata.set(family, { type: prometheusType(named), help: r.description ?? '', unit: unitWords(r.unit).join('_') });
        }
      }
      let resource = this.resourceLabels.get(r.resource ?? '');
      if (!resource) {
        const attributes = r.resource ? (JSON.parse(r.resource) as Record<string, AttrValue>) : {};
        resource = { attributes, labels: seriesLabels({}, attributes) };
        this.resourceLabels.set(r.resource ?? '', resource);
      }
      const labels = seriesLabels(r.attributes ? (JSON.parse(r.attributes) as Record<string, AttrValue>) : {}, resource.attributes);
      // The resource's label values as one string each, not one per series.
      for (const [k, v] of Object.entries(resource.labels)) if (labels[k] === v) labels[k] = v;
      const delta = r.temporality === DELTA && (r.type === 'sum' || r.type === 'histogram' || r.type === 'exponential_histogram');
      const rolledUp =
        r.temporality !== DELTA && (r.type === 'sum' ? r.monotonic === 1 : r.type === 'histogram' || r.type === 'exponential_histogram');
      const entry: CatalogEntry = { id: r.id, family: shared.family, type: r.type, delta, rolledUp, labels, parts: shared.parts };
      this.byId.set(r.id, entry);
      for (const [name, part] of shared.parts) {
        let named = this.byName.get(name);
        if (!named) this.byName.set(name, (named = []));
        let group = named.find((g) => g.part === part);
        if (!group) named.push((group = { part, entries: [], byLabel: new Map() }));
        group.entries.push(entry);
        for (const [label, index] of group.byLabel) indexEntries(index, label, [entry]);
      }
    }
  }

  /** Every metric name (`__name__` value) there is, sorted. */
  names(): string[] {
    this.refresh();
    return [...this.byName.keys()].sort();
  }

  /** Type, help and unit per family name, as /api/v1/metadata answers. */
  families(): Map<string, FamilyMetadata> {
    this.refresh();
    return this.metadata;
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
    const known = this.byId.get(seriesId);
    if (!known || rows.length === 0) return [];
    return known.parts.flatMap(([name, part]) =>
      this.seriesOf(known, name, part, rows).map((s) => ({ labels: s.labels, timestamps: s.timestamps, values: s.values })),
    );
  }

  /** The stored series whose name and labels (those known without reading points) the matchers accept, with the parts asked. */
  private candidates(matchers: readonly LabelMatcher[]): Map<CatalogEntry, { name: string; part: Part }[]> {
    this.refresh();
    const nameMatchers = matchers.filter((m) => m.name === '__name__');
    // Labels a catalogue entry can be judged on before reading points (`le`/`quantile` come with them).
    const early = matchers.filter((m) => m.name !== '__name__' && m.name !== 'le' && m.name !== 'quantile');
    const exact = nameMatchers.find((m) => m.type === '=');
    const names = exact ? [exact.value] : [...this.byName.keys()].filter((n) => nameMatchers.every((m) => matches(m, n)));
    // Each stored series is read once even when several of its parts are asked (`{__name__=~"x_.*"}`).
    const wanted = new Map<CatalogEntry, { name: string; part: Part }[]>();
    for (const name of names) {
      for (const group of this.byName.get(name) ?? []) {
        const part = group.part;
        for (const entry of entriesFor(group, early)) {
          if (!matchesAll(early, entry.labels)) continue;
          let parts = wanted.get(entry);
          if (!parts) wanted.set(entry, (parts = []));
          parts.push({ name, part });
        }
      }
    }
    return wanted;
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

/** A read plan as a string: equal plans read the same rows. */
function planKeyOf(plan: ReadPlan): string {
  const s = plan.steps;
  return `${plan.startMs},${plan.endMs},${s ? `${s.first},${s.last},${s.step},${s.range}` : ''},${plan.windowsOnly},${plan.newest},${plan.rollupRes}`;
}

/**
 * Samples (16 bytes each, in typed arrays) and stored series the read cache holds at most; past
 * either, it starts again (a query over a million series keeps a bounded part of them).
 */
const READ_CACHE_SAMPLES = 4_000_000;
const READ_CACHE_SERIES = 50_000;
/** How long what was read is kept when nothing is written (an idle app's memory). */
const READ_CACHE_MS = 30_000;

/** Bucket and quantile series are made from the distributions; the others from the numbers alone. */
function needsDistributions(entry: CatalogEntry, part: Part): boolean {
  return part === 'bucket' || (part === 'value' && entry.type === 'summary');
}

/**
 * The series built from a stored series' rows, per read plan, kept while the database is as it was
 * when they were read: the charts of a dashboard asked together, or the rules of one cycle, read a
 * series they share once (a histogram's `_count` in three charts, its `_bucket` in two, its `_sum`
 * and `_count` in one). Any write drops them all: nothing outlives the data it came from. What
 * was read with the distributions also serves a read of the numbers alone. Built series, not rows:
 * their samples are in typed arrays, which cost the garbage collector nothing to keep, where
 * thousands of row objects kept past a query would be moved to the old generation and traced.
 */
class ReadCache {
  private readonly byKey = new Map<string, Map<Part, SeriesBuilder[]>>();
  private version = '';
  private since = 0;
  private samples = 0;

  /** Keeps what is held if the database's version is still `version` (and it is recent). */
  keepIf(version: string): void {
    const now = performance.now();
    if (version === this.version && now - this.since < READ_CACHE_MS) return;
    this.clear();
    this.version = version;
    this.since = now;
  }

  series(seriesId: number, planKey: string, distributions: boolean, read: () => Map<Part, SeriesBuilder[]>): Map<Part, SeriesBuilder[]> {
    const all = `${seriesId}|${planKey}|all`;
    const key = distributions ? all : `${seriesId}|${planKey}|numbers`;
    const held = this.byKey.get(all) ?? this.byKey.get(key);
    if (held) return held;
    const built = read();
    let samples = 0;
    for (const list of built.values()) for (const s of list) samples += s.length;
    if (this.samples + samples > READ_CACHE_SAMPLES || this.byKey.size >= READ_CACHE_SERIES) this.clear();
    this.byKey.set(key, built);
    this.samples += samples;
    return built;
  }

  private clear(): void {
    this.byKey.clear();
    this.samples = 0;
  }
}

/**
 * The statements that read points of one series, for some columns (PointRow's, some maybe NULL),
 * as arrays in POINT_COLUMNS's order (pointRows makes the rows).
 */
interface PointReads {
  readonly points: Statement;
  readonly pointsInGrid: Statement;
  readonly newestPerStep: Statement;
  readonly edgesPerStep: Statement;
}

function pointReads(db: Db, columns: string): PointReads {
  const steps = 'WITH RECURSIVE steps(t) AS (SELECT @first UNION ALL SELECT t + @step FROM steps WHERE t + @step <= @last)';
  const inWindow = 'series_id = @id AND ts BETWEEN (steps.t - @range) * 1000 AND steps.t * 1000 + 999';
  const p = columns.replace(/(?<!AS )\b(ts|value|int_value|count|sum|distribution|bounds_id|bucket_counts|flags)\b/g, 'p.$1');
  return {
    points: db.prepare(`SELECT ${columns} FROM metric_points WHERE series_id = ? AND ts BETWEEN ? AND ? ORDER BY ts`).raw(),
    // A point is in a window of the steps when its ms lie at most the range before a step's time.
    pointsInGrid: db
      .prepare(`SELECT ${columns} FROM metric_points WHERE series_id = ? AND ts BETWEEN ? AND ? AND (? - ts / 1000) % ? <= ? ORDER BY ts`)
      .raw(),
    newestPerStep: db
      .prepare(
        `${steps} SELECT DISTINCT ${p} FROM steps JOIN metric_points p ON p.id = (
         SELECT id FROM metric_points WHERE ${inWindow} ORDER BY ts DESC LIMIT 1
       ) ORDER BY p.ts`,
      )
      .raw(),
    // The oldest and newest point of each step's window, each point once (IN keeps each id once:
    // windows overlap, and rows are what costs), in id order: the caller sorts them by time, which
    // costs less than SQLite's sorter copying every row.
    edgesPerStep: db
      .prepare(
        `SELECT ${columns} FROM metric_points WHERE id IN (
         ${steps} SELECT (SELECT id FROM metric_points WHERE ${inWindow} ORDER BY ts LIMIT 1) FROM steps
         UNION ALL SELECT (SELECT id FROM metric_points WHERE ${inWindow} ORDER BY ts DESC LIMIT 1) FROM steps
       )`,
      )
      .raw(),
  };
}

/**
 * Rows from a point read's arrays: better-sqlite3 makes an object per row far slower than an array
 * (over a dashboard's rollup reads, most of the time went there), the same object made here is cheap.
 */
function pointRows(arrays: unknown[]): PointRow[] {
  return (arrays as PointColumns[]).map(([ts, value, int_value, count, sum, distribution, bounds_id, bucket_counts, flags]) => ({
    ts,
    value,
    int_value,
    count,
    sum,
    distribution,
    bounds_id,
    bucket_counts,
    flags,
  }));
}

/** A PointRow as its columns' values, in POINT_COLUMNS's order. */
type PointColumns = [
  number,
  number | null,
  number | null,
  number | null,
  number | null,
  string | null,
  number | null,
  string | null,
  number,
];

/** Rows of several reads, each in time order, merged into one, a point read twice kept once. */
function inTimeOrder(parts: PointRow[][]): PointRow[] {
  const out: PointRow[] = [];
  const at = parts.map(() => 0);
  for (;;) {
    let next = -1;
    for (let i = 0; i < parts.length; i++) {
      const r = parts[i]![at[i]!];
      if (r && (next < 0 || r.ts < parts[next]![at[next]!]!.ts)) next = i;
    }
    if (next < 0) return out;
    const r = parts[next]![at[next]!++]!;
    if (out.length === 0 || out[out.length - 1]!.ts !== r.ts) out.push(r);
  }
}

/** What the SQL's inGrid says: the point's ms lie at most rangeMs before a time of the grid. */
function inGridWindow(us: number, grid: Steps): boolean {
  return (grid.last - Math.trunc(us / 1000)) % grid.step <= grid.range;
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
