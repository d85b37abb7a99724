// One rule group's evaluation, as Prometheus's Group.Eval runs it: each rule in order at the same
// instant (a recording rule's output is readable by the rules after it), the alerting rules'
// states moved (alert-state.ts), the firing alerts and new resolutions sent to the sink, the state
// saved. Loupe's additions: log rules (a count of log records matching a search over a window),
// the per-rule `no_data` and `error` choices, and sleep gaps: an evaluation that finds the last one
// far behind (the machine slept, or Loupe was stopped) counts the evaluations skipped, restarts
// the `for` timers of pending alerts (the condition was not watched meanwhile) and keeps log
// windows from reaching into the unwatched time; nothing is replayed.
import type { AlertSink, AlertLabels } from '../alert.js';
import type { Clock } from '../../core/clock.js';
import { instantQuery, parseExpr, type Expr, type Labels, type SeriesStore } from '../../signals/metrics/promql/index.js';
import { typeOf } from '../../signals/metrics/promql/parse.js';
import { withSearchDeadline } from '../../signals/logs/query/index.js';
import type { LogWindowCounter } from '../../signals/logs/live/window-counts.js';
import { alertsToSend, applyEvaluation, type ActiveAlert, type Observation } from './alert-state.js';
import { compare, type Rule, type RuleGroup } from './rule-file.js';
import type { AlertHistory } from './alert-history.js';
import type { GroupState, RuleStateStore } from './state-store.js';
import { expandTemplate } from './templates.js';

/** Prometheus's series of the alerts' states. */
export const ALERTS_METRIC = 'ALERTS';
export const ALERTS_FOR_STATE_METRIC = 'ALERTS_FOR_STATE';

/** A stop or restart of Loupe within this much (beyond two intervals) keeps the `for` timers. */
export const RESTART_ALLOWANCE_MS = 60_000;
/** How long one rule's query may run (the engine has one thread). */
export const RULE_QUERY_DEADLINE_MS = 5_000;

/** What the rules read and write, outside alerting/. */
export interface RuleDeps {
  clock: Clock;
  /** The stored series: the previews' range queries, and the rules' own when `ruleSeries` is not given. */
  series: SeriesStore;
  /** What the groups' evaluations read: the point cache (series-cache.ts) over `series`. */
  ruleSeries?: SeriesStore;
  /** How many log records match `q` in [from, to] (µs): the previews, and log rules without `logCounter`. */
  countLogs(q: string, fromUs: number, toUs: number): number;
  /** A log rule's count, kept as records are stored (signals/logs/live/window-counts.ts). */
  logCounter?(q: string): LogWindowCounter;
  /**
   * A recording rule's result and the alerts' ALERTS series, stored as series PromQL reads (each
   * sample's labels include `__name__`); a `stale` sample is a staleness marker (the series ended).
   */
  writeSeries(samples: { labels: Labels; value: number; stale?: boolean }[], tsMs: number): void;
  sink: AlertSink;
  store: RuleStateStore;
  /** Where Loupe's UI shows a rule (the alerts' generatorURL). */
  generatorURL(group: string, rule: string): string;
  /** Where the firing and resolving are kept for the timeline (none in tests that do not look). */
  history?: AlertHistory;
}

export interface RuleHealth {
  health: 'ok' | 'err' | 'unknown';
  lastError: string | null;
  lastEvaluationMs: number | null;
  evaluationTimeMs: number;
  /** The values the last evaluation found (for the view); a log rule's count even when under its threshold. */
  lastValue: number | null;
}

/** A rule and what it holds between evaluations. */
export class RuleRuntime {
  readonly key: string;
  active: Map<string, ActiveAlert>;
  readonly health: RuleHealth = { health: 'unknown', lastError: null, lastEvaluationMs: null, evaluationTimeMs: 0, lastValue: null };
  private readonly parsed: Expr | null;
  /**
   * The series the last evaluation wrote (a recording rule's output, or an alerting rule's ALERTS /
   * ALERTS_FOR_STATE), by labels: one not written again gets a staleness marker.
   */
  private writtenSeries = new Map<string, Labels>();
  /** A log rule's counts, by search (its query, and '' for `no_data`): made at the first evaluation. */
  private readonly logCounters = new Map<string, LogWindowCounter>();

