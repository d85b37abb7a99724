// The life of an alert, as Prometheus's AlertingRule.Eval and sendAlerts run it (rules/alerting.go,
// 2.42): a series that meets the condition becomes a pending alert; held for `for` it fires; when
// the condition goes away a pending alert is dropped and a firing one resolves, unless
// `keep_firing_for` keeps it firing that long past the condition. What the evaluator sends after an
// evaluation: every firing alert (each time), and each resolution once. Pure: no clock, no storage.
import { alertFingerprint } from '../../../../shared/alert-fingerprint.js';
import type { Alert, AlertLabels } from '../alert.js';

export type AlertState = 'pending' | 'firing' | 'inactive';

export interface ActiveAlert {
  fingerprint: string;
  labels: AlertLabels;
  annotations: Record<string, string>;
  state: AlertState;
  /** When the condition was first met (ms). */
  activeAtMs: number;
  firedAtMs: number | null;
  resolvedAtMs: number | null;
  /** When it was last sent (ms): a resolution is sent once, when resolvedAt is after it. */
  lastSentAtMs: number | null;
  /** The condition went away while firing, at this time; `keep_firing_for` counts from it. */
  keepFiringSinceMs: number | null;
  value: number;
}

/** A series that meets the condition at this evaluation, its labels and annotations expanded. */
export interface Observation {
  labels: AlertLabels;
  annotations: Record<string, string>;
  value: number;
}

/** One evaluation's effect on a rule's alerts (`active` is changed in place), as Prometheus's Eval. */
export function applyEvaluation(
  active: Map<string, ActiveAlert>,
  observed: readonly Observation[],
  tsMs: number,
  holdMs: number,
  keepFiringForMs: number,
): void {
  const seen = new Set<string>();
  for (const o of observed) {
    const fp = alertFingerprint(o.labels);
    seen.add(fp);
    const existing = active.get(fp);
    if (existing && existing.state !== 'inactive') {
      existing.value = o.value;
      existing.annotations = o.annotations;
      existing.keepFiringSinceMs = null;
      continue;
    }
    active.set(fp, {
      fingerprint: fp,
      labels: o.labels,
      annotations: o.annotations,
      state: 'pending',
      activeAtMs: tsMs,
      firedAtMs: null,
      resolvedAtMs: null,
      lastSentAtMs: null,
      keepFiringSinceMs: null,
      value: o.value,
    });
  }
  for (const [fp, a] of active) {
    if (!seen.has(fp)) {
      let keepFiring = false;
      if (a.state === 'firing' && keepFiringForMs > 0) {
        a.keepFiringSinceMs ??= tsMs;
        keepFiring = tsMs - a.keepFiringSinceMs < keepFiringForMs;
      }
      if (a.state === 'pending') {
        active.delete(fp);
        continue;
      }
      if (a.state !== 'inactive' && !keepFiring) {
        a.state = 'inactive';
        a.resolvedAtMs = tsMs;
      }
      if (!keepFiring) continue;
    }
    if (a.state === 'pending' && tsMs - a.activeAtMs >= holdMs) {
      a.state = 'firing';
      a.firedAtMs = tsMs;
    }
  }
}

/**
 * What to send after an evaluation: the firing alerts, and the resolutions not sent yet (each
 * marked sent, then forgotten: Prometheus keeps a resolved alert 15 minutes only to send it again,
 * and the manager is told once, as the contract says). `generatorURL` names the rule in Loupe.
 */
export function alertsToSend(active: Map<string, ActiveAlert>, tsMs: number, generatorURL: string): Alert[] {
  const out: Alert[] = [];
  for (const [fp, a] of active) {
    if (a.state === 'pending') continue;
    if (a.state === 'inactive') {
      if (a.resolvedAtMs !== null && (a.lastSentAtMs === null || a.resolvedAtMs > a.lastSentAtMs) && a.firedAtMs !== null) {
        out.push(toAlert(a, a.resolvedAtMs, generatorURL));
      }
      active.delete(fp);
      continue;
    }
    out.push(toAlert(a, null, generatorURL));
    a.lastSentAtMs = tsMs;
  }
  return out;
}

function toAlert(a: ActiveAlert, endsAt: number | null, generatorURL: string): Alert {
  return {
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.firedAtMs ?? a.activeAtMs,
    endsAt,
    generatorURL,
    fingerprint: a.fingerprint,
    value: a.value,
  };
}
