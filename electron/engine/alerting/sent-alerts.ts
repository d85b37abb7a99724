// What the rules sent the alert manager, kept beside it (the manager decides what is notified): it keeps
// the last sends in memory, newest first, so the API can show what the rules sent and when.
import type { Alert, AlertSink } from './alert.js';

/** How many alerts are kept (older ones are forgotten first). */
export const SENT_ALERTS_KEPT = 500;

export interface SentAlert extends Alert {
  /** When the evaluator sent it (ms). */
  readonly sentAt: number;
}

export class SentAlerts implements AlertSink {
  private readonly kept: SentAlert[] = [];
  sends = 0;

  constructor(private readonly nowMs: () => number) {}

  send(alerts: readonly Alert[]): void {
    const sentAt = this.nowMs();
    this.sends++;
    for (const a of alerts) this.kept.unshift({ ...a, sentAt });
    this.kept.length = Math.min(this.kept.length, SENT_ALERTS_KEPT);
  }

  /** Newest first. */
  list(): readonly SentAlert[] {
    return this.kept;
  }
}
