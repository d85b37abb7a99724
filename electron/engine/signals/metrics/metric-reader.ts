// Reading metrics back, for now as a list: each metric name received (per type, unit and service)
// with how many series it has and its newest point. PromQL queries and charts come with the
// metrics issue; this is what the Metrics view shows until then.
import type { MetricSummaryView } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Db } from '../../core/database.js';
import { foldPointLog } from './point-log.js';

interface Row {
  name: string;
  type: MetricSummaryView['type'];
  unit: string | null;
  service: string | null;
  description: string | null;
  ts: number;
  value: number | null;
  int_value: number | null;
  count: number | null;
  sum: number | null;
}

export class MetricReader {
  private readonly newestPoints;

  constructor(private readonly db: Db) {
    // Each series with its newest point (metric_points_by_series finds it without a scan).
    this.newestPoints = db.prepare(
      `SELECT s.name, s.type, s.unit, s.service, s.description, p.ts, p.value, p.int_value, p.count, p.sum
       FROM metric_series s
       JOIN metric_points p ON p.id = (SELECT id FROM metric_points WHERE series_id = s.id ORDER BY ts DESC LIMIT 1)`,
    );
  }

  /** The metrics received, by name then service; a metric whose points retention removed is gone. */
  list(): MetricSummaryView[] {
    // The OTLP points not folded yet are part of what was received.
    foldPointLog(this.db);
    const byKey = new Map<string, { view: MetricSummaryView; ts: number }>();
    for (const r of this.newestPoints.iterate() as IterableIterator<Row>) {
      const key = [r.name, r.type, r.unit ?? '', r.service ?? ''].join('\u0000');
      const known = byKey.get(key);
      if (known) {
        known.view.series++;
        if (r.ts <= known.ts) continue;
      }
      const view: MetricSummaryView = {
        name: r.name,
        type: r.type,
        ...(r.unit ? { unit: r.unit } : {}),
        ...(r.service ? { service: r.service } : {}),
        ...(r.description ? { description: r.description } : {}),
        series: known ? known.view.series : 1,
        lastTime: usToRfc3339(r.ts),
        ...lastValueOf(r),
      };
      byKey.set(key, { view, ts: r.ts });
    }
    return [...byKey.values()]
      .map((v) => v.view)
      .sort((a, b) => a.name.localeCompare(b.name) || (a.service ?? '').localeCompare(b.service ?? ''));
  }
}

/** A gauge's or sum's value; a histogram's or summary's count and sum. */
function lastValueOf(r: Row): Pick<MetricSummaryView, 'lastValue' | 'lastCount' | 'lastSum'> {
  if (r.type === 'gauge' || r.type === 'sum') {
    const v = r.value ?? r.int_value;
    return v === null ? {} : { lastValue: v };
  }
  return { ...(r.count !== null ? { lastCount: r.count } : {}), ...(r.sum !== null ? { lastSum: r.sum } : {}) };
}
