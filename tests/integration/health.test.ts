// Health checks through the engine: probes.yml in the data dir and a `--probes` file run against a
// real Python http.server; results readable with PromQL under blackbox_exporter's names; a state
// change as a record in the logs; the probes file's mistakes pointed at by line:column while the
// last good probes keep running; the editor's save, delete and test-now writing the file back.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { PROBES_RELOAD_JOB } from '../../electron/engine/probes/health.js';
import type { PromQueryData } from '../../shared/model.js';
import { startProbedServer, type ProbedServer } from '../support/probed-server.js';
import { waitFor } from '../support/serve-process.js';

let server: ProbedServer;
let engine: Engine;
let dir: string;
let probesFile: string;
let extraFile: string;

beforeAll(async () => {
  server = await startProbedServer();
  dir = mkdtempSync(join(tmpdir(), 'loupe-health-'));
  const dataDir = join(dir, 'data');
  probesFile = join(dataDir, 'probes.yml');
  extraFile = join(dir, 'team-probes.yml');
  // Long periods: each probe runs once at start, then when the test asks.
  writeFileSync(
    extraFile,
    `probes:\n  - name: api-port\n    service: api\n    periodSeconds: 3600\n    tcp: { host: 127.0.0.1, port: ${server.port} }\n`,
  );
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    probesFile,
    `# my probes\nprobes:\n  - name: api-health   # the API's own health route\n    service: api\n    role: readiness\n    periodSeconds: 3600\n    failureThreshold: 1\n    http:\n      url: ${server.url}/healthz\n      jsonPath: { path: $.status, equals: ok }\n`,
  );
  engine = await createEngine({ dataDir, probesFiles: [extraFile] });
});

afterAll(async () => {
  await engine?.close();
  await server?.stop();
});

const list = () => engine.api.table.request('health.list', {});
const query = async (q: string) => (await engine.api.table.request('metrics.query', { query: q })) as PromQueryData;

describe('health checks in the engine', () => {
  it('runs the probes of both files, and the service is ready', async () => {
    const view = await waitFor(async () => {
      const v = await list();
      return v.services[0]?.state === 'ready' ? v : undefined;
    });
    expect(view.services.map((s) => [s.name, s.state, s.probes.map((p) => [p.spec.name, p.kind, p.state])])).toEqual([
      [
        'api',
        'ready',
        [
          ['api-health', 'http', 'up'],
          ['api-port', 'tcp', 'up'],
        ],
      ],
    ]);
    expect(view.files.map((f) => [f.path, f.editable, f.errors])).toEqual([
      [probesFile, true, []],
      [extraFile, false, []],
    ]);
    const health = view.services[0]!.probes[0]!;
    expect(health.lastResult).toMatchObject({ ok: true, statusCode: 200 });
    expect(health.uptime.day).toBe(1);
  });

  it("writes blackbox_exporter's series, labelled probe and service, that PromQL reads", async () => {
    const success = await query('probe_success{service="api"}');
    expect(
      success.result
        .map((r) => [(r as { metric: Record<string, string> }).metric.probe, (r as { value: [number, string] }).value[1]])
        .sort(),
    ).toEqual([
      ['api-health', '1'],
      ['api-port', '1'],
    ]);
    const status = await query('probe_http_status_code{probe="api-health"}');
    expect((status.result[0] as { value: [number, string] }).value[1]).toBe('200');
    const duration = await query('probe_duration_seconds{probe="api-port"}');
    expect(duration.result).toHaveLength(1);
  });

  it('goes not ready when the readiness probe fails, with the reason, a log record and probe_success 0', async () => {
    await server.command('fail');
    const result = await engine.api.table.request('health.testNow', { name: 'api-health' });
    expect(result).toMatchObject({ ok: false, statusCode: 500, reason: expect.stringContaining('HTTP 500') as string });
    const view = await list();
    expect(view.services[0]!.state).toBe('not ready');
    expect(view.services[0]!.probes[0]!.lastFailure!.reason).toContain('database unreachable');
    expect(view.services[0]!.probes[0]!.uptime.day).toBe(0.5);
    const page = await engine.api.table.request('logs.search', { q: 'logger:loupe.health' });
    expect(page.records.map((r) => r.message)).toEqual([
      'api is not ready (was ready): api-health: HTTP 500: {"status": "failing", "error": "database unreachable"}',
      'api is ready (was starting)',
    ]);
    expect(page.records[0]).toMatchObject({ level: 'warn', service: 'api', attributes: { source: 'health', 'health.state': 'not ready' } });
    const success = await query('probe_success{probe="api-health"}');
    expect((success.result[0] as { value: [number, string] }).value[1]).toBe('0');
    await server.command('pass');
  });

  it('points at a mistake in the file by line:column, and the last good probes keep running', async () => {
    const good = readFileSync(probesFile, 'utf8');
    writeFileSync(
      probesFile,
      good.replace('failureThreshold: 1', 'failureThreshold: none') + '  - name: x\n    tcp: { host: h, port: 99999 }\n',
    );
    await engine.scheduler.job(PROBES_RELOAD_JOB)!.runNow();
    const view = await list();
    expect(view.files[0]!.errors).toEqual([
      { file: probesFile, line: 7, column: 23, message: 'failureThreshold: a whole number of at least 1' },
      { file: probesFile, line: 12, column: 27, message: 'tcp: port: 1-65535' },
    ]);
    expect(view.services[0]!.probes.map((p) => p.spec.name)).toEqual(['api-health', 'api-port']);
    writeFileSync(probesFile, good);
    await engine.scheduler.job(PROBES_RELOAD_JOB)!.runNow();
    expect((await list()).files[0]!.errors).toEqual([]);
  });

  it('saves a probe from the editor into probes.yml keeping the comments, tests it, and deletes it', async () => {
    const saved = await engine.api.table.request('health.save', {
      probe: { name: 'worker-beat', service: 'worker', file: { path: join(dir, 'beat'), maxAgeSeconds: 30 }, periodSeconds: 3600 },
    });
    expect(saved).toMatchObject({ kind: 'file', file: probesFile, spec: { role: 'liveness', failureThreshold: 3, timeoutSeconds: 1 } });
    const text = readFileSync(probesFile, 'utf8');
    expect(text).toContain('# my probes');
    expect(text).toContain("# the API's own health route");
    expect(text).toContain('  - name: worker-beat\n    service: worker\n    role: liveness\n    periodSeconds: 3600\n    file:\n');
    await expect(engine.api.table.request('health.testNow', { name: 'worker-beat' })).resolves.toMatchObject({
      ok: false,
      reason: `${join(dir, 'beat')} does not exist`,
    });
    // The --probes file is the team's: Loupe does not write it.
    await expect(engine.api.table.request('health.delete', { name: 'api-port' })).rejects.toThrow(/which Loupe does not edit/);
    await expect(engine.api.table.request('health.save', { probe: { name: 'bad', http: { url: 'ftp://x' } } })).rejects.toThrow(
      'probe: http.url: http: url: http:// or https:// only.',
    );
    await engine.api.table.request('health.delete', { name: 'worker-beat' });
    expect(readFileSync(probesFile, 'utf8')).not.toContain('worker-beat');
    expect((await list()).services.map((s) => s.name)).toEqual(['api']);
  });
});
