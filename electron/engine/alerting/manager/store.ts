// The alert manager's rows in SQLite (migration 7): silences, acknowledgements, the alert groups'
// notified state and the notification log. Times are stored in µs as everywhere in the database;
// the manager works in ms (as the Alert contract does), so the conversions live here only.
import type { AcknowledgementView, NotificationLogEntry, SilenceMatcher } from '../../../../shared/api.js';
import type { Db } from '../../core/database.js';
import type { AlertLabels } from '../alert.js';
import type { Notification, NotifiedAlert } from '../notifiers/notification.js';

export interface SilenceRow {
  id: string;
  matchers: SilenceMatcher[];
  startsAtMs: number;
  endsAtMs: number;
  createdBy: string;
  comment: string;
  updatedAtMs: number;
  remindedAtMs: number | null;
}

export interface GroupRow {
  groupKey: string;
  routeId: string;
  receiver: string;
  groupLabels: AlertLabels;
  notified: NotifiedAlert[];
  notifiedAtMs: number | null;
  escalation: number;
  escalatedAtMs: number | null;
}

export type DeliveryStatus = NotificationLogEntry['status'];

/** A delivery still owed (pending or retrying): what to send again, where. */
export interface OpenDelivery {
  id: number;
  integration: string;
  target: string;
  attempts: number;
  nextAttemptMs: number | null;
  notification: Notification;
}

const us = (ms: number): number => ms * 1000;
const ms = (us: number): number => Math.floor(us / 1000);
const msOrNull = (v: number | null): number | null => (v === null ? null : ms(v));
const iso = (v: number | null): string | null => (v === null ? null : new Date(ms(v)).toISOString());

export class ManagerStore {
  constructor(private readonly db: Db) {}

  // Silences.

