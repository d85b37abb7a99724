// The SLO module: the SLOs (slo/slos.ts) started and stopped with the engine, and their API —
// list, detail, save, delete, OpenSLO import/export, evaluation over a chosen range and two ranges
// compared — on the protocol and as REST routes under /api/slos.
import { handler } from '../../api/handlers.js';
import { param, required } from '../../api/params.js';
import type { EngineModule } from '../../core/module.js';
import { Slos, type SlosDeps } from '../../slo/slos.js';

/** The largest OpenSLO text imported at once. */
const MAX_IMPORT_BYTES = 1024 * 1024;
const ms = (us: number): number => Math.floor(us / 1000);

/** The module, and the generated rule file its alerts are in (for the alerts module to load). */
export function sloModule(deps: SlosDeps): { module: EngineModule; rulesPath: string } {
  const slos = new Slos(deps);
  const module: EngineModule = {
    name: 'slo',
    handlers: {
      'slos.list': handler({}, () => slos.list()),
      'slos.get': handler({ id: required(param.string), from: param.time, to: param.time }, (p) =>
        slos.get(p.id, p.to === undefined ? undefined : ms(p.to), p.from === undefined ? undefined : ms(p.from)),
      ),
      'slos.save': handler({ slo: { parse: (v: unknown) => v }, replaces: param.string }, (p) => slos.save(p.slo, p.replaces)),
      'slos.delete': handler({ id: required(param.string) }, (p) => {
        slos.delete(p.id);
        return null;
      }),
      'slos.import': handler({ text: required(param.string) }, (p) => slos.import(p.text)),
      'slos.export': handler({ id: param.string }, (p) => slos.export(p.id)),
      'slos.evaluate': handler({ id: required(param.string), from: required(param.time), to: required(param.time) }, (p) =>
        slos.evaluate(p.id, ms(p.from), ms(p.to)),
      ),
      'slos.compare': handler(
        {
          id: required(param.string),
          from: required(param.time),
          to: required(param.time),
          againstFrom: required(param.time),
          againstTo: required(param.time),
        },
        (p) => slos.compare(p.id, { fromMs: ms(p.from), toMs: ms(p.to) }, { fromMs: ms(p.againstFrom), toMs: ms(p.againstTo) }),
      ),
    },
    routes: [
      { method: 'GET', path: '/api/slos', handler: 'slos.list' },
      { method: 'POST', path: '/api/slos', handler: 'slos.save', body: 'fields', status: 201 },
      { method: 'POST', path: '/api/slos/import', handler: 'slos.import', body: { text: 'text', maxBytes: MAX_IMPORT_BYTES } },
      { method: 'GET', path: '/api/slos/export', handler: 'slos.export', query: ['id'] },
      { method: 'GET', path: '/api/slos/{id}', handler: 'slos.get', query: ['from', 'to'] },
      { method: 'DELETE', path: '/api/slos/{id}', handler: 'slos.delete', status: 204 },
      { method: 'GET', path: '/api/slos/{id}/evaluate', handler: 'slos.evaluate', query: ['from', 'to'] },
      { method: 'GET', path: '/api/slos/{id}/compare', handler: 'slos.compare', query: ['from', 'to', 'againstFrom', 'againstTo'] },
    ],
    start: () => slos.start(),
    stop: () => slos.stop(),
    status: () => ({ slos: slos.status() }),
  };
  return { module, rulesPath: slos.rulesPath };
}
