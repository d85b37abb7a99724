// The host metrics module: a scheduler job samples the machine (host-metrics.ts) every minute, the
// hostmetrics receiver's default collection interval, and stores the points through the metrics
// sink (one transaction, then `points.stored`). A failed sample or write is the job's `lastError`;
// the next run tries again.
import type { EngineModule } from '../../../core/module.js';
import type { ScheduledJob, Scheduler } from '../../../core/scheduler.js';
import type { PointsSink } from '../points-sink.js';
import { hostResource, liveHost, sampleHost, type HostSource } from './host-metrics.js';

export const HOST_METRICS_JOB = 'metrics.host.sample';
export const HOST_SAMPLE_MS = 60_000;
/** The scope of the points, as the receiver's scraper names itself. */
export const HOST_SCOPE = 'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver';

export function hostMetricsModule(deps: { scheduler: Scheduler; sink: PointsSink; source?: HostSource }): EngineModule {
  const resource = hostResource();
  let job: ScheduledJob | null = null;
  const sample = (): void => {
    deps.sink.write(resource, HOST_SCOPE, sampleHost(deps.source ?? liveHost, deps.scheduler.clock.nowUs()));
  };
  return {
    name: 'host-metrics',
    start() {
      job = deps.scheduler.add({ name: HOST_METRICS_JOB, everyMs: HOST_SAMPLE_MS, run: sample });
      job.start();
    },
    async stop() {
      job?.stop();
      await job?.settled();
    },
  };
}
