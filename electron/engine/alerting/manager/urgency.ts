// How urgent a notification is, from its alerts' severities (P1 critical, P4 low, else normal), and
// one step higher per escalation of alerts nobody acknowledged.
import type { Alert } from '../alert.js';
import { URGENCIES, type Urgency } from '../notifiers/notification.js';

/** Urgency of a notification from the alerts' severity: P1 critical, P4 low, else normal. */
const SEVERITY_URGENCY: Record<string, Urgency> = { P1: 'critical', P2: 'normal', P3: 'normal', P4: 'low' };

/** The urgency of the most severe of the alerts (normal when there are none). */
export function urgencyOf(alerts: readonly Alert[]): Urgency {
  let best = -1;
  for (const a of alerts) best = Math.max(best, URGENCIES.indexOf(SEVERITY_URGENCY[a.labels.severity ?? ''] ?? 'normal'));
  return URGENCIES[Math.max(best, 0)] ?? 'normal';
}

/** `u` raised `steps` times, at most to critical. */
export function raise(u: Urgency, steps: number): Urgency {
  return URGENCIES[Math.min(URGENCIES.length - 1, URGENCIES.indexOf(u) + steps)]!;
}
