// A Prometheus scrape target as a source: scraped every interval on the scheduler (never two
// scrapes of one target at once), each answer parsed and stored as metric points, with the series
// Prometheus records per target (`up`, `scrape_duration_seconds`, `scrape_samples_scraped`) and a
// staleness marker for every series of the previous scrape that this one lacks (all of them when
// the scrape fails), as Prometheus writes them. A failure (timeout, HTML, a bad line N) is the
// source's state, a counter and its last error; the next interval tries again.
import type { SourceView } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Clock } from '../../core/clock.js';
import { BadRequestError } from '../../core/errors.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { Source, SourceKindSpec } from '../source.js';
import { staleMarker, type Attributes, type OtlpMetric, type OtlpResource } from '../../core/telemetry.js';
import type { SourceRow } from '../source-store.js';
import { parseDurationUs } from '../../signals/traces/trace-query.js';
import { ExpositionError, parseExposition } from './exposition-parser.js';
import { SCRAPE_LIMITS } from './limits.js';
import { formatOfContentType } from './negotiation.js';
import type { PointsSink } from '../../signals/metrics/points-sink.js';
import { ScrapeError, scrapeTarget } from './scrape.js';
import { familiesToMetrics, gauge, instanceOf, labelKey, scrapeResource } from './to-otlp.js';

/** Prometheus's usual interval for a scrape config (its global default is 1m; 15s is what its example config uses). */
export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000;
/** Shorter intervals are refused: a local target scraped faster than this only fills the store. */
export const MIN_SCRAPE_INTERVAL_MS = 100;
/** The instrumentation scope of the scraped points (the Collector's receiver names its own likewise). */
export const SCRAPE_SCOPE = 'loupe/prometheus-scrape';

export interface ScrapeConfig {
  intervalMs: number;
  timeoutMs: number;
  /** Prometheus's `job` (the resource's service.name); absent: the target's host:port. */
  job?: string;
}

export interface ScrapeDeps {
  scheduler: Scheduler;
  sink: PointsSink;
}

/** The scrape kind of source: checks a request (url, interval, timeout, job) and builds its sources. */
export function scrapeKind(deps: ScrapeDeps): SourceKindSpec {
  return {
    kind: 'scrape',
    prepare: (params) => {
      const config = scrapeConfigOf(params);
      return { path: targetUrl(params.url).href, config };
    },
    create: (row) => new ScrapeSource(row, parseStoredConfig(row.config), deps),
  };
}

