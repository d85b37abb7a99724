// The writer of metric points: each point joins its series (identity = resource + scope + name +
// type + unit + temporality + monotonicity + attributes; created on first sight), and is stored
// as it came: start time (resets), value or distribution (a classic histogram's buckets in the
// compact form of bucket-codec.ts), exemplars. Cumulative counters and histograms also feed the
// 1-minute and 1-hour rollups (migration 9; rollup-chunks.ts's Rollups). Points go in several rows
// per INSERT, and each write widens the time bounds of the id blocks it wrote in (migration 12:
// what retention finds old points by). The OTLP ingest's writer appends the points to the
// unindexed log instead (migration 13), and adds them to the log's rollups, which point-log.ts's
// fold writes when it moves them into metric_points.
import type { Db } from '../../core/database.js';
import { canonicalJson, hashOf, ResourceStore, serviceOf } from '../../core/resource-store.js';
import type { OtlpExemplar, OtlpMetric, OtlpPoint, ScopeGroup } from '../../core/telemetry.js';
import { BoundSets, encodeCounts } from './bucket-codec.js';
import { ROLLUP_RESOLUTIONS, Rollups } from './rollup-chunks.js';
import { blockWidener, logRollups, pointLogInsert, POINT_BLOCK_IDS } from './point-log.js';

declare module '../../core/events.js' {
  interface EngineEvents {
    /**
     * Metric points were stored (committed); `written` says into which series (a listener without
     * it must assume any series may have changed).
     */
    'points.stored': { points: number; written?: WrittenSeries };
  }
}

/** The series a write stored points into: the oldest point's time (µs) of each, and whether one may be new (not written by this writer before). */
export interface WrittenSeries {
  readonly oldestUs: ReadonlyMap<number, number>;
  readonly newSeries: boolean;
}

export { POINT_BLOCK_IDS, ROLLUP_RESOLUTIONS };

/** Points per multi-row INSERT: one statement step for many rows (a point has 14 columns). */
const ROWS_PER_INSERT = 32;
const POINT_INSERT = `INSERT INTO metric_points (series_id, start_us, ts, value, int_value, count, sum, min, max, distribution, bounds_id, bucket_counts, exemplars, flags) VALUES `;
const POINT_VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const POINT_PARAMS = 14;

/** Series Prometheus reads as counters (rate/increase): cumulative monotonic sums and cumulative histograms (ROLLED_UP_SERIES in SQL). */
function rolledUp(m: OtlpMetric): boolean {
  if (m.temporality === 1) return false;
  return m.type === 'sum' ? m.monotonic : m.type === 'histogram' || m.type === 'exponential_histogram';
}

export interface MetricWriterOptions {
  /** Append the points to metric_points_log, for point-log.ts to fold and roll up (the OTLP ingest's writer). */
  log?: boolean;
}

export class MetricWriter {
  /**
   * Series ids by the metric's identity (but for the attributes), then by the point's attributes
   * as sent (an SDK sends them in the same order each time): their canonical JSON, keys sorted,
   * costs several times more and is needed only for a new series.
   */
  private readonly seriesIds = new Map<string, Map<string, number>>();
  /** The rollups of the points written: this writer's own, or the point log's (written by its folds). */
  private readonly rollups: Rollups;
  /** A write is under way (still so when one begins: the last one failed half-way). */
  private writing = false;
  private readonly bounds: BoundSets;
  private readonly findSeries;
  private readonly insertSeries;
  private readonly insertPoint;
  private readonly insertPoints;
  private readonly widenBlocks;
  private readonly log: boolean;
  /** The parameters of the points not inserted yet, ROWS_PER_INSERT at most. */
  private readonly pending: unknown[] = [];
  /** What the writes since the last takeWritten() stored (for `points.stored`: the rules' point cache). */
  private written = { oldestUs: new Map<number, number>(), newSeries: false };

