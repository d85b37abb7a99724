// Loupe's /api/v1/rules and /api/v1/alerts answer in Prometheus's shapes: the same rule file is
// loaded by a real Prometheus (Debian's 2.42, started on a free loopback port) and by Loupe, and
// both answers are compared: the same fields in the same order, and the same values wherever they
// do not depend on the moment of evaluation (states, labels, expanded templates, values, types).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningServer } from '../../electron/engine/api/http-server.js';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { waitFor } from '../support/serve-process.js';

const TOKEN = 'rules-compare-token';
// Expressions Prometheus prints back as written (its `query` is the parsed expression, re-printed).
const RULES = `groups:
  - name: compare
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1234.567) * 1000 > 0
        labels:
          severity: P2
          team: "{{ $value | humanize }}"
        annotations:
          summary: "value {{ $value }} {{ humanize $value }} {{ printf \\"%.2f\\" $value }}"
          percent: "{{ humanizePercentage 0.5 }} {{ humanizeDuration 3725 }} {{ $labels.severity }}"
      - alert: LongPending
        expr: vector(0.25)
        for: 1h
        keep_firing_for: 5m
      - alert: Never
        expr: vector(1) < 0
      - record: compare:three
        expr: sum(vector(3))
        labels:
          source: rules
  - name: second
    rules:
      - record: compare:four
        expr: vector(4)
`;

let dir: string;
let engine: Engine;
let server: RunningServer;
let prometheus: ChildProcess;
let prometheusUrl: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function ask(base: string, path: string): Promise<unknown> {
  const res = await fetch(new URL(path, base), { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(res.status, `${base}${path}`).toBe(200);
  return res.json();
}

/** The answer with what depends on the moment of evaluation (times, durations, file paths) replaced by its type. */
function stable(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => stable(x));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stable(x, k)]));
  if (['activeAt', 'lastEvaluation', 'evaluationTime', 'file'].includes(key)) return typeof v;
  return v;
}

/** Every group evaluated at least once, on both. */
async function evaluated(base: string): Promise<unknown> {
  return waitFor(
    async () => {
      const body = (await ask(base, '/api/v1/rules')) as { data: { groups: { lastEvaluation: string }[] } };
      return body.data.groups.every((g) => !g.lastEvaluation.startsWith('0001')) ? body : undefined;
    },
    30_000,
    `rules evaluated at ${base}`,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-rules-compare-'));
  const rules = join(dir, 'rules.yml');
  writeFileSync(rules, RULES);
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global:\n  evaluation_interval: 1s\nrule_files: [${JSON.stringify(rules)}]\n`);
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    '/usr/bin/prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore' },
  );
  await waitFor(
    async () => ((await fetch(`${prometheusUrl}/-/ready`).catch(() => null))?.ok ? true : undefined),
    60_000,
    'Prometheus ready',
  );
  engine = await createEngine({ dataDir: join(dir, 'loupe'), rules: [rules] });
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
}, 120_000);

afterAll(async () => {
  prometheus?.kill();
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the rules API against Prometheus 2.42', () => {
  it('answers /api/v1/rules as Prometheus does for the same rule file', async () => {
    // The second group has no interval: Prometheus takes its global 1s, Loupe its default.
    const theirs = stable(await evaluated(prometheusUrl)) as { data: { groups: { interval: number }[] } };
    const ours = stable(await evaluated(server.url)) as { data: { groups: { interval: number }[] } };
    expect(ours.data.groups[1]!.interval).toBe(15);
    theirs.data.groups[1]!.interval = 15;
    expect(JSON.stringify(ours, null, 1)).toBe(JSON.stringify(theirs, null, 1));
  });

  it("writes recording rules' results as series PromQL reads, as Prometheus does", async () => {
    await evaluated(server.url);
    await evaluated(prometheusUrl);
    for (const query of ['compare:three', 'compare:four', 'compare:three + on() compare:four']) {
      const result = async (base: string): Promise<unknown> =>
        waitFor(async () => {
          const body = (await ask(base, `/api/v1/query?query=${encodeURIComponent(query)}`)) as {
            data: { result: { metric: Record<string, string>; value: [number, string] }[] };
          };
          return body.data.result.length > 0 ? body.data.result.map((r) => [r.metric, r.value[1]]) : undefined;
        });
      expect(await result(server.url), query).toEqual(await result(prometheusUrl));
    }
    expect(await engine.api.table.request('metrics.query', { query: 'compare:three' })).toMatchObject({
      result: [{ metric: { __name__: 'compare:three', source: 'rules' }, value: [expect.any(Number), '3'] }],
    });
  });

  it('answers /api/v1/alerts and the rule filter as Prometheus does', async () => {
    await evaluated(server.url);
    await evaluated(prometheusUrl);
    expect(JSON.stringify(stable(await ask(server.url, '/api/v1/alerts')))).toBe(
      JSON.stringify(stable(await ask(prometheusUrl, '/api/v1/alerts'))),
    );
    for (const type of ['alert', 'record']) {
      const path = `/api/v1/rules?type=${type}`;
      const [ours, theirs] = [stable(await ask(server.url, path)), stable(await ask(prometheusUrl, path))] as {
        data: { groups: { interval: number }[] };
      }[];
      for (const g of ours!.data.groups) g.interval = 1;
      for (const g of theirs!.data.groups) g.interval = 1;
      expect(JSON.stringify(ours), path).toBe(JSON.stringify(theirs));
    }
  });

  it('writes ALERTS and ALERTS_FOR_STATE as Prometheus does, readable by PromQL', async () => {
    await evaluated(server.url);
    await evaluated(prometheusUrl);
    type Sample = { metric: Record<string, string>; value: [number, string] };
    const query = async (base: string, q: string): Promise<Sample[]> =>
      waitFor(async () => {
        const body = (await ask(base, `/api/v1/query?query=${encodeURIComponent(q)}`)) as { data: { result: Sample[] } };
        return body.data.result.length >= 2 ? body.data.result : undefined;
      });
    const byName = (r: Sample[]) => [...r].sort((a, b) => (a.metric.alertname! < b.metric.alertname! ? -1 : 1));
    // One firing, one pending (for: 1h): labels and value 1, the same on both.
    const alerts = (r: Sample[]) => byName(r).map((x) => [x.metric, x.value[1]]);
    const ours = alerts(await query(server.url, 'ALERTS'));
    expect(ours).toEqual(alerts(await query(prometheusUrl, 'ALERTS')));
    expect(ours.map(([m]) => (m as Record<string, string>).alertstate)).toEqual(['firing', 'pending']);
    // ALERTS_FOR_STATE: the same labels; the value is when each became active (seconds), as /api/v1/alerts says.
    const forState = byName(await query(server.url, 'ALERTS_FOR_STATE'));
    expect(forState.map((x) => x.metric)).toEqual(byName(await query(prometheusUrl, 'ALERTS_FOR_STATE')).map((x) => x.metric));
    const active = (await ask(server.url, '/api/v1/alerts')) as { data: { alerts: { labels: { alertname: string }; activeAt: string }[] } };
    for (const x of forState) {
      const a = active.data.alerts.find((y) => y.labels.alertname === x.metric.alertname);
      expect(Number(x.value[1])).toBe(Math.floor(Date.parse(a!.activeAt) / 1000));
    }
    // Readable by PromQL like any series.
    expect(await engine.api.table.request('metrics.query', { query: 'count(ALERTS{alertstate="firing"})' })).toMatchObject({
      result: [{ value: [expect.any(Number), '1'] }],
    });
  });
});
