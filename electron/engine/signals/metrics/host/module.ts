// The host metrics module: a scheduler job samples the machine (host-metrics.ts) and, on Linux,
// the processes tied to a source (process-sampler.ts) every minute, the hostmetrics receiver's
// default collection interval, and stores the points through the metrics sink (one transaction,
// then `points.stored`). A failed sample or write is the job's `lastError`; the next run tries again.
import type { EventBus } from '../../../core/events.js';
import type { EngineModule } from '../../../core/module.js';
import type { ProcessNamingResource } from '../../../core/resource-store.js';
import type { ScheduledJob, Scheduler } from '../../../core/scheduler.js';
import type { OtlpMetric, ScopeGroup } from '../../../core/telemetry.js';
import type { PointsSink } from '../points-sink.js';
import { hostResource, liveHost, sampleHost, type HostSource } from './host-metrics.js';
import { liveProcFs, type ProcFs } from './process-metrics.js';
import { ProcessSampler, type WatchedFile } from './process-sampler.js';

export const HOST_METRICS_JOB = 'metrics.host.sample';
export const HOST_SAMPLE_MS = 60_000;
/** The scope of the points, as the receiver's scraper names itself. */
export const HOST_SCOPE = 'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver';

export interface HostMetricsDeps {
  scheduler: Scheduler;
  sink: PointsSink;
  /** Where the host readings come from (tests pass copies of /proc). */
  source?: HostSource;
  /**
   * The processes to sample besides the host (Linux only): the files of the watched sources and
   * the stored resources that name a process, given by the composition root (signals never read
   * ingest's tables), and the bus whose `logs.stored` says which service writes each file.
   */
  processes?: {
    events: EventBus;
    watchedFiles: () => WatchedFile[];
    namingResources: () => ProcessNamingResource[];
    fs?: ProcFs;
  };
}

export function hostMetricsModule(deps: HostMetricsDeps): EngineModule {
  const resource = hostResource();
  const source = deps.source ?? liveHost;
  const p = deps.processes;
  const processes =
    p && source.platform === 'linux'
      ? new ProcessSampler({
          fs: p.fs ?? liveProcFs,
          watchedFiles: p.watchedFiles,
          namingResources: p.namingResources,
          hostName: String(resource.attributes['host.name']),
          selfPid: process.pid,
        })
      : null;
  let job: ScheduledJob | null = null;
  let stopListening: (() => void) | null = null;
  const sample = (): void => {
    const nowUs = deps.scheduler.clock.nowUs();
    const groups: ScopeGroup<OtlpMetric>[] = [{ resource, scope: { name: HOST_SCOPE }, items: sampleHost(source, nowUs) }];
    if (processes) groups.push(...processes.sample(nowUs));
    deps.sink.writeGroups(groups);
  };
  return {
    name: 'host-metrics',
    start() {
      if (processes && p) {
        stopListening = p.events.on('logs.stored', (batch) => {
          for (const r of batch.records) if (r.fileId !== null && r.service !== undefined) processes.noteService(r.fileId, r.service);
        });
      }
      job = deps.scheduler.add({ name: HOST_METRICS_JOB, everyMs: HOST_SAMPLE_MS, run: sample });
      job.start();
    },
    async stop() {
      stopListening?.();
      job?.stop();
      await job?.settled();
    },
  };
}
