// The per-minute counts (`log_counts`) that the histogram reads instead of grouping raw rows.
import type { Db } from '../../core/database.js';
import { LEVELS } from '../../../../shared/severity.js';

export const MINUTE_US = 60_000_000;

/** The columns of log_counts' rows summed by level (0..5), one column a level. */
export const LEVEL_SUMS = LEVELS.map((_, level) => `sum(n) FILTER (WHERE level = ${level})`).join(', ');

export function minuteOf(tsUs: number): number {
  return Math.floor(tsUs / MINUTE_US) * MINUTE_US;
}

/** 0..5 = trace..fatal; an unspecified severity counts as info, as levelOf() shows it. */
export function levelIndexOf(severity: number): number {
  return severity >= 1 && severity <= 24 ? Math.floor((severity - 1) / 4) : 2;
}

/** minuteOf() and levelIndexOf() in SQL, over a `logs` row: for subtracting rows being deleted. */
export const COUNT_KEY_SQL = `(ts / ${MINUTE_US}) * ${MINUTE_US} AS minute, coalesce(source_id, 0) AS source_id,
  CASE WHEN severity BETWEEN 1 AND 24 THEN (severity - 1) / 4 ELSE 2 END AS level`;

/** Takes rows about to be deleted out of `log_counts` (run it inside the deleting transaction). */
export class CountSubtractor {
  private readonly countsOf;
  private readonly subtract;
  private readonly dropEmpty;

  /** `where` selects the rows to be deleted from `logs`; its parameters are given to `run`. */
  constructor(db: Db, where: string) {
    this.countsOf = db.prepare(`SELECT ${COUNT_KEY_SQL}, count(*) AS n FROM logs WHERE ${where} GROUP BY 1, 2, 3`);
    this.subtract = db.prepare('UPDATE log_counts SET n = n - ? WHERE minute = ? AND source_id = ? AND level = ?');
    this.dropEmpty = db.prepare('DELETE FROM log_counts WHERE n <= 0');
  }

  run(...params: unknown[]): void {
    for (const c of this.countsOf.all(...params) as { minute: number; source_id: number; level: number; n: number }[]) {
      this.subtract.run(c.n, c.minute, c.source_id, c.level);
    }
    this.dropEmpty.run();
  }
}
