// The alerts Loupe makes out of the box from the analysis layer's events, without a rule: a new
// error group (P3: notified once per group, as Sentry's "first seen" alert), an error group that
// came back after it was marked resolved (P3), and a log pattern never seen before at warn (P4:
// listed, no popup; error and fatal records are error groups already). Route or silence them like any alert (alertname NewError,
// ErrorRegressed, NewLogPattern; `error_group` / `pattern` tell them apart).
import type { EventAlerts } from '../../alerting/event-alerts.js';
import type { EngineEvents, EventBus } from '../../core/events.js';

// The events' payloads as the bus declares them (a module never imports another module).
type ErrorGroupEvent = EngineEvents['analysis.errorGroup'];
type NewPatternEvent = EngineEvents['analysis.newPattern'];

/** At most this much of a title or template goes into a notification's text. */
const TEXT_MAX = 200;

const cut = (text: string): string => (text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX - 1)}…` : text);

export function errorGroupAlert(e: ErrorGroupEvent): Parameters<EventAlerts['fire']>[0] {
  const service = e.occurrence.service ?? e.group.services[0] ?? '';
  const where = service ? ` in ${service}` : '';
  const isNew = e.kind === 'new';
  return {
    labels: {
      alertname: isNew ? 'NewError' : 'ErrorRegressed',
      severity: 'P3',
      error_group: String(e.group.id),
      ...(service ? { service } : {}),
    },
    annotations: {
      summary: `${isNew ? 'New error' : 'Error back'}${where}: ${cut(e.group.title)}`,
      description: isNew ? `First seen ${e.occurrence.time}.` : `It was marked resolved; it occurred again at ${e.occurrence.time}.`,
    },
    generatorURL: `/#/errors/${e.group.id}`,
    atMs: Date.parse(e.occurrence.time),
  };
}

export function newPatternAlert(e: NewPatternEvent): Parameters<EventAlerts['fire']>[0] {
  return {
    labels: {
      alertname: 'NewLogPattern',
      severity: 'P4',
      pattern: String(e.id),
      ...(e.service ? { service: e.service } : {}),
    },
    annotations: {
      summary: `New ${e.level} message${e.service ? ` in ${e.service}` : ''}: ${cut(e.template)}`,
      description: `First: ${cut(e.sample)}`,
    },
    generatorURL: `/#/logs?${new URLSearchParams({ q: `pattern:${e.id}` }).toString()}`,
    atMs: Date.parse(e.time),
  };
}

/** Fire the analysis events' alerts; returns the unsubscribe. */
export function alertOnAnalysis(events: EventBus, alerts: EventAlerts): () => void {
  const offGroups = events.on('analysis.errorGroup', (e) => alerts.fire(errorGroupAlert(e)));
  // Error and fatal records join error groups (by traceback, else by message): NewError says it.
  const offPatterns = events.on('analysis.newPattern', (e) => {
    if (e.level === 'warn') alerts.fire(newPatternAlert(e));
  });
  return () => {
    offGroups();
    offPatterns();
    alerts.stop();
  };
}
