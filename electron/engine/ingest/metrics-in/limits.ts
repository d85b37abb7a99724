// The metrics inputs' limits, named once: the README's table, the parsers, the aggregator and the
// tests read them from here. Each guards memory or the store against one bad (or unlucky) sender.

/** Limits on one Prometheus scrape. Past any of them the whole scrape fails, as Prometheus does. */
export const SCRAPE_LIMITS = {
  /** Largest response body once decompressed (Prometheus's `body_size_limit`). */
  maxBodyBytes: 32 * 1024 * 1024,
  /** Samples (one per exposition line) in one scrape (Prometheus's `sample_limit`). */
  maxSeriesPerScrape: 100_000,
  /** Labels on one series, its name excluded (Prometheus's `label_limit`). */
  maxLabelsPerSeries: 64,
  /** Characters in a label name (Prometheus's `label_name_length_limit`). */
  maxLabelNameLength: 256,
  /** Characters in a label value (Prometheus's `label_value_length_limit`). */
  maxLabelValueLength: 4096,
  /** An exemplar's labels, names and values together, in characters: the OpenMetrics 1.0 bound.
   *  A longer exemplar is dropped (with a warning), not the scrape: Prometheus does the same. */
  maxExemplarLabelChars: 128,
  /** Default time a target has to answer, headers and body included (Prometheus's `scrape_timeout`). */
  defaultTimeoutMs: 10_000,
} as const;

export type ScrapeLimits = { -readonly [K in keyof typeof SCRAPE_LIMITS]: number };

/** Limits on the StatsD input: a flood or a label with a unique id in it costs bounded memory. */
export const STATSD_LIMITS = {
  /** Largest UDP datagram read (a full 64 KiB datagram; the usual senders stay under 1432 bytes). */
  maxDatagramBytes: 65_535,
  /** Distinct label sets kept per metric name between restarts; further ones are dropped and counted. */
  maxSeriesPerMetric: 10_000,
  /** Distinct series kept in all; further ones are dropped and counted. */
  maxSeriesTotal: 100_000,
  /** Tags on one line; the rest of the line's tags are dropped and counted as tag errors. */
  maxTagsPerLine: 64,
  /** Timer/histogram observations kept per series per age bucket of the summary window; past it a
   *  uniform reservoir sample is kept, so a flood costs bounded memory and quantiles stay unbiased. */
  maxObservationsPerBucket: 4096,
  /** Distinct members a set counts per flush interval; more are counted as dropped. */
  maxSetMembers: 100_000,
  /** The flush interval: etsy statsd's and the 10 s. */
  flushIntervalMs: 10_000,
} as const;

export type StatsdLimits = { -readonly [K in keyof typeof STATSD_LIMITS]: number };
