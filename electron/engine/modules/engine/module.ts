// The engine's own methods: its status (every module's part of it, merged by the composition
// root, with the database and retention here) and a health check.
import type { EngineStatusView } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import { handler } from '../../api/handlers.js';
import type { EngineModule } from '../../core/module.js';
import type { Retention } from '../../core/retention.js';

/** `status`: the merged status of all modules (this one's part included). */
export function engineModule(dbPath: string, retention: Retention, status: () => EngineStatusView): EngineModule {
  return {
    name: 'engine',
    handlers: {
      'engine.status': handler({}, status),
      // Answered once the engine is up: the carriers start after the modules.
      'engine.health': handler({}, () => ({ status: 'ok' as const })),
    },
    routes: [
      { method: 'GET', path: '/api/health', handler: 'engine.health' },
      { method: 'GET', path: '/api/status', handler: 'engine.status' },
    ],
    status: () => {
      const r = retention.stats;
      return {
        database: {
          path: dbPath,
          usedBytes: retention.usedBytes(),
          diskBytes: retention.diskBytes(),
          maxBytes: retention.limits.maxDbBytes,
          retentionUs: retention.limits.retentionUs,
        },
        retention: {
          deletedRecords: r.deletedRecords,
          lastRun: r.lastRun === null ? null : usToRfc3339(r.lastRun),
          lastError: r.lastError,
        },
      };
    },
  };
}
