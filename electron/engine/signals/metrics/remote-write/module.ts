// The remote write module (`loupe serve --remote-write URL`): a scheduler job sends the metric
// points stored since its last run every 5 s (remote-writer.ts), and `remoteWrite` on the status
// says what went and what waits. Stopping lets a send in flight finish; what is left is sent by the
// next start, from the cursor.
import type { EngineModule } from '../../../core/module.js';
import type { Db } from '../../../core/database.js';
import type { ScheduledJob, Scheduler } from '../../../core/scheduler.js';
import type { SqliteSeriesStore } from '../sqlite-series-store.js';
import { RemoteWriter } from './remote-writer.js';

export const REMOTE_WRITE_JOB = 'metrics.remote-write';
export const REMOTE_WRITE_EVERY_MS = 5_000;

export interface RemoteWriteDeps {
  db: Db;
  scheduler: Scheduler;
  store: SqliteSeriesStore;
  /** The receiver's URL (e.g. http://localhost:9090/api/v1/write), or undefined: no remote write. */
  url: string | undefined;
}

export function remoteWriteModule(deps: RemoteWriteDeps): EngineModule {
  let writer: RemoteWriter | null = null;
  let job: ScheduledJob | null = null;
  return {
    name: 'remote-write',
    // Built at start, not before: a bad URL then stops the start with everything closed behind it.
    start() {
      if (deps.url === undefined) return;
      const w = (writer = new RemoteWriter(deps.db, deps.url, deps.store, deps.scheduler.clock, REMOTE_WRITE_EVERY_MS));
      job = deps.scheduler.add({ name: REMOTE_WRITE_JOB, everyMs: REMOTE_WRITE_EVERY_MS, run: () => w.run() });
      job.start();
    },
    async stop() {
      job?.stop();
      await job?.settled();
    },
    status: () => (writer ? { remoteWrite: writer.view() } : {}),
  };
}
