// The contract between the file tailer and the pipeline that parses and stores what it reads.
import type { SourceLine } from './parse/types.js';
import type { FileIdentity } from '../../core/file-identity.js';

/** Where the tailer sends what it finds. Implemented by the engine's pipeline (and by tests). */
export interface TailSink {
  /**
   * A file not seen before: store it and return its id. `startOffset` is where reading begins; with
   * `backfill`, the bytes before it are read later through `backfillBytes` (a big file, tail first;
   * only sinks that have `backfillBytes` are asked to).
   */
  registerFile(path: string, identity: FileIdentity, startOffset: number, backfill?: boolean): number;
  /** The fingerprint grew, or the file was seen under another name (rename rotation). */
  updateFile(fileId: number, change: { path?: string; identity?: FileIdentity }): void;
  /**
   * Complete lines read from a file, in order. The promise (if any) resolves when the sink has room
   * for more: the tailer waits for it before reading on (backpressure).
   */
  lines(fileId: number, lines: SourceLine[]): void | Promise<void>;
  /**
   * The reader is at the end of the file: every byte written so far was handed over. A record
   * still being folded is complete unless more lines come soon (writers write a record at once).
   */
  caughtUp?(fileId: number): void;
  /**
   * Nothing more will follow the last line for now (a quiet period, the file was rotated away or
   * deleted): a pending multi-line record may be finished.
   */
  idle(fileId: number): void;
  /**
   * The next raw bytes of a file's older part (read after its tail, from the start up to where the
   * tail began), the first at file offset `offset`; the sink splits and parses them (off the
   * engine's loop), apart from `lines` (its own records in progress and checkpoint). `bytes` may be
   * reused once this returns. A promise: wait for room before reading on. A number: what was sent
   * since that offset was lost (the parse thread failed): read again from there.
   */
  backfillBytes?(fileId: number, bytes: Uint8Array, offset: number): void | number | Promise<void>;
  /**
   * The older part was read up to `end` (where the tail began): its unfinished line is a line, its
   * last record is complete. A number (now or once its records are in hand): read again from there.
   */
  backfillDone?(fileId: number, end: number): void | number | Promise<number | undefined>;
  /** The file was truncated in place (copytruncate): reading restarts at `offset` (after leading NULs). */
  truncated(fileId: number, offset: number): void;
  /** The file is not read, and why (binary, compressed backup, unreadable: the OS error), or null when it recovered. */
  problem(fileId: number | null, path: string, problem: string | null): void;
  /** The file is gone (deleted, or rotated out of the watched names) and was read to its end. */
  gone(fileId: number): void;
}
