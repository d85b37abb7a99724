// The StatsD listener as a source: UDP datagrams on a loopback port fed to the aggregator, flushed
// on the scheduler every STATSD_LIMITS.flushIntervalMs (10 s) into metric points. Its counters
// (datagrams, bad lines by reason, samples dropped past a limit) and the last bad line are on its
// view; a bad packet never stops it. It is set per run (loupe serve --statsd-port), not stored.
import type { Socket } from 'node:dgram';
import { bindUdp } from '../listen.js';
import type { SourceView } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { Source } from '../source.js';
import type { OtlpResource } from '../../core/telemetry.js';
import { STATSD_LIMITS, type StatsdLimits } from './limits.js';
import type { PointsSink } from '../../signals/metrics/points-sink.js';
import { StatsdAggregator } from './statsd-aggregator.js';
import { familiesToMetrics } from './to-otlp.js';

export const DEFAULT_STATSD_PORT = 8125;
export const DEFAULT_STATSD_HOST = '127.0.0.1';
/** The id of the StatsD source: not a row of `sources` (those are positive). */
export const STATSD_SOURCE_ID = -1;
export const STATSD_SCOPE = 'loupe/statsd';

export interface StatsdConfig {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Tests lower them (a flood that reaches a limit quickly) and the flush interval. */
  limits?: Partial<StatsdLimits>;
}

export class StatsdSource implements Source {
  readonly id = STATSD_SOURCE_ID;
  readonly kind = 'statsd' as const;
  readonly host: string;
  private socket: Socket | null = null;
  private boundPort: number | null = null;
  /** Why it is not listening (its port was taken), or null. */
  private problem: string | null = null;
  private readonly aggregator: StatsdAggregator;
  private readonly limits: StatsdLimits;
  private readonly resource: OtlpResource;
  /** Counters and summaries are cumulative since this start: their points' start time (a restart is a reset). */
  private readonly startUs: number;
  private points = 0;
  private bytes = 0;
  private lastPoints = 0;
  private flushes = 0;
  private writeErrors = 0;
  private lastWriteError: { message: string; atMs: number } | null = null;
  private static readonly JOB = 'statsd flush';

  constructor(
    private readonly config: StatsdConfig,
    private readonly deps: { scheduler: Scheduler; sink: PointsSink },
  ) {
    this.host = config.host ?? DEFAULT_STATSD_HOST;
    this.limits = { ...STATSD_LIMITS, ...config.limits };
    this.aggregator = new StatsdAggregator(this.limits);
    this.startUs = deps.scheduler.clock.nowUs();
    this.resource = { attributes: { 'service.name': 'statsd' } };
  }

  /** The port it listens on (null when it does not). */
  get port(): number | null {
    return this.boundPort;
  }

  /** Bind the UDP port; rejects as the socket does (EADDRINUSE: see `notListening`). */
  async listen(): Promise<void> {
    const socket = await bindUdp(this.config.port, this.host);
    // After the bind a socket error (none is expected for UDP on loopback) is kept, never thrown.
    socket.on('error', (err) => (this.problem = err.message));
    socket.on('message', (msg) => {
      this.bytes += msg.length;
      this.aggregator.ingest(msg, this.deps.scheduler.clock.nowMs());
    });
    this.socket = socket;
    this.boundPort = socket.address().port;
  }

  /** Run without listening and say why on the view (the port was taken). */
  notListening(why: string): void {
    this.problem = why;
  }

  start(): Promise<void> {
    if (this.socket) {
      this.deps.scheduler.add({ name: StatsdSource.JOB, everyMs: this.limits.flushIntervalMs, run: () => this.flush() }).start();
    }
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.deps.scheduler.remove(StatsdSource.JOB);
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    // What arrived since the last flush is kept.
    this.flush();
  }

  /** Store every series' current value (the scheduler calls it every flush interval). */
  flush(): void {
    const nowMs = this.deps.scheduler.clock.nowMs();
    const metrics = familiesToMetrics(this.aggregator.flush(nowMs), nowMs * 1000);
    for (const m of metrics) if (m.type !== 'gauge') for (const p of m.points) p.startUs = this.startUs;
    this.flushes++;
    try {
      this.lastPoints = this.deps.sink.write(this.resource, STATSD_SCOPE, metrics);
      this.points += this.lastPoints;
    } catch (err) {
      this.writeErrors++;
      this.lastWriteError = {
        message: `could not store the StatsD points: ${err instanceof Error ? err.message : String(err)}`,
        atMs: nowMs,
      };
    }
  }

  view(): SourceView {
    const s = this.aggregator.stats;
    const port = this.boundPort ?? this.config.port;
    const last = this.lastProblem();
    const counters: Record<string, number> = {
      datagrams: s.datagrams,
      samples: s.samples,
      badLines: s.badLines,
      tagErrors: s.tagErrors,
      droppedCardinality: s.droppedCardinality,
      droppedConflicting: s.droppedConflicting,
      droppedNegativeCounter: s.droppedNegativeCounter,
      droppedSetMembers: s.droppedSetMembers,
      series: s.series,
      flushes: this.flushes,
      writeErrors: this.writeErrors,
    };
    for (const [reason, n] of Object.entries(s.badLinesByReason)) counters[`badLines.${reason}`] = n;
    return {
      id: this.id,
      kind: 'statsd',
      path: `udp://${this.host}:${port}`,
      state: this.socket ? 'watching' : 'stopped',
      records: this.points,
      bytes: this.bytes,
      rate: Math.round((this.lastPoints * 10_000) / this.limits.flushIntervalMs) / 10,
      ...(last ? { lastError: last.message, lastErrorAt: usToRfc3339(last.atMs * 1000) } : {}),
      counters,
      files: [],
    };
  }

  /** Not listening, else the newest of: a bad line, a series dropped past a limit, a failed write. */
  private lastProblem(): { message: string; atMs: number } | null {
    if (this.problem) return { message: this.problem, atMs: this.startUs / 1000 };
    const s = this.aggregator.stats;
    const candidates: { message: string; atMs: number }[] = [];
    if (s.lastBadLine)
      candidates.push({ message: `bad line ${JSON.stringify(s.lastBadLine.line)}: ${s.lastBadLine.message}`, atMs: s.lastBadLine.atMs });
    if (s.lastCardinalityDrop) {
      const d = s.lastCardinalityDrop;
      const limit =
        d.limit === 'maxSeriesPerMetric'
          ? `${this.limits.maxSeriesPerMetric} series per metric`
          : `${this.limits.maxSeriesTotal} series in all`;
      candidates.push({ message: `new series of ${d.metric} dropped: past the limit of ${limit}`, atMs: d.atMs });
    }
    if (this.lastWriteError) candidates.push(this.lastWriteError);
    return candidates.sort((a, b) => b.atMs - a.atMs)[0] ?? null;
  }
}
