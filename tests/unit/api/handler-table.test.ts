// Merging the modules' handlers: one name, one answer. A method two modules claim, or a REST route
// naming a method nobody has, stops the engine's start with a sentence saying which.
import { describe, expect, it } from 'vitest';
import { handler, HandlerTable } from '../../../electron/engine/api/handlers.js';
import { param, required } from '../../../electron/engine/api/params.js';
import { RestRouter } from '../../../electron/engine/api/rest-router.js';
import type { EngineModule } from '../../../electron/engine/core/module.js';

const health: EngineModule = { name: 'engine', handlers: { 'engine.health': handler({}, () => ({ status: 'ok' as const })) } };

describe('the handler table', () => {
  it('refuses a method that two modules both register', () => {
    const probes: EngineModule = { name: 'probes', handlers: { 'engine.health': handler({}, () => ({ status: 'ok' as const })) } };
    expect(() => new HandlerTable([health, probes])).toThrow(
      'The method "engine.health" is registered by both the engine and the probes module.',
    );
  });

  it('refuses a REST route to a method no module has', () => {
    expect(() => new RestRouter([{ method: 'GET', path: '/api/metrics', handler: 'metrics.list' }], new HandlerTable([health]))).toThrow(
      'REST route GET /api/metrics names no method: "metrics.list".',
    );
  });

  it('parses params by their specs, the same from JSON values and from address text', async () => {
    const table = new HandlerTable([
      { name: 'logs', handlers: { 'logs.get': handler({ id: required(param.int) }, (p) => ({ id: p.id }) as never) } },
    ]);
    expect(await table.call('logs.get', { id: 7 })).toEqual({ id: 7 });
    expect(await table.call('logs.get', { id: '7' })).toEqual({ id: 7 });
    await expect(table.call('logs.get', { id: 'x' })).rejects.toThrow('id: "x" is not a whole number.');
    await expect(table.call('logs.get', {})).rejects.toThrow('id is required.');
    await expect(table.call('logs.nope', {})).rejects.toThrow('Unknown method "logs.nope".');
  });
});
