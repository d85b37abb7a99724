// Alerts from events instead of rules: something happened once — an error never seen before, a
// resolved error that came back, a new warning pattern — and there is no condition to evaluate
// again. Such an alert fires at the event and resolves after `holdMs` without another event of the
// same alert (each event re-arms it), so it is listed while it is fresh and the alert manager's
// grouping, silences, routes and "always a resolved notice" apply to it as to any rule's alert.
// The events themselves are the analysis layer's; the composition root turns them into specs.
import { alertFingerprint } from '../../../shared/alert-fingerprint.js';
import type { Scheduler, Task } from '../core/scheduler.js';
import type { Alert, AlertLabels, AlertSink } from './alert.js';

/** How long an event's alert stays firing after its last event. */
export const EVENT_ALERT_HOLD_MS = 60 * 60_000;

export interface EventAlertSpec {
  /** `alertname`, `severity` and what tells one such alert from another (a group id, a pattern id). */
  labels: AlertLabels;
  annotations: Record<string, string>;
  /** Where Loupe shows what happened (the error group, the pattern's records). */
  generatorURL: string;
  /**
   * When it happened (the record's time). Older than the hold, it is history being read (a folder
   * of last month's logs opened), not news: no alert.
   */
  atMs?: number;
}

export class EventAlerts {
  private readonly live = new Map<string, { alert: Alert; resolve: Task }>();
  /** Alerts fired from events since start. */
  fired = 0;
  /** Events too old to be news (history being read), not alerted. */
  historic = 0;

  constructor(
    private readonly deps: { sink: AlertSink; scheduler: Scheduler },
    private readonly holdMs = EVENT_ALERT_HOLD_MS,
  ) {}

  /** The event happened: fire its alert (again: re-arm its resolution), unless it is history. */
  fire(spec: EventAlertSpec): void {
    const now = this.deps.scheduler.clock.nowMs();
    if (spec.atMs !== undefined && spec.atMs < now - this.holdMs) {
      this.historic++;
      return;
    }
    const fingerprint = alertFingerprint(spec.labels);
    const old = this.live.get(fingerprint);
    old?.resolve.cancel();
    const alert: Alert = {
      labels: spec.labels,
      annotations: spec.annotations,
      startsAt: old?.alert.startsAt ?? now,
      endsAt: null,
      generatorURL: spec.generatorURL,
      fingerprint,
      value: 1,
    };
    const resolve = this.deps.scheduler.after(this.holdMs, () => {
      this.live.delete(fingerprint);
      this.deps.sink.send([{ ...alert, endsAt: this.deps.scheduler.clock.nowMs() }]);
    });
    this.live.set(fingerprint, { alert, resolve });
    this.fired++;
    this.deps.sink.send([alert]);
  }

  /** Stop the resolution timers (the alert manager resolves what it restored and nobody confirmed). */
  stop(): void {
    for (const { resolve } of this.live.values()) resolve.cancel();
    this.live.clear();
  }
}
