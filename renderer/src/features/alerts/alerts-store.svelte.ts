// The Alerts view's state: the active alerts and the rules (with their files' problems), polled
// while the view is open; the rule form's saves, deletes and previews.
import type { LogConditionSpec, PromAlertView, RulePreview, RuleSpec, RulesView } from '../../../../shared/rules.js';
import { api } from '../../lib/client.js';
import { errorMessage } from '../../lib/latest-request.svelte.js';

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
  alerts: PromAlertView[] = $state.raw([]);
  rules: RulesView = $state.raw({ files: [], groups: [] });
  error = $state('');
  busy = $state(false);
  loaded = $state(false);
  private timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), POLL_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async refresh(): Promise<void> {
    try {
      const [alerts, rules] = await Promise.all([api.request('alerts.prometheusAlerts', {}), api.request('alerts.rules', {})]);
      this.alerts = alerts.alerts;
      this.rules = rules;
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
