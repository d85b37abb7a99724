// The Alerts view's state: the active alerts, the rules (with their files' problems), the silences
// (which active alerts they mute) and the history of the time range (when alerts fired and
// resolved), polled while the view is open; the rule form's saves, deletes and previews.
import type { SilenceView } from '../../../../shared/api.js';
import type { AlertHistoryEntry, LogConditionSpec, PromAlertView, RulePreview, RuleSpec, RulesView } from '../../../../shared/rules.js';
import { alertFingerprint } from '../../../../shared/alert-fingerprint.js';
import { api } from '../../lib/client.js';
import { Poller } from '../../lib/poller.js';
import { errorMessage } from '../../lib/latest-request.svelte.js';
import { redRuleTemplate, ruleNameOf, type RedRuleTemplate } from '../../lib/red-series.js';
import { anomalyRuleExpr, SIGNAL_TITLES } from '../../lib/anomalies.js';
import type { GoldenSignalName } from '../../../../shared/anomalies.js';
import { resolveRange, type TimeRange } from '../../lib/time-range.js';
import { matchesAll } from './silence-matchers.js';

const POLL_MS = 2000;

/** What the rule form edits (every field text, as typed). */
export interface RuleDraft {
  group: string;
  name: string;
  kind: 'metric' | 'log';
  expr: string;
  logQuery: string;
  logOver: string;
  logThreshold: string;
  for: string;
  severity: string;
  summary: string;
  /** The rule's name before the edit (a rename replaces it), or '' for a new rule. */
  replaces: string;
}

/**
 * A firing or pending alert with its fingerprint (how the view opens it) and what mutes it: the
 * silence, or the alert inhibiting it (a service it depends on down, a P1 of the same name).
 */
export interface ActiveAlertView extends Omit<PromAlertView, 'value'> {
  /** Prometheus's value text at the last evaluation; null for an alert without a rule (it has none). */
  value: string | null;
  fingerprint: string;
  silencedBy: SilenceView | null;
  inhibitedBy: { fingerprint: string; labels: Record<string, string> } | null;
  /** Where an alert without a rule comes from (the Health view, an error group), as a route of the page. */
  source?: string;
}

/** The rule form filled from a RED template on a service (`#/alerts?new=error-ratio&service=checkout`). */
export function templateDraft(template: RedRuleTemplate, service: string): RuleDraft {
  const t = redRuleTemplate(template, service);
  return { ...emptyDraft(), group: 'services', name: t.name, expr: t.expr, for: t.for, severity: t.severity, summary: t.summary };
}

/** The rule form on a service's anomaly score (`#/alerts?new=anomaly&signal=error_ratio&service=checkout`). */
export function anomalyDraft(signal: GoldenSignalName, service: string, direction: 'up' | 'down' = 'up'): RuleDraft {
  const title = SIGNAL_TITLES[signal];
  return {
    ...emptyDraft(),
    group: 'services',
    // `CheckoutErrorRatioAnomaly`, `CheckoutRequestRateDrop`.
    name: ruleNameOf(service) + ruleNameOf(title) + (direction === 'up' ? 'Anomaly' : 'Drop'),
    expr: anomalyRuleExpr(service, signal, direction),
    // The score is written every minute and an anomaly is two minutes or more.
    for: '2m',
    severity: 'P3',
    summary: `${title} of ${service} is {{ $value | humanize }} deviations from its usual`,
  };
}

export function emptyDraft(): RuleDraft {
  return {
    group: 'my-rules',
    name: '',
    kind: 'metric',
    expr: '',
    logQuery: '',
    logOver: '5m',
    logThreshold: '> 0',
    for: '',
    severity: 'P3',
    summary: '',
    replaces: '',
  };
}

/** The draft of a rule as it is in its file. */
export function draftOf(group: string, spec: RuleSpec): RuleDraft {
  return {
    group,
    name: spec.alert ?? spec.record ?? '',
    kind: spec.logs ? 'log' : 'metric',
    expr: spec.expr ?? '',
    logQuery: spec.logs?.query ?? '',
    logOver: spec.logs?.over ?? '5m',
    logThreshold: spec.logs?.threshold ?? '> 0',
    for: spec.for ?? '',
    severity: spec.labels?.severity ?? '',
    summary: spec.annotations?.summary ?? '',
    replaces: spec.alert ?? spec.record ?? '',
  };
}

function logsOf(d: RuleDraft): LogConditionSpec {
  return { query: d.logQuery, over: d.logOver, threshold: d.logThreshold };
}

