// Alertmanager's inhibit rules: a firing alert matching a rule's source matchers, with the same
// `equal` labels, mutes the alerts matching its target matchers. Beyond Alertmanager, `listed_in`:
// the source's label must also be one of the comma-separated values of a label of the target (a
// service's `depends_on` lists the service that is down).
import type { Alert } from '../alert.js';
import type { InhibitRule } from './config.js';
import { allHold } from './matchers.js';

/** The firing alert that inhibits `alert` (the first found among `alerts()`), or null. */
export function inhibitorOf(rules: readonly InhibitRule[], alert: Alert, alerts: () => Iterable<Alert>): Alert | null {
  for (const rule of rules) {
    if (!allHold(rule.targetMatchers, alert.labels)) continue;
    for (const source of alerts()) {
      if (source.endsAt !== null || source.fingerprint === alert.fingerprint) continue;
      if (!allHold(rule.sourceMatchers, source.labels)) continue;
      if (!rule.equal.every((l) => (source.labels[l] ?? '') === (alert.labels[l] ?? ''))) continue;
      if (rule.listedIn && !listedIn(source.labels[rule.listedIn.source], alert.labels[rule.listedIn.target])) continue;
      return source;
    }
  }
  return null;
}

/** Whether `value` is one of the comma-separated items of `list` (both present). */
function listedIn(value: string | undefined, list: string | undefined): boolean {
  if (!value || !list) return false;
  return list.split(',').some((item) => item.trim() === value);
}
