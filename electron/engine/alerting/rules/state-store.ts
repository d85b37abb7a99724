// Where the rules' alert state and the groups' evaluation times are kept (alert_state,
// alert_group_state; migration 006): written after each group evaluation in one transaction, read
// when a group starts, so a restart continues where the last run stopped.
import type { Db } from '../../core/database.js';
import type { ActiveAlert, AlertState } from './alert-state.js';

export interface GroupState {
  lastEvaluationMs: number | null;
  observedSinceMs: number | null;
  skippedEvaluations: number;
  lastSkip: { atMs: number; missed: number } | null;
}

interface AlertRow {
  fingerprint: string;
  labels: string;
  annotations: string;
  state: AlertState;
  active_at: number;
  fired_at: number | null;
  resolved_at: number | null;
  last_sent_at: number | null;
  keep_firing_since: number | null;
  value: number | null;
}

interface GroupRow {
  last_evaluation: number | null;
  observed_since: number | null;
  skipped_evaluations: number;
  last_skip_at: number | null;
  last_skip_missed: number | null;
}

const msToUs = (ms: number | null): number | null => (ms === null ? null : Math.round(ms * 1000));
const usToMs = (us: number | null): number | null => (us === null ? null : Math.floor(us / 1000));

export class RuleStateStore {
  private readonly saveTx;

  constructor(private readonly db: Db) {
    const deleteRule = db.prepare('DELETE FROM alert_state WHERE rule_key = ?');
    const insert = db.prepare(
      `INSERT INTO alert_state (rule_key, fingerprint, labels, annotations, state, active_at, fired_at, resolved_at,
         last_sent_at, keep_firing_since, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const upsertGroup = db.prepare(
      `INSERT INTO alert_group_state (group_key, last_evaluation, observed_since, skipped_evaluations, last_skip_at, last_skip_missed)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(group_key) DO UPDATE SET last_evaluation = excluded.last_evaluation, observed_since = excluded.observed_since,
         skipped_evaluations = excluded.skipped_evaluations, last_skip_at = excluded.last_skip_at, last_skip_missed = excluded.last_skip_missed`,
    );
    this.saveTx = db.transaction((groupKey: string, group: GroupState, rules: [string, Iterable<ActiveAlert>][]) => {
      for (const [ruleKey, alerts] of rules) {
        deleteRule.run(ruleKey);
        for (const a of alerts) {
          insert.run(
            ruleKey,
            a.fingerprint,
            JSON.stringify(a.labels),
            JSON.stringify(a.annotations),
            a.state,
            msToUs(a.activeAtMs),
            msToUs(a.firedAtMs),
            msToUs(a.resolvedAtMs),
            msToUs(a.lastSentAtMs),
            msToUs(a.keepFiringSinceMs),
            Number.isNaN(a.value) ? null : a.value,
          );
        }
      }
      upsertGroup.run(
        groupKey,
        msToUs(group.lastEvaluationMs),
        msToUs(group.observedSinceMs),
        group.skippedEvaluations,
        msToUs(group.lastSkip?.atMs ?? null),
        group.lastSkip?.missed ?? null,
      );
    });
  }

  /** A group's evaluation, its rules' alerts after it, as one transaction. */
  save(groupKey: string, group: GroupState, rules: [string, Iterable<ActiveAlert>][]): void {
    this.saveTx(groupKey, group, rules);
  }

  loadGroup(groupKey: string): GroupState {
    const row = this.db.prepare('SELECT * FROM alert_group_state WHERE group_key = ?').get(groupKey) as GroupRow | undefined;
    if (!row) return { lastEvaluationMs: null, observedSinceMs: null, skippedEvaluations: 0, lastSkip: null };
    return {
      lastEvaluationMs: usToMs(row.last_evaluation),
      observedSinceMs: usToMs(row.observed_since),
      skippedEvaluations: row.skipped_evaluations,
      lastSkip: row.last_skip_at === null ? null : { atMs: usToMs(row.last_skip_at)!, missed: row.last_skip_missed ?? 0 },
    };
  }

  loadAlerts(ruleKey: string): Map<string, ActiveAlert> {
    const rows = this.db.prepare('SELECT * FROM alert_state WHERE rule_key = ?').all(ruleKey) as AlertRow[];
    return new Map(
      rows.map((r) => [
        r.fingerprint,
        {
          fingerprint: r.fingerprint,
          labels: JSON.parse(r.labels) as Record<string, string>,
          annotations: JSON.parse(r.annotations) as Record<string, string>,
          state: r.state,
          activeAtMs: usToMs(r.active_at)!,
          firedAtMs: usToMs(r.fired_at),
          resolvedAtMs: usToMs(r.resolved_at),
          lastSentAtMs: usToMs(r.last_sent_at),
          keepFiringSinceMs: usToMs(r.keep_firing_since),
          value: r.value ?? NaN,
        },
      ]),
    );
  }

  /** Forget rules that are gone (their resolutions were sent by the caller). */
  forgetRule(ruleKey: string): void {
    this.db.prepare('DELETE FROM alert_state WHERE rule_key = ?').run(ruleKey);
  }
}