  constructor(
    db: Db,
    private readonly resources: ResourceStore,
    options: MetricWriterOptions = {},
  ) {
    this.log = options.log ?? false;
    this.findSeries = db.prepare('SELECT id FROM metric_series WHERE hash = ?').pluck();
    this.insertSeries = db.prepare(
      `INSERT INTO metric_series (hash, resource_id, service, scope_name, scope_version, name, description, type, unit, temporality, monotonic, attributes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertPoint = db.prepare(this.log ? pointLogInsert(1) : POINT_INSERT + POINT_VALUES);
    this.insertPoints = db.prepare(
      this.log ? pointLogInsert(ROWS_PER_INSERT) : POINT_INSERT + new Array<string>(ROWS_PER_INSERT).fill(POINT_VALUES).join(', '),
    );
    this.widenBlocks = blockWidener(db);
    this.rollups = this.log ? logRollups(db) : new Rollups(db);
    this.bounds = new BoundSets(db);
  }

  /** Store the points of a request (inside the caller's transaction); returns how many. */
  write(groups: ScopeGroup<OtlpMetric>[]): number {
    let stored = 0;
    // Left by a write that failed half-way (its transaction was rolled back).
    this.pending.length = 0;
    if (this.log && this.writing) this.rollups.trusted = false;
    if (!this.log) this.rollups.begin();
    this.writing = true;
    let minTs = Infinity;
    let maxTs = -Infinity;
    /** The ids of the write's first and last points (0: none inserted yet). */
    const ids = { first: 0, last: 0 };
    for (const g of groups) {
      if (g.items.length === 0) continue;
      const resourceId = this.resources.idOf(g.resource);
      const service = serviceOf(g.resource.attributes) ?? null;
      for (const m of g.items) {
        const rollup = rolledUp(m);
        // The identity but for the point's attributes, the same for all of the metric's points.
        const metricIdentity = [
          resourceId,
          g.scope.name,
          g.scope.version ?? '',
          m.name,
          m.type,
          m.unit ?? '',
          m.temporality,
          m.monotonic ? 1 : 0,
          '',
        ].join('\u0000');
        let idsBySent = this.seriesIds.get(metricIdentity);
        if (!idsBySent) this.seriesIds.set(metricIdentity, (idsBySent = new Map()));
        for (const p of m.points) {
          const sent = JSON.stringify(p.attributes);
          let seriesId = idsBySent.get(sent);
          if (seriesId === undefined) {
            const attributes = canonicalJson(p.attributes);
            const hash = hashOf(metricIdentity + attributes);
            seriesId =
              (this.findSeries.get(hash) as number | undefined) ??
              Number(
                this.insertSeries.run(
                  hash,
                  resourceId,
                  service,
                  g.scope.name || null,
                  g.scope.version ?? null,
                  m.name,
                  m.description ?? null,
                  m.type,
                  m.unit ?? null,
                  m.temporality,
                  m.monotonic ? 1 : 0,
                  attributes === '{}' ? null : attributes,
                ).lastInsertRowid,
              );
            idsBySent.set(sent, seriesId);
            this.written.newSeries = true;
          }
          const d = p.distribution;
          const bucketCounts =
            m.type === 'histogram' && d && Array.isArray(d.bounds) && Array.isArray(d.counts) ? encodeCounts(d.counts) : null;
          const boundsId = bucketCounts ? this.bounds.idOf(d!.bounds as number[]) : null;
          const distribution = d && !bucketCounts ? JSON.stringify(d) : null;
          this.pending.push(
            seriesId,
            p.startUs || null,
            p.timeUs,
            p.value ?? null,
            p.intValue ?? null,
            p.count ?? null,
            p.sum ?? null,
            p.min ?? null,
            p.max ?? null,
            distribution,
            boundsId,
            bucketCounts,
            p.exemplars.length > 0 ? JSON.stringify(p.exemplars.map(exemplarJson)) : null,
            p.flags,
          );
          if (this.pending.length === ROWS_PER_INSERT * POINT_PARAMS) this.insertPending(ids);
          if (p.timeUs < minTs) minTs = p.timeUs;
          if (p.timeUs > maxTs) maxTs = p.timeUs;
          const oldest = this.written.oldestUs.get(seriesId);
          if (oldest === undefined || p.timeUs < oldest) this.written.oldestUs.set(seriesId, p.timeUs);
          if (rollup) this.rollUp(seriesId, p, boundsId, bucketCounts, distribution);
          stored++;
        }
      }
    }
    if (stored > 0) {
      this.insertPending(ids);
      // Every block the write's ids went to may hold any of its times (logged points get theirs when folded).
      if (!this.log) {
        this.widenBlocks(ids.first, ids.last, minTs, maxTs);
        this.rollups.flush();
      }
    }
    this.writing = false;
    return stored;
  }

  /** Inserts the pending points: a full batch as one INSERT (its rows get consecutive ids), fewer one by one. */
  private insertPending(ids: { first: number; last: number }): void {
    const rows = this.pending.length / POINT_PARAMS;
    if (rows === ROWS_PER_INSERT) {
      ids.last = Number(this.insertPoints.run(this.pending).lastInsertRowid);
      if (ids.first === 0) ids.first = ids.last - ROWS_PER_INSERT + 1;
    } else {
      for (let at = 0; at < this.pending.length; at += POINT_PARAMS) {
        ids.last = Number(this.insertPoint.run(this.pending.slice(at, at + POINT_PARAMS)).lastInsertRowid);
        if (ids.first === 0) ids.first = ids.last;
      }
    }
    this.pending.length = 0;
  }

  private rollUp(seriesId: number, p: OtlpPoint, boundsId: number | null, bucketCounts: Buffer | null, distribution: string | null): void {
    this.rollups.add(seriesId, {
      ts: p.timeUs,
      startUs: p.startUs,
      value: p.value ?? (p.intValue === undefined ? null : Number(p.intValue)),
      count: p.count ?? null,
      sum: p.sum ?? null,
      boundsId,
      bucketCounts,
      distribution,
      flags: p.flags,
    });
  }

  /** What the writes since the last call stored (the caller's `points.stored` payload, once committed). */
  takeWritten(): WrittenSeries {
    const written = this.written;
    this.written = { oldestUs: new Map(), newSeries: false };
    return written;
  }

  /**
   * Forget cached series ids (retention may remove series), bound sets and rollup state: after a
   * failed transaction, what they say of the database may have been rolled back.
   */
  clearCache(): void {
    this.written = { oldestUs: new Map(), newSeries: false };
    this.seriesIds.clear();
    this.bounds.clearCache();
    // The log's rollups are the fold's to start again, from the points the log holds.
    if (this.log) this.rollups.trusted = false;
    else this.rollups.clear();
  }
}

function exemplarJson(e: OtlpExemplar): Record<string, unknown> {
  return { ...e, value: typeof e.value === 'bigint' ? e.value.toString() : e.value };
}
