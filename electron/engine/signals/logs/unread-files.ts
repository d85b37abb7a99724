// The contract between the log reader and the scan of the watched files' bytes not read into the
// store yet (ingest/files/unread-scan.ts): signals/ never imports ingest/, engine.ts joins them.
import type { UnreadPart, UnreadSearched } from '../../../../shared/model.js';
import type { Needle } from './query/needles.js';
import type { LogRow } from './rows.js';

/** A record parsed from unread bytes: a row with a stand-in id, and where its record starts. */
export interface UnreadMatch {
  row: LogRow;
  file: string;
  offset: number;
}

/** Whether a parsed record (starting at `offset` of its file) belongs in the answer. */
export type KeepUnread = (row: LogRow, offset: number) => boolean;

/**
 * The levels a search keeps, as indexes into LEVELS (0 = trace … 5 = fatal), from its top-level
 * `level:` terms: every record `keep` accepts has a level in min..max.
 */
export interface LevelsKept {
  min: number;
  max: number;
}

/** The records found in the unread bytes, and how much of them was looked at. */
export interface UnreadAnswer {
  matches: UnreadMatch[];
  searched: UnreadSearched;
}

export interface UnreadFiles {
  /** How much of the files is not stored yet, now (cheap: a stat per file). */
  measure(): UnreadPart;
  /**
   * The records of the unread bytes that hold a needle and pass `keep`: up to `want` from each
   * unread range, newest (last in the file) first, within the scan's caps. Synchronous, so that
   * nothing is stored while it runs: a byte is either stored or scanned, never both.
   */
  scan(needles: Needle[], keep: KeepUnread, want: number): UnreadAnswer;
  /**
   * A browse (no words to look for): the records of the unread bytes with times in [from, to] that
   * pass `keep`, up to `want` from each unread range, newest first: read back from the offset of
   * `to` (found by bisecting on the records' times: files are time-ordered; a file found not to be
   * is read whole, and named), within the scan's caps. Synchronous, as `scan`. `levels`: the
   * levels `keep` accepts at most (a hint: records of other levels may be left unparsed).
   */
  browse(from: number, to: number, keep: KeepUnread, want: number, levels?: LevelsKept): UnreadAnswer;
}
