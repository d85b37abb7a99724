// Where the metrics sources (scrape targets, StatsD, host sampling) store their points: the OTLP metric writer
// (metric_series / metric_points), one transaction per scrape or flush, then `points.stored` so
// retention and the live parts hear of it as they hear of OTLP points.
import type { EventBus } from '../../core/events.js';
import type { Db } from '../../core/database.js';
import { MetricWriter } from './metric-writer.js';
import { ResourceStore } from '../../core/resource-store.js';
import { NO_RECORDED_VALUE, type OtlpMetric, type OtlpResource, type ScopeGroup } from '../../core/telemetry.js';
import type { Labels } from './promql/index.js';

export class PointsSink {
  private readonly tx;
  private readonly writer: MetricWriter;
  private readonly resources: ResourceStore;

  constructor(
    db: Db,
    private readonly events: EventBus,
  ) {
    this.resources = new ResourceStore(db);
    const writer = (this.writer = new MetricWriter(db, this.resources));
    this.tx = db.transaction((groups: ScopeGroup<OtlpMetric>[]) => writer.write(groups));
  }

  /** Store the metrics' points as one transaction; returns how many (throws when the write fails: a full disk). */
  write(resource: OtlpResource, scope: string, metrics: OtlpMetric[]): number {
    return this.writeGroups([{ resource, scope: { name: scope }, items: metrics }]);
  }

  /** Store the points of several resources (the host and its processes) as one transaction. */
  writeGroups(groups: ScopeGroup<OtlpMetric>[]): number {
    if (groups.every((g) => g.items.length === 0)) return 0;
    let points: number;
    try {
      points = this.tx(groups);
    } catch (err) {
      // The rolled-back transaction may have made resources, series and bound sets whose ids were cached.
      this.resources.clearCache();
      this.writer.clearCache();
      throw err;
    }
    if (points > 0) this.events.emit('points.stored', { points, written: this.writer.takeWritten() });
    return points;
  }
}

/** Computed samples (recording rules', SLOs') as OTLP gauges (one per name), so PromQL reads them back as they were. */
export function gaugeMetrics(samples: { labels: Labels; value: number; stale?: boolean }[], tsMs: number): OtlpMetric[] {
  const byName = new Map<string, OtlpMetric>();
  for (const s of samples) {
    const { __name__: name = '', ...attributes } = s.labels;
    let m = byName.get(name);
    if (!m) byName.set(name, (m = { name, type: 'gauge', temporality: 0, monotonic: false, points: [] }));
    // A staleness marker is OTLP's "no recorded value" point: PromQL reads it as Prometheus's StaleNaN.
    m.points.push({
      startUs: 0,
      timeUs: tsMs * 1000,
      attributes,
      value: s.stale ? 0 : s.value,
      flags: s.stale ? NO_RECORDED_VALUE : 0,
      exemplars: [],
    });
  }
  return [...byName.values()];
}
