// The alerts' history (alert_history, migration 008): the evaluator writes a row when an alert
// fires and closes it when the alert resolves, so the Alerts view can draw each alert's firing
// stretches over a time range and open an alert that is no longer active. Pruned by retention as
// the signals are (closed rows older than the retention go; an alert still firing stays).
import type { AlertHistoryEntry } from '../../../../shared/rules.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Db } from '../../core/database.js';
import type { Pruner } from '../../core/module.js';
import { RETENTION_CHUNK } from '../../core/retention.js';
import type { ActiveAlert } from './alert-state.js';

interface HistoryRow {
  fingerprint: string;
  rule_group: string;
  rule_name: string;
  labels: string;
  annotations: string;
  active_at: number;
  fired_at: number;
  resolved_at: number | null;
  value: number | null;
}

/** Most rows one `alerts.history` answer holds (newest first). */
export const HISTORY_LIMIT = 1000;

export class AlertHistory implements Pruner {
  readonly name = 'alert history';
  private readonly insert;
  private readonly close;
  private readonly select;
  private readonly selectFingerprint;
  private readonly deleteOld;

  constructor(db: Db) {
    // Once per firing: an evaluation at the same instant after a restart finds the row there.
    this.insert = db.prepare(
      `INSERT INTO alert_history (fingerprint, rule_group, rule_name, labels, annotations, active_at, fired_at, value)
       SELECT @fingerprint, @group, @rule, @labels, @annotations, @activeAt, @firedAt, @value
       WHERE NOT EXISTS (SELECT 1 FROM alert_history WHERE fingerprint = @fingerprint AND fired_at = @firedAt)`,
    );
    this.close = db.prepare('UPDATE alert_history SET resolved_at = ? WHERE fingerprint = ? AND resolved_at IS NULL');
    // Every stretch that overlaps [from, to]: fired before its end and not resolved before its start.
    this.select = db.prepare(
      `SELECT * FROM alert_history WHERE fired_at <= ? AND (resolved_at IS NULL OR resolved_at >= ?) ORDER BY fired_at DESC LIMIT ?`,
    );
    this.selectFingerprint = db.prepare('SELECT * FROM alert_history WHERE fingerprint = ? ORDER BY fired_at DESC LIMIT ?');
    this.deleteOld = db.prepare(
      'DELETE FROM alert_history WHERE id IN (SELECT id FROM alert_history WHERE resolved_at < ? ORDER BY resolved_at LIMIT ?)',
    );
  }

  /** After an evaluation at `tsMs`: the rule's alerts that fired or resolved at that instant. */
  recordTransitions(group: string, rule: string, alerts: Iterable<ActiveAlert>, tsMs: number): void {
    for (const a of alerts) {
      if (a.state === 'firing' && a.firedAtMs === tsMs) {
        this.insert.run({
          fingerprint: a.fingerprint,
          group,
          rule,
          labels: JSON.stringify(a.labels),
          annotations: JSON.stringify(a.annotations),
          activeAt: Math.round(a.activeAtMs * 1000),
          firedAt: Math.round(tsMs * 1000),
          value: Number.isFinite(a.value) ? a.value : null,
        });
      } else if (a.state === 'inactive' && a.resolvedAtMs === tsMs && a.firedAtMs !== null) {
        this.close.run(Math.round(tsMs * 1000), a.fingerprint);
      }
    }
  }

  /** The stretches overlapping [fromUs, toUs], or every stretch of one alert (`fingerprint`), newest first. */
  list(p: { fromUs: number; toUs: number; fingerprint?: string }): AlertHistoryEntry[] {
    const rows = (
      p.fingerprint !== undefined
        ? this.selectFingerprint.all(p.fingerprint, HISTORY_LIMIT)
        : this.select.all(p.toUs, p.fromUs, HISTORY_LIMIT)
    ) as HistoryRow[];
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      group: r.rule_group,
      rule: r.rule_name,
      labels: JSON.parse(r.labels) as Record<string, string>,
      annotations: JSON.parse(r.annotations) as Record<string, string>,
      activeAt: usToRfc3339(r.active_at),
      firedAt: usToRfc3339(r.fired_at),
      resolvedAt: r.resolved_at === null ? null : usToRfc3339(r.resolved_at),
      value: r.value,
    }));
  }

  pruneOlderThan(cutoffUs: number): number {
    return this.deleteOld.run(cutoffUs, RETENTION_CHUNK).changes;
  }
}
