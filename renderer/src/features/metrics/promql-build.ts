// PromQL written for the user by the explorer: a metric's selector with the chosen filters, and the
// queries its chart runs by metric type (a counter's rate per second, a gauge's value, a
// histogram's p50/p95/p99), split by a label when asked. OTel names keep their dots, so names and
// labels that are not plain identifiers are quoted as Prometheus 3 writes them (`{"http.route"="/"}`).
import type { PromMetricMetadata } from '../../../../shared/model.js';
import { escapeLabelValue, labelName, selector, type LabelFilter, type MatchOp } from '../../lib/promql-selector.js';

export { escapeLabelValue, labelName, selector, type LabelFilter, type MatchOp } from '../../lib/promql-selector.js';

/** One line of a chart: its PromQL and what its series are called when the query has no labels to tell them apart. */
export interface ChartQuery {
  expr: string;
  /** Prefix of each series' legend (`p95`), '' when the labels say it all. */
  legend: string;
}

export interface ChartSpec {
  title: string;
  /** The unit of the values drawn, in Prometheus's words (`seconds`, `bytes`), with `/s` for rates. */
  unit: string;
  perSecond: boolean;
  queries: ChartQuery[];
}

/** The range of `rate()`: at least 4 steps (as Grafana's $__rate_interval) and never under a minute. */
export function rateWindow(stepSeconds: number): string {
  return `${Math.max(60, Math.ceil(stepSeconds * 4))}s`;
}

/** The step of a range query: about `points` points over the range, at least a second. */
export function stepFor(rangeMs: number, points: number): number {
  return Math.max(1, Math.ceil(rangeMs / 1000 / Math.max(1, points)));
}

/**
 * The chart of a metric family: what to query and in which unit, by its type. A counter is drawn as
 * its rate per second, a gauge as its value, a histogram as its p50, p95 and p99, a summary as its
 * quantiles as sent. Split by `splitBy`, a line per value of that label; else a counter's rates
 * add up to one line and a gauge keeps its series.
 */
export function chartSpec(
  family: string,
  meta: Pick<PromMetricMetadata, 'type' | 'unit'>,
  filters: readonly LabelFilter[],
  splitBy: string,
  stepSeconds: number,
): ChartSpec {
  const by = splitBy ? ` by (${labelName(splitBy)})` : '';
  const window = rateWindow(stepSeconds);
  switch (meta.type) {
    case 'counter':
      return {
        title: `${family}: rate per second`,
        unit: meta.unit,
        perSecond: true,
        queries: [{ expr: `sum${by} (rate(${selector(family, filters)}[${window}]))`, legend: splitBy ? '' : 'rate' }],
      };
    case 'histogram': {
      const le = splitBy ? `le, ${labelName(splitBy)}` : 'le';
      return {
        title: `${family}: p50, p95, p99`,
        unit: meta.unit,
        perSecond: false,
        queries: [0.5, 0.95, 0.99].map((q) => ({
          expr: `histogram_quantile(${q}, sum by (${le}) (rate(${selector(`${family}_bucket`, filters)}[${window}])))`,
          legend: `p${Math.round(q * 100)}`,
        })),
      };
    }
    case 'summary':
    case 'gauge':
      return {
        title: family,
        unit: meta.unit,
        perSecond: false,
        queries: [{ expr: splitBy ? `sum${by} (${selector(family, filters)})` : selector(family, filters), legend: '' }],
      };
  }
}

// ---- filters in the URL: the matchers of a selector, `a="x", "http.route"!~"/api.*"` ----------

/** The filters as matcher text, as they sit in the URL. */
export function formatFilters(filters: readonly LabelFilter[]): string {
  return filters.map((f) => `${labelName(f.label)}${f.op}"${escapeLabelValue(f.value)}"`).join(', ');
}

const MATCHER = /\s*(?:([a-zA-Z_][a-zA-Z0-9_]*)|"((?:[^"\\]|\\.)*)")\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Matcher text back to filters; what does not read as matchers is dropped (a hand-edited URL). */
export function parseFilters(text: string): LabelFilter[] {
  const out: LabelFilter[] = [];
  MATCHER.lastIndex = 0;
  while (MATCHER.lastIndex < text.length) {
    const m = MATCHER.exec(text);
    if (!m) break;
    out.push({ label: m[1] ?? unescape(m[2] ?? ''), op: m[3] as MatchOp, value: unescape(m[4] ?? '') });
  }
  return out;
}
