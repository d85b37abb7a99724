// Alert and recording rules as they cross the API: a rule as written in a rule file (RuleSpec, the
// YAML keys as they are), and Prometheus's own shapes of /api/v1/rules and /api/v1/alerts, which
// the Alerts view reads too (with Loupe's additions beside them).

/** What "no data" or an evaluation error makes of a rule (Grafana's NoData/Error states). */
export type RuleStateChoice = 'alerting' | 'ok' | 'keep_state';

/** A log rule's condition (Loupe's extension of the rule file; README, *Rules*). */
export interface LogConditionSpec {
  /** A search in the Logs view's language (`level:error logger:app.db`). */
  query: string;
  /** The window the matches are counted over (a duration: `5m`). */
  over?: string;
  /** `> 10`, `>= 1`, `< 5`, `== 0`, `!= 0` (default `> 0`). */
  threshold?: string;
  /** Instead of over/threshold: fire when nothing matched for this long (`2m`). */
  absent?: string;
}

/** One rule, with the keys of a Prometheus rule file (plus `logs`, `no_data`, `error`). */
export interface RuleSpec {
  alert?: string;
  record?: string;
  expr?: string;
  logs?: LogConditionSpec;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  no_data?: RuleStateChoice;
  error?: RuleStateChoice;
}

/** An alert in /api/v1/alerts and in a rule of /api/v1/rules (Prometheus's JSON). */
export interface PromAlertView {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  /** Go's FormatFloat(v, 'e', -1): `1e+00`. */
  value: string;
  /** Set while `keep_firing_for` keeps it firing after the condition went away. */
  keepFiringSince?: string;
}

interface PromRuleCommon {
  name: string;
  /** The expression (for a log rule: its search, as `logs: …`). */
  query: string;
  labels: Record<string, string>;
  /** `unknown` until the first evaluation, `err` when the last one failed (`lastError`). */
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  /** Seconds the last evaluation took. */
  evaluationTime: number;
  /** RFC 3339; Go's zero time (0001-01-01T00:00:00Z) before the first. */
  lastEvaluation: string;
}

export interface PromAlertingRuleView extends PromRuleCommon {
  state: 'inactive' | 'pending' | 'firing';
  /** `for`, seconds. */
  duration: number;
  keepFiringFor: number;
  annotations: Record<string, string>;
  alerts: PromAlertView[];
  type: 'alerting';
}

export interface PromRecordingRuleView extends Omit<PromRuleCommon, 'labels'> {
  /** Left out when the rule has none (as Prometheus does). */
  labels?: Record<string, string>;
  type: 'recording';
}

export type PromRuleView = PromAlertingRuleView | PromRecordingRuleView;

export interface PromRuleGroupView {
  name: string;
  file: string;
  rules: PromRuleView[];
  /** Seconds. */
  interval: number;
  limit: number;
  evaluationTime: number;
  lastEvaluation: string;
}

/** A rule file Loupe reads, and whether its last version could be loaded. */
export interface RuleFileView {
  path: string;
  /** In the data dir's rules folder: the Alerts view may write it (files given with --rules are read only). */
  editable: boolean;
  /** Why the file on disk is not running (`line:col: message` lines); its last good rules still run. */
  error: string | null;
  groups: number;
  rules: number;
}

/** The Alerts view's rules: Prometheus's groups, with what the view needs beside. */
export interface RulesView {
  files: RuleFileView[];
  groups: (PromRuleGroupView & {
    editable: boolean;
    /** Evaluations skipped because the machine slept (never replayed), and the last such gap. */
    skippedEvaluations: number;
    lastSkip: { at: string; missed: number } | null;
    rules: (PromRuleView & { spec: RuleSpec })[];
  })[];
}

/** `alerts.preview`: the expression over the last hours, and where the rule would have fired. */
export interface RulePreview {
  /** The value compared (a comparison's left side; a log rule's count), per series: [ms, value] points. */
  series: { labels: Record<string, string>; points: [number, number][] }[];
  /** Where the condition held long enough (`for`) to fire, per series. */
  firing: { labels: Record<string, string>; from: number; to: number }[];
  /** The value now (the newest step), per series. */
  stepMs: number;
}

/** An alert as the rules sent it to the alert manager (Alertmanager's postable alert; times RFC 3339). */
export interface SentAlertView {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** Set on the resolution; null while firing. */
  endsAt: string | null;
  generatorURL: string;
  fingerprint: string;
  /** null when the value was not a number (an error or no-data alert). */
  value: number | null;
  sentAt: string;
}

/** The rules' part of engine.status. */
export interface RulesStatusView {
  groups: number;
  rules: number;
  firing: number;
  pending: number;
  /** Rule files whose last version does not load (their last good rules run). */
  fileErrors: number;
  reloads: number;
  reloadErrors: number;
}

/** One time an alert fired (`alerts.history`), and when it resolved; times RFC 3339. */
export interface AlertHistoryEntry {
  fingerprint: string;
  group: string;
  rule: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The condition first met (pending from here). */
  activeAt: string;
  firedAt: string;
  /** null while it fires. */
  resolvedAt: string | null;
  /** The value when it fired; null when not a number (an error or no-data alert). */
  value: number | null;
}
