// Where the metrics sources (scrape targets, StatsD, host sampling) store their points: the OTLP metric writer
// (metric_series / metric_points), one transaction per scrape or flush, then `points.stored` so
// retention and the live parts hear of it as they hear of OTLP points.
import type { EventBus } from '../../core/events.js';
import type { Db } from '../../core/database.js';
import { MetricWriter } from './metric-writer.js';
import { ResourceStore } from '../../core/resource-store.js';
import type { OtlpMetric, OtlpResource, ScopeGroup } from '../../core/telemetry.js';

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
    if (points > 0) this.events.emit('points.stored', { points });
    return points;
  }
}