/** The url param: an http(s) URL (a bare host:port/path gets http://). */
export function targetUrl(value: unknown): URL {
  if (typeof value !== 'string' || value.trim() === '')
    throw new BadRequestError('url: give the address of the metrics (e.g. http://localhost:8000/metrics)');
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new BadRequestError(`url: "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadRequestError(`url: "${text}" is not an http(s) URL`);
  return url;
}

function durationMs(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw new BadRequestError(`${name}: expected a duration (e.g. 15s, 500ms)`);
  return parseDurationUs(value, name) / 1000;
}

/** Interval, timeout and job from a request: timeout defaults to 10 s (at most the interval) and may not pass it. */
export function scrapeConfigOf(params: Readonly<Record<string, unknown>>): ScrapeConfig {
  const intervalMs = durationMs(params.interval, 'interval') ?? DEFAULT_SCRAPE_INTERVAL_MS;
  if (!(intervalMs >= MIN_SCRAPE_INTERVAL_MS)) throw new BadRequestError(`interval: at least ${MIN_SCRAPE_INTERVAL_MS}ms`);
  const timeoutMs = durationMs(params.timeout, 'timeout') ?? Math.min(SCRAPE_LIMITS.defaultTimeoutMs, intervalMs);
  if (!(timeoutMs > 0)) throw new BadRequestError('timeout: must be more than 0');
  if (timeoutMs > intervalMs)
    throw new BadRequestError(`timeout: ${timeoutMs}ms is longer than the interval (${intervalMs}ms); Prometheus refuses that too`);
  const job = params.job;
  if (job !== undefined && job !== null && (typeof job !== 'string' || job.trim() === ''))
    throw new BadRequestError('job: expected a name');
  return { intervalMs, timeoutMs, ...(typeof job === 'string' ? { job: job.trim() } : {}) };
}

function parseStoredConfig(json: string | null): ScrapeConfig {
  const c = (json ? JSON.parse(json) : {}) as Partial<ScrapeConfig>;
  return {
    intervalMs: c.intervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS,
    timeoutMs: c.timeoutMs ?? SCRAPE_LIMITS.defaultTimeoutMs,
    ...(c.job ? { job: c.job } : {}),
  };
}

/** A series of the last scrape: what its staleness marker needs. */
interface SeenSeries {
  metric: OtlpMetric;
  attributes: Attributes;
}

export class ScrapeSource implements Source {
  readonly kind = 'scrape' as const;
  readonly id: number;
  private readonly url: URL;
  private readonly resource: OtlpResource;
  private readonly job: string;
  private readonly jobName: string;
  private readonly clock: Clock;
  private readonly abort = new AbortController();
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private previous = new Map<string, SeenSeries>();
  private up: 0 | 1 | null = null;
  private lastScrapeUs: number | null = null;
  private lastDurationMs: number | null = null;
  private lastError: { message: string; atUs: number } | null = null;
  private points = 0;
  private bytes = 0;
  private lastPoints = 0;
  private readonly counters: Record<string, number> = { scrapes: 0, failedScrapes: 0, staleMarkers: 0, skippedOverlapping: 0 };

  constructor(
    row: SourceRow,
    private readonly config: ScrapeConfig,
    private readonly deps: ScrapeDeps,
  ) {
    this.id = row.id;
    this.url = new URL(row.path);
    this.job = config.job ?? instanceOf(this.url);
    this.resource = scrapeResource(this.job, this.url);
    this.jobName = `scrape ${row.id} ${row.path}`;
    this.clock = deps.scheduler.clock;
  }

  start(): Promise<void> {
    // The job only starts a scrape: it runs outside the job, so that a stopping engine aborts it
    // rather than waiting out its timeout, and the interval is kept from start to start as Prometheus keeps it.
    this.deps.scheduler.add({ name: this.jobName, everyMs: this.config.intervalMs, run: () => this.kick() }).start();
    this.kick();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.deps.scheduler.remove(this.jobName);
    this.abort.abort();
    await this.inFlight;
  }

  /** The scrape in progress, if any, finished (tests). */
  async settled(): Promise<void> {
    await this.inFlight;
  }

  /** Start a scrape unless one is in progress (a slow target is not scraped twice at once). */
  private kick(): void {
    if (this.stopped) return;
    if (this.inFlight) {
      this.counters.skippedOverlapping!++;
      return;
    }
    this.inFlight = this.scrapeOnce().finally(() => (this.inFlight = null));
  }

  private async scrapeOnce(): Promise<void> {
    const startedMs = this.clock.nowMs();
    // Prometheus stamps a scrape's samples (and its up) with the time the scrape began.
    const atUs = startedMs * 1000;
    let metrics: OtlpMetric[] = [];
    let samples = 0;
    let failure: { kind: string; message: string } | null = null;
    let durationMs: number;
    try {
      const res = await scrapeTarget(this.url.href, { timeoutMs: this.config.timeoutMs, signal: this.abort.signal });
      durationMs = res.durationMs;
      this.bytes += res.bodyBytes;
      const parsed = parseExposition(res.body, formatOfContentType(res.contentType).format);
      samples = parsed.sampleCount;
      metrics = familiesToMetrics(parsed.families, atUs);
    } catch (err) {
      if (this.stopped) return;
      durationMs = this.clock.nowMs() - startedMs;
      const kind = err instanceof ScrapeError ? err.kind : err instanceof ExpositionError ? 'parse' : 'other';
      const message =
        err instanceof ExpositionError
          ? `the target's metrics are malformed: ${err.message}`
          : err instanceof Error
            ? err.message
            : String(err);
      failure = { kind, message };
    }
    const current = new Map<string, SeenSeries>();
    for (const metric of metrics) {
      for (const p of metric.points)
        current.set(`${metric.name}\u0002${metric.type}\u0002${labelKey(p.attributes)}`, { metric, attributes: p.attributes });
    }
    const stale = [...this.previous].filter(([key]) => !current.has(key)).map(([, s]) => staleMarker(s.metric, s.attributes, atUs));
    const report = [
      gauge('up', failure ? 0 : 1, atUs, '1 if the target answered metrics that could be read, else 0.'),
      gauge('scrape_duration_seconds', durationMs / 1000, atUs, 'How long the scrape took.'),
      gauge('scrape_samples_scraped', samples, atUs, 'Samples the target exposed.'),
    ];
    this.counters.scrapes!++;
    this.lastScrapeUs = atUs;
    this.lastDurationMs = Math.round(durationMs * 10) / 10;
    this.up = failure ? 0 : 1;
    if (failure) {
      this.counters.failedScrapes!++;
      this.counters[`failed.${failure.kind}`] = (this.counters[`failed.${failure.kind}`] ?? 0) + 1;
      this.lastError = { message: failure.message, atUs };
    }
    try {
      const stored = this.deps.sink.write(this.resource, SCRAPE_SCOPE, [...metrics, ...stale, ...report]);
      this.points += stored;
      this.lastPoints = stored;
      this.counters.staleMarkers! += stale.length;
      this.previous = current;
    } catch (err) {
      // A full disk: nothing of this scrape is kept; the previous series stay the reference.
      this.counters.writeErrors = (this.counters.writeErrors ?? 0) + 1;
      this.lastError = { message: `could not store the scraped points: ${err instanceof Error ? err.message : String(err)}`, atUs };
    }
  }

  view(): SourceView {
    return {
      id: this.id,
      kind: 'scrape',
      path: this.url.href,
      state: this.up === null ? 'starting' : this.up === 1 ? 'watching' : 'error',
      records: this.points,
      bytes: this.bytes,
      rate: Math.round((this.lastPoints * 10_000) / this.config.intervalMs) / 10,
      ...(this.lastError ? { lastError: this.lastError.message, lastErrorAt: usToRfc3339(this.lastError.atUs) } : {}),
      counters: { ...this.counters },
      scrape: {
        intervalMs: this.config.intervalMs,
        timeoutMs: this.config.timeoutMs,
        job: this.job,
        instance: instanceOf(this.url),
        up: this.up,
        ...(this.lastScrapeUs !== null ? { lastScrape: usToRfc3339(this.lastScrapeUs) } : {}),
        ...(this.lastDurationMs !== null ? { lastDurationMs: this.lastDurationMs } : {}),
        series: this.previous.size,
      },
      files: [],
    };
  }
}
