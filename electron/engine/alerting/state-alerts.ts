// Alerts that follow a state instead of a rule's condition (a service down by its health probes):
// the owner says "firing" or "not firing" when the state changes; an alert fires once and resolves
// once, through the alert manager like any rule's alert. Unlike a rule's alert it has no `for`: the
// state is already debounced (failureThreshold, successThreshold).
import { alertFingerprint } from '../../../shared/alert-fingerprint.js';
import type { Clock } from '../core/clock.js';
import type { Alert, AlertLabels, AlertSink } from './alert.js';

export class StateAlerts {
  /** The alerts firing, by the owner's key for each (what stays the same while labels may change). */
  private readonly firing = new Map<string, Alert>();

  constructor(private readonly deps: { sink: AlertSink; clock: Clock }) {}

  /**
   * Fire the alert `key` names with these labels (again: its annotations updated), or resolve it.
   * Labels that changed for a key (a dependency added) resolve the old alert and fire the new one.
   */
  set(key: string, labels: AlertLabels, firing: boolean, annotations: Record<string, string> = {}, generatorURL = ''): void {
    const fingerprint = alertFingerprint(labels);
    const old = this.firing.get(key);
    const now = this.deps.clock.nowMs();
    if (old && (!firing || old.fingerprint !== fingerprint)) {
      this.firing.delete(key);
      this.deps.sink.send([{ ...old, endsAt: now }]);
    }
    if (!firing) return;
    const startsAt = old?.fingerprint === fingerprint ? old.startsAt : now;
    const alert: Alert = { labels, annotations, startsAt, endsAt: null, generatorURL, fingerprint, value: 1 };
    this.firing.set(key, alert);
    this.deps.sink.send([alert]);
  }

  /** The alerts firing now. */
  list(): Alert[] {
    return [...this.firing.values()];
  }
}
