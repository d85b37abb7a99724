// The alert manager on the protocol and over REST: Alertmanager's silence API shapes
// (/api/v2/silences, the token only), acknowledgements, the notification history, and the
// `alerts.notifications` topic the browser receiver publishes on.
import type { SilenceMatcher } from '../../../../shared/api.js';
import { handler, type Handlers, type Topics } from '../../api/handlers.js';
import { param, required, withDefault, type Param } from '../../api/params.js';
import { BadRequestError } from '../../core/errors.js';
import type { RestRoute } from '../../core/module.js';
import type { AlertManager } from './alert-manager.js';

const DEFAULT_HISTORY_PAGE = 100;

const matchersParam: Param<SilenceMatcher[] | undefined> = {
  parse(value, name) {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw new BadRequestError(`${name}: expected a list of {name, value, isRegex}.`);
    return value.map((m: Record<string, unknown>, i) => {
      if (
        typeof m !== 'object' ||
        m === null ||
        typeof m.name !== 'string' ||
        typeof m.value !== 'string' ||
        typeof m.isRegex !== 'boolean'
      )
        throw new BadRequestError(`${name}[${i}]: expected {name, value, isRegex, isEqual?}.`);
      if (m.isEqual !== undefined && typeof m.isEqual !== 'boolean')
        throw new BadRequestError(`${name}[${i}].isEqual: expected true or false.`);
      return { name: m.name, value: m.value, isRegex: m.isRegex, ...(m.isEqual !== undefined ? { isEqual: m.isEqual as boolean } : {}) };
    });
  },
};

export function alertManagerApi(manager: AlertManager): { handlers: Handlers; topics: Topics; routes: RestRoute[] } {
  const handlers: Handlers = {
    'silences.list': handler({}, () => manager.listSilences()),
    'silences.create': handler(
      {
        id: param.string,
        matchers: required(matchersParam),
        startsAt: param.time,
        endsAt: required(param.time),
        createdBy: param.string,
        comment: param.string,
      },
      (p) => ({
        silenceID: manager.createSilence({
          matchers: p.matchers,
          endsAtMs: Math.floor(p.endsAt / 1000),
          ...(p.id !== undefined ? { id: p.id } : {}),
          ...(p.startsAt !== undefined ? { startsAtMs: Math.floor(p.startsAt / 1000) } : {}),
          ...(p.createdBy !== undefined ? { createdBy: p.createdBy } : {}),
          ...(p.comment !== undefined ? { comment: p.comment } : {}),
        }),
      }),
    ),
    'silences.expire': handler({ id: required(param.string) }, (p) => {
      manager.expireSilence(p.id);
      return null;
    }),
    'alerts.acknowledge': handler(
      { fingerprints: required(param.strings), by: withDefault(param.string, 'loupe'), comment: withDefault(param.string, '') },
      (p) => ({ acknowledged: manager.acknowledge(p.fingerprints, p.by, p.comment) }),
    ),
    'alerts.unacknowledge': handler({ fingerprints: required(param.strings) }, (p) => ({
      unacknowledged: manager.unacknowledge(p.fingerprints),
    })),
    'alerts.acknowledgements': handler({}, () => manager.acknowledgements()),
    'alerts.managed': handler({}, () => manager.alerts()),
    'notifications.list': handler({ limit: withDefault(param.int, DEFAULT_HISTORY_PAGE), before: param.int }, (p) => {
      if (p.limit < 1 || p.limit > 1000) throw new BadRequestError('limit: between 1 and 1000.');
      return manager.history(p.limit, p.before);
    }),
  };
  const topics: Topics = { 'alerts.notifications': { subscribe: (_raw, emit) => manager.subscribeBrowser(emit) } };

  // Alertmanager's silence API (as /api/v1, the token only), and Loupe's ack and history routes.
  const routes: RestRoute[] = [
    { method: 'GET', path: '/api/v2/alerts', handler: 'alerts.managed', auth: 'token' },
    { method: 'GET', path: '/api/v2/silences', handler: 'silences.list', auth: 'token' },
    { method: 'POST', path: '/api/v2/silences', handler: 'silences.create', body: 'fields', auth: 'token' },
    { method: 'DELETE', path: '/api/v2/silence/{id}', handler: 'silences.expire', auth: 'token' },
    { method: 'POST', path: '/api/alerts/acknowledge', handler: 'alerts.acknowledge', body: 'fields' },
    { method: 'POST', path: '/api/alerts/unacknowledge', handler: 'alerts.unacknowledge', body: 'fields' },
    { method: 'GET', path: '/api/alerts/acknowledgements', handler: 'alerts.acknowledgements' },
    { method: 'GET', path: '/api/notifications', handler: 'notifications.list', query: ['limit', 'before'] },
  ];
  return { handlers, topics, routes };
}