  constructor(
    readonly rule: Rule,
    readonly group: RuleGroup,
    store: RuleStateStore,
  ) {
    this.key = ruleKey(group, rule);
    this.active = rule.kind === 'alerting' ? store.loadAlerts(this.key) : new Map();
    this.parsed = rule.expr === null ? null : parseExpr(rule.expr);
  }

  /** Samples of the rule's condition at `tsMs`, and whether there was no data (for the no_data choice). */
  private query(deps: RuleDeps, tsMs: number, observedSinceMs: number): { samples: { labels: Labels; value: number }[]; noData: boolean } {
    const logs = this.rule.logs;
    if (logs) {
      const [windowFromS, toS] = logWindowSeconds(tsMs, logs.overMs);
      // The second the group began watching counts whole: records of that second written after the
      // first evaluation are in it (history from before stays out, to within that second).
      const fromS = Math.max(windowFromS, Math.floor(observedSinceMs / 1000));
      // An absence needs a whole window watched: right after a start or a wake nothing is absent yet.
      if (logs.absent && tsMs - observedSinceMs < logs.overMs) return { samples: [], noData: false };
      const n = this.countLogs(deps, logs.query, fromS, toS);
      this.health.lastValue = n;
      const noData = this.rule.noData !== 'ok' && (logs.query === '' ? n : this.countLogs(deps, '', fromS, toS)) === 0;
      return { samples: compare(logs.op, n, logs.threshold) ? [{ labels: {}, value: n }] : [], noData };
    }
    const series = deps.ruleSeries ?? deps.series;
    const result = instantQuery(series, this.parsed!, tsMs);
    let samples: { labels: Labels; value: number }[];
    if (result.resultType === 'vector') samples = result.samples.map((s) => ({ labels: s.metric, value: s.v }));
    else if (result.resultType === 'scalar') samples = [{ labels: {}, value: result.value }];
    else throw new Error(`rule result is not a vector or scalar`);
    this.health.lastValue = samples[0]?.value ?? null;
    let noData = false;
    if (samples.length === 0 && this.rule.noData !== 'ok') {
      // "No data": the series the condition compares are missing, not merely under the threshold.
      const data = dataExpr(this.parsed!);
      const r = instantQuery(series, data, tsMs);
      noData = r.resultType === 'vector' && r.samples.length === 0;
    }
    return { samples, noData };
  }

  /** Records matching `q` in the seconds [fromS, toS]. */
  private countLogs(deps: RuleDeps, q: string, fromS: number, toS: number): number {
    if (!deps.logCounter) return deps.countLogs(q, fromS * 1_000_000, (toS + 1) * 1_000_000 - 1);
    let counter = this.logCounters.get(q);
    if (!counter) this.logCounters.set(q, (counter = deps.logCounter(q)));
    return counter.count(fromS, toS);
  }

  /** The rule stops (its group went or changed): its counts stop following the stored records. */
  close(): void {
    for (const c of this.logCounters.values()) c.close();
    this.logCounters.clear();
  }

