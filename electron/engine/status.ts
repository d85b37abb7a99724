// The engine's own health in one view: counters of what was stored and refused, with the last
// reason of each kind of failure, where a user (or the UI's Health view) can see them.
import type { EngineStatusView } from '../../shared/model.js';
import { usToRfc3339 } from '../../shared/time.js';
import type { Engine } from './engine.js';

export function engineStatus(engine: Engine): EngineStatusView {
  const p = engine.pipeline.stats;
  const r = engine.retention.stats;
  const o = engine.otlp;
  return {
    database: {
      path: engine.dbPath,
      usedBytes: engine.retention.usedBytes(),
      maxBytes: engine.retention.limits.maxDbBytes,
      retentionUs: engine.retention.limits.retentionUs,
    },
    logs: {
      recordsWritten: p.recordsWritten,
      pendingRecords: engine.pipeline.pendingRecords,
      writeErrors: p.writeErrors,
      lastWriteError: p.lastWriteError,
    },
    retention: { deletedRecords: r.deletedRecords, lastRun: r.lastRun === null ? null : usToRfc3339(r.lastRun), lastError: r.lastError },
    otlp: o
      ? {
          host: o.host,
          httpPort: o.httpPort,
          grpcPort: o.grpcPort,
          ...o.stats,
          forward: o.forwardStats ? { url: o.forwardUrl ?? '', ...o.forwardStats } : null,
        }
      : null,
    ...(engine.otlpProblem ? { otlpProblem: engine.otlpProblem } : {}),
  };
}
