// Anomalies and "what changed" over REST and the protocol (anomalies.list, anomalies.changes), the
// job that writes the golden signals' baselines as series every minute, and its status.
import { handler } from '../../api/handlers.js';
import { param } from '../../api/params.js';
import type { EngineModule } from '../../core/module.js';
import type { Scheduler } from '../../core/scheduler.js';
import { Anomalies, BASELINE_JOB, BASELINE_JOB_MS } from '../../analysis/anomalies/anomalies.js';
import { whatChanged, type WhatChangedDeps } from '../../analysis/anomalies/what-changed.js';

export function anomaliesModule(anomalies: Anomalies, changes: WhatChangedDeps, scheduler: Scheduler): EngineModule {
  return {
    name: 'anomalies',
    handlers: {
      'anomalies.list': handler({ from: param.time, to: param.time, service: param.string }, (p) => anomalies.list(p)),
      'anomalies.changes': handler({ from: param.time, to: param.time }, (p) => whatChanged(changes, p)),
    },
    routes: [
      { method: 'GET', path: '/api/anomalies', handler: 'anomalies.list', query: ['from', 'to', 'service'] },
      { method: 'GET', path: '/api/changes', handler: 'anomalies.changes', query: ['from', 'to'] },
    ],
    start: () => {
      scheduler.add({ name: BASELINE_JOB, everyMs: BASELINE_JOB_MS, run: () => anomalies.writeBaselines() }).start();
    },
    stop: async () => {
      const job = scheduler.job(BASELINE_JOB);
      scheduler.remove(BASELINE_JOB);
      await job?.settled();
    },
    status: () => ({ anomalies: anomalies.status }),
  };
}
