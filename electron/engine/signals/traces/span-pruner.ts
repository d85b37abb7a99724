// Retention of traces: a whole trace goes at a time (its summary row and all its spans), the
// traces that started first going first.
import type { Pruner } from '../../core/module.js';
import type { Db } from '../../core/database.js';
import { RETENTION_CHUNK, rowsToFree } from '../../core/retention.js';

/** Spans per trace, roughly: how many traces make the rows a size trim asks for. */
const SPANS_PER_TRACE_GUESS = 20;

export class SpanPruner implements Pruner {
  readonly name = 'traces';
  private readonly oldestStart;
  private readonly oldestTraces;
  private readonly deleteTraces;

  constructor(db: Db) {
    this.oldestStart = db.prepare('SELECT min(start_us) FROM traces').pluck();
    this.oldestTraces = db.prepare('SELECT trace_id FROM traces WHERE start_us < ? ORDER BY start_us LIMIT ?').pluck();
    const deleteTraceSpans = db.prepare('DELETE FROM spans WHERE trace_id = ?');
    const deleteTrace = db.prepare('DELETE FROM traces WHERE trace_id = ?');
    this.deleteTraces = db.transaction((traceIds: string[]): number => {
      let spans = 0;
      for (const id of traceIds) {
        spans += deleteTraceSpans.run(id).changes;
        deleteTrace.run(id);
      }
      // A summary whose spans were already gone still counts: the sweep goes on past it.
      return spans > 0 ? spans : traceIds.length;
    });
  }

  oldestUs(): number | null {
    return this.oldestStart.get() as number | null;
  }

  pruneOlderThan(cutoffUs: number): number {
    return this.deleteTraces(this.oldestTraces.all(cutoffUs, RETENTION_CHUNK) as string[]);
  }

  pruneOldest(bytesToFree: number): number {
    const traces = Math.ceil(rowsToFree(bytesToFree) / SPANS_PER_TRACE_GUESS);
    return this.deleteTraces(this.oldestTraces.all(Number.MAX_SAFE_INTEGER, traces) as string[]);
  }
}