  /** Evaluate at `tsMs`; returns the alerts to send. */
  evaluate(deps: RuleDeps, tsMs: number, observedSinceMs: number): ReturnType<typeof alertsToSend> {
    const started = performance.now();
    const rule = this.rule;
    let observed: Observation[] | 'keep' = [];
    try {
      const { samples, noData } = withSearchDeadline(() => this.query(deps, tsMs, observedSinceMs), RULE_QUERY_DEADLINE_MS);
      // The group's `limit`, as Prometheus applies it: over it, the evaluation is an error.
      const limit = this.group.limit;
      if (limit > 0 && samples.length > limit)
        throw new Error(`exceeded limit of ${limit} with ${samples.length} ${rule.kind === 'recording' ? 'series' : 'alerts'}`);
      if (rule.kind === 'recording') {
        this.writeWithStaleness(deps, recorded(rule, samples), tsMs);
      } else if (noData && rule.noData === 'keep_state') observed = 'keep';
      else if (noData && rule.noData === 'alerting') observed = [this.special(tsMs, 'no_data', 'the expression found no data')];
      else observed = this.observations(samples);
      this.health.health = 'ok';
      this.health.lastError = null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.health.health = 'err';
      this.health.lastError = message;
      // A failed evaluation records nothing: the series it wrote before end (Prometheus's too).
      if (rule.kind === 'recording') this.writeWithStaleness(deps, [], tsMs);
      if (rule.error === 'keep_state') observed = 'keep';
      else if (rule.error === 'alerting') observed = [this.special(tsMs, 'error', message)];
      else observed = [];
    }
    this.health.lastEvaluationMs = tsMs;
    this.health.evaluationTimeMs = performance.now() - started;
    if (rule.kind === 'recording') return [];
    if (observed !== 'keep') applyEvaluation(this.active, observed, tsMs, rule.forMs, rule.keepFiringForMs);
    deps.history?.recordTransitions(this.group.name, rule.name, this.active.values(), tsMs);
    this.writeAlertSeries(deps, tsMs);
    return alertsToSend(this.active, tsMs, deps.generatorURL(this.group.name, rule.name));
  }

  /**
   * Prometheus's ALERTS{alertname, alertstate, …labels} = 1 and ALERTS_FOR_STATE{alertname, …labels}
   * = the time it became active (seconds) for every pending and firing alert, at each evaluation
   * (rules/alerting.go's sample and forStateSample); a series no longer written ends with a
   * staleness marker, as Prometheus's group evaluation writes one.
   */
  private writeAlertSeries(deps: RuleDeps, tsMs: number): void {
    const samples: { labels: Labels; value: number }[] = [];
    for (const a of this.active.values()) {
      if (a.state === 'inactive') continue;
      const alerts: Labels = { ...a.labels, __name__: ALERTS_METRIC, alertstate: a.state };
      const forState: Labels = { ...a.labels, __name__: ALERTS_FOR_STATE_METRIC };
      samples.push({ labels: alerts, value: 1 }, { labels: forState, value: Math.floor(a.activeAtMs / 1000) });
    }
    this.writeWithStaleness(deps, samples, tsMs);
  }

  /** Write this evaluation's series, and a staleness marker for each series of the last one not among them. */
  private writeWithStaleness(deps: RuleDeps, samples: { labels: Labels; value: number }[], tsMs: number): void {
    const now = new Map<string, Labels>();
    const out: { labels: Labels; value: number; stale?: boolean }[] = samples;
    for (const { labels } of samples) now.set(JSON.stringify(Object.entries(labels).sort()), labels);
    for (const [key, labels] of this.writtenSeries) if (!now.has(key)) out.push({ labels, value: NaN, stale: true });
    this.writtenSeries = now;
    if (out.length > 0) deps.writeSeries(out, tsMs);
  }

  /** An alert of the rule itself (no series): for `no_data: alerting` and `error: alerting`. */
  private special(tsMs: number, why: 'no_data' | 'error', message: string): Observation {
    const [o] = this.observations([{ labels: {}, value: NaN }]);
    return { ...o!, annotations: { ...o!.annotations, [why]: message } };
  }

  private observations(samples: readonly { labels: Labels; value: number }[]): Observation[] {
    const rule = this.rule;
    const seen = new Set<string>();
    return samples.map((s) => {
      const { __name__: _name, ...seriesLabels } = s.labels;
      const data = { labels: s.labels, value: s.value };
      const labels: AlertLabels = { ...seriesLabels };
      for (const [k, v] of Object.entries(rule.labels)) labels[k] = expandTemplate(v, `__alert_${rule.name}`, data);
      labels.alertname = rule.name;
      const key = JSON.stringify(Object.entries(labels).sort());
      if (seen.has(key)) throw new Error('vector contains metrics with the same labelset after applying alert labels');
      seen.add(key);
      const annotations: Record<string, string> = {};
      for (const [k, v] of Object.entries(rule.annotations)) annotations[k] = expandTemplate(v, `__alert_${rule.name}`, data);
      return { labels, annotations, value: s.value };
    });
  }

