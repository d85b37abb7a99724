// What the alert manager hands every notifier: one notification of one alert group to one
// receiver, with its alerts (firing and resolved), how urgent it is, and the words to show. Each
// notifier turns it into its own shape (Alertmanager's webhook JSON, Slack's text, a desktop popup).
import { createHash } from 'node:crypto';
import type { AlertLabels } from '../alert.js';

export type Urgency = 'low' | 'normal' | 'critical';

export const URGENCIES: readonly Urgency[] = ['low', 'normal', 'critical'];

/**
 * firing: alerts fired that were not notified yet; repeat: nothing new, repeat_interval passed;
 * escalation: notified and still unacknowledged after escalate_after; resolved: only resolved
 * alerts; silence-expiring: a silence ends soon (its reminder).
 */
export type NotificationKind = 'firing' | 'repeat' | 'escalation' | 'resolved' | 'silence-expiring';

export interface NotifiedAlert {
  status: 'firing' | 'resolved';
  labels: AlertLabels;
  annotations: Record<string, string>;
  /** ms since the epoch. */
  startsAt: number;
  endsAt: number | null;
  generatorURL: string;
  fingerprint: string;
  value: number;
  /** Acknowledged (quiet until resolved): listed, never the reason for a notification. */
  acknowledged?: boolean;
}

export interface Notification {
  receiver: string;
  /** The aggregation group (route + group labels). */
  groupKey: string;
  /** A short stable id of the group: a desktop notification of the same id replaces the last. */
  groupId: string;
  kind: NotificationKind;
  /** `firing` while any alert in it fires. */
  status: 'firing' | 'resolved';
  urgency: Urgency;
  groupLabels: AlertLabels;
  commonLabels: AlertLabels;
  commonAnnotations: Record<string, string>;
  alerts: NotifiedAlert[];
  title: string;
  body: string;
  /** Where to open Loupe on it (the first alert's generatorURL). */
  alertUrl: string;
  /** ms since the epoch it was made. */
  atMs: number;
}

/** A notifier's answer: delivered (undefined), or not attempted and why (no desktop app open). */
export type DeliveryOutcome = undefined | { skipped: string };

/** One integration of a receiver. `send` throws (a sentence) when the delivery failed: it is retried. */
export interface Notifier {
  /** webhook | command | alertmanager | desktop | browser */
  readonly integration: string;
  /** What it sends to, for the history (a URL, a command line); empty for desktop and browser. */
  readonly target: string;
  /** Whether it is told of resolved alerts (Alertmanager's send_resolved). */
  readonly sendResolved: boolean;
  send(notification: Notification): Promise<DeliveryOutcome>;
}

/** The labels every alert shares. */
export function commonOf(maps: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

/** The notification as a notifier that does not send resolved alerts sees it; null: nothing left to send. */
export function forNotifier(n: Notification, notifier: Notifier): Notification | null {
  if (notifier.sendResolved || n.kind === 'silence-expiring') return n;
  const firing = n.alerts.filter((a) => a.status === 'firing');
  return firing.length === 0 ? null : { ...n, alerts: firing };
}

/** The title and body a person reads: the summary annotation when there is one alert, else counts. */
export function describe(
  kind: NotificationKind,
  alerts: readonly NotifiedAlert[],
  groupLabels: AlertLabels,
  commonAnnotations: Record<string, string>,
): { title: string; body: string } {
  const firing = alerts.filter((a) => a.status === 'firing');
  const resolved = alerts.filter((a) => a.status === 'resolved');
  const name = groupLabels.alertname ?? commonOf(alerts.map((a) => a.labels)).alertname ?? Object.values(groupLabels).join(' ') ?? 'alert';
  const severity = commonOf(alerts.map((a) => a.labels)).severity;
  const prefix = severity ? `${severity} ` : '';
  const one = alerts.length === 1 ? alerts[0] : undefined;
  const summary = one?.annotations.summary ?? commonAnnotations.summary;
  let title: string;
  if (kind === 'resolved') title = `Resolved: ${prefix}${name}`;
  else if (kind === 'escalation') title = `Still firing, not acknowledged: ${prefix}${name}`;
  else title = `${prefix}${name}${firing.length > 1 ? ` (${firing.length} firing)` : ' firing'}`;
  const lines: string[] = [];
  if (summary) lines.push(summary);
  const description = one?.annotations.description ?? commonAnnotations.description;
  if (description) lines.push(description);
  if (!summary && !description) {
    for (const a of alerts.slice(0, 3)) {
      const labels = Object.entries(a.labels)
        .filter(([k]) => k !== 'alertname' && k !== 'severity' && groupLabels[k] === undefined)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      lines.push(`${a.status === 'resolved' ? 'resolved' : 'firing'}${labels ? `: ${labels}` : ''} (value ${a.value})`);
    }
    if (alerts.length > 3) lines.push(`and ${alerts.length - 3} more`);
  }
  if (kind !== 'resolved' && resolved.length > 0) lines.push(`${resolved.length} resolved`);
  return { title, body: lines.join('\n') };
}

/** Alertmanager's webhook JSON (version 4), the body of webhook receivers and the command's stdin. */
export function webhookPayload(n: Notification, maxAlerts = 0, externalURL = ''): Record<string, unknown> {
  const alerts = maxAlerts > 0 ? n.alerts.slice(0, maxAlerts) : n.alerts;
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: n.alerts.length - alerts.length,
    status: n.status,
    receiver: n.receiver,
    groupLabels: n.groupLabels,
    commonLabels: n.commonLabels,
    commonAnnotations: n.commonAnnotations,
    externalURL,
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      // Alertmanager's zero time for an alert still firing.
      endsAt: a.endsAt === null ? '0001-01-01T00:00:00Z' : new Date(a.endsAt).toISOString(),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
    // Loupe's additions (a receiver that knows Alertmanager's shape ignores them).
    kind: n.kind,
    urgency: n.urgency,
    title: n.title,
  };
}

/** A group's short id (`groupId`): the first 16 hex digits of its key's SHA-256, stable across restarts. */
export function shortId(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex').slice(0, 16);
}
