// The writer of metric points: each point joins its series (identity = resource + scope + name +
// type + unit + temporality + monotonicity + attributes; created on first sight), and is stored
// as it came: start time (resets), value or distribution, exemplars.
import type { Db } from '../../core/database.js';
import { canonicalJson, hashOf, ResourceStore, serviceOf } from '../../core/resource-store.js';
import type { OtlpExemplar, OtlpMetric, ScopeGroup } from '../../core/telemetry.js';

declare module '../../core/events.js' {
  interface EngineEvents {
    /** Metric points were stored (committed). */
    'points.stored': { points: number };
  }
}

export class MetricWriter {
  private readonly seriesIds = new Map<string, number>();
  private readonly findSeries;
  private readonly insertSeries;
  private readonly insertPoint;

  constructor(
    db: Db,
    private readonly resources: ResourceStore,
  ) {
    this.findSeries = db.prepare('SELECT id FROM metric_series WHERE hash = ?').pluck();
    this.insertSeries = db.prepare(
      `INSERT INTO metric_series (hash, resource_id, service, scope_name, scope_version, name, description, type, unit, temporality, monotonic, attributes)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertPoint = db.prepare(
      `INSERT INTO metric_points (series_id, start_us, ts, value, int_value, count, sum, min, max, distribution, exemplars, flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Store the points of a request (inside the caller's transaction); returns how many. */
  write(groups: ScopeGroup<OtlpMetric>[]): number {
    let stored = 0;
    for (const g of groups) {
      if (g.items.length === 0) continue;
      const resourceId = this.resources.idOf(g.resource);
      const service = serviceOf(g.resource.attributes) ?? null;
      for (const m of g.items) {
        for (const p of m.points) {
          const attributes = canonicalJson(p.attributes);
          const identity = [
            resourceId,
            g.scope.name,
            g.scope.version ?? '',
            m.name,
            m.type,
            m.unit ?? '',
            m.temporality,
            m.monotonic ? 1 : 0,
            attributes,
          ].join('\u0000');
          let seriesId = this.seriesIds.get(identity);
          if (seriesId === undefined) {
            const hash = hashOf(identity);
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
            this.seriesIds.set(identity, seriesId);
          }
          this.insertPoint.run(
            seriesId,
            p.startUs || null,
            p.timeUs,
            p.value ?? null,
            p.intValue ?? null,
            p.count ?? null,
            p.sum ?? null,
            p.min ?? null,
            p.max ?? null,
            p.distribution ? JSON.stringify(p.distribution) : null,
            p.exemplars.length > 0 ? JSON.stringify(p.exemplars.map(exemplarJson)) : null,
            p.flags,
          );
          stored++;
        }
      }
    }
    return stored;
  }

  /** Forget cached series ids (retention may remove series). */
  clearCache(): void {
    this.seriesIds.clear();
  }
}

function exemplarJson(e: OtlpExemplar): Record<string, unknown> {
  return { ...e, value: typeof e.value === 'bigint' ? e.value.toString() : e.value };
}
