// What health checks cost: 200 HTTP probes at Kubernetes's default 10 s period against a local
// server (the Python http.server of the tests, in its own process, so its CPU is not counted), each
// run stored and written as blackbox metrics. The figure is this process's CPU time over the wall
// time, as a share of one core; the target is under 3%.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../electron/engine/core/clock.js';
import { openDatabase } from '../../electron/engine/core/database.js';
import { EventBus } from '../../electron/engine/core/events.js';
import { Scheduler } from '../../electron/engine/core/scheduler.js';
import { Health, PROBES_FILE } from '../../electron/engine/probes/health.js';
import { LogWriter } from '../../electron/engine/signals/logs/log-writer.js';
import { PointsSink } from '../../electron/engine/signals/metrics/points-sink.js';
import { startProbedServer } from '../support/probed-server.js';
import type { BenchRow } from './bench-row.js';

const PROBES = 200;
const TARGET_PERCENT = 3;

export async function benchHealth(quick: boolean): Promise<BenchRow[]> {
  const seconds = quick ? 12 : 40;
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-health-'));
  const server = await startProbedServer();
  const db = openDatabase(join(dir, 'health.db'));
  const scheduler = new Scheduler(systemClock);
  const events = new EventBus();
  try {
    const probes = Array.from(
      { length: PROBES },
      (_, i) => `  - name: p${i}\n    service: svc${i % 20}\n    http: { url: "${server.url}/healthz", bodyContains: ok }\n`,
    );
    writeFileSync(join(dir, PROBES_FILE), `probes:\n${probes.join('')}`);
    const health = new Health({ db, scheduler, sink: new PointsSink(db, events), logs: new LogWriter(db), events, dataDir: dir });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    health.start();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const used = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    await health.stop();
    const percent = ((used.user + used.system) / 1000 / wallMs) * 100;
    const runs = health.status().results;
    return [
      {
        what: `Health checks: ${PROBES} HTTP probes every 10 s against a local server, each run stored and written as metrics (${runs} runs in ${seconds} s)`,
        value: `${percent.toFixed(2)}% of one core`,
        target: `< ${TARGET_PERCENT}%`,
        ok: percent < TARGET_PERCENT && runs >= PROBES * Math.floor(seconds / 10),
      },
    ];
  } finally {
    await scheduler.stopAll();
    db.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
