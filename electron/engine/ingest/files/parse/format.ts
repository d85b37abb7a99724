// What the parse modules share beyond the public contract in types.ts.
import type { LogFormat, ParsedRecord } from './types.js';

/** A record as a format module returns it; a few hints only the assembler uses. */
export interface FormatRecord extends ParsedRecord {
  /**
   * Microseconds since local midnight when the line carries only a time of day (logback's
   * TTLLLayout); the assembler puts it on the date of the previous record or of the read time.
   */
  timeOfDayUs?: number;
}

/** A LogFormat with the optional extras the assembler understands. */
export interface FormatDef extends LogFormat {
  parse(line: string): FormatRecord | undefined;
  /**
   * The format accepts nearly any line (plain text, runserver output): the assembler then folds
   * lines that look like continuations (indented, tracebacks) before asking `parse`.
   */
  readonly lenient?: boolean;
  /** Whether this format is ever chosen by detection (plain is the fallback, not a candidate). */
  readonly fallback?: boolean;
  /**
   * Re-read a whole folded record (its lines joined by "\n"), for formats whose values may span
   * lines (logfmt's quoted strings). Undefined: keep the first line's parse and fold the rest.
   */
  parseFolded?(text: string): FormatRecord | undefined;
  /**
   * For lenient formats: whether a line that could start a record continues the pending one
   * instead (plain text: an untimed line after a timestamped record). Bounded by the assembler.
   */
  continues?(pending: FormatRecord, line: string): boolean;
  /** For lenient formats: whether a line is this format's own (detection counts these, not `parse`). */
  detectLine?(line: string): boolean;
}
