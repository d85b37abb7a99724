// Health without probing: what the stored spans already say. Every dependency the services' client
// and producer spans call (named by `peer.service`, `db.system`, `messaging.system`, else
// `server.address`) becomes a row with its recent error rate and latency, and the health routes
// (`/health`, `/healthz`, `/ready` …) a service's server spans answer become probe suggestions.
// Nothing here sends a request: a suggestion is probed only once the user saves it.
import type { PassiveDependencyView, ProbeSpec, ProbeSuggestion } from '../../../shared/health.js';
import { usToRfc3339 } from '../../../shared/time.js';
import type { Db } from '../core/database.js';
import { PROBE_DEFAULTS } from './probes-file.js';

/** How far back the rows look. */
export const PASSIVE_WINDOW_US = 15 * 60_000_000;
/** How far back discovery looks for health routes. */
export const DISCOVERY_WINDOW_US = 60 * 60_000_000;
/** Spans read per look, newest first: a burst of traffic bounds the work, not the window. */
const MAX_SPANS = 20_000;
export const HEALTH_ROUTES = ['/health', '/healthz', '/ready', '/readyz', '/livez', '/health/live', '/health/ready'];

type ClientRow = [string, number, number, number, unknown, unknown, unknown, unknown, unknown];

export class PassiveHealth {
  private readonly clients;
  private readonly healthServers;

  constructor(db: Db) {
    this.clients = db
      .prepare(
        `SELECT service, duration_us, status_code, start_us,
           json_extract(attributes, '$."peer.service"'),
           coalesce(json_extract(attributes, '$."db.system"'), json_extract(attributes, '$."db.system.name"')),
           coalesce(json_extract(attributes, '$."messaging.system"'), NULL),
           coalesce(json_extract(attributes, '$."server.address"'), json_extract(attributes, '$."net.peer.name"')),
           coalesce(json_extract(attributes, '$."server.port"'), json_extract(attributes, '$."net.peer.port"'))
         FROM spans WHERE kind IN (3, 4) AND start_us >= ? AND service IS NOT NULL
         ORDER BY start_us DESC LIMIT ${MAX_SPANS}`,
      )
      .raw();
    const routes = HEALTH_ROUTES.map((r) => `'${r}'`).join(', ');
    this.healthServers = db
      .prepare(
        `SELECT service, coalesce(json_extract(attributes, '$."http.route"'), json_extract(attributes, '$."url.path"')) AS route,
           json_extract(attributes, '$."url.scheme"'), json_extract(attributes, '$."server.address"'), json_extract(attributes, '$."server.port"')
         FROM spans WHERE kind = 2 AND start_us >= ? AND service IS NOT NULL AND route IN (${routes})
         GROUP BY service, route LIMIT 100`,
      )
      .raw();
  }

  /** The dependencies seen in the last PASSIVE_WINDOW_US before `nowUs`, the busiest first. */
  dependencies(nowUs: number): PassiveDependencyView[] {
    const rows = this.clients.all(nowUs - PASSIVE_WINDOW_US) as ClientRow[];
    const byName = new Map<string, PassiveDependencyView & { totalMs: number; host: string | null; port: number | null }>();
    for (const [service, durationUs, status, startUs, peer, system, messaging, address, port] of rows) {
      const [name, seenAs] =
        typeof peer === 'string'
          ? [peer, 'peer.service' as const]
          : typeof system === 'string'
            ? [system, 'db.system' as const]
            : typeof messaging === 'string'
              ? [messaging, 'messaging.system' as const]
              : typeof address === 'string'
                ? [port !== null && port !== undefined ? `${address}:${String(port)}` : address, 'server.address' as const]
                : [null, null];
      if (name === null || seenAs === null) continue;
      let d = byName.get(name);
      if (!d) {
        d = {
          name,
          seenAs,
          callers: [],
          calls: 0,
          errors: 0,
          errorRate: 0,
          avgMs: 0,
          maxMs: 0,
          lastSeen: usToRfc3339(startUs),
          suggestion: null,
          totalMs: 0,
          host: typeof address === 'string' ? address : null,
          port: Number.isInteger(Number(port)) && port !== null ? Number(port) : null,
        };
        byName.set(name, d);
      }
      if (!d.callers.includes(service)) d.callers.push(service);
      d.calls++;
      if (status === 2) d.errors++;
      const ms = durationUs / 1000;
      d.totalMs += ms;
      d.maxMs = Math.max(d.maxMs, ms);
    }
    return [...byName.values()]
      .map(({ totalMs, host, port, ...d }) => ({
        ...d,
        callers: d.callers.sort(),
        errorRate: d.errors / d.calls,
        avgMs: totalMs / d.calls,
        suggestion:
          host !== null && port !== null ? probe(`${d.name.replace(/[^A-Za-z0-9_.:-]/g, '-')}-tcp`, d.name, { tcp: { host, port } }) : null,
      }))
      .sort((a, b) => b.calls - a.calls);
  }

  /** HTTP probes for the health routes the services answer, except those a probe already targets. */
  suggestions(nowUs: number, probedUrls: ReadonlySet<string>): ProbeSuggestion[] {
    const out: ProbeSuggestion[] = [];
    for (const [service, route, scheme, address, port] of this.healthServers.all(nowUs - DISCOVERY_WINDOW_US) as [
      string,
      string,
      unknown,
      unknown,
      unknown,
    ][]) {
      if (port === null || port === undefined) continue;
      const host = typeof address === 'string' ? address : '127.0.0.1';
      const url = `${scheme === 'https' ? 'https' : 'http'}://${host}:${String(port)}${route}`;
      if (probedUrls.has(url)) continue;
      const role = /ready/.test(route) ? 'readiness' : 'liveness';
      out.push({
        reason: `${service} answers ${route} (seen in its server spans)`,
        probe: probe(`${service}${route.replace(/\//g, '-')}`.replace(/[^A-Za-z0-9_.:-]/g, '-'), service, { http: { url } }, role),
      });
    }
    return out;
  }
}

function probe(name: string, service: string, check: Pick<ProbeSpec, 'http' | 'tcp'>, role: ProbeSpec['role'] = 'liveness'): ProbeSpec {
  return { name, service, role, ...PROBE_DEFAULTS, dependsOn: [], ...check };
}
