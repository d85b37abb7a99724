// The contract between the rule evaluator (alerting/rules/) and the alert manager
// (alerting/manager/), as Prometheus and Alertmanager split it: the evaluator decides *what* is
// firing (rules, `for`, `keep_firing_for`, no-data and error choices); the manager decides *who
// hears about it and when* (routing, grouping, inhibition, silences, acknowledgement, escalation,
// delivery). The alert is Alertmanager's postable alert (`POST /api/v2/alerts`), so the same value
// goes to Loupe's own manager and to a team Alertmanager unchanged.

/** Label names and values; `alertname` is always set, `severity` (P1…P4) usually. */
export type AlertLabels = Record<string, string>;

export interface Alert {
  /** Identity of the alert: rule's labels + the series' labels, with `alertname`. */
  readonly labels: AlertLabels;
  /** `summary`, `description`, `runbook_url`, `dashboard_url`…, templates already expanded. */
  readonly annotations: Record<string, string>;
  /** When it started firing (ms since the epoch). */
  readonly startsAt: number;
  /** When it resolved (ms since the epoch); null while firing. */
  readonly endsAt: number | null;
  /** Where Loupe shows the rule (a URL of Loupe's own UI). */
  readonly generatorURL: string;
  /** Stable hash of `labels` (Alertmanager's fingerprint: same labels, same alert). */
  readonly fingerprint: string;
  /** The expression's value at the last evaluation (what `{{ $value }}` expanded to). */
  readonly value: number;
}

/**
 * Where the evaluator sends alerts after each evaluation of a group: every alert that is firing
 * (endsAt null) — sent again at each evaluation, as Prometheus resends — and every alert that
 * resolved since the last send (endsAt set), once. Pending alerts are not sent (they are the
 * evaluator's to show). The manager deduplicates by fingerprint.
 */
export interface AlertSink {
  send(alerts: readonly Alert[]): void;
}
