// A range query's answer as chart.js line datasets: one per series, its points as {x: ms, y},
// a gap where a step has no point (a series that stopped is not drawn across the hole), named by
// its labels, and a cap on how many series one chart draws; and the exemplars of its queries as
// dots (a measurement that links to its trace).
import type { PromExemplarSeries, PromQueryData } from '../../../../shared/model.js';
import type { ChartQuery } from './promql-build.js';

export interface SeriesPoint {
  x: number;
  y: number | null;
}

export interface ChartSeries {
  /** Unique within the chart; what the legend shows. */
  label: string;
  labels: Record<string, string>;
  points: SeriesPoint[];
  /** The newest value (for the legend and the overview's figures). */
  last: number | null;
}

/** More lines than this and a chart is unreadable: the rest are left out, and counted. */
export const MAX_SERIES_PER_CHART = 30;

/** A series' name: its labels but `__name__` (`{route="/a", code="200"}`), or its one label's value. */
export function seriesName(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels).filter(([k]) => k !== '__name__');
  if (entries.length === 0) return labels.__name__ ?? '';
  if (entries.length === 1) return entries[0]?.[1] ?? '';
  return `{${entries.map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
}

/** Prometheus's sample value (a string: "NaN", "+Inf" included) as a number to draw, or a gap. */
function sampleValue(text: string): number | null {
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

/**
 * The series of one query's matrix, with a gap (null) wherever more than 1.5 steps pass between
 * two points. `legend` prefixes each name (`p95 · checkout`).
 */
export function matrixSeries(data: PromQueryData, query: Pick<ChartQuery, 'legend'>, stepMs: number): ChartSeries[] {
  if (data.resultType !== 'matrix') return [];
  return data.result.map((s) => {
    const points: SeriesPoint[] = [];
    let prev: number | undefined;
    for (const [t, text] of s.values) {
      const x = Math.round(t * 1000);
      if (prev !== undefined && x - prev > stepMs * 1.5) points.push({ x: prev + stepMs, y: null });
      points.push({ x, y: sampleValue(text) });
      prev = x;
    }
    const name = seriesName(s.metric);
    const label = query.legend && name ? `${query.legend} · ${name}` : query.legend || name || '(value)';
    const last = [...points].reverse().find((p) => p.y !== null)?.y ?? null;
    return { label, labels: s.metric, points, last };
  });
}

/** The series of all a chart's queries, sorted by name, at most MAX_SERIES_PER_CHART of them. */
export function chartSeries(
  answers: readonly { data: PromQueryData; query: ChartQuery }[],
  stepMs: number,
): { series: ChartSeries[]; omitted: number } {
  const all = answers.flatMap((a) => matrixSeries(a.data, a.query, stepMs));
  all.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  return { series: all.slice(0, MAX_SERIES_PER_CHART), omitted: Math.max(0, all.length - MAX_SERIES_PER_CHART) };
}

/** An exemplar drawn as a dot: its time and value, and the trace it opens. */
export interface ExemplarPoint {
  x: number;
  y: number;
  traceId: string | undefined;
  spanId: string | undefined;
  /** The series it was recorded on (`{le="0.5", route="/a"}`), for the tooltip. */
  series: string;
}

/** More dots than this and they hide the lines: the newest are kept. */
export const MAX_EXEMPLARS_PER_CHART = 500;

/**
 * The exemplars of a chart's queries as dots: once each (a histogram's p50/p95/p99 queries read
 * the same buckets), only those with a finite value, the newest MAX_EXEMPLARS_PER_CHART.
 */
export function exemplarPoints(answers: readonly PromExemplarSeries[][]): ExemplarPoint[] {
  const byIdentity = new Map<string, ExemplarPoint>();
  for (const answer of answers) {
    for (const s of answer) {
      for (const e of s.exemplars) {
        const y = Number(e.value);
        if (!Number.isFinite(y)) continue;
        const x = Math.round(e.timestamp * 1000);
        const traceId = e.labels.trace_id;
        const key = `${x}\u0000${y}\u0000${traceId ?? ''}\u0000${e.labels.span_id ?? ''}`;
        if (!byIdentity.has(key)) byIdentity.set(key, { x, y, traceId, spanId: e.labels.span_id, series: seriesName(s.seriesLabels) });
      }
    }
  }
  return [...byIdentity.values()].sort((a, b) => a.x - b.x).slice(-MAX_EXEMPLARS_PER_CHART);
}

/** Distinct colours for lines, readable on light and dark backgrounds (Grafana's classic palette). */
export const SERIES_COLORS = ['#7eb26d', '#eab839', '#6ed0e0', '#ef843c', '#e24d42', '#1f78c1', '#ba43a9', '#705da0', '#508642', '#cca300'];

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length] ?? '#888';
}
