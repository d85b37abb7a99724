// `--remote-write URL`: every metric point Loupe stores (OTLP, scrape targets, StatsD, the derived
// RED and log-volume series, host metrics: all of metric_points) is sent to a Prometheus
// remote_write 1.0 receiver (Prometheus with --web.enable-remote-write-receiver, VictoriaMetrics,
// Mimir), named and labelled as Loupe's own PromQL sees it (sqlite-series-store.ts).
//
// The queue is the table itself: a cursor in `meta` holds the id of the last point sent, and each
// run reads the points stored after it, by id, in batches. So what was not sent survives a restart
// for free, and a point is sent once: the cursor moves only after the receiver answered. Network
// errors, 5xx and 429 keep the cursor and retry later, the delay doubling up to 5 minutes (429's
// Retry-After heeded); any other 4xx (out-of-order or too old samples, invalid names) is final:
// those samples are counted as dropped and the cursor moves on. The backlog is bounded: past
// REMOTE_WRITE_MAX_BACKLOG points (the receiver away for long), the oldest are skipped and counted.
// Retention removing unsent points bounds it too (they are simply gone).
import type { RemoteWriteView } from '../../../../../shared/model.js';
import { usToRfc3339 } from '../../../../../shared/time.js';
import type { Clock } from '../../../core/clock.js';
import type { Db } from '../../../core/database.js';
import { POINT_COLUMNS } from '../point-reads.js';
import type { PointRow } from '../series-from-points.js';
import type { SqliteSeriesStore } from '../sqlite-series-store.js';
import { writeRequestBody, type WriteSeries } from './write-request.js';

/** Points per request (a histogram point makes a dozen samples or so: about Prometheus's 2000-sample batches and more). */
export const REMOTE_WRITE_BATCH_POINTS = 1_000;
/** Requests per run at most: a long backlog is sent over several runs, never holding the job for long. */
export const REMOTE_WRITE_REQUESTS_PER_RUN = 50;
export const REMOTE_WRITE_MAX_BACKLOG = 1_000_000;
/** Prometheus's own `remote_timeout`. */
export const REMOTE_WRITE_TIMEOUT_MS = 30_000;
export const REMOTE_WRITE_MAX_BACKOFF_MS = 300_000;
export const REMOTE_WRITE_CURSOR_KEY = 'remote_write_cursor';

interface Row extends PointRow {
  id: number;
  series_id: number;
}

type Outcome = 'sent' | 'retry' | 'refused';

export class RemoteWriter {
  readonly url: string;
  private readonly stats = {
    sentSamples: 0,
    sentRequests: 0,
    failedRequests: 0,
    droppedSamples: 0,
    skippedPoints: 0,
    lastError: null as string | null,
    lastSentUs: null as number | null,
  };
  private cursor: number;
  private retryAtMs = 0;
  private backoffMs = 0;
  private readonly nextPoints;
  private readonly maxId;
  private readonly firstUnsentTs;
  private readonly countBetween;
  private readonly saveCursor;

