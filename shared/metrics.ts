// Metrics as they cross a process boundary: the data of the Prometheus HTTP API's answers (samples,
// exemplars, metadata) and the list of metrics received.

/** `[unix seconds, "value"]`: a sample as Prometheus's HTTP API writes it (the value as text: "NaN", "+Inf"). */
export type PromSamplePair = [number, string];

/** The `data` of a Prometheus /api/v1/query or /api/v1/query_range answer (metrics.query, metrics.queryRange). */
export type PromQueryData =
  | { resultType: 'scalar'; result: PromSamplePair }
  | { resultType: 'string'; result: [number, string] }
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: PromSamplePair }[] }
  | { resultType: 'matrix'; result: { metric: Record<string, string>; values: PromSamplePair[] }[] };

/** One series' exemplars, as /api/v1/query_exemplars answers them: `value` as text, `timestamp` in Unix seconds. */
export interface PromExemplarSeries {
  seriesLabels: Record<string, string>;
  /** `labels` has `trace_id` and `span_id` when the measurement was traced, then the exemplar's own attributes. */
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

/** What /api/v1/metadata says of one metric family. */
export interface PromMetricMetadata {
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  help: string;
  unit: string;
}

/** A metric received (one per name, type, unit and service), with its newest point (metrics.list, GET /api/metrics). */
export interface MetricSummaryView {
  name: string;
  type: 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';
  unit?: string;
  service?: string;
  description?: string;
  /** Time series of this metric (distinct attribute sets, resources, scopes). */
  series: number;
  /** The newest point of any of its series. */
  lastTime: string;
  /** Gauges and sums: that point's value. */
  lastValue?: number;
  /** Histograms and summaries: that point's count and sum. */
  lastCount?: number;
  lastSum?: number;
}
