// Log records and a log search's answer as they cross a process boundary (engine → API/renderer):
// a page of records, the histogram, and what a search did with the records not full-text indexed
// or not read from the files yet. Times here are RFC 3339 strings; inside the engine every time is
// an integer number of microseconds since the epoch.
import type { Level } from './severity.js';

export interface LogRecordView {
  /** Stable id of the record (its row id): use it for context and as a cursor. */
  id: number;
  timestamp: string;
  /** True when the line had no timestamp of its own and took the previous record's (or the read time). */
  timestampInferred?: boolean;
  level: Level;
  severityNumber: number;
  /** The level as it was written (WARNING, warn, 30, …), when there was one. */
  severityText?: string;
  logger?: string;
  message: string;
  attributes?: Record<string, unknown>;
  /** The source (a watched path), and the file within it the record came from. */
  source?: string;
  file?: string;
  traceId?: string;
  spanId?: string;
  service?: string;
  /** The last exception of a folded traceback. */
  exception?: { type: string; message: string };
  /** The line was longer than the line limit and was cut; the message ends with a marker. */
  truncated?: boolean;
  /**
   * Found by a search in a file's bytes not read into the store yet: not stored, so `id` is a
   * negative stand-in (no context, not a cursor) and the record is stored later with its own id.
   * `file` and `offset` (the byte its record starts at) say where it is.
   */
  pending?: { file: string; offset: number };
}

export interface HistogramBucket {
  start: string;
  end: string;
  counts: Partial<Record<Level, number>>;
}

/**
 * A numeric attribute with many values (`duration_ms`: one per record) as a facet: its range and
 * how the values spread over it, instead of a list of values each seen once.
 */
export interface NumericFacet {
  min: number;
  max: number;
  /** Counts in equal-width bins from min to max (the last bin includes max). */
  bins: number[];
}

/**
 * The records a text search found by scanning their stored text, the full-text index not having
 * reached them yet (it may lag behind a big folder's first read): how many, and their text's bytes.
 */
export interface UnindexedPart {
  records: number;
  bytes: number;
}

/** The bytes of the watched files not read into the store yet (a big folder's first minute), and in how many files. */
export interface UnreadPart {
  bytes: number;
  files: number;
}

/** What a search did with the unread bytes: their matches are its `pending` records. */
export interface UnreadSearched extends UnreadPart {
  /**
   * How many of them it looked through for its words (or, `browsed`, covered as records): all of
   * them, or fewer when it stopped at its cap (bytes or time).
   */
  scannedBytes: number;
  /** Files skipped because they changed under the scan (rotated away, truncated, rewritten). */
  changed?: string[];
  /**
   * A browse (no words): the unread bytes were read as records, from the page's time back
   * (`scannedBytes`: how much of them the page covered). Without it, a search looked for words.
   */
  browsed?: true;
  /** Files whose records are not in time order: a browse read their unread part whole (within the caps). */
  unordered?: string[];
}

/**
 * A count asked `within` a time that stopped before every match was counted (a common word's first
 * look over days): the matches from `before` on are all counted, some before it not yet. What was
 * counted is kept, so asking again goes on from there.
 */
export interface CountingPart {
  before: string;
}

export interface HistogramView {
  total: number;
  buckets: HistogramBucket[];
  /** Present when older matches are still to count (asked `within` a time): `total` is then a lower bound. */
  counting?: CountingPart;
  /** Present while some records are not full-text indexed yet (and the search has words): they were scanned. */
  unindexed?: UnindexedPart;
  /** Present while some of the files are not read yet: the counts are of what is stored. */
  unread?: UnreadPart;
}

export interface LogPage {
  records: LogRecordView[];
  /** Pass back as `cursor` to get the next (older) page; null when there is none. */
  nextCursor: string | null;
  /**
   * Present when the search, asked `within` a time, stopped before the page was full: every record
   * newer than this time (RFC 3339) was searched, and `nextCursor` goes on from there (the page may
   * hold no record at all).
   */
  searchedBackTo?: string;
  /** Present while some records are not full-text indexed yet (and the search has words): they were scanned. */
  unindexed?: UnindexedPart;
  /** Present while some of the files are not read yet: what the search did with them. */
  unread?: UnreadSearched;
}
