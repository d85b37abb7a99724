// The probes' results in SQLite (migration 10): each run (for the heartbeat bar, the latency chart
// and the last failure; two days kept) and per hour the successful and total runs (uptime over
// 24 h, 7 d and 30 d; 31 days kept). Old rows are trimmed as the hour turns, by this store itself.
import type { Db } from '../core/database.js';
import type { CheckResult } from './checks.js';

const HOUR_US = 3_600_000_000;
export const DAY_US = 24 * HOUR_US;
export const RESULTS_KEPT_US = 2 * DAY_US;
export const HOURS_KEPT_US = 31 * DAY_US;
/** Runs a probe's heartbeat bar shows. */
export const HEARTBEATS = 60;

export interface StoredResult {
  ts: number;
  ok: number;
  duration_ms: number;
  status_code: number | null;
  cert_expiry: number | null;
  reason: string | null;
}

export class ProbeStore {
  private readonly insert;
  private readonly countHour;
  private readonly recent;
  private readonly lastFailed;
  private readonly uptimeSince;
  private readonly trimResults;
  private readonly trimHours;
  private readonly forget;
  private readonly recordTx;
  private lastTrimHour = 0;

  constructor(db: Db) {
    this.insert = db.prepare(
      'INSERT INTO probe_results (probe, ts, ok, duration_ms, status_code, cert_expiry, reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.countHour = db.prepare(
      'INSERT INTO probe_hours (probe, hour, up, total) VALUES (?, ?, ?, 1) ON CONFLICT (probe, hour) DO UPDATE SET up = up + excluded.up, total = total + 1',
    );
    this.recent = db.prepare(
      'SELECT ts, ok, duration_ms, status_code, cert_expiry, reason FROM probe_results WHERE probe = ? ORDER BY ts DESC LIMIT ?',
    );
    this.lastFailed = db.prepare(
      'SELECT ts, ok, duration_ms, status_code, cert_expiry, reason FROM probe_results WHERE probe = ? AND ok = 0 ORDER BY ts DESC LIMIT 1',
    );
    this.uptimeSince = db.prepare('SELECT sum(up) AS up, sum(total) AS total FROM probe_hours WHERE probe = ? AND hour >= ?');
    this.trimResults = db.prepare('DELETE FROM probe_results WHERE ts < ?');
    this.trimHours = db.prepare('DELETE FROM probe_hours WHERE hour < ?');
    const results = db.prepare('DELETE FROM probe_results WHERE probe = ?');
    const hours = db.prepare('DELETE FROM probe_hours WHERE probe = ?');
    this.forget = db.transaction((probe: string) => {
      results.run(probe);
      hours.run(probe);
    });
    this.recordTx = db.transaction((probe: string, result: CheckResult, atUs: number) => this.write(probe, result, atUs));
  }

  /** Store one run (one transaction). */
  record(probe: string, result: CheckResult, atUs: number): void {
    this.recordTx(probe, result, atUs);
  }

  private write(probe: string, result: CheckResult, atUs: number): void {
    this.insert.run(
      probe,
      atUs,
      result.ok ? 1 : 0,
      result.durationMs,
      result.statusCode ?? null,
      result.certExpiresMs !== undefined ? result.certExpiresMs * 1000 : null,
      result.reason,
    );
    const hour = Math.floor(atUs / HOUR_US) * HOUR_US;
    this.countHour.run(probe, hour, result.ok ? 1 : 0);
    if (hour !== this.lastTrimHour) {
      this.lastTrimHour = hour;
      this.trimResults.run(atUs - RESULTS_KEPT_US);
      this.trimHours.run(atUs - HOURS_KEPT_US);
    }
  }

  /** The latest runs, newest first. */
  recentResults(probe: string, limit = HEARTBEATS): StoredResult[] {
    return this.recent.all(probe, limit) as StoredResult[];
  }

  lastFailure(probe: string): StoredResult | undefined {
    return this.lastFailed.get(probe) as StoredResult | undefined;
  }

  /** Successful runs / runs over the hours since `sinceUs` (null: none). */
  uptime(probe: string, sinceUs: number): number | null {
    const row = this.uptimeSince.get(probe, Math.floor(sinceUs / HOUR_US) * HOUR_US) as { up: number | null; total: number | null };
    return row.total ? (row.up ?? 0) / row.total : null;
  }

  /** A probe deleted from the file takes its history with it (a new probe of that name starts afresh). */
  forgetProbe(probe: string): void {
    this.forget(probe);
  }
}
