// Alerts: the rules (alerting/rules/) over the stored metrics and logs, evaluated on the scheduler,
// their alerts sent to an AlertSink (the alert manager, and SentAlerts for alerts.sent), recording
// rules written as series; on the protocol, and as Prometheus's /api/v1/rules and /api/v1/alerts.
import type { RuleSpec, LogConditionSpec } from '../../../../shared/rules.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { AlertSink } from '../../alerting/alert.js';
import type { AlertHistory } from '../../alerting/rules/alert-history.js';
import { RulesManager } from '../../alerting/rules/rules-manager.js';
import { RuleStateStore } from '../../alerting/rules/state-store.js';
import type { SentAlerts } from '../../alerting/sent-alerts.js';
import { handler, type Handlers } from '../../api/handlers.js';
import { param, required, type Param } from '../../api/params.js';
import { BadRequestError } from '../../core/errors.js';
import type { Db } from '../../core/database.js';
import type { EngineModule, RestRoute } from '../../core/module.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { LogReader } from '../../signals/logs/log-reader.js';
import type { LogWindowCounts } from '../../signals/logs/live/window-counts.js';
import { parsePromDuration } from '../../signals/metrics/prometheus-api.js';
import { gaugeMetrics, type PointsSink } from '../../signals/metrics/points-sink.js';
import { RuleSeriesCache, type CatalogSeriesStore } from '../../alerting/rules/series-cache.js';
import type { EventBus } from '../../core/events.js';

/** alerts.history without `from`: the last day. */
const DEFAULT_HISTORY_US = 24 * 3600 * 1_000_000;

/** The instrumentation scope of recording rules' points. */
export const RULES_SCOPE = 'loupe/rules';

export interface AlertsDeps {
  db: Db;
  scheduler: Scheduler;
  /** `points.stored` and `points.deleted` keep the rules' point cache up to date. */
  events: EventBus;
  series: CatalogSeriesStore;
  logs: LogReader;
  /** The log rules' counts, kept as records are stored. */
  logCounts: LogWindowCounts;
  points: PointsSink;
  /** Where alerts go: the alert manager. With SentAlerts, `alerts.sent` lists them. */
  sink: AlertSink;
  sent?: SentAlerts;
  /** When each alert fired and resolved (alerts.history). */
  history?: AlertHistory;
  /** `loupe serve --rules FILE` (read only from the UI). */
  ruleFiles: readonly string[];
  /** The data dir's rules folder. */
  rulesDir: string;
}

/** A JSON object param (a rule as the form sends it). */
function objectParam<T>(): Param<T | undefined> {
  return {
    parse: (value, name) => {
      if (value === undefined || value === null) return undefined;
      if (typeof value !== 'object' || Array.isArray(value)) throw new BadRequestError(`${name}: expected an object.`);
      return value as T;
    },
  };
}

export function alertsModule(deps: AlertsDeps): EngineModule {
  // The rules read their selectors' points once, then what is stored after (series-cache.ts).
  const ruleSeries = new RuleSeriesCache(deps.series);
  const listening = [
    deps.events.on('points.stored', (e) => ruleSeries.stored(e.written)),
    deps.events.on('points.deleted', () => ruleSeries.clear()),
  ];
  const rules = new RulesManager(
    {
      clock: deps.scheduler.clock,
      scheduler: deps.scheduler,
      series: deps.series,
      ruleSeries,
      countLogs: (q, fromUs, toUs) => deps.logs.count({ q, from: fromUs, to: toUs }),
      logCounter: (q) => deps.logCounts.counter(q),
      writeSeries: (samples, tsMs) => deps.points.write({ attributes: {} }, RULES_SCOPE, gaugeMetrics(samples, tsMs)),
      sink: deps.sink,
      store: new RuleStateStore(deps.db),
      ...(deps.history ? { history: deps.history } : {}),
      generatorURL: (group, rule) => `/#/alerts?group=${encodeURIComponent(group)}&rule=${encodeURIComponent(rule)}`,
    },
    { files: deps.ruleFiles, dir: deps.rulesDir },
  );
  const handlers: Handlers = {
    'alerts.prometheusRules': handler({ type: param.string }, (p) => rules.prometheusRules(p.type)),
    'alerts.prometheusAlerts': handler({}, () => rules.prometheusAlerts()),
    'alerts.rules': handler({}, () => rules.rulesView()),
    'alerts.rules.save': handler(
      {
        group: required(param.string),
        rule: required(objectParam<RuleSpec>()),
        replaces: param.string,
        interval: param.string,
      },
      (p) => rules.save(p),
    ),
    'alerts.rules.delete': handler({ group: required(param.string), name: required(param.string) }, (p) => rules.delete(p)),
    'alerts.preview': handler(
      {
        expr: param.string,
        logs: objectParam<LogConditionSpec>(),
        for: param.string,
        hours: param.int,
        step: param.string,
        end: param.time,
      },
      (p) =>
        rules.preview({
          expr: p.expr,
          logs: p.logs,
          for: p.for,
          hours: p.hours ?? 6,
          stepMs: p.step === undefined ? undefined : parsePromDuration(p.step, 'step'),
          endMs: p.end === undefined ? undefined : Math.floor(p.end / 1000),
        }),
    ),
    'alerts.sent': handler({}, () =>
      (deps.sent?.list() ?? []).map((a) => ({
        labels: a.labels,
        annotations: a.annotations,
        startsAt: usToRfc3339(a.startsAt * 1000),
        endsAt: a.endsAt === null ? null : usToRfc3339(a.endsAt * 1000),
        generatorURL: a.generatorURL,
        fingerprint: a.fingerprint,
        value: Number.isFinite(a.value) ? a.value : null,
        sentAt: usToRfc3339(a.sentAt * 1000),
      })),
    ),
    'alerts.history': handler({ from: param.time, to: param.time, fingerprint: param.string }, (p) => {
      const nowUs = deps.scheduler.clock.nowUs();
      return (
        deps.history?.list({
          fromUs: p.from ?? nowUs - DEFAULT_HISTORY_US,
          toUs: p.to ?? nowUs,
          ...(p.fingerprint !== undefined ? { fingerprint: p.fingerprint } : {}),
        }) ?? []
      );
    }),
  };
  const prometheus = { shape: 'prometheus', auth: 'token' } as const;
  const routes: RestRoute[] = [
    { method: 'GET', path: '/api/v1/rules', handler: 'alerts.prometheusRules', query: ['type'], ...prometheus },
    { method: 'GET', path: '/api/v1/alerts', handler: 'alerts.prometheusAlerts', ...prometheus },
    { method: 'GET', path: '/api/alerts/rules', handler: 'alerts.rules' },
    { method: 'POST', path: '/api/alerts/rules', handler: 'alerts.rules.save', body: 'fields' },
    { method: 'DELETE', path: '/api/alerts/rules', handler: 'alerts.rules.delete', query: ['group', 'name'] },
    { method: 'POST', path: '/api/alerts/preview', handler: 'alerts.preview', body: 'fields' },
    { method: 'GET', path: '/api/alerts/sent', handler: 'alerts.sent', envelope: 'alerts' },
    { method: 'GET', path: '/api/alerts/history', handler: 'alerts.history', query: ['from', 'to', 'fingerprint'], envelope: 'history' },
  ];
  return {
    name: 'alerts',
    handlers,
    routes,
    ...(deps.history ? { pruner: deps.history } : {}),
    start: () => rules.start(),
    stop: () => {
      for (const off of listening) off();
      return rules.stop();
    },
    status: () => ({ rules: rules.status() }),
  };
}