  /** The sleep gap: pending alerts start their `for` again and kept-firing ones their `keep_firing_for`. */
  restartTimers(tsMs: number): void {
    for (const a of this.active.values()) {
      if (a.state === 'pending') a.activeAtMs = tsMs;
      if (a.keepFiringSinceMs !== null) a.keepFiringSinceMs = tsMs;
    }
  }
}

/**
 * A log rule's window at `tsMs`, in whole seconds [fromS, toS]: the `overMs` seconds up to the
 * evaluation's own (a second's records all in or all out, so a count can be kept per second as
 * records are stored).
 */
export function logWindowSeconds(tsMs: number, overMs: number): [fromS: number, toS: number] {
  const toS = Math.floor(tsMs / 1000);
  return [toS - Math.ceil(overMs / 1000) + 1, toS];
}

/** What a condition compares: a top-level comparison's vector side, or the whole expression. */
function dataExpr(e: Expr): Expr {
  if (e.kind === 'binary' && ['>', '<', '>=', '<=', '==', '!='].includes(e.op) && !e.returnBool) {
    return typeOf(e.lhs) === 'vector' ? e.lhs : e.rhs;
  }
  if (e.kind === 'paren') return dataExpr(e.expr);
  return e;
}

/** A recording rule's output series: the record's name, the sample's labels, the rule's labels. */
function recorded(rule: Rule, samples: readonly { labels: Labels; value: number }[]): { labels: Labels; value: number }[] {
  const seen = new Set<string>();
  return samples.map((s) => {
    const labels: Labels = { ...s.labels, ...rule.labels, __name__: rule.name };
    const key = JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new Error('vector contains metrics with the same labelset after applying rule labels');
    seen.add(key);
    return { labels, value: s.value };
  });
}

export function ruleKey(group: RuleGroup, rule: Rule): string {
  return [group.file, group.name, rule.name, JSON.stringify(Object.entries(rule.labels).sort())].join('\u0000');
}

export function groupKey(group: RuleGroup): string {
  return `${group.file}\u0000${group.name}`;
}

/** A group and its rules, evaluated together every interval. */
export class GroupRuntime {
  readonly key: string;
  readonly state: GroupState;
  readonly rules: RuleRuntime[];
  evaluationTimeMs = 0;
  private evaluatedThisRun = false;

  constructor(
    readonly group: RuleGroup,
    readonly intervalMs: number,
    private readonly deps: RuleDeps,
  ) {
    this.key = groupKey(group);
    this.state = deps.store.loadGroup(this.key);
    this.rules = group.rules.map((r) => new RuleRuntime(r, group, deps.store));
  }

  /** The group stops (removed, or replaced by its edited version). */
  close(): void {
    for (const r of this.rules) r.close();
  }

  evaluate(): void {
    const started = performance.now();
    const now = this.deps.clock.nowMs();
    const last = this.state.lastEvaluationMs;
    const allowance = 2 * this.intervalMs + (this.evaluatedThisRun ? 0 : RESTART_ALLOWANCE_MS);
    if (last !== null && now - last > allowance) {
      // Evaluations that would have run meanwhile: skipped, said, never made up.
      const missed = Math.max(1, Math.floor((now - last) / this.intervalMs) - 1);
      this.state.skippedEvaluations += missed;
      this.state.lastSkip = { atMs: now, missed };
      this.state.observedSinceMs = now;
      for (const r of this.rules) r.restartTimers(now);
    }
    this.state.observedSinceMs ??= now;
    this.evaluatedThisRun = true;
    const alerts = this.rules.flatMap((r) => r.evaluate(this.deps, now, this.state.observedSinceMs!));
    if (alerts.length > 0) this.deps.sink.send(alerts);
    this.state.lastEvaluationMs = now;
    this.deps.store.save(
      this.key,
      this.state,
      this.rules.filter((r) => r.rule.kind === 'alerting').map((r) => [r.key, r.active.values()]),
    );
    this.evaluationTimeMs = performance.now() - started;
  }
}
