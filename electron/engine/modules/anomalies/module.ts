// Anomalies over REST and the protocol (anomalies.list), the
// job that writes the golden signals' baselines as series every minute, and its status.
import type { AnomaliesView } from '../../../../shared/anomalies.js';
import type { EngineStatusView } from '../../../../shared/model.js';
import { handler } from '../../api/handlers.js';
import { param } from '../../api/params.js';
import type { EngineModule, JobSpec } from '../../core/module.js';
import type { Scheduler } from '../../core/scheduler.js';

type Range = { from?: number | undefined; to?: number | undefined };

/** What the module is given (analysis/anomalies/: Anomalies, composed by the engine). */
export interface AnomaliesParts {
  list(p: Range & { service?: string | undefined }): AnomaliesView;
  readonly baselineJob: JobSpec;
  readonly status: NonNullable<EngineStatusView['anomalies']>;
}

export function anomaliesModule(anomalies: AnomaliesParts, scheduler: Scheduler): EngineModule {
  const job = anomalies.baselineJob;
  return {
    name: 'anomalies',
    handlers: {
      'anomalies.list': handler({ from: param.time, to: param.time, service: param.string }, (p) => anomalies.list(p)),
    },
    routes: [{ method: 'GET', path: '/api/anomalies', handler: 'anomalies.list', query: ['from', 'to', 'service'] }],
    start: () => {
      scheduler.add(job).start();
    },
    stop: async () => {
      const running = scheduler.job(job.name);
      scheduler.remove(job.name);
      await running?.settled();
    },
    status: () => ({ anomalies: anomalies.status }),
  };
}
