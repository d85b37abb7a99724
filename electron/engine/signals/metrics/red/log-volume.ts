// Log volume, counted as records are stored (files and OTLP alike): `loupe.log.records`, a
// cumulative monotonic sum per service (the resource's `service.name`, so PromQL's `job` and
// `service_name` are set as for OTLP metrics), `source` (the watched path, `otlp` for records
// received over OTLP) and `level` (trace … fatal, as the Logs view shows it).
import { levelOf } from '../../../../../shared/severity.js';
import type { LogInsert } from '../../logs/log-writer.js';
import type { OtlpMetric, OtlpResource, ScopeGroup } from '../../../core/telemetry.js';
import { CumulativeTable, type ResourceSeries } from './cumulative-table.js';

export const LOG_RECORDS_METRIC = 'loupe.log.records';
/** Distinct (service, source, level) combinations kept before the overflow series. */
export const LOG_VOLUME_SERIES_LIMIT = 2000;
export const LOUPE_SCOPE = 'loupe';
/** The `source` of records that came over OTLP (they have no watched source). */
export const OTLP_SOURCE = 'otlp';

const CUMULATIVE = 2;
const NO_SERVICE: OtlpResource = { attributes: {} };

export class LogVolume {
  private readonly table: CumulativeTable;
  /** Per service ('' for none): its resource's series. */
  private readonly services = new Map<string, ResourceSeries>();

  /** `sourceName`: the label of a source id (its path), or undefined when unknown. */
  constructor(
    private readonly sourceName: (sourceId: number) => string | undefined,
    limit = LOG_VOLUME_SERIES_LIMIT,
  ) {
    this.table = new CumulativeTable(limit, null);
  }

  get overflowedRecords(): number {
    return this.table.overflowed;
  }

  get seriesCount(): number {
    return this.table.seriesCount;
  }

  observe(records: readonly LogInsert[], nowUs: number): void {
    for (const rec of records) {
      const service = rec.service ?? '';
      let r = this.services.get(service);
      if (!r)
        this.services.set(service, (r = this.table.resourceOf(service === '' ? NO_SERVICE : { attributes: { 'service.name': service } })));
      const level = levelOf(rec.severity);
      const sourceId = rec.sourceId;
      const source = (): string => (sourceId === null ? OTLP_SOURCE : (this.sourceName(sourceId) ?? String(sourceId)));
      this.table.observe(r, `${sourceId ?? ''}\u0000${level}`, () => ({ source: source(), level }), nowUs);
    }
  }

  collect(nowUs: number): { groups: ScopeGroup<OtlpMetric>[]; commit: () => void } {
    const { groups, commit } = this.table.collect(nowUs);
    return {
      groups: groups.map((g) => ({
        resource: g.resource,
        scope: { name: LOUPE_SCOPE },
        items: [
          {
            name: LOG_RECORDS_METRIC,
            description: 'Log records stored, per service, source and level',
            type: 'sum',
            temporality: CUMULATIVE,
            monotonic: true,
            points: g.points.map(({ series, timeUs, values }) => ({
              startUs: series.startUs,
              timeUs,
              attributes: series.attributes,
              flags: 0,
              exemplars: [],
              intValue: values.count,
            })),
          },
        ],
      })),
      commit,
    };
  }
}
