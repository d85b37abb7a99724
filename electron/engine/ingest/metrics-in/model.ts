// The metric families every metrics input here produces (a Prometheus scrape, a StatsD flush), in
// the Prometheus data model: what the store and the Prometheus HTTP API speak. Times are integer
// microseconds since the epoch, the engine's one time unit.

/** The metric types of OpenMetrics 1.0 plus text 0.0.4's `untyped`. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'unknown' | 'gaugehistogram' | 'info' | 'stateset';

/** Label name -> value; a sample's labels never include `__name__` (that is `Sample.name`). */
export type Labels = Record<string, string>;

export interface Exemplar {
  labels: Labels;
  value: number;
  timestampUs?: number;
}

/** One line of exposition: `name{labels} value [timestamp] [# exemplar]`. */
export interface Sample {
  /** The series name as written (`x_bucket`, `x_total`, `x_created`…), not the family's. */
  name: string;
  labels: Labels;
  value: number;
  timestampUs?: number;
  exemplar?: Exemplar;
}

/** A metric family: the samples that `# TYPE` / `# HELP` / `# UNIT` describe together. */
export interface MetricFamily {
  name: string;
  type: MetricType;
  /** `# HELP` text, unescaped; '' when none. */
  help: string;
  /** `# UNIT` (OpenMetrics); '' when none. */
  unit: string;
  samples: Sample[];
}