  constructor(
    db: Db,
    url: string,
    private readonly store: SqliteSeriesStore,
    private readonly clock: Clock,
    /** The period of the job: the first retry delay. */
    private readonly everyMs: number,
  ) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`--remote-write: "${url}" is not an http(s) URL`);
    this.url = parsed.href;
    this.nextPoints = db.prepare(`SELECT id, series_id, ${POINT_COLUMNS} FROM metric_points WHERE id > ? ORDER BY id LIMIT ?`);
    this.maxId = db.prepare('SELECT coalesce(max(id), 0) FROM metric_points').pluck();
    this.firstUnsentTs = db.prepare('SELECT ts FROM metric_points WHERE id > ? ORDER BY id LIMIT 1').pluck();
    this.countBetween = db.prepare('SELECT count(*) FROM metric_points WHERE id > ? AND id <= ?').pluck();
    this.saveCursor = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    const saved = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(REMOTE_WRITE_CURSOR_KEY) as string | undefined;
    // The first start with remote write begins with the points stored from now on: a week of
    // history would be refused as too old by a receiver that has newer samples anyway.
    this.cursor = saved !== undefined ? Number(saved) : (this.maxId.get() as number);
    if (saved === undefined) this.moveCursor(this.cursor);
  }

  /** Send what was stored since the last send (the scheduler job; never overlapping itself). */
  async run(): Promise<void> {
    if (this.clock.nowMs() < this.retryAtMs) return;
    this.boundBacklog();
    for (let i = 0; i < REMOTE_WRITE_REQUESTS_PER_RUN; i++) {
      const rows = this.nextPoints.all(this.cursor, REMOTE_WRITE_BATCH_POINTS) as Row[];
      if (rows.length === 0) return;
      let series: WriteSeries[];
      try {
        series = this.seriesOf(rows);
      } catch (err) {
        // A point that can't be read back (a damaged distribution) must not hold the queue forever.
        this.stats.lastError = `reading points after id ${this.cursor}: ${err instanceof Error ? err.message : String(err)}`;
        this.stats.skippedPoints += rows.length;
        this.moveCursor(rows[rows.length - 1]!.id);
        continue;
      }
      const samples = series.reduce((n, s) => n + s.values.length, 0);
      const outcome: Outcome = samples === 0 ? 'sent' : await this.send(writeRequestBody(series));
      if (outcome === 'retry') {
        this.stats.failedRequests++;
        this.backoffMs = this.backoffMs === 0 ? this.everyMs : Math.min(this.backoffMs * 2, REMOTE_WRITE_MAX_BACKOFF_MS);
        this.retryAtMs = Math.max(this.retryAtMs, this.clock.nowMs() + this.backoffMs);
        return;
      }
      this.backoffMs = 0;
      if (outcome === 'sent' && samples > 0) {
        this.stats.sentSamples += samples;
        this.stats.sentRequests++;
        this.stats.lastSentUs = this.clock.nowUs();
      } else if (outcome === 'refused') this.stats.droppedSamples += samples;
      this.moveCursor(rows[rows.length - 1]!.id);
    }
  }

  view(): RemoteWriteView {
    const oldest = this.firstUnsentTs.get(this.cursor) as number | undefined;
    return {
      url: this.url,
      sentSamples: this.stats.sentSamples,
      sentRequests: this.stats.sentRequests,
      failedRequests: this.stats.failedRequests,
      droppedSamples: this.stats.droppedSamples,
      skippedPoints: this.stats.skippedPoints,
      lastError: this.stats.lastError,
      lastSent: this.stats.lastSentUs === null ? null : usToRfc3339(this.stats.lastSentUs),
      // Ids only grow and retention removes the oldest: the difference is the count, or very near it.
      pendingPoints: Math.max(0, (this.maxId.get() as number) - this.cursor),
      lagSeconds: oldest === undefined ? 0 : Math.max(0, (this.clock.nowUs() - oldest) / 1e6),
    };
  }

  private moveCursor(id: number): void {
    this.cursor = id;
    this.saveCursor.run(REMOTE_WRITE_CURSOR_KEY, String(id));
  }

  /** Past the backlog bound, the oldest unsent points are skipped (counted), so a long outage ends in a bounded catch-up. */
  private boundBacklog(): void {
    const max = this.maxId.get() as number;
    if (max - this.cursor <= REMOTE_WRITE_MAX_BACKLOG) return;
    const to = max - REMOTE_WRITE_MAX_BACKLOG;
    this.stats.skippedPoints += this.countBetween.get(this.cursor, to) as number;
    this.moveCursor(to);
  }

  /** The Prometheus series the rows make, each stored series' points in time order (receivers want samples in order). */
  private seriesOf(rows: readonly Row[]): WriteSeries[] {
    const bySeries = new Map<number, Row[]>();
    for (const r of rows) {
      const list = bySeries.get(r.series_id);
      if (list) list.push(r);
      else bySeries.set(r.series_id, [r]);
    }
    const out: WriteSeries[] = [];
    for (const [id, points] of bySeries) {
      points.sort((a, b) => a.ts - b.ts);
      out.push(...this.store.seriesOfPoints(id, points));
    }
    return out;
  }

  private async send(body: Uint8Array): Promise<Outcome> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: {
          'Content-Encoding': 'snappy',
          'Content-Type': 'application/x-protobuf',
          'X-Prometheus-Remote-Write-Version': '0.1.0',
          'User-Agent': 'Loupe',
        },
        body,
        signal: AbortSignal.timeout(REMOTE_WRITE_TIMEOUT_MS),
      });
    } catch (err) {
      // fetch says "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause.
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      this.stats.lastError = `sending to ${this.url}: ${err instanceof Error ? err.message : String(err)}${cause}`;
      return 'retry';
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return 'sent';
    this.stats.lastError = `${this.url} answered ${res.status}${text.trim() ? `: ${text.trim().slice(0, 300)}` : ''}`;
    if (res.status === 429 || res.status >= 500) {
      const after = Number(res.headers.get('retry-after'));
      if (Number.isFinite(after) && after > 0) this.retryAtMs = this.clock.nowMs() + Math.min(after * 1000, REMOTE_WRITE_MAX_BACKOFF_MS);
      return 'retry';
    }
    return 'refused';
  }
}
