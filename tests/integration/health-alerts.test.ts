// The health checks' alerts out of the box, through the engine and its alert manager, against two
// real Python http.servers (a database and the API above it): a service down fires ServiceDown, a
// failing readiness probe ServiceNotReady; while the database is down the API's alert is inhibited
// (it depends on it) — held by the manager as suppressed, not notified — and resolves with it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { startProbedServer, type ProbedServer } from '../support/probed-server.js';
import { waitFor } from '../support/serve-process.js';

let db: ProbedServer;
let api: ProbedServer;
let engine: Engine;
let dir: string;

beforeAll(async () => {
  [db, api] = await Promise.all([startProbedServer(), startProbedServer()]);
  dir = mkdtempSync(join(tmpdir(), 'loupe-health-alerts-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Long periods: each probe runs once at start, then when the test asks.
  writeFileSync(
    join(dataDir, 'probes.yml'),
    `probes:
  - name: db-live
    service: db
    periodSeconds: 3600
    failureThreshold: 1
    http: { url: ${db.url}/healthz }
  - name: api-live
    service: api
    periodSeconds: 3600
    failureThreshold: 1
    dependsOn: [db-live]
    http: { url: ${api.url}/healthz }
  - name: api-ready
    service: api
    role: readiness
    periodSeconds: 3600
    failureThreshold: 1
    http: { url: ${api.url}/healthz }
`,
  );
  engine = await createEngine({ dataDir });
  await waitFor(async () => ((await states()).every(([, s]) => s === 'ready') ? true : undefined));
});

afterAll(async () => {
  await engine?.close();
  await Promise.all([db?.stop(), api?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function states(): Promise<[string, string][]> {
  return (await engine.api.table.request('health.list', {})).services.map((s) => [s.name, s.state]);
}

async function held(): Promise<[string, string, string, string[]][]> {
  const alerts = await engine.api.table.request('alerts.managed', {});
  return alerts
    .map((a): [string, string, string, string[]] => [a.labels.alertname!, a.labels.service!, a.status.state, a.status.inhibitedBy])
    .sort();
}

describe('health alerts', () => {
  it('fires nothing while the services are ready', async () => {
    expect(await held()).toEqual([]);
  });

  it('fires ServiceDown when a liveness probe fails, labelled with what the service depends on', async () => {
    await api.command('fail');
    await engine.api.table.request('health.testNow', { name: 'api-live' });
    const alerts = await engine.api.table.request('alerts.managed', {});
    expect(alerts.map((a) => [a.labels, a.status.state])).toEqual([
      [{ alertname: 'ServiceDown', severity: 'P2', service: 'api', depends_on: 'db' }, 'active'],
    ]);
    expect(alerts[0]!.annotations.summary).toMatch(/^api is down: api-live: HTTP 500/);
    expect(alerts[0]!.generatorURL).toBe('/#/health');
  });

  it("inhibits the API's alert while the database it depends on is down, and resolves both after", async () => {
    await db.command('down');
    await engine.api.table.request('health.testNow', { name: 'db-live' });
    const dbDown = (await engine.api.table.request('alerts.managed', {})).find((a) => a.labels.service === 'db')!;
    expect(await held()).toEqual([
      ['ServiceDown', 'api', 'suppressed', [dbDown.fingerprint]],
      ['ServiceDown', 'db', 'active', []],
    ]);
    await Promise.all([db.command('up'), api.command('pass')]);
    await engine.api.table.request('health.testNow', { name: 'db-live' });
    await engine.api.table.request('health.testNow', { name: 'api-live' });
    expect(await held()).toEqual([]);
  });

  it('fires ServiceNotReady when only the readiness probe fails', async () => {
    await api.command('fail');
    await engine.api.table.request('health.testNow', { name: 'api-ready' });
    expect(await held()).toEqual([['ServiceNotReady', 'api', 'active', []]]);
    await api.command('pass');
    await engine.api.table.request('health.testNow', { name: 'api-ready' });
    expect(await held()).toEqual([]);
  });
});
