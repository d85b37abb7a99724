// The probe editor's form to a ProbeSpec and back: empty fields left out (the engine's defaults
// apply), lists from comma-separated text, only the chosen kind's check, a suggestion kept new.
import { describe, expect, it } from 'vitest';
import type { ProbeSpec } from '../../../shared/health.js';
import { draftOf, emptyProbeDraft, specOf } from '../../../renderer/src/features/health/probe-draft.js';

describe('probe editor draft', () => {
  it('writes only what was filled in, of the chosen kind', () => {
    const d = {
      ...emptyProbeDraft(),
      name: ' api ',
      kind: 'http' as const,
      url: 'http://127.0.0.1:8000/healthz',
      expectStatus: '200-299, 304',
      jsonPath: '$.status',
      jsonEquals: 'ok',
      periodSeconds: 5,
      dependsOn: 'postgres, cache,',
      host: 'left over from the TCP kind',
    };
    expect(specOf(d)).toEqual({
      name: 'api',
      role: 'liveness',
      periodSeconds: 5,
      dependsOn: ['postgres', 'cache'],
      http: { url: 'http://127.0.0.1:8000/healthz', expectStatus: ['200-299', '304'], jsonPath: { path: '$.status', equals: 'ok' } },
    });
  });

  it('writes a process probe tied to the log file it writes, and reads it back', () => {
    const d = { ...emptyProbeDraft(), name: 'worker', kind: 'process' as const, writes: '/var/log/worker.log' };
    const spec = specOf(d);
    expect(spec).toEqual({ name: 'worker', role: 'liveness', process: { writes: '/var/log/worker.log' } });
    expect(
      draftOf({
        ...(spec as ProbeSpec),
        service: 'w',
        initialDelaySeconds: 0,
        periodSeconds: 10,
        timeoutSeconds: 1,
        successThreshold: 1,
        failureThreshold: 3,
        dependsOn: [],
      }).writes,
    ).toBe('/var/log/worker.log');
  });

  it('reads a saved probe back unchanged, and a suggestion as a new probe', () => {
    const spec: ProbeSpec = {
      name: 'db',
      service: 'shop',
      role: 'readiness',
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 2,
      failureThreshold: 3,
      dependsOn: [],
      tcp: { host: 'db.local', port: 5432 },
    };
    const saved = draftOf(spec);
    expect(saved.replaces).toBe('db');
    expect(specOf(saved)).toEqual({ ...spec, dependsOn: undefined });
    expect(draftOf(spec, false).replaces).toBe('');
  });
});
