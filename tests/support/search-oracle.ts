// What a user expects of a search, computed without the index: every stored record tested by the
// live tail's predicate, newest first; and a search's answer read page by page through its cursor.
// The oracles of the tests that compare the full-text paths against them.
import type { Db } from '../../electron/engine/core/database.js';
import type { LogReader } from '../../electron/engine/signals/logs/log-reader.js';
import { compileToPredicate, parseQuery } from '../../electron/engine/signals/logs/query/index.js';
import type { LogRow } from '../../electron/engine/signals/logs/rows.js';

/** The messages of the records `q` matches in [from, to] (µs), newest first, by a scan of every record. */
export function scanMatches(db: Db, q: string, from = 0, to = Number.MAX_SAFE_INTEGER): string[] {
  const test = compileToPredicate(parseQuery(q));
  const rows = db.prepare('SELECT * FROM logs WHERE ts >= ? AND ts <= ? ORDER BY id DESC').all(from, to) as LogRow[];
  return rows.filter((r) => test({ ...r, source_path: null, file_path: null })).map((r) => r.message);
}

/** The messages of every page of a search of `limit` records, following its cursor to the end. */
export function allPages(reader: LogReader, q: string, limit: number, from?: number, to?: number): string[] {
  const out: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = reader.search({ q, from, to, limit, ...(cursor ? { cursor } : {}) });
    out.push(...page.records.map((r) => r.message));
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}