  silences(): SilenceRow[] {
    const rows = this.db.prepare('SELECT * FROM alert_silences ORDER BY starts_at DESC').all() as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as string,
      matchers: JSON.parse(r.matchers as string) as SilenceMatcher[],
      startsAtMs: ms(r.starts_at as number),
      endsAtMs: ms(r.ends_at as number),
      createdBy: r.created_by as string,
      comment: r.comment as string,
      updatedAtMs: ms(r.updated_at as number),
      remindedAtMs: msOrNull(r.reminded_at as number | null),
    }));
  }

  putSilence(s: SilenceRow): void {
    this.db
      .prepare(
        `INSERT INTO alert_silences (id, matchers, starts_at, ends_at, created_by, comment, updated_at, reminded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
           created_by = excluded.created_by, comment = excluded.comment, updated_at = excluded.updated_at, reminded_at = excluded.reminded_at`,
      )
      .run(
        s.id,
        JSON.stringify(s.matchers),
        us(s.startsAtMs),
        us(s.endsAtMs),
        s.createdBy,
        s.comment,
        us(s.updatedAtMs),
        s.remindedAtMs === null ? null : us(s.remindedAtMs),
      );
  }

  // Acknowledgements.

  acks(): AcknowledgementView[] {
    const rows = this.db.prepare('SELECT * FROM alert_acks ORDER BY acked_at DESC').all() as Record<string, unknown>[];
    return rows.map((r) => ({
      fingerprint: r.fingerprint as string,
      ackedAt: iso(r.acked_at as number)!,
      ackedBy: r.acked_by as string,
      comment: r.comment as string,
    }));
  }

  ack(fingerprint: string, atMs: number, by: string, comment: string): void {
    this.db
      .prepare('INSERT INTO alert_acks (fingerprint, acked_at, acked_by, comment) VALUES (?, ?, ?, ?) ON CONFLICT(fingerprint) DO NOTHING')
      .run(fingerprint, us(atMs), by, comment);
  }

  unack(fingerprint: string): boolean {
    return this.db.prepare('DELETE FROM alert_acks WHERE fingerprint = ?').run(fingerprint).changes > 0;
  }

  // Alert groups.

  groups(): GroupRow[] {
    const rows = this.db.prepare('SELECT * FROM alert_groups').all() as Record<string, unknown>[];
    return rows.map((r) => ({
      groupKey: r.group_key as string,
      routeId: r.route_id as string,
      receiver: r.receiver as string,
      groupLabels: JSON.parse(r.group_labels as string) as AlertLabels,
      notified: JSON.parse(r.notified as string) as NotifiedAlert[],
      notifiedAtMs: msOrNull(r.notified_at as number | null),
      escalation: r.escalation as number,
      escalatedAtMs: msOrNull(r.escalated_at as number | null),
    }));
  }

  putGroup(g: GroupRow, nowMs: number): void {
    this.db
      .prepare(
        `INSERT INTO alert_groups (group_key, route_id, receiver, group_labels, notified, notified_at, escalation, escalated_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(group_key) DO UPDATE SET receiver = excluded.receiver, notified = excluded.notified, notified_at = excluded.notified_at,
           escalation = excluded.escalation, escalated_at = excluded.escalated_at, updated_at = excluded.updated_at`,
      )
      .run(
        g.groupKey,
        g.routeId,
        g.receiver,
        JSON.stringify(g.groupLabels),
        JSON.stringify(g.notified),
        g.notifiedAtMs === null ? null : us(g.notifiedAtMs),
        g.escalation,
        g.escalatedAtMs === null ? null : us(g.escalatedAtMs),
        us(nowMs),
      );
  }

  deleteGroup(groupKey: string): void {
    this.db.prepare('DELETE FROM alert_groups WHERE group_key = ?').run(groupKey);
  }

  // Notification log.

  addDelivery(n: Notification, integration: string, target: string, status: DeliveryStatus, atMs: number): number {
    const info = this.db
      .prepare(
        `INSERT INTO alert_notifications (created_at, group_key, receiver, integration, target, kind, urgency, title, status, payload)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(us(atMs), n.groupKey, n.receiver, integration, target, n.kind, n.urgency, n.title, status, JSON.stringify(n));
    return Number(info.lastInsertRowid);
  }

  /** One attempt's outcome. */
  recordAttempt(id: number, status: DeliveryStatus, atMs: number, error: string | null, nextAttemptMs: number | null): void {
    this.db
      .prepare(
        'UPDATE alert_notifications SET status = ?, attempts = attempts + 1, last_attempt = ?, last_error = ?, next_attempt = ? WHERE id = ?',
      )
      .run(status, us(atMs), error, nextAttemptMs === null ? null : us(nextAttemptMs), id);
  }

  openDeliveries(): OpenDelivery[] {
    const rows = this.db
      .prepare(
        "SELECT id, integration, target, attempts, next_attempt, payload FROM alert_notifications WHERE status IN ('pending', 'retrying') ORDER BY id",
      )
      .all() as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as number,
      integration: r.integration as string,
      target: r.target as string,
      attempts: r.attempts as number,
      nextAttemptMs: msOrNull(r.next_attempt as number | null),
      notification: JSON.parse(r.payload as string) as Notification,
    }));
  }

  history(limit: number, before: number | undefined): NotificationLogEntry[] {
    const rows = this.db
      .prepare(`SELECT * FROM alert_notifications ${before !== undefined ? 'WHERE id < ?' : ''} ORDER BY id DESC LIMIT ?`)
      .all(...(before !== undefined ? [before, limit] : [limit])) as Record<string, unknown>[];
    return rows.map((r) => {
      const n = JSON.parse(r.payload as string) as Notification;
      return {
        id: r.id as number,
        createdAt: iso(r.created_at as number)!,
        groupKey: r.group_key as string,
        receiver: r.receiver as string,
        integration: r.integration as string,
        target: r.target as string,
        kind: r.kind as NotificationLogEntry['kind'],
        urgency: r.urgency as NotificationLogEntry['urgency'],
        title: r.title as string,
        status: r.status as DeliveryStatus,
        attempts: r.attempts as number,
        lastAttemptAt: iso(r.last_attempt as number | null),
        nextAttemptAt: iso(r.next_attempt as number | null),
        lastError: (r.last_error as string | null) ?? null,
        alerts: n.alerts.map((a) => ({ fingerprint: a.fingerprint, alertname: a.labels.alertname ?? '', status: a.status })),
      };
    });
  }

  /** How many deliveries the log holds per status. */
  deliveryCounts(): Partial<Record<DeliveryStatus, number>> {
    const rows = this.db.prepare('SELECT status, count(*) AS n FROM alert_notifications GROUP BY status').all() as {
      status: DeliveryStatus;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** Forget deliveries older than `cutoffMs` that are settled (the history is bounded in time). */
  pruneHistory(cutoffMs: number): number {
    return this.db
      .prepare("DELETE FROM alert_notifications WHERE created_at < ? AND status NOT IN ('pending', 'retrying')")
      .run(us(cutoffMs)).changes;
  }
}
