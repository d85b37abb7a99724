// The explorer's list of metrics: the PromQL families (/api/v1/metadata: name, type, unit, help)
// with what metrics.list knows of the OTLP metrics behind them (series, services, newest point).
// A family is its OTel name plus the unit and type suffixes Prometheus adds (`_seconds`, `_total`,
// `_ratio`), so a received metric belongs to the family whose name is its own plus such a suffix.
import type { MetricSummaryView, PromMetricMetadata } from '../../../../shared/model.js';

export interface CatalogEntry {
  /** The PromQL family name (`http.server.duration_seconds`; its series add `_bucket` etc. for histograms). */
  family: string;
  type: PromMetricMetadata['type'];
  /** Prometheus's unit words (`seconds`, `bytes`), '' when none. */
  unit: string;
  description: string;
  /** Series received (all services), 0 when no received metric maps to it. */
  series: number;
  services: string[];
  /** Newest point, RFC 3339, '' when unknown. */
  lastTime: string;
}

const COMPATIBLE: Record<MetricSummaryView['type'], readonly PromMetricMetadata['type'][]> = {
  gauge: ['gauge'],
  sum: ['counter', 'gauge'],
  histogram: ['histogram'],
  exponential_histogram: ['histogram'],
  summary: ['summary'],
};

/** Whether `family` is the PromQL name of the received metric `m`. */
export function belongsTo(
  m: Pick<MetricSummaryView, 'name' | 'type'>,
  family: string,
  meta: Pick<PromMetricMetadata, 'type' | 'unit'>,
): boolean {
  if (!COMPATIBLE[m.type].includes(meta.type)) return false;
  if (family === m.name) return true;
  if (!family.startsWith(`${m.name}_`)) return false;
  const rest = family.slice(m.name.length + 1);
  const unit = meta.unit;
  return [unit, 'total', `${unit}_total`, 'ratio'].filter(Boolean).includes(rest);
}

/** The families, by name, each with the received metrics that map to it. */
export function buildCatalog(
  metadata: Readonly<Record<string, PromMetricMetadata[]>>,
  received: readonly MetricSummaryView[],
): CatalogEntry[] {
  const entries: CatalogEntry[] = [];
  for (const [family, metas] of Object.entries(metadata)) {
    const meta = metas[0];
    if (!meta) continue;
    const mine = received.filter((m) => belongsTo(m, family, meta));
    const services = [...new Set(mine.map((m) => m.service).filter((s): s is string => !!s))].sort();
    const lastTime = mine.reduce((t, m) => (m.lastTime > t ? m.lastTime : t), '');
    entries.push({
      family,
      type: meta.type,
      unit: meta.unit,
      description: meta.help || (mine.find((m) => m.description)?.description ?? ''),
      series: mine.reduce((n, m) => n + m.series, 0),
      services,
      lastTime,
    });
  }
  return entries.sort((a, b) => (a.family < b.family ? -1 : a.family > b.family ? 1 : 0));
}

/** Entries whose name, description or a service contains every word of `text`. */
export function filterCatalog(entries: readonly CatalogEntry[], text: string): CatalogEntry[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...entries];
  return entries.filter((e) => {
    const hay = `${e.family} ${e.description} ${e.services.join(' ')} ${e.type}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}
