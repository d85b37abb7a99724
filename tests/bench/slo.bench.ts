// The SLO view's speed (the issue's "SLO view over 28 days of RED series for 20 services renders
// < 300 ms"): 28 days of the RED calls counters Loupe derives from spans (a point a minute, ok and
// failed calls of one server operation per service) written straight into the store, an
// availability SLO per service; the SLOs' minutes counted from that history once (the backfill
// the engine does in the background at its first start); then the API calls the view makes —
// `slos.list` and one SLO's `slos.get` (its ~200-step history) — against a ceiling measured in the
// same run: the bare PromQL those numbers would need (each SLO's window counts, and the history's
// steps as one range query). Then, in Chromium against `loupe serve` on that database, the view
// opened on an SLO until its list and both charts are drawn.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../../electron/engine/core/clock.js';
import { openDatabase, type Db } from '../../electron/engine/core/database.js';
import { DB_FILE } from '../../electron/engine/engine.js';
import { ResourceStore } from '../../electron/engine/core/resource-store.js';
import { Scheduler } from '../../electron/engine/core/scheduler.js';
import type { OtlpMetric, ScopeGroup } from '../../electron/engine/core/telemetry.js';
import { MetricWriter } from '../../electron/engine/signals/metrics/metric-writer.js';
import { PrometheusApi } from '../../electron/engine/signals/metrics/prometheus-api.js';
import { SqliteSeriesStore } from '../../electron/engine/signals/metrics/sqlite-series-store.js';
import { Slos, SLOS_FILE } from '../../electron/engine/slo/slos.js';
import { launchBrowser } from '../support/browser.js';
import { startServe, waitFor } from '../support/serve-process.js';
import type { EngineStatusView } from '../../shared/model.js';
import { percentile, timeIt, type BenchRow } from './bench-row.js';

const SERVICES = 20;
const STEP_MS = 60_000;
const TARGET_MS = 300;
const DAY_MS = 86_400_000;

/** `days` of RED call counters for 20 services, a point a minute ending at `endMs`: 20–60 calls a minute, ~0.5% failed. */
function writeRedHistory(db: Db, days: number, endMs: number): number {
  const writer = new MetricWriter(db, new ResourceStore(db));
  const steps = (days * DAY_MS) / STEP_MS;
  const firstMs = endMs - (steps - 1) * STEP_MS;
  const startUs = (firstMs - STEP_MS) * 1000;
  const ok = new Array<number>(SERVICES).fill(0);
  const failed = new Array<number>(SERVICES).fill(0);
  const scope = { name: 'loupe/red' };
  const resources = Array.from({ length: SERVICES }, (_, s) => ({ attributes: { 'service.name': `svc-${s}` } }));
  const attrs = (status: string): Record<string, string> => ({
    'span.name': 'GET /api/items/{id}',
    'span.kind': 'SPAN_KIND_SERVER',
    'status.code': status,
  });
  let stored = 0;
  const batch = db.transaction((from: number, to: number) => {
    for (let step = from; step < to; step++) {
      const timeUs = (firstMs + step * STEP_MS) * 1000;
      const groups: ScopeGroup<OtlpMetric>[] = resources.map((resource, s) => {
        ok[s]! += 20 + ((step * 7 + s * 13) % 41);
        // Bursts of failures now and then: the budget is spent unevenly, as a real one is.
        failed[s]! += (step + s * 17) % 200 === 0 ? 6 : (step + s) % 5 === 0 ? 1 : 0;
        return {
          resource,
          scope,
          items: [
            {
              name: 'traces.span.metrics.calls',
              type: 'sum',
              temporality: 2,
              monotonic: true,
              points: [
                { startUs, timeUs, attributes: attrs('STATUS_CODE_UNSET'), flags: 0, value: ok[s]!, exemplars: [] },
                { startUs, timeUs, attributes: attrs('STATUS_CODE_ERROR'), flags: 0, value: failed[s]!, exemplars: [] },
              ],
            },
          ],
        };
      });
      stored += writer.write(groups);
    }
  });
  for (let from = 0; from < steps; from += 500) batch(from, Math.min(steps, from + 500));
  return stored;
}

