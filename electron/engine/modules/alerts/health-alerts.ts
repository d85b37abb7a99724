// The alerts Loupe makes out of the box from the health checks, without a rule: `ServiceDown` (P2)
// while a service's liveness (or startup) fails, `ServiceNotReady` (P3) while its readiness fails,
// labelled `service` and `depends_on` (the services its probes depend on, comma-separated). The
// default alert manager configuration inhibits a service's alerts while a service it depends on
// has one (`listed_in`): the database down pages once, not once per API above it — and an alert
// notified before it was inhibited still gets its resolved notice.
import type { StateAlerts } from '../../alerting/state-alerts.js';
import type { EngineEvents, EventBus } from '../../core/events.js';

type ServiceStateEvent = EngineEvents['health.serviceState'];

export function serviceAlerts(e: ServiceStateEvent, alerts: StateAlerts): void {
  const base = { service: e.service, ...(e.dependsOn.length > 0 ? { depends_on: e.dependsOn.join(',') } : {}) };
  const why = `${e.probe}${e.reason ? `: ${e.reason}` : ''}${e.blockedBy.length > 0 ? ` (blocked by ${e.blockedBy.join(', ')})` : ''}`;
  const url = '/#/health';
  alerts.set(
    `down\u0000${e.service}`,
    { alertname: 'ServiceDown', severity: 'P2', ...base },
    e.to === 'down',
    { summary: `${e.service} is down: ${why}` },
    url,
  );
  alerts.set(
    `not ready\u0000${e.service}`,
    { alertname: 'ServiceNotReady', severity: 'P3', ...base },
    e.to === 'not ready',
    { summary: `${e.service} is not ready: ${why}` },
    url,
  );
}

/** Fire and resolve the services' health alerts; returns the unsubscribe. */
export function alertOnHealth(events: EventBus, alerts: StateAlerts): () => void {
  return events.on('health.serviceState', (e) => serviceAlerts(e, alerts));
}
