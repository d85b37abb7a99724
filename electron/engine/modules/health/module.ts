// The health checks module: the probes (probes/health.ts) started and stopped with the engine, and
// their API — `health.list` (services, probes, states, results, uptime, passive rows, suggestions),
// `health.save` / `health.delete` (written back to probes.yml in the data dir) and `health.testNow`
// — on the protocol and as REST routes under /api/probes; and the secrets the probes' headers refer
// to (`secrets.list` names only, `secrets.set`, `secrets.delete`, under /api/secrets).
import type { ProbeSpec } from '../../../../shared/health.js';
import { handler } from '../../api/handlers.js';
import { param, required, type Param } from '../../api/params.js';
import { BadRequestError } from '../../core/errors.js';
import type { EngineModule } from '../../core/module.js';
import type { SecretStore } from '../../core/secrets.js';
import { Health, type HealthDeps } from '../../probes/health.js';
import { probeFromObject } from '../../probes/probes-file.js';

/** A probe as the probes file writes it (defaults filled in), refused with every mistake named. */
const probeParam: Param<ProbeSpec | undefined> = {
  parse(value, name) {
    if (value === undefined || value === null) return undefined;
    const mistakes: string[] = [];
    const spec = probeFromObject(value, (path, message) => mistakes.push(path.length ? `${path.join('.')}: ${message}` : message));
    if (!spec) throw new BadRequestError(`${name}: ${mistakes.join('; ')}.`);
    return spec;
  },
};

export function healthModule(deps: HealthDeps & { secretStore: SecretStore }): EngineModule {
  const secrets = deps.secretStore;
  const health = new Health({ ...deps, secrets });
  return {
    name: 'health',
    handlers: {
      'health.list': handler({}, () => health.list()),
      'health.save': handler({ probe: required(probeParam), replaces: param.string }, (p) => health.save(p.probe, p.replaces)),
      'health.delete': handler({ name: required(param.string) }, (p) => {
        health.delete(p.name);
        return null;
      }),
      'health.testNow': handler({ name: param.string, probe: probeParam }, (p) => health.testNow(p)),
      'secrets.list': handler({}, () => ({ keptIn: secrets.keptIn, secrets: secrets.list() })),
      'secrets.set': handler({ name: required(param.string), value: required(param.string) }, (p) => secrets.set(p.name, p.value)),
      'secrets.delete': handler({ name: required(param.string) }, (p) => {
        secrets.delete(p.name);
        return null;
      }),
    },
    routes: [
      { method: 'GET', path: '/api/probes', handler: 'health.list' },
      { method: 'POST', path: '/api/probes', handler: 'health.save', body: 'fields' },
      { method: 'DELETE', path: '/api/probes/{name}', handler: 'health.delete', status: 204 },
      { method: 'POST', path: '/api/probes/{name}/test', handler: 'health.testNow', body: 'fields' },
      { method: 'GET', path: '/api/secrets', handler: 'secrets.list' },
      { method: 'POST', path: '/api/secrets/{name}', handler: 'secrets.set', body: 'fields' },
      { method: 'DELETE', path: '/api/secrets/{name}', handler: 'secrets.delete', status: 204 },
    ],
    start: () => health.start(),
    stop: () => health.stop(),
    status: () => ({ health: health.status() }),
  };
}