/** The rule as the file will hold it (fields left empty are left out). */
export function specOf(d: RuleDraft): RuleSpec {
  return {
    alert: d.name.trim(),
    ...(d.kind === 'metric' ? { expr: d.expr } : { logs: logsOf(d) }),
    ...(d.for.trim() ? { for: d.for.trim() } : {}),
    ...(d.severity.trim() ? { labels: { severity: d.severity.trim() } } : {}),
    ...(d.summary.trim() ? { annotations: { summary: d.summary } } : {}),
  };
}

export class AlertsStore {
  alerts: ActiveAlertView[] = $state.raw([]);
  rules: RulesView = $state.raw({ files: [], groups: [] });
  /** The stretches of the time range during which alerts fired (newest first). */
  history: AlertHistoryEntry[] = $state.raw([]);
  /** The range the timeline and the resolved list cover (ms), as of the last poll. */
  span = $state.raw({ from: 0, to: 0 });
  error = $state('');
  busy = $state(false);
  loaded = $state(false);
  private readonly poller = new Poller(() => this.refresh(), POLL_MS);

  constructor(private readonly range: () => TimeRange) {}

  start(): void {
    this.poller.start();
  }

  stop(): void {
    this.poller.stop();
  }

  async refresh(): Promise<void> {
    try {
      const span = resolveRange(this.range());
      const [alerts, managed, rules, silences, history] = await Promise.all([
        api.request('alerts.prometheusAlerts', {}),
        api.request('alerts.managed', {}),
        api.request('alerts.rules', {}),
        api.request('silences.list', {}),
        api.request('alerts.history', { from: new Date(span.from).toISOString(), to: new Date(span.to).toISOString() }),
      ]);
      const active = silences.filter((x) => x.status.state === 'active');
      const held = new Map(managed.map((m) => [m.fingerprint, m]));
      /** What mutes an alert: the active silence matching it, the alert the manager says inhibits it. */
      const mutes = (labels: Record<string, string>, fingerprint: string): Pick<ActiveAlertView, 'silencedBy' | 'inhibitedBy'> => {
        const by = held.get(fingerprint)?.status.inhibitedBy[0];
        const source = by === undefined ? undefined : held.get(by);
        return {
          silencedBy: active.find((x) => matchesAll(labels, x.matchers)) ?? null,
          inhibitedBy: source ? { fingerprint: source.fingerprint, labels: source.labels } : null,
        };
      };
      // The rules' alerts (pending ones too), then the alerts without a rule: health checks, new errors.
      const fromRules: ActiveAlertView[] = alerts.alerts.map((a) => {
        const fingerprint = alertFingerprint(a.labels);
        return { ...a, fingerprint, ...mutes(a.labels, fingerprint) };
      });
      const ruled = new Set(fromRules.map((a) => a.fingerprint));
      const withoutRule: ActiveAlertView[] = managed
        .filter((m) => !ruled.has(m.fingerprint))
        .map((m) => ({
          labels: m.labels,
          annotations: m.annotations,
          state: 'firing',
          activeAt: m.startsAt,
          value: null,
          fingerprint: m.fingerprint,
          ...mutes(m.labels, m.fingerprint),
          ...(m.generatorURL.includes('#/') ? { source: m.generatorURL.slice(m.generatorURL.indexOf('#/')) } : {}),
        }));
      this.alerts = [...fromRules, ...withoutRule];
      this.rules = rules;
      this.history = history;
      this.span = span;
      this.error = '';
      this.loaded = true;
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  /** Save the draft; returns the error to show in the form ('' when saved). */
  async save(d: RuleDraft): Promise<string> {
    this.busy = true;
    try {
      this.rules = await api.request('alerts.rules.save', {
        group: d.group.trim(),
        rule: specOf(d),
        ...(d.replaces ? { replaces: d.replaces } : {}),
      });
      return '';
    } catch (err) {
      return errorMessage(err);
    } finally {
      this.busy = false;
    }
  }

  async remove(group: string, name: string): Promise<void> {
    try {
      this.rules = await api.request('alerts.rules.delete', { group, name });
    } catch (err) {
      this.error = errorMessage(err);
    }
  }

  /** The draft's condition over the last `hours`. */
  preview(d: RuleDraft, hours: number): Promise<RulePreview> {
    return api.request('alerts.preview', {
      ...(d.kind === 'metric' ? { expr: d.expr } : { logs: logsOf(d) }),
      ...(d.for.trim() ? { for: d.for.trim() } : {}),
      hours,
    });
  }
}
