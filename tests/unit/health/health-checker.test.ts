// The probes' schedule and states on the test clock, against a real Python http.server made
// failing, slow or down on command: Kubernetes's thresholds, the startup probe gating the others,
// a dependency blocking its dependant, faster probing while down and back-off while steadily up.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeSpec, ServiceState } from '../../../shared/health.js';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { HealthChecker } from '../../../electron/engine/probes/health-checker.js';
import { PROBE_DEFAULTS } from '../../../electron/engine/probes/probes-file.js';
import { startProbedServer, type ProbedServer } from '../../support/probed-server.js';

let server: ProbedServer;
let clock: TestClock;
let checker: HealthChecker;
let changes: string[];
let results: { probe: string; ok: boolean; reason: string | null }[];

beforeAll(async () => {
  server = await startProbedServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(async () => {
  await checker.stop();
  await server.command('pass');
  await server.command('slow 0');
  await server.command('up');
});

function probe(over: Partial<ProbeSpec> & { name: string }): ProbeSpec {
  return { service: 'api', role: 'liveness', ...PROBE_DEFAULTS, dependsOn: [], http: { url: `${server.url}/healthz` }, ...over };
}

function start(probes: ProbeSpec[]): void {
  clock = new TestClock();
  changes = [];
  results = [];
  checker = new HealthChecker({
    scheduler: new Scheduler(clock),
    onResult: (run, r) => results.push({ probe: run.spec.name, ok: r.ok, reason: r.reason }),
    onServiceChange: (service, from: ServiceState, to: ServiceState) => changes.push(`${service}: ${from} -> ${to}`),
  });
  checker.setProbes(probes.map((spec) => ({ spec, file: 'probes.yml' })));
}

/**
 * Move the test clock, then wait for the probes' real requests to finish. A step ends on a run's
 * due time: a run started inside a step would see its timeout (on the same clock) fire in it too.
 */
async function step(ms: number): Promise<void> {
  await clock.advance(ms);
  for (;;) {
    while (checker.list().some((r) => r.inFlight !== null)) await new Promise((r) => setTimeout(r, 5));
    // What the finished runs set off (results, a probe re-armed to run at once) happens before the next step.
    await new Promise((r) => setTimeout(r, 5));
    await clock.advance(0);
    if (!checker.list().some((r) => r.inFlight !== null)) return;
  }
}

const runsOf = (name: string): number => results.filter((r) => r.probe === name).length;

describe('probe states on the test clock', () => {
  it('goes down after failureThreshold failures in a row, probes twice as often while down, and comes back after one success', async () => {
    start([probe({ name: 'api-live' })]);
    await step(0);
    expect(checker.stateOf('api')).toBe('ready');
    await server.command('fail');
    await step(10_000);
    await step(10_000);
    // Two failures: Kubernetes keeps the last verdict until the third.
    expect([checker.stateOf('api'), checker.get('api-live')!.tracker.state]).toEqual(['ready', 'up']);
    await step(10_000);
    expect(checker.stateOf('api')).toBe('down');
    expect(results.at(-1)!.reason).toContain('HTTP 500');
    expect(results.at(-1)!.reason).toContain('database unreachable');
    // Down: every 5 s instead of 10.
    expect(checker.get('api-live')!.intervalMs).toBe(5000);
    const before = runsOf('api-live');
    await step(5000);
    expect(runsOf('api-live')).toBe(before + 1);
    await server.command('pass');
    await step(5000);
    expect(checker.stateOf('api')).toBe('ready');
    expect(checker.get('api-live')!.intervalMs).toBe(10_000);
    expect(changes).toEqual(['api: starting -> ready', 'api: ready -> down', 'api: down -> ready']);
  });

  it('a readiness probe needs successThreshold successes to be ready again, and makes the service not ready (not down)', async () => {
    start([probe({ name: 'api-ready', role: 'readiness', successThreshold: 2, failureThreshold: 1 })]);
    await step(0);
    expect(checker.stateOf('api')).toBe('starting');
    await step(10_000);
    expect(checker.stateOf('api')).toBe('ready');
    await server.command('fail');
    await step(10_000);
    expect(checker.stateOf('api')).toBe('not ready');
    await server.command('pass');
    await step(5000);
    expect(checker.stateOf('api')).toBe('not ready');
    // Still down, so probed every 5 s: the second success in a row makes it ready.
    await step(5000);
    expect(checker.stateOf('api')).toBe('ready');
  });

  it('times a hung request out by timeoutSeconds on the clock', async () => {
    start([probe({ name: 'api-live', timeoutSeconds: 2, failureThreshold: 1 })]);
    await server.command('slow 30');
    await clock.advance(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(checker.get('api-live')!.inFlight).not.toBeNull();
    await step(2000);
    expect(results).toEqual([{ probe: 'api-live', ok: false, reason: 'timed out after 2 s' }]);
    expect(checker.stateOf('api')).toBe('down');
  });

  it('holds the liveness probe until the startup probe succeeds; the startup budget spent puts the service down', async () => {
    start([
      probe({ name: 'api-startup', role: 'startup', failureThreshold: 3 }),
      { ...probe({ name: 'api-port' }), http: undefined, tcp: { host: '127.0.0.1', port: server.port } } as ProbeSpec,
    ]);
    await server.command('fail');
    await step(0);
    await step(10_000);
    expect(checker.stateOf('api')).toBe('starting');
    expect(runsOf('api-port')).toBe(0);
    expect(checker.get('api-port')!.tracker.state).toBe('waiting');
    await step(10_000);
    // failureThreshold × periodSeconds spent.
    expect(checker.stateOf('api')).toBe('down');
    expect(runsOf('api-port')).toBe(0);
    await server.command('pass');
    await step(5000);
    // The startup probe succeeded: the liveness probe ran at once, and the startup probe stops.
    expect(runsOf('api-port')).toBe(1);
    expect(checker.stateOf('api')).toBe('ready');
    const startupRuns = runsOf('api-startup');
    await step(60_000);
    expect(runsOf('api-startup')).toBe(startupRuns);
    // Between the startup probe's success and the liveness probe's first verdict, the service is starting.
    expect(changes).toEqual(['api: starting -> down', 'api: down -> starting', 'api: starting -> ready']);
  });

  it('says "blocked by" the dependency that is down, and backs off after ten successes in a row', async () => {
    start([
      { ...probe({ name: 'db', service: 'db' }), http: undefined, tcp: { host: '127.0.0.1', port: server.port } } as ProbeSpec,
      probe({ name: 'api-live', dependsOn: ['db'] }),
    ]);
    await step(0);
    for (let i = 0; i < 9; i++) await step(10_000);
    expect(checker.get('api-live')!.intervalMs).toBe(20_000);
    expect(checker.blockedBy(checker.get('api-live')!)).toEqual([]);
    await server.command('down');
    await step(20_000);
    await step(10_000);
    await step(10_000);
    expect(checker.stateOf('db')).toBe('down');
    expect(checker.blockedBy(checker.get('api-live')!)).toEqual(['db']);
    expect(results.filter((r) => r.probe === 'db').at(-1)!.reason).toBe(`nothing listens on 127.0.0.1:${server.port}`);
  });
});