function slosYaml(): string {
  const one = (s: number): string =>
    `  - name: availability\n    service: svc-${s}\n    objective: 99.5\n    sla: 99\n    window: 28d\n    sli:\n      availability: {}\n`;
  return `slos:\n${Array.from({ length: SERVICES }, (_, s) => one(s)).join('')}`;
}

const CALLS = '"traces.span.metrics.calls_total"';

/** The API calls the view makes (list + one detail), and the bare PromQL they rest on. */
function apiRows(db: Db, dataDir: string, days: number, endMs: number): BenchRow[] {
  const scheduler = new Scheduler(systemClock);
  const series = new SqliteSeriesStore(db);
  const slos = new Slos({ clock: systemClock, scheduler, series, db, countLogs: () => 0, writeSeries: () => {}, dataDir, extraFiles: [] });
  const b0 = performance.now();
  slos.countMinutes(Infinity);
  const backfillMs = performance.now() - b0;
  const view = (): void => {
    const list = slos.list();
    if (list.slos.length !== SERVICES || list.slos.some((s) => s.error !== null || s.total === 0))
      throw new Error(`benchSlo: ${JSON.stringify(list.slos.find((s) => s.error !== null || s.total === 0) ?? list.files)}`);
    const detail = slos.get('svc-7-availability');
    if (detail.history.length < 100) throw new Error(`benchSlo: a history of ${detail.history.length} steps`);
  };
  // The ceiling: each SLO's window counts (bad and all) as two instant queries, and one SLO's
  // history as one range query of ~200 steps — what any SLO tool must ask of the store.
  const api = new PrometheusApi(series, () => endMs);
  const windowS = Math.round((days * DAY_MS) / 1000);
  const stepS = Math.ceil(windowS / 200 / 60) * 60;
  const bare = (): void => {
    for (let s = 0; s < SERVICES; s++) {
      const sel = `${CALLS}, service_name="svc-${s}", "span.kind"="SPAN_KIND_SERVER"`;
      api.query({ query: `sum(increase({${sel}, "status.code"="STATUS_CODE_ERROR"}[${windowS}s]))`, time: endMs / 1000 });
      api.query({ query: `sum(increase({${sel}}[${windowS}s]))`, time: endMs / 1000 });
    }
    const sel = `${CALLS}, service_name="svc-7", "span.kind"="SPAN_KIND_SERVER"`;
    api.queryRange({ query: `sum(increase({${sel}}[${stepS}s]))`, start: endMs / 1000 - windowS, end: endMs / 1000, step: stepS });
  };
  view(); // warm-up: the catalogue, statements and pages
  bare();
  const t = timeIt(3, view);
  const c = timeIt(3, bare);
  const listOnly = timeIt(2, () => slos.list());
  const value = percentile(t, 50);
  const ceiling = percentile(c, 50);
  return [
    {
      what: `SLOs' minutes counted from history at first start (${SERVICES} SLOs × ${days} d, a day per step; in the background, ${SERVICES} SLOs read by PromQL meanwhile)`,
      value: `${(backfillMs / 1000).toFixed(1)} s`,
      target: 'report',
    },
    {
      what: `SLO view's API: slos.list (${SERVICES} availability SLOs, 28 d window) + one slos.get (history), ${days} d of RED series (1-min points)`,
      value: `median ${value.toFixed(0)} ms, max ${Math.max(...t).toFixed(0)} ms (list alone ${percentile(listOnly, 50).toFixed(0)} ms)`,
      ceiling: `${ceiling.toFixed(0)} ms (the bare PromQL: ${SERVICES * 2} window counts + a 200-step range)`,
      ratio: (ceiling / value).toFixed(2),
      target: `< ${TARGET_MS} ms`,
      ok: value < TARGET_MS,
    },
  ];
}

