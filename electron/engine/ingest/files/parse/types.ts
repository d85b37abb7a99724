// The contract between the file tailer (lines with byte offsets) and the parsers (records).

/** One record a parser made from one line or a fold of several lines. */
export interface ParsedRecord {
  /** Microseconds since the epoch; undefined when the text carries no time (the assembler fills it). */
  ts: number | undefined;
  /** OpenTelemetry severity 1–24, 0 when the line says nothing about it. */
  severity: number;
  /** The level as written (WARNING, warn, E, 30…), when there was one. */
  severityText?: string;
  logger?: string;
  message: string;
  attributes?: Record<string, unknown>;
  traceId?: string;
  spanId?: string;
  service?: string;
  /** The *last* exception of a (chained) traceback folded into this record. */
  exception?: { type: string; message: string };
}

/** A line as the tailer hands it over. */
export interface SourceLine {
  text: string;
  /** Byte offset just past this line's newline in its file: the checkpoint once the line's record is stored. */
  endOffset: number;
  /** The line was cut at the line limit. */
  truncated?: boolean;
  /** The line was not valid UTF-8; bad bytes were replaced by U+FFFD. */
  invalidUtf8?: boolean;
}

/** A finished record, with everything the store needs. */
export interface AssembledRecord extends ParsedRecord {
  ts: number;
  /** True when `ts` was taken from the previous record or the read time. */
  tsInferred: boolean;
  /** Byte offset just past the last line of this record: safe to commit as the file's checkpoint. */
  endOffset: number;
  truncated: boolean;
  invalidUtf8: boolean;
}

/** One log format: recognises and parses the first line of a record. */
export interface LogFormat {
  /** Stable id shown to users and accepted as an override (e.g. "python", "structlog-json"). */
  readonly id: string;
  /** Human name for the UI. */
  readonly name: string;
  /**
   * Parse a line that starts a record, or return undefined when the line is not of this format
   * (it may then be a continuation of the previous record).
   */
  parse(line: string): ParsedRecord | undefined;
}
