// A row of the `logs` table as better-sqlite3 returns it (see core/migrations/ for the meaning of
// each column). Shared by the writer, the readers, the query compiler and the live tail.

export interface LogRow {
  id: number;
  ts: number;
  severity: number;
  level_text: string | null;
  file_id: number | null;
  source_id: number | null;
  logger: string | null;
  service: string | null;
  message: string;
  /** JSON text of an object, or null. */
  attributes: string | null;
  trace_id: string | null;
  span_id: string | null;
  exc_type: string | null;
  exc_message: string | null;
  flags: number;
}

export const LOG_FLAG_TS_INFERRED = 1;
export const LOG_FLAG_TRUNCATED = 2;
export const LOG_FLAG_INVALID_UTF8 = 4;
