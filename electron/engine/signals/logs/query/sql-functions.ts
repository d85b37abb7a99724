// SQL functions the compiled queries call. Register them on every connection that runs searches.
import type Database from 'better-sqlite3';
import { checkSearchDeadline, noteReached } from './deadline.js';
import { cachedRegex } from './regex.js';
import type { AnalysisLookup } from './compile-predicate.js';

/**
 * Adds regexp(pattern, flags, text) → 1/0 (NULL text → 0), with RE2 syntax (linear time) and the
 * flags i, m, s, u; and search_deadline(id) → 1, which throws once the running search is out of time
 * (or the walk that may stop is, see walkUntil), else notes that the walk reached the row of `id`.
 */
export function registerQueryFunctions(db: Database.Database): void {
  db.function('regexp', { deterministic: true }, (pattern: unknown, flags: unknown, text: unknown) => {
    if (typeof text !== 'string') return 0;
    // Matching is linear in the text: a long line counts as much work as many short ones.
    checkSearchDeadline(1 + (text.length >> 6));
    return cachedRegex(String(pattern), typeof flags === 'string' ? flags : '').test(text) ? 1 : 0;
  });
  db.function('search_deadline', { deterministic: false }, (id: unknown) => {
    // Called for ~1 row in 1024 (deadlineSql): each call stands for that many rows.
    checkSearchDeadline(1024);
    if (typeof id === 'number') noteReached(id);
    return 1;
  });
}

/** `group:` and `pattern:` for the live tail, over the analysis tables (migration 009). */
export function sqlAnalysisLookup(db: Database.Database): AnalysisLookup {
  const inGroup = db
    .prepare(
      `SELECT 1 FROM error_occurrences WHERE log_id = ?
         AND group_id = coalesce((SELECT merged_into FROM error_groups WHERE id = ?), ?)`,
    )
    .pluck();
  const regex = db.prepare('SELECT regex FROM log_patterns WHERE id = ?').pluck();
  return {
    inGroup: (logId, groupId) => inGroup.get(logId, groupId, groupId) !== undefined,
    patternRegex: (id) => regex.get(id) as string | undefined,
  };
}
