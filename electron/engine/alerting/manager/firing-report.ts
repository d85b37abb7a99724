// What the tray shows of the firing alerts (the `alerts-firing` message): the unacknowledged ones
// first, most severe first, then by title. The count and the critical colour leave acknowledged
// alerts out: someone is on them, so they no longer call for attention; but they still fire, so
// they stay listed.
import type { FiringAlertItem } from '../../../../shared/host-protocol.js';
import type { Alert } from '../alert.js';

/** The `alerts-firing` message for the alerts firing now (not silenced nor inhibited). */
export function firingReport(
  firing: readonly Alert[],
  acked: ReadonlySet<string>,
): { type: 'alerts-firing'; count: number; critical: boolean; alerts: string } {
  const items: FiringAlertItem[] = firing
    .map((a) => ({
      fingerprint: a.fingerprint,
      title: alertTitle(a),
      severity: a.labels.severity ?? '',
      url: a.generatorURL,
      ...(acked.has(a.fingerprint) ? { acknowledged: true } : {}),
    }))
    .sort(
      (a, b) =>
        Number(a.acknowledged === true) - Number(b.acknowledged === true) ||
        severityRank(a.severity) - severityRank(b.severity) ||
        (a.title < b.title ? -1 : a.title > b.title ? 1 : 0),
    );
  const calling = items.filter((a) => a.acknowledged !== true);
  return {
    type: 'alerts-firing' as const,
    count: calling.length,
    critical: calling.some((a) => a.severity === 'P1'),
    alerts: JSON.stringify(items),
  };
}

/** An alert's line in the tray: its name and summary. */
function alertTitle(a: Alert): string {
  const name = a.labels.alertname ?? 'alert';
  const summary = a.annotations.summary;
  return summary && summary !== name ? `${name}: ${summary}` : name;
}

/** P1 first … P4, then alerts without a severity. */
function severityRank(severity: string): number {
  const m = /^P([1-4])$/.exec(severity);
  return m ? Number(m[1]) : 5;
}
