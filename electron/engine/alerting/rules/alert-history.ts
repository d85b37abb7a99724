// The alerts' history (alert_history, migration 011): the evaluator writes a row when an alert
// fires and closes it when the alert resolves, so the Alerts view can draw each alert's firing
// stretches over a time range and open an alert that is no longer active. The alerts without a
// rule (a new error, a service down: event-alerts.ts, state-alerts.ts) are written as they are
// sent, with no group. Pruned by retention as the signals are (closed rows older than the
// retention go; an alert still firing stays).
import type { AlertHistoryEntry } from '../../../../shared/rules.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Db } from '../../core/database.js';
import type { Pruner } from '../../core/module.js';
import { RETENTION_CHUNK } from '../../core/retention.js';
import type { ActiveAlert } from './alert-state.js';
import type { Alert } from '../alert.js';

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
  private readonly closeOpenRuleless;

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
    this.closeOpenRuleless = db.prepare("UPDATE alert_history SET resolved_at = ? WHERE rule_group = '' AND resolved_at IS NULL");
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

  /**
   * Alerts without a rule, as they are sent: a firing one opens its stretch at its start (once: it
   * is sent again at each event that re-arms it), a resolved one closes it. Their group is empty,
   * their rule their alertname; they have no value.
   */
  recordSent(alerts: Iterable<Alert>): void {
    for (const a of alerts) {
      if (a.endsAt !== null) {
        this.close.run(Math.round(a.endsAt * 1000), a.fingerprint);
        continue;
      }
      const startsUs = Math.round(a.startsAt * 1000);
      this.insert.run({
        fingerprint: a.fingerprint,
        group: '',
        rule: a.labels.alertname ?? '',
        labels: JSON.stringify(a.labels),
        annotations: JSON.stringify(a.annotations),
        activeAt: startsUs,
        firedAt: startsUs,
        value: null,
      });
    }
  }

  /**
   * At the engine's start: the stretches of alerts without a rule that the last run left open end
   * now. Those alerts are not carried over a restart (what still holds fires again, a new stretch);
   * left open, a stretch would be drawn firing for ever.
   */
  closeRuleless(nowUs: number): number {
    return this.closeOpenRuleless.run(Math.round(nowUs)).changes;
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