// Code run inside the page, as text: the bench is compiled for Node, without the DOM's types.
/** Go to the SLO and time until its list rows and both charts are drawn (after a frame is painted). */
const openSlo = (hash: string): string => `(async () => {
  const start = performance.now();
  location.hash = ${JSON.stringify(hash)};
  const drawn = () => {
    const rows = document.querySelectorAll('tr[data-slo]').length;
    const charts = [...document.querySelectorAll('section[aria-label^="SLO "] canvas')];
    return rows === ${SERVICES} && charts.length === 2 && charts.every((c) => Number(c.dataset.points) > 0 && c.dataset.lines);
  };
  while (!drawn()) {
    if (performance.now() - start > 20000) return NaN;
    await new Promise((r) => requestAnimationFrame(r));
  }
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - start;
})()`;

/** The view in Chromium against `loupe serve` on the same data: opened on an SLO until drawn. */
async function pageRows(dataDir: string, days: number): Promise<BenchRow[]> {
  const browser = await launchBrowser();
  const server = await startServe(['--data-dir', dataDir, '--retention', `${days + 2}d`]);
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    // The minutes this bench counted above, and those since, in: the SLOs are read from the table.
    await waitFor(
      async () => {
        const status = await server.get<EngineStatusView>('/api/status');
        return status.slos?.backfilling === 0 ? true : undefined;
      },
      120_000,
      'the SLOs minutes counted',
    );
    await page.goto(`${server.url}?token=${encodeURIComponent(server.token)}#/sources`);
    await page.waitForLoadState('networkidle');
    // Warm once (code, the engine's catalogue), then measure fresh opens from another view.
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      await page.evaluate(`(() => { location.hash = '#/sources'; })()`);
      await page.waitForTimeout(300);
      const ms = (await page.evaluate(openSlo(`#/slos/svc-${i + 1}-availability`))) as number;
      if (i > 0) times.push(ms);
    }
    const valid = times.filter((t) => Number.isFinite(t));
    const median = valid.length ? percentile(valid, 50) : NaN;
    // The same two answers over HTTP from that engine: the page's time less its own drawing.
    const answers: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await Promise.all([server.get('/api/slos'), server.get(`/api/slos/svc-${i + 1}-availability`)]);
      answers.push(performance.now() - t0);
    }
    return [
      {
        what: `SLO view in Chromium: from another view to ${SERVICES} SLO rows and an SLO's two charts drawn (${days} d of RED series)`,
        value: valid.length
          ? `median ${median.toFixed(0)} ms, max ${Math.max(...valid).toFixed(0)} ms (its two API answers over HTTP: median ${percentile(answers, 50).toFixed(0)} ms)`
          : 'not drawn in 20 s',
        target: `< ${TARGET_MS} ms`,
        ok: median < TARGET_MS,
      },
    ];
  } finally {
    await browser.close();
    await server.stop();
  }
}

export async function benchSlo(quick: boolean): Promise<BenchRow[]> {
  const days = quick ? 2 : 28;
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-slo-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(join(dataDir, SLOS_FILE), slosYaml());
    // The series end a minute ago, as a running app's do; the SLOs' windows end now.
    const endMs = Math.floor(Date.now() / STEP_MS) * STEP_MS;
    const db = openDatabase(join(dataDir, DB_FILE));
    const rows: BenchRow[] = [];
    try {
      const t0 = performance.now();
      const points = writeRedHistory(db, days, endMs);
      rows.push({
        what: `RED history: ${days} d of 1-min points, ${SERVICES} services × (ok, failed) calls counters, written by MetricWriter`,
        value: `${points.toLocaleString('en')} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        target: 'report',
      });
      rows.push(...apiRows(db, dataDir, days, Date.now()));
    } finally {
      db.close();
    }
    rows.push(...(await pageRows(dataDir, days)));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
